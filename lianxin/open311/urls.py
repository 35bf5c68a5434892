from django.urls import re_path

from . import discovery, views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, discovery.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,40}?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests_endpoint, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]{1,40}?)" + FMT, views.get_request, name="request"),
]
