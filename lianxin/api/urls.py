from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.http import require_GET

from .main import api

app_name = "api"


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(
        {"error": "not_found", "message": f"没有这个接口：/api/v1/{rest}。请查看 /api/v1/docs。"},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    """`GET /api/v1/`: what this API is and where its description lives (was a 404)."""
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": request.build_absolute_uri("/api/v1/openapi.json"),
            "docs": request.build_absolute_uri("/api/v1/docs"),
            "open311_discovery": request.build_absolute_uri("/open311/v2/discovery.json"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [path("", index, name="index"), *api.urls[0], re_path(r"^(?P<rest>.*)$", not_found)]
