from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/resume/", views.subscription_resume, name="resume"),
]
