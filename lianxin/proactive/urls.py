from django.urls import path

from . import views

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
]
