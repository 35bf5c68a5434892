from django.urls import path

from . import staff_materials, staff_views, views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("me/", views.profile, name="profile"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/moderation/", staff_views.staff_moderation, name="staff_moderation"),
    path("staff/from-hotspot/", staff_materials.staff_from_hotspot, name="staff_from_hotspot"),
    path("staff/from-task/<int:task_id>/", staff_materials.staff_from_task, name="staff_from_task"),
    path("staff/<slug:slug>/", staff_views.staff_edit, name="staff_edit"),
    path("staff/<slug:slug>/attachments/", staff_materials.staff_attachments, name="staff_attachments"),
    path("staff/<slug:slug>/summary/", staff_materials.staff_summary, name="staff_summary"),
    path("staff/<slug:slug>/feedback/", staff_views.staff_feedback, name="staff_feedback"),
    path("staff/<slug:slug>/hearings/", staff_views.staff_hearings, name="staff_hearings"),
    path("staff/<slug:slug>/analysis/", staff_views.staff_analysis, name="staff_analysis"),
    path("staff/<slug:slug>/export/<str:fmt>/", staff_views.staff_export, name="staff_export"),
    path("staff/<slug:slug>/<str:action>/", staff_views.staff_transition, name="staff_transition"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
    path("<slug:slug>/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<slug:slug>/comment/", views.comment, name="comment"),
    path("<slug:slug>/paragraphs/<int:number>/rate/", views.rate, name="rate"),
    path("<slug:slug>/proposals/", views.proposal_add, name="proposal_add"),
    path("<slug:slug>/proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/budget/", views.budget_vote, name="budget_vote"),
    path("<slug:slug>/hearings/<int:pk>/register/", views.hearing_register, name="hearing_register"),
    path("<slug:slug>/survey/", views.survey, name="survey"),
    path("<slug:slug>/statements/", views.statements, name="statements"),
    path("<slug:slug>/results/", views.results, name="results"),
    path("<slug:slug>/decision/", views.decision, name="decision"),
]
