"""The inbound-SMS webhook (`POST /api/v1/sms/inbound`): the provider forwards a resident's text
message; a reply of 1, 2 or 3 to the reply notice is their rating (`appeals` rate-by-digit), and
every message is answered by text. The configured SMS backend (core/sms.py) authenticates the
callback and reads it, so any provider can be plugged in; the demo backend takes a neutral signed
JSON form. Not for API tokens: the provider's signature is the authentication."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from lianxin.appeals.actions.rating_link import appeal_rate_by_sms
from lianxin.core.errors import ForbiddenError, ValidationFailedError
from lianxin.core.ratelimit import check_rate
from lianxin.core.sms import INBOUND_FORMAT, InboundMalformedError, InboundRefusedError, sms_backend, sms_send

from . import schemas as s

logger = logging.getLogger(__name__)
router = Router(tags=["sms"])


class InboundOut(Schema):
    outcome: str
    answer: str


@router.post(
    "/sms/inbound",
    auth=None,
    response={200: InboundOut, 400: s.ErrorOut, 403: s.ErrorOut, 429: s.ErrorOut},
    summary="Inbound text message from the SMS provider (rating by digit)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": INBOUND_FORMAT,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from", "text"],
                        "properties": {
                            "from": {"type": "string", "maxLength": 30},
                            "text": {"type": "string", "maxLength": 300},
                            "id": {"type": "string", "maxLength": 100},
                        },
                    }
                }
            },
        }
    },
)
def inbound(request: HttpRequest) -> dict[str, Any]:
    """The resident replied to the reply notice: `1` 满意, `2` 基本满意, `3` 不满意 rates their
    latest replied appeal, once, within the rating window; any other reply, a second one, a late
    one or an unknown number is answered by text with what to do instead (`outcome` says which).
    A callback without a valid signature is refused with 403; an unreadable one with 400. A sender
    past `LIANXIN_SMS_INBOUND_RATE` (default 10 an hour) gets 429 and no answer by text: a flood
    from one number rates nothing and costs no messages."""
    backend = sms_backend()
    try:
        message = backend.parse_inbound(request.body, request.headers)
    except InboundRefusedError as e:
        raise ForbiddenError(
            _("短信回调未通过验证：{reason}。").format(reason=e), code="bad_signature"
        ) from None
    except InboundMalformedError as e:
        raise ValidationFailedError(
            _("短信回调格式不正确：{reason}。").format(reason=e), field="body"
        ) from None
    check_rate(
        f"sms-inbound:{message.number}",
        settings.LIANXIN["SMS_INBOUND_RATE"],
        message=_("来自该号码的短信过于频繁：{period}最多 {limit} 条，{wait}后再处理。"),
    )
    result = appeal_rate_by_sms(number=message.number, text=message.text)
    reference = result.appeal.tracking_number if result.appeal is not None else "sms-inbound"
    try:
        sms_send(number=message.number, text=result.answer, reference=reference)
    except Exception:  # the rating stands; the provider's failure to send the answer is logged
        logger.exception("SMS answer for %s failed", reference)
    return {"outcome": result.outcome, "answer": result.answer}
