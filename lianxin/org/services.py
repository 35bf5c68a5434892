"""Write operations on the organisation: API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden

from .models import ApiToken, User


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, raw_key: str | None = None) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and only its hash is stored."""
    raw_key = raw_key or f"lx_{secrets.token_urlsafe(30)}"
    token = ApiToken.objects.create(name=name, key_hash=_hash_key(raw_key), prefix=raw_key[:8], user=user)
    return token, raw_key


def api_token_authenticate(raw_key: str) -> User:
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=_hash_key(raw_key), revoked=False).first()
    )
    if token is None or not token.user.is_active:
        raise Forbidden(_("接口令牌无效或已停用，请向系统管理员申请有效的令牌。"))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
