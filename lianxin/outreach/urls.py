from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.my_households, name="mine"),
    path("visits/", views.my_visits, name="visits"),
    path("follow-ups/", views.my_follow_ups, name="follow_ups"),
    path("points/", views.points, name="points"),
    path("households/", views.households, name="households"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/assign/", views.household_assign, name="household_assign"),
    path("households/<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/photos/", views.visit_photos_add, name="visit_photos_add"),
    path("visits/<int:pk>/photos/<int:photo_id>/", views.visit_photo, name="visit_photo"),
    path("concerns/<int:pk>/appeal/", views.concern_appeal, name="concern_appeal"),
    path("coverage/", views.coverage, name="coverage"),
    path("import/", views.import_page, name="import"),
    path("export/", views.export, name="export"),
]
