"""Rating from the signed link in the reply's text message (appeals/sms.py makes and reads it)."""

from __future__ import annotations

from django.db import transaction

from ..actors import RESIDENT_LABEL, Actor
from ..models import Appeal
from ..sms import rating_link_appeal
from .transitions import appeal_rate


@transaction.atomic
def appeal_rate_by_link(*, token: str, satisfaction: str, solved: bool | None, comment: str = "") -> Appeal:
    """The resident rates the reply from the link in the text message (`via: sms` on the event)."""
    appeal = rating_link_appeal(token)
    actor = Actor(resident_owner=True, label=RESIDENT_LABEL, via="sms")
    return appeal_rate(appeal=appeal, actor=actor, satisfaction=satisfaction, solved=solved, comment=comment)
