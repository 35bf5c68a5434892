from django.http import HttpRequest, JsonResponse
from django.urls import re_path

from .main import api

app_name = "api"


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(
        {"error": "not_found", "message": f"没有这个接口：/api/v1/{rest}。请查看 /api/v1/docs。"},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [*api.urls[0], re_path(r"^(?P<rest>.*)$", not_found)]
