"""What the audience rules rely on: a phone verified by a one-time code, and the resident's home area.

The code itself is the shared one-time code of `lianxin/core/phoneverify.py` (sent through
`core/sms.py`), tied to the signed-in account; a verified number is kept on the resident's profile.
"""

from __future__ import annotations

from django.utils import timezone

from lianxin.core import phoneverify
from lianxin.core.models import PhoneChallenge
from lianxin.org.models import Area, User

from ..models import ResidentProfile

PURPOSE = "consultations"


def _subject(actor: User) -> str:
    return f"user:{actor.pk}"


def phone_code_send(*, actor: User, phone: str, client: str = "") -> PhoneChallenge:
    return phoneverify.code_send(phone=phone, purpose=PURPOSE, subject=_subject(actor), client=client)


def phone_code_verify(*, actor: User, code: str) -> ResidentProfile:
    """Check the latest code sent for this account; a wrong one counts as an attempt."""
    phone = phoneverify.code_verify(purpose=PURPOSE, subject=_subject(actor), code=code)
    profile, _created = ResidentProfile.objects.get_or_create(user=actor)
    profile.verified_phone, profile.phone_verified_at = phone, timezone.now()
    profile.save(update_fields=["verified_phone", "phone_verified_at"])
    return profile


def home_area_set(*, actor: User, area: Area) -> ResidentProfile:
    profile, _created = ResidentProfile.objects.get_or_create(user=actor)
    profile.home_area = area
    profile.save(update_fields=["home_area"])
    return profile
