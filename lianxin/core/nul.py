"""NUL characters are refused at the edge, for every text input (issue 10, defect 4).

PostgreSQL cannot store U+0000 in text, and no resident or integration has a reason to send it: a
query parameter, a form field (name or value, uploaded file names included) or a JSON string holding
one is answered 400 with a message that names the field, in the caller's format (JSON for the API,
the GeoReport error format for Open311, a page elsewhere) — before any view or database sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils.html import escape
from django.utils.translation import gettext as _

_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def _first_nul(items: Iterable[tuple[str, list[str]]]) -> str | None:
    for name, values in items:
        if "\x00" in name or any("\x00" in v for v in values):
            return name.replace("\x00", "\\0")
    return None


def nul_field(request: HttpRequest) -> str | None:
    """The name of the first input holding a NUL character, or None."""
    if "\x00" in request.path:
        return "path"
    found = _first_nul(request.GET.lists())
    if found is not None:
        return found
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if request.content_type == "application/json":
        try:
            body = request.body
        except RawPostDataException:
            return None
        if b"\x00" not in body and not _JSON_NUL.search(body):
            return None
        try:
            return _json_path(json.loads(body)) or "body"
        except ValueError:
            return "body"
    found = _first_nul(request.POST.lists())
    if found is None:
        names = [upload.name or "" for _field, uploads in request.FILES.lists() for upload in uploads]
        found = _first_nul((name, [name]) for name in names)
    return found


def _json_path(value: object, path: str = "") -> str | None:
    """Where in a JSON document the first NUL is: `text`, `attachments[0].name`."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here.replace("\x00", "\\0")
            found = _json_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _json_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _message(field: str) -> str:
    return _("输入“{field}”中含有空字符（NUL, \\0），请删除后重新提交。").format(field=field)


def _refusal(request: HttpRequest, field: str) -> HttpResponse:
    message = _message(field)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "validation_error", "code": "nul_character", "message": message, "field": field},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    if request.path.startswith("/open311/"):
        if request.path.endswith(".xml"):
            body = (
                '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>400</code>'
                f"<description>{escape(message)}</description></error></errors>"
            )
            return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
        return HttpResponse(
            json.dumps([{"code": 400, "description": message}], ensure_ascii=False),
            status=400,
            content_type="application/json; charset=utf-8",
        )
    page = (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{escape(_('输入有误'))}</title>"
        f"</head><body><main><h1>{escape(_('输入有误'))}</h1><p>{escape(message)}</p>"
        f'<p><a href="/">{escape(_("返回首页"))}</a></p></main></body></html>'
    )
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request)
        if field is not None:
            return _refusal(request, field)
        return self.get_response(request)
