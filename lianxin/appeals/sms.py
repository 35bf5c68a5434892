"""Text messages to the resident (短信): the tracking number on intake, the reply notice with a
rating link. The link is signed (django.core.signing), expires after `LIANXIN["RATING_LINK_DAYS"]`
and is single-use: it names the reply it rates (its time), so once that reply is rated — or
reopened and answered again — the link no longer works. Anonymous appeals without a number get no
message; a sealed call-back number is used only through the provider, never shown or logged."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from lianxin.core.errors import TransitionNotAllowedError, ValidationFailedError
from lianxin.core.sms import sms_send

from .models import Appeal, Status

logger = logging.getLogger(__name__)
SALT = "lianxin.appeals.rating-link"


def _number(appeal: Appeal) -> str:
    if appeal.is_anonymous:
        return appeal.callback_sealed or ""
    return appeal.contact_phone or ""


def _reply_stamp(appeal: Appeal) -> str:
    return appeal.replied_at.isoformat() if appeal.replied_at else ""


def rating_link_token(appeal: Appeal) -> str:
    return signing.dumps({"a": appeal.pk, "r": _reply_stamp(appeal)}, salt=SALT, compress=True)


def rating_link_appeal(token: str) -> Appeal:
    """The appeal whose reply this link may rate now; a clear refusal otherwise."""
    days = int(settings.LIANXIN.get("RATING_LINK_DAYS", 7))
    try:
        data = signing.loads(token, salt=SALT, max_age=days * 86400)
    except signing.SignatureExpired:
        raise TransitionNotAllowedError(_("评价链接已过期。您可以用受理编号在“查询”页面评价。")) from None
    except signing.BadSignature:
        raise ValidationFailedError(_("评价链接无效，请核对短信中的链接。"), field="token") from None
    appeal = Appeal.objects.filter(pk=data.get("a")).first()
    if appeal is None:
        raise ValidationFailedError(_("评价链接无效，请核对短信中的链接。"), field="token")
    if appeal.status != Status.REPLIED or _reply_stamp(appeal) != data.get("r"):
        raise TransitionNotAllowedError(_("这条评价链接已经用过或已失效：该答复已评价。"))
    return appeal


def _send(appeal: Appeal, text: str) -> None:
    try:
        sms_send(number=_number(appeal), text=text, reference=appeal.tracking_number)
    except Exception:  # a provider failure never undoes what the resident was told succeeded
        logger.exception("SMS to the resident of %s failed", appeal.tracking_number)


def sms_on_submitted(appeal_id: int) -> None:
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is not None:
        _send(
            appeal,
            _("【连心】您的诉求已受理，受理编号 {n}，可凭编号查询办理进度。").format(
                n=appeal.tracking_number
            ),
        )


def sms_on_submitted_many(appeal_ids: list[int]) -> None:
    """`sms_on_submitted` for a bulk intake's appeals: read in one query, sent one by one."""
    for appeal in Appeal.objects.filter(pk__in=appeal_ids).order_by("pk"):
        _send(
            appeal,
            _("【连心】您的诉求已受理，受理编号 {n}，可凭编号查询办理进度。").format(
                n=appeal.tracking_number
            ),
        )


def sms_on_replied(appeal_id: int) -> None:
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None or appeal.status != Status.REPLIED:
        return
    base = str(settings.LIANXIN.get("PUBLIC_BASE_URL", "")).rstrip("/")
    link = f"{base}/rate/{rating_link_token(appeal)}/"
    if appeal.is_anonymous:  # a sealed number has no lookup hash: a digit reply could not be matched
        _send(
            appeal,
            _("【连心】您的诉求 {n} 已答复，请评价：{link}").format(n=appeal.tracking_number, link=link),
        )
    else:
        _send(
            appeal,
            _("【连心】您的诉求 {n} 已答复，请回复 1 满意、2 基本满意、3 不满意，或点击评价：{link}").format(
                n=appeal.tracking_number, link=link
            ),
        )
