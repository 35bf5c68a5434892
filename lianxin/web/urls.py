from django.contrib.auth import views as auth_views
from django.urls import path

from .views import callbacks, hotline, mydata, public, rate_link, staff

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("accounts/login/", public.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("elderly/", public.elderly_toggle, name="elderly_toggle"),
    path("appeal/new/", public.submit, name="submit"),
    path("appeal/areas/", public.area_options, name="area_options"),
    path("appeal/receipt/", public.receipt, name="receipt"),
    path("track/", public.track, name="track"),
    path("track/<str:tracking_number>/", public.track_detail, name="track_detail"),
    path("track/<str:tracking_number>/rate/", public.track_rate, name="track_rate"),
    path("track/<str:tracking_number>/reopen/", public.track_reopen, name="track_reopen"),
    path("track/<str:tracking_number>/withdraw/", public.track_withdraw, name="track_withdraw"),
    path(
        "track/<str:tracking_number>/attachments/<int:attachment_id>/",
        public.track_attachment,
        name="track_attachment",
    ),
    path("mine/", public.my_appeals, name="my_appeals"),
    path("mine/data.json", mydata.my_data, name="my_data"),
    path("mine/erase/", mydata.my_erase, name="my_erase"),
    path("rate/<str:token>/", rate_link.rate_by_link, name="rate_link"),
    path("staff/", staff.staff_home, name="staff_home"),
    path("staff/queue/<str:name>/", staff.queue_view, name="queue"),
    path("staff/bulk-dispatch/", staff.bulk_dispatch, name="bulk_dispatch"),
    path("staff/appeals/<int:pk>/", staff.appeal_detail, name="appeal"),
    path("staff/appeals/<int:pk>/act/<str:action>/", staff.appeal_act, name="appeal_act"),
    path("staff/appeals/<int:pk>/contact/", staff.reveal_contact, name="reveal_contact"),
    path(
        "staff/appeals/<int:pk>/attachments/<int:attachment_id>/",
        staff.attachment_download,
        name="attachment",
    ),
    path("staff/hotline/", hotline.hotline, name="hotline"),
    path("staff/hotline/similar/", hotline.hotline_similar, name="hotline_similar"),
    path("staff/callbacks/", callbacks.callback_queue_view, name="callbacks"),
    path("staff/appeals/<int:pk>/callback/dial/", callbacks.callback_dial, name="callback_dial"),
    path("staff/notifications/", staff.notifications, name="notifications"),
]
