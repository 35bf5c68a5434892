from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.request_mediation, name="request"),
    path("mine/<int:pk>/", views.mine_case, name="mine_case"),
    path("mine/<int:pk>/withdraw/", views.mine_withdraw, name="mine_withdraw"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/figures/", views.staff_figures, name="staff_figures"),
    path("staff/<int:pk>/", views.staff_case, name="staff_case"),
    path("staff/<int:pk>/act/<str:action>/", views.staff_act, name="staff_act"),
    path("staff/<int:pk>/to-appeal/", views.staff_to_appeal, name="staff_to_appeal"),
    path("staff/<int:pk>/agreement.pdf", views.staff_agreement, name="staff_agreement"),
    path("from-appeal/<str:tracking_number>/", views.from_appeal, name="from_appeal"),
]
