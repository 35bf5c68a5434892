"""Open311 GeoReport v2 (`/open311/v2/`): categories as services, appeals as service requests.

Reads are public and carry no personal data; posting a request needs an `api_key` (an API token)
and goes through the same `appeal_submit` as every other channel, with channel `open311`. Posting
is rate-limited per token's account and, for missing or refused keys, per client IP (limits.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from lianxin.appeals.actors import Actor
from lianxin.appeals.filters import AppealFilter, category_paths
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit
from lianxin.appeals.models import FINAL_STATUSES, OPEN_STATUSES, Appeal, Channel, Kind, Status
from lianxin.appeals.privacy import mask_phone
from lianxin.appeals.selectors import appeals_filtered
from lianxin.core.errors import DomainError, ValidationFailedError, with_error_headers
from lianxin.org.models import AreaLevel, Category

from .formats import error, render
from .limits import authenticate, count_post

MAX_REQUESTS = 1000
MIN_YEAR, MAX_YEAR = 2000, 2100
DEFAULT_DAYS = 90
_PHONE_LIKE = re.compile(r"\+?\d[\d\- ]{5,}\d")
_CJK = re.compile(r"^[\u3400-\u9fff·]+$")

View = Callable[..., HttpResponse]


def open311_view(methods: tuple[str, ...] = ("GET", "HEAD")) -> Callable[[View], View]:
    """Allowed methods, the jurisdiction check, and domain errors in the spec's error format."""

    def wrap(view: View) -> View:
        @csrf_exempt
        def handler(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(
                    fmt,
                    405,
                    _("不支持 {method} 方法，可用：{allowed}。").format(
                        method=request.method, allowed=", ".join(methods)
                    ),
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                return with_error_headers(error(fmt, exc.status_code, exc.message), exc)

        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        return handler

    return wrap


def _no_nul(value: str, name: str) -> str:
    if "\x00" in value:
        raise ValidationFailedError(_("参数 {name} 含有不允许的 NUL 字符。").format(name=name), field=name)
    return value


def _param(request: HttpRequest, name: str, max_length: int = 200) -> str:
    source = request.POST if request.method == "POST" else request.GET
    value = _no_nul((source.get(name) or "").strip(), name)
    if len(value) > max_length:
        raise ValidationFailedError(
            _("参数 {name} 最长 {max_length} 个字符。").format(name=name, max_length=max_length), field=name
        )
    return value


def _check_jurisdiction(request: HttpRequest) -> None:
    expected = settings.LIANXIN.get("OPEN311_JURISDICTION", "")
    given = _param(request, "jurisdiction_id", 100)
    if expected and given and given != expected:
        raise ValidationFailedError(
            _("jurisdiction_id“{given}”无效，本系统为“{expected}”。").format(given=given, expected=expected),
            field="jurisdiction_id",
        )


# --- services --------------------------------------------------------------------------------------


def _service(category: Category, names: dict[str, str]) -> dict[str, Any]:
    top = category.top_level_code()
    path_names = [names.get(code, code) for code in category.ancestor_codes()]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": " / ".join(path_names),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(path_names),
        "group": names.get(top, top),
    }


@open311_view()
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service List: every active category, grouped by its top-level category."""
    categories = list(Category.objects.filter(active=True).order_by("path"))
    names = {c.code: c.name for c in categories}
    return render(fmt, "services", [_service(c, names) for c in categories])


@open311_view()
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET Service Definition: no service has extra attributes (metadata is false)."""
    category = Category.objects.filter(code=_no_nul(code, "service_code"), active=True).first()
    if category is None:
        return error(fmt, 404, _("没有编码为“{code}”的服务，请查看 services 列表。").format(code=code))
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": []})


# --- requests --------------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else None


def _public_description(text: str) -> str:
    """The appeal text without phone numbers a resident may have written into it."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def _status_notes(appeal: Appeal) -> str:
    label = str(appeal.get_status_display())
    if appeal.status == Status.MERGED and appeal.merged_into is not None:
        return f"{label}：{appeal.merged_into.tracking_number}"
    return label


def _coarse_location(appeal: Appeal) -> str:
    """The community (or the area itself above it): what a public record names, never the address."""
    area = appeal.area
    if area is None:
        return ""
    if area.level == AreaLevel.GRID and area.parent is not None:
        return area.parent.name
    return area.name


def request_item(appeal: Appeal, *, full: bool = False) -> dict[str, Any]:
    """One service request. The public (no API key) sees what a public record should hold: category,
    status, dates, the unit and a coarse location — no text (an anonymous whistle-blower's words
    included), no address, no coordinates. With a valid API key (`full`), the text (phones masked),
    the address and the coordinates. Never a name, a phone or an e-mail."""
    item = _full_item(appeal)
    if not full:
        item.update(description="", address=_coarse_location(appeal), lat=None, long=None)
    return item


def _full_item(appeal: Appeal) -> dict[str, Any]:
    return {
        "service_request_id": appeal.tracking_number,
        "status": "open" if appeal.status in OPEN_STATUSES else "closed",
        "status_notes": _status_notes(appeal),
        "service_name": appeal.category.name if appeal.category else "",
        "service_code": appeal.category.code if appeal.category else "",
        "description": _public_description(appeal.text),
        "agency_responsible": appeal.unit.name if appeal.unit else "",
        "service_notice": "",
        "requested_datetime": _iso(appeal.submitted_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(appeal.resolve_due_at),
        "address": appeal.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(appeal.latitude) if appeal.latitude is not None else None,
        "long": float(appeal.longitude) if appeal.longitude is not None else None,
        "media_url": "",
    }


def _datetime(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = _param(request, name, 40)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
        if value is None:
            day = parse_date(raw)
            value = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise ValidationFailedError(
            _("{name} 应为 W3C 日期时间，例如 2026-01-31T09:00:00+08:00。").format(name=name), field=name
        )
    if not (MIN_YEAR <= value.year <= MAX_YEAR):  # year 1 or 9999 overflow any date arithmetic
        raise ValidationFailedError(
            _("{name} 的年份应在 {low} 到 {high} 之间。").format(name=name, low=MIN_YEAR, high=MAX_YEAR),
            field=name,
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _codes(request: HttpRequest, name: str) -> list[str]:
    return [c.strip() for c in _param(request, name, 2000).split(",") if c.strip()]


def requests_filter(request: HttpRequest) -> AppealFilter:
    """GET requests' parameters as the shared `AppealFilter`: the ids asked for, or service codes,
    a window of at most 90 days (the last 90 when no date is given) and open/closed."""
    ids = _codes(request, "service_request_id")
    if ids:
        return AppealFilter(tracking_numbers=tuple(i.upper() for i in ids[:MAX_REQUESTS]))
    service_codes = _codes(request, "service_code")
    paths = None
    if service_codes:
        paths = category_paths(service_codes)
        if not paths:
            raise ValidationFailedError(
                _("service_code 不存在，请查看 services 列表。"), field="service_code"
            )
    start, end = _datetime(request, "start_date"), _datetime(request, "end_date")
    window = dt.timedelta(days=DEFAULT_DAYS)
    if start and end and start > end:
        raise ValidationFailedError(_("start_date 不能晚于 end_date。"), field="start_date")
    if start and end and end - start > window:
        raise ValidationFailedError(_("start_date 与 end_date 相隔不能超过 90 天。"), field="end_date")
    if start is None:
        start = (end or timezone.now()) - window
    statuses = _codes(request, "status")
    wanted: list[str] = []
    if statuses:
        unknown = set(statuses) - {"open", "closed"}
        if unknown:
            raise ValidationFailedError(_("status 只能是 open 或 closed。"), field="status")
        if "open" in statuses:
            wanted += OPEN_STATUSES
        if "closed" in statuses:
            wanted += FINAL_STATUSES
    return AppealFilter(category_paths=paths, since=start, until=end, statuses=tuple(wanted))


def _appeals() -> Any:
    return Appeal.objects.select_related("category", "unit", "merged_into", "area__parent")


def _reader_is_trusted(request: HttpRequest) -> bool:
    """A GET with an API key (`api_key` or X-Api-Key) reads full records; a wrong key is refused
    (403, and counted like a refused POST key); no key reads public records."""
    api_key = _param(request, "api_key", 200) or request.headers.get("X-Api-Key", "")
    if not api_key:
        return False
    authenticate(request, api_key, scope="read")
    return True


@csrf_exempt
def requests_endpoint(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return post_request(request, fmt=fmt)
    if request.method in ("GET", "HEAD"):
        return get_requests(request, fmt=fmt)
    response = error(fmt, 405, _("不支持 {method} 方法，可用：GET, POST。").format(method=request.method))
    response["Allow"] = "GET, POST"
    return response


@open311_view()
def get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service Requests: newest first, the last 90 days unless dates are given, at most 1000."""
    full = _reader_is_trusted(request)
    rows = appeals_filtered(_appeals(), requests_filter(request)).order_by("-submitted_at")[:MAX_REQUESTS]
    return render(fmt, "service_requests", [request_item(a, full=full) for a in rows])


@open311_view()
def get_request(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """GET Service Request: one request, as a list of one (per the spec)."""
    full = _reader_is_trusted(request)
    appeal = (
        _appeals().filter(tracking_number=_no_nul(request_id, "service_request_id").strip().upper()).first()
    )
    if appeal is None:
        return error(fmt, 404, _("没有编号为“{id}”的服务请求。").format(id=request_id))
    return render(fmt, "service_requests", [request_item(appeal, full=full)])


def _contact_name(first: str, last: str) -> str:
    if first and last and _CJK.match(first) and _CJK.match(last):
        return f"{last}{first}"  # Chinese order: family name first
    return " ".join(p for p in (first, last) if p)


@open311_view(("POST",))
def post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST Service Request (form-encoded, `media` may be a multipart file); rate-limited, see limits.py."""
    user = authenticate(request, _param(request, "api_key", 200) or request.headers.get("X-Api-Key", ""))
    count_post(user)
    service_code = _param(request, "service_code", 40)
    if not service_code:
        raise ValidationFailedError(_("缺少 service_code，请从 services 列表中选择。"), field="service_code")
    if not Category.objects.filter(code=service_code, active=True).exists():
        raise ValidationFailedError(
            _("service_code“{code}”不存在，请从 services 列表中选择。").format(code=service_code),
            field="service_code",
        )
    lat, lon = _param(request, "lat", 40), _param(request, "long", 40)
    address = _param(request, "address_string", 200)
    address_id = _param(request, "address_id", 100)
    if not ((lat and lon) or address or address_id):
        raise ValidationFailedError(_("请提供位置：lat 和 long，或 address_string。"), field="lat")
    description = _param(request, "description", 4000)
    if not description:
        raise ValidationFailedError(_("缺少 description：请描述发生了什么、在哪里。"), field="description")
    kind = _param(request, "kind", 20) or Kind.COMPLAINT
    # a partner may forward a resident who asked to stay anonymous: then no contact is kept at all
    anonymous = _param(request, "anonymous", 5).lower() in {"1", "true", "yes"} or not _param(
        request, "phone", 20
    )
    phone = "" if anonymous else _param(request, "phone", 20)
    attachments = []
    for upload in request.FILES.getlist("media")[: settings.LIANXIN["MAX_ATTACHMENTS"]]:
        if upload.size and upload.size > settings.LIANXIN["MAX_ATTACHMENT_BYTES"]:
            raise ValidationFailedError(_("media 文件过大。"), field="media")
        attachments.append(
            AttachmentInput(
                name=upload.name or "media", content=upload.read(), declared_type=upload.content_type or ""
            )
        )
    data = AppealInput(
        text=description,
        kind=kind,
        channel=Channel.OPEN311,
        category_code=service_code,
        area_code=_param(request, "area", 40),
        address=address or address_id,
        latitude=lat or None,
        longitude=lon or None,
        contact_name=""
        if anonymous
        else _contact_name(_param(request, "first_name", 25), _param(request, "last_name", 25)),
        contact_phone=phone,
        contact_consent=bool(phone),
        anonymous=anonymous,
        attachments=attachments,
    )
    result = appeal_submit(data=data, actor=Actor.staff(user), idempotency_scope=f"open311:user:{user.pk}")
    notice = _("已受理，请凭受理编号和联系电话后四位查询办理进度。")
    if result.access_code:
        notice = _("已受理（匿名）。查询码：{code}，请妥善保存。").format(code=result.access_code)
    item = {"service_request_id": result.appeal.tracking_number, "service_notice": notice, "account_id": None}
    return render(fmt, "service_requests", [item], status=201)
