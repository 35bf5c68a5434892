"""Residents' access codes: stored as a keyed digest, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from ..models import Appeal


def access_code_digest(appeal_tracking: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{appeal_tracking}:{code}".encode(), hashlib.sha256).hexdigest()


def check_access_code(appeal: Appeal, code: str) -> bool:
    stored = appeal.access_code_hash
    return bool(stored) and hmac.compare_digest(stored, access_code_digest(appeal.tracking_number, code))


# --- transitions --------------------------------------------------------------------------------
