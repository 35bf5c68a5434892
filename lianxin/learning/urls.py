from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("", views.home, name="home"),
    path("enrolments/<int:pk>/", views.enrolment, name="enrolment"),
    path("enrolments/<int:pk>/lessons/<int:lesson_id>/done/", views.lesson_done, name="lesson_done"),
    path("enrolments/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("certificates/<str:code>/", views.certificate, name="certificate"),
    path("manage/", views.manage, name="manage"),
]
