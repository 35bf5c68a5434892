from django.urls import path

from lianxin.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("generate/", views.report_generate, name="generate"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/lessons/", views.report_lessons, name="lessons"),
    path("<int:pk>/publish/", views.report_publish, name="publish"),
    path("<int:pk>/pdf/", views.report_pdf, name="pdf"),
    path("<int:pk>/download.<str:fmt>", views.report_download, name="download"),
]
