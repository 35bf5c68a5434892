"""Taking an appeal in, on any channel: validation, attachments, triage, tracking number, auto-dispatch."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _

from lianxin.core.errors import ConflictError, ValidationFailedError
from lianxin.core.phones import PhoneInvalidError, normalise_cn_phone
from lianxin.org.locating import refine_area
from lianxin.org.models import Area, Category, User

from . import triage_bridge
from .actors import Actor
from .attachments import ALLOWED_TYPES as ALLOWED_TYPES  # re-exported: callers import them from here
from .attachments import AttachmentInput as AttachmentInput  # re-exported: part of AppealInput
from .attachments import _validate_attachments
from .attachments import sniff_content_type as sniff_content_type
from .creation import (
    NewAppeal,
    SubmitResult,
    appeals_create,
    derived_access_code,
)
from .models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Channel,
    IdempotencyRecord,
    Kind,
    Urgency,
)
from .services import check_access_code

logger = logging.getLogger(__name__)


@dataclass
class AppealInput:
    text: str
    kind: str = Kind.COMPLAINT
    channel: str = Channel.WEB
    title: str = ""
    category_code: str = ""
    area_code: str = ""
    address: str = ""
    latitude: float | str | None = None
    longitude: float | str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_consent: bool = False
    anonymous: bool = False
    # anonymous only: a number for the call-back (回访), sealed — never shown, never searchable
    callback_phone: str = ""
    urgency: str = ""
    attachments: list[AttachmentInput] = field(default_factory=list)

    def fingerprint(self) -> str:
        data = asdict(self)
        data["attachments"] = [hashlib.sha256(a.content).hexdigest() for a in self.attachments]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _coordinate(value: float | str | None, *, field: str, low: int, high: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailedError(_("{field} 应为数字。").format(field=field), field=field) from None
    if not number.is_finite() or not (low <= number <= high):  # NaN/sNaN/Infinity: no order to compare
        raise ValidationFailedError(
            _("{field} 应在 {low} 到 {high} 之间。").format(field=field, low=low, high=high), field=field
        )
    return number.quantize(Decimal("0.000001"))


class Lookups:
    """Active categories and areas by code, read once for many inputs (a bulk intake's items)."""

    def __init__(self, inputs: list[AppealInput]) -> None:
        category_codes = {d.category_code for d in inputs if d.category_code}
        area_codes = {d.area_code for d in inputs if d.area_code}
        self.categories = (
            {c.code: c for c in Category.objects.filter(code__in=category_codes, active=True)}
            if category_codes
            else {}
        )
        self.areas = {a.code: a for a in Area.objects.filter(code__in=area_codes)} if area_codes else {}


def validate(data: AppealInput, *, lookups: Lookups | None = None) -> dict[str, Any]:  # noqa: C901, PLR0912  # every field in turn
    """Check every field and return the cleaned values; the first problem raises a clear error.
    `lookups` (categories and areas read once for a batch) replaces the per-input queries."""
    text = (data.text or "").strip()
    if not text:
        raise ValidationFailedError(_("请填写诉求内容：发生了什么、在哪里、希望怎样解决。"), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationFailedError(
            _("诉求内容最多 {text_max_length} 字，当前 {length} 字，请精简后再提交。").format(
                text_max_length=TEXT_MAX_LENGTH, length=len(text)
            ),
            field="text",
        )
    title = (data.title or "").strip() or text.replace("\n", " ")[:30]
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationFailedError(
            _("标题最多 {title_max_length} 字，当前 {length} 字。").format(
                title_max_length=TITLE_MAX_LENGTH, length=len(title)
            ),
            field="title",
        )
    if data.kind not in Kind.values:
        raise ValidationFailedError(
            _("诉求类型“{kind}”无效，可选：{choices}。").format(
                kind=data.kind, choices=", ".join(Kind.values)
            ),
            field="kind",
        )
    if data.channel not in Channel.values:
        raise ValidationFailedError(
            _("渠道“{channel}”无效，可选：{choices}。").format(
                channel=data.channel, choices=", ".join(Channel.values)
            ),
            field="channel",
        )
    if data.urgency and data.urgency not in Urgency.values:
        raise ValidationFailedError(
            _("紧急程度“{urgency}”无效，可选：{choices}。").format(
                urgency=data.urgency, choices=", ".join(Urgency.values)
            ),
            field="urgency",
        )
    category = None
    if data.category_code:
        if lookups is not None:
            category = lookups.categories.get(data.category_code)
        else:
            category = Category.objects.filter(code=data.category_code, active=True).first()
        if category is None:
            raise ValidationFailedError(
                _("分类编码“{category_code}”不存在或已停用，请从分类列表中选择。").format(
                    category_code=data.category_code
                ),
                field="category",
            )
    area = None
    if data.area_code:
        area = (
            lookups.areas.get(data.area_code)
            if lookups is not None
            else Area.objects.filter(code=data.area_code).first()
        )
        if area is None:
            raise ValidationFailedError(
                _("区域编码“{area_code}”不存在，请从区域列表中选择。").format(area_code=data.area_code),
                field="area",
            )
    address = (data.address or "").strip()
    if len(address) > 200:
        raise ValidationFailedError(
            _("地址最多 200 字，当前 {length} 字。").format(length=len(address)), field="address"
        )
    name = (data.contact_name or "").strip()
    if len(name) > 50:
        raise ValidationFailedError(_("姓名最多 50 字。"), field="contact_name")
    phone = ""
    if (data.contact_phone or "").strip() and not data.anonymous:
        try:
            phone = normalise_cn_phone(data.contact_phone)
        except PhoneInvalidError as exc:
            raise ValidationFailedError(str(exc), field="contact_phone") from exc
    if not data.anonymous:
        if not phone:
            raise ValidationFailedError(
                _("请填写联系电话以便答复您，或选择匿名提交。"), field="contact_phone"
            )
        if not data.contact_consent:
            raise ValidationFailedError(
                _("请勾选同意我们使用您的姓名和电话办理并答复此诉求，或选择匿名提交。"),
                field="contact_consent",
            )
    return {
        "text": text,
        "title": title,
        "category": category,
        "area": area,
        "address": address,
        "latitude": _coordinate(data.latitude, field="latitude", low=-90, high=90),
        "longitude": _coordinate(data.longitude, field="longitude", low=-180, high=180),
        # Anonymous stays anonymous on every channel: whatever the caller sent, no name and no phone
        # is kept (the web form drops them too), so nothing can link the appeal to a person.
        "contact_name": "" if data.anonymous else name,
        "contact_phone": "" if data.anonymous else phone,
        "contact_consent": bool(data.contact_consent) and not data.anonymous,
        "callback_sealed": _sealed_callback(data),
        "attachments": _validate_attachments(data.attachments),
    }


# What each field is set to once its problem is noted, so that validate() goes on to the next one.
_NEUTRAL: dict[str, dict[str, object]] = {
    "text": {"text": "-"},
    "title": {"title": ""},
    "kind": {"kind": Kind.COMPLAINT},
    "channel": {"channel": Channel.WEB},
    "urgency": {"urgency": ""},
    "category": {"category_code": ""},
    "area": {"area_code": ""},
    "address": {"address": ""},
    "contact_name": {"contact_name": ""},
    "contact_phone": {"contact_phone": "13800000000"},
    "contact_consent": {"contact_consent": True},
    "callback_phone": {"callback_phone": ""},
    "attachments": {"attachments": []},
    "latitude": {"latitude": None},
    "longitude": {"longitude": None},
}


def validate_all(data: AppealInput) -> list[ValidationFailedError]:
    """Every problem of the input at once (a form shows each beside its field), in field order.

    The rules are validate()'s own: each field found wrong is set to a neutral value and the check
    runs again, until it passes or the problem is one no neutral value clears."""
    problems: list[ValidationFailedError] = []
    current = data
    for _round in range(len(_NEUTRAL) + 1):
        try:
            validate(current)
        except ValidationFailedError as problem:
            if any(p.field == problem.field for p in problems):
                break
            problems.append(problem)
            neutral = _NEUTRAL.get(problem.field or "")
            if neutral is None:
                break
            current = replace(current, **neutral)  # type: ignore[arg-type]
        else:
            break
    return problems


def _sealed_callback(data: AppealInput) -> str:
    """An anonymous resident's call-back number, checked like any phone; ignored otherwise (a named
    appeal is called back on its contact phone)."""
    if not data.anonymous or not (data.callback_phone or "").strip():
        return ""
    try:
        return normalise_cn_phone(data.callback_phone)
    except PhoneInvalidError as exc:
        raise ValidationFailedError(str(exc), field="callback_phone") from exc


def appeal_submit(
    *,
    data: AppealInput,
    actor: Actor,
    resident: User | None = None,
    idempotency_key: str = "",
    idempotency_scope: str = "",
) -> SubmitResult:
    """Take an appeal in. Returns the same appeal for a retried Idempotency-Key."""
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise ValidationFailedError(_("Idempotency-Key 最长 100 个字符。"), field="Idempotency-Key")
    fingerprint = data.fingerprint()
    scope = key_scope(idempotency_scope, actor, fingerprint)
    if key:
        existing = _replayed(scope, key, fingerprint)
        if existing is not None:
            return existing
    cleaned = validate(data)
    # the grid from the coordinates (point-in-polygon) or the address (gazetteer): docs/geo.md
    cleaned["area"] = refine_area(
        cleaned["area"],
        latitude=cleaned["latitude"],
        longitude=cleaned["longitude"],
        address=cleaned["address"],
    )
    suggestion = triage_bridge.suggest(
        f"{cleaned['title']} {cleaned['text']}",
        category=cleaned["category"],
        area=cleaned["area"],
        phone=cleaned["contact_phone"],
    )
    item = NewAppeal(
        data=data, cleaned=cleaned, suggestion=suggestion, key=key, scope=scope, fingerprint=fingerprint
    )
    try:
        # a batch of one: the same few statements as a bulk intake's (`creation.appeals_create`)
        [result] = appeals_create(items=[item], actor=actor, resident=resident)
    except IntegrityError:
        if key:
            existing = _replayed(scope, key, fingerprint)
            if existing is not None:
                return existing
        raise
    return result


def key_scope(idempotency_scope: str, actor: Actor, fingerprint: str) -> str:
    """The key space an Idempotency-Key belongs to."""
    scope = idempotency_scope or (f"user:{actor.user_id}" if actor.user_id else "anonymous")
    if scope.endswith("anonymous"):
        # callers nobody knows share no key space: two strangers who both pick "retry-1" for
        # different appeals must not collide, so the body is part of the scope (defect 5)
        scope = f"{scope}:{fingerprint[:32]}"
    return scope


def _replayed(scope: str, key: str, fingerprint: str) -> SubmitResult | None:
    record = IdempotencyRecord.objects.select_related("appeal").filter(scope=scope, key=key).first()
    if record is None:
        return None
    return replay_result(record, scope=scope, key=key, fingerprint=fingerprint)


def replay_result(record: IdempotencyRecord, *, scope: str, key: str, fingerprint: str) -> SubmitResult:
    """The answer to a retry of a recorded key: the same appeal, or a conflict for another body."""
    if record.request_hash != fingerprint:
        raise ConflictError(
            _("这个 Idempotency-Key 已用于另一份不同的诉求；重试时请发送完全相同的内容，新诉求请用新的 Key。")
        )
    # The retry of an anonymous appeal gets its query code again (the first response may have been
    # lost): the code of a keyed submission is derived from the key and the body, so only a caller
    # who sends both again gets it, and nothing reversible is stored.
    appeal = record.appeal
    code = None
    if appeal.access_code_hash:
        candidate = derived_access_code(appeal.tracking_number, f"{scope}\n{key}\n{fingerprint}")
        if check_access_code(appeal, candidate):
            code = candidate
    return SubmitResult(appeal=appeal, created=False, access_code=code)
