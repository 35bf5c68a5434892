"""Write operations on the organisation: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import Forbidden

from .models import ApiToken, User


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_api_key() -> str:
    return f"lx_{secrets.token_urlsafe(30)}"


def api_token_fill(token: ApiToken, raw_key: str | None = None) -> str:
    """Give an unsaved token a fresh key: only its hash and prefix are kept; the key is returned once."""
    raw_key = raw_key or new_api_key()
    token.key_hash, token.prefix = _hash_key(raw_key), raw_key[:8]
    return raw_key


def api_token_create(*, user: User, name: str, raw_key: str | None = None,
                     expires_at: Any = None) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and only its hash is stored."""
    token = ApiToken(name=name, user=user, expires_at=expires_at)
    raw_key = api_token_fill(token, raw_key)
    token.save()
    return token, raw_key


def api_token_authenticate(raw_key: str) -> User:
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=_hash_key(raw_key), revoked=False).first()
    )
    if token is None or not token.user.is_active:
        raise Forbidden(_("接口令牌无效或已停用，请向系统管理员申请有效的令牌。"))
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise Forbidden(_("接口令牌已过期，请向系统管理员申请新的令牌。"))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
