from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery/", views.recovery, name="recovery"),
]
