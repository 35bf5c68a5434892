"""One place where every API error becomes `{"error": code, "message": "...", "field": "..."}`.

Domain errors carry their own status, code, message and field. Validation errors raised by
ninja/pydantic are reduced to the first problem, named by its field path, with a readable message.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lianxin.core.errors import DomainError, error_headers

# Where ninja puts a parameter: the first element of an error's `loc`.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if field:
        body["field"] = field
    return body


def field_path(loc: list[Any] | tuple[Any, ...], *, body_params: frozenset[str] = frozenset()) -> str:
    """`("body", "payload", "attachments", 0, "name")` → `attachments[0].name`."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _describe(error: dict[str, Any]) -> str:  # noqa: C901, PLR0911, PLR0912  one sentence per pydantic error type
    """A readable sentence for one pydantic error, in Chinese first (translated by gettext)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("缺少必填字段。")
    if kind == "string_too_long":
        return _("最多 {max_length} 个字符，请缩短。").format(max_length=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("至少 {min_length} 个字符。").format(min_length=ctx.get("min_length"))
    if kind == "too_long":
        return _("最多 {max_length} 项。").format(max_length=ctx.get("max_length"))
    if kind == "too_short":
        return _("至少 {min_length} 项。").format(min_length=ctx.get("min_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return _("应不小于 {limit}。").format(limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("应不大于 {limit}。").format(limit=ctx.get("le", ctx.get("lt")))
    if kind in ("enum", "literal_error"):
        return _("取值无效，可选：{expected}。").format(expected=ctx.get("expected", ""))
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "finite_number"):
        return _("应为数字。")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false。")
    if kind in ("string_type", "string_unicode"):
        return _("应为文本字符串。")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("日期格式应为 YYYY-MM-DD。")
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return _("时间格式应为 ISO 8601，例如 2026-01-31T09:00:00+08:00。")
    if kind == "extra_forbidden":
        return _("不认识的字段，请删除或检查拼写。")
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return _("应为 JSON 对象。")
    if kind in ("list_type",):
        return _("应为数组。")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg"))
    if kind == "string_pattern_mismatch":
        return _("含有不允许的字符。")
    if kind == "json_invalid":
        return _("请求体不是有效的 JSON。")
    return str(error.get("msg") or _("取值无效。"))


def validation_error_body(exc: ValidationError) -> dict[str, Any]:
    errors = exc.errors or [{}]
    first = errors[0]
    loc = first.get("loc") or ()
    # Ninja names the body parameter `payload` in every handler here; drop it from the path.
    field = field_path(loc, body_params=frozenset({"payload", "filters"}))
    message = _describe(first)
    if first.get("type") == "json_invalid" or (not field and loc and loc[0] == "body"):
        return error_body(
            "invalid_json", _("请求体不是有效的 JSON 对象：{detail}").format(detail=first.get("msg", ""))
        )
    return error_body("validation_error", message, field or None)


def item_error_body(errors: list[Any]) -> dict[str, Any]:
    """The first pydantic error of one item of a batch, as an error body (its field named within the item)."""
    first = dict(errors[0]) if errors else {}
    return error_body("validation_error", _describe(first), field_path(tuple(first.get("loc") or ())) or None)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return JsonResponse(
            exc.as_dict(),
            status=exc.status_code,
            headers=error_headers(exc),
            json_dumps_params={"ensure_ascii": False},
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return JsonResponse(validation_error_body(exc), status=400, json_dumps_params={"ensure_ascii": False})

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = error_body(
            "unauthenticated",
            _("需要登录或提供接口令牌：请求头 Authorization: Bearer <key> 或 X-Api-Key: <key>。"),
            "Authorization",
        )
        return JsonResponse(body, status=401, json_dumps_params={"ensure_ascii": False})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc)
        code = "http_error"
        if exc.status_code == 400 and "parse request body" in message:
            code = "invalid_json"
            message = _("请求体无法解析：请发送 Content-Type: application/json 的有效 JSON 对象。")
        elif exc.status_code == 403 and "CSRF" in message:
            code = "csrf_failed"
            message = _("CSRF 校验失败：浏览器会话调用接口时请带上 X-CSRFToken 请求头，或改用接口令牌。")
        return JsonResponse(
            error_body(code, message), status=exc.status_code, json_dumps_params={"ensure_ascii": False}
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return JsonResponse(
            error_body("not_found", _("没有这个接口或资源，请查看 /api/v1/docs。")),
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
