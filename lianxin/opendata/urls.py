from django.urls import path, re_path

from lianxin.opendata import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("data/dictionary.json", views.dictionary, name="dictionary"),
    re_path(r"^data/(?P<month>[^/]{1,20})\.(?P<fmt>csv|json|daily\.csv)$", views.month_data, name="month"),
]
