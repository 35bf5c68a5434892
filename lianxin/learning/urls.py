from django.urls import path

from . import authoring, views

app_name = "learning"
urlpatterns = [
    path("", views.home, name="home"),
    path("enrolments/<int:pk>/", views.enrolment, name="enrolment"),
    path("enrolments/<int:pk>/lessons/<int:lesson_id>/done/", views.lesson_done, name="lesson_done"),
    path("enrolments/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("certificates/<str:code>/", views.certificate, name="certificate"),
    path("manage/", views.manage, name="manage"),
    path("manage/courses/", authoring.courses, name="courses"),
    path("manage/courses/<str:code>/", authoring.course_edit, name="course_edit"),
    path("manage/courses/<str:code>/publish/", authoring.course_publish, name="course_publish"),
    path("manage/courses/<str:code>/<str:part>/", authoring.course_add, name="course_add"),
    path("enrolments/<int:pk>/certificate.pdf", authoring.certificate_download, name="certificate_pdf"),
]
