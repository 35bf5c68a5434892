from django.urls import path

from . import views, views_notices

app_name = "proactive"
urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("proposals/", views.proposals, name="proposals"),
    path("<int:pk>/", views.task, name="task"),
    path("<int:pk>/accept/", views.task_accept, name="accept"),
    path("<int:pk>/dismiss/", views.task_dismiss, name="dismiss"),
    path("<int:pk>/outcome/", views.task_outcome, name="outcome"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notices/", views_notices.notice_list, name="notices"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice"),
    path("notices/manage/", views_notices.notice_manage, name="notice_manage"),
    path("notices/<int:pk>/withdraw/", views_notices.notice_withdraw, name="notice_withdraw"),
]
