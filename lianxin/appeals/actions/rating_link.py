"""Rating from the reply's text message (appeals/sms.py makes and reads the link): through the
signed link, or by replying with a digit (1 满意, 2 基本满意, 3 不满意) to the reply notice."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.crypto import phone_lookup_hash

from ..actors import RESIDENT_LABEL, Actor
from ..models import Appeal, Satisfaction, Status
from ..sms import rating_link_appeal
from .transitions import appeal_rate

SMS_DIGITS = {"1": Satisfaction.SATISFIED, "2": Satisfaction.BASIC, "3": Satisfaction.DISSATISFIED}


@transaction.atomic
def appeal_rate_by_link(*, token: str, satisfaction: str, solved: bool | None, comment: str = "") -> Appeal:
    """The resident rates the reply from the link in the text message (`via: sms` on the event)."""
    appeal = rating_link_appeal(token)
    actor = Actor(resident_owner=True, label=RESIDENT_LABEL, via="sms")
    return appeal_rate(appeal=appeal, actor=actor, satisfaction=satisfaction, solved=solved, comment=comment)


@dataclass(frozen=True)
class SmsRatingResult:
    outcome: str  # "rated", "bad_reply", "already_rated", "expired", "no_appeal"
    answer: str  # the text message sent back to the resident
    appeal: Appeal | None = None


def _digit(text: str) -> str:
    """The reply without spaces and punctuation, full-width digits folded (`１` → `1`)."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


@transaction.atomic
def appeal_rate_by_sms(*, number: str, text: str) -> SmsRatingResult:
    """A resident's reply to the reply notice: the digit rates their latest replied appeal from
    that number, once, within `LIANXIN["RATING_LINK_DAYS"]` of the reply (`via: sms`). Anything
    else is answered with what to send instead. Anonymous appeals are never matched (their sealed
    number has no lookup hash; their notice carries the link only)."""
    digest = phone_lookup_hash(number)
    latest = (
        Appeal.objects.select_for_update(of=("self",))
        .filter(contact_phone_hash=digest, is_anonymous=False, replied_at__isnull=False)
        .order_by("-replied_at", "-id")
        .first()
        if digest
        else None
    )
    if latest is None:
        return SmsRatingResult(
            "no_appeal", _("【连心】没有找到您待评价的诉求。如需反映问题，请拨打热线或在网上提交。")
        )
    tn = latest.tracking_number
    if latest.status != Status.REPLIED:
        return SmsRatingResult(
            "already_rated", _("【连心】诉求 {n} 已经评价或办结，每次答复只能评价一次。").format(n=tn), latest
        )
    days = int(settings.LIANXIN.get("RATING_LINK_DAYS", 7))
    assert latest.replied_at is not None
    if timezone.now() - latest.replied_at > dt.timedelta(days=days):
        return SmsRatingResult(
            "expired",
            _("【连心】诉求 {n} 的短信评价已超过 {days} 天，请拨打热线或凭受理编号在“查询”页面评价。").format(
                n=tn, days=days
            ),
            latest,
        )
    satisfaction = SMS_DIGITS.get(_digit(text))
    if satisfaction is None:
        return SmsRatingResult(
            "bad_reply",
            _(
                "【连心】未能识别您的回复。请只回复一个数字评价诉求 {n}：1 满意，2 基本满意，3 不满意。"
            ).format(n=tn),
            latest,
        )
    actor = Actor(resident_owner=True, label=RESIDENT_LABEL, via="sms")
    appeal = appeal_rate(appeal=latest, actor=actor, satisfaction=satisfaction, solved=None)
    label = Satisfaction(satisfaction).label
    return SmsRatingResult(
        "rated", _("【连心】感谢评价！诉求 {n} 已记录为“{label}”。").format(n=tn, label=label), appeal
    )
