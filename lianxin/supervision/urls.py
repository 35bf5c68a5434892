from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("text-hotspots/", views.text_hotspots, name="text_hotspots"),
    path("unit/", views.unit_dashboard, name="unit"),
    path("cadres/", views.cadres, name="cadres"),
    path("drill/", views.drilldown, name="drill"),
    path("warnings/", views.warnings_list, name="warnings"),
    path("replies/", views.weak_replies, name="replies"),
    path("orders/", views.orders_list, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/respond/", views.order_respond, name="order_respond"),
    path("orders/<int:pk>/close/", views.order_close, name="order_close"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
]
