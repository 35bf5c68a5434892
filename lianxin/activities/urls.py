from django.urls import path

from . import views, views_staff

app_name = "activities"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signup/", views.signup, name="signup"),
    path("<int:pk>/signup/cancel/", views.signup_cancel, name="signup_cancel"),
    path("<int:pk>/signup/phone/", views.signup_phone, name="signup_phone"),
    path("signups/<str:token>/", views.phone_signup, name="phone_signup"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("<int:pk>/manage/photos/", views_staff.photo_upload, name="photo_upload"),
    path("my/", views.mine, name="mine"),
    path("my/certificate.pdf", views.certificate, name="certificate"),
    path("hours/verify/", views.verify, name="verify"),
    path("wishes/", views.wish_list, name="wishes"),
    path("wishes/raise/", views.wish_raise, name="wish_raise"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish"),
    path("wishes/<int:pk>/act/", views.wish_act, name="wish_act"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("staff/", views_staff.home, name="staff"),
    path("staff/new/", views_staff.activity_new, name="new"),
    path("staff/wishes/new/", views_staff.wish_new, name="wish_new"),
    path("staff/organizations/new/", views_staff.organization_new, name="organization_new"),
    path("organizations/<int:pk>/members/", views_staff.organization_member_add, name="member_add"),
    path("organizations/<int:pk>/projects/", views_staff.project_add, name="project_add"),
    path("<int:pk>/manage/", views_staff.manage, name="manage"),
    path("<int:pk>/manage/act/", views_staff.act, name="act"),
]
