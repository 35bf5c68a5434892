"""Write operations on the organisation: API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError, ValidationFailedError

from .models import ApiToken, User, all_api_scopes


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_api_key() -> str:
    return f"lx_{secrets.token_urlsafe(30)}"


def api_token_fill(token: ApiToken, raw_key: str | None = None) -> str:
    """Give an unsaved token a fresh key: only its hash and prefix are kept; the key is returned once."""
    raw_key = raw_key or new_api_key()
    token.key_hash, token.prefix = _hash_key(raw_key), raw_key[:8]
    return raw_key


def api_token_create(
    *,
    user: User,
    name: str,
    raw_key: str | None = None,
    expires_at: Any = None,
    scopes: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and only its hash is stored."""
    token = ApiToken(name=name, user=user, expires_at=expires_at)
    if scopes is not None:
        unknown = set(scopes) - set(all_api_scopes())
        if unknown:
            raise ValidationFailedError(
                _("未知的令牌权限：%(s)s。可选：read、write、open311、contact。")
                % {"s": ", ".join(sorted(unknown))}
            )
        token.scopes = sorted(set(scopes))
    raw_key = api_token_fill(token, raw_key)
    token.save()
    return token, raw_key


TOKEN_LAST_USED_PRECISION = dt.timedelta(minutes=1)


def api_token_authenticate(raw_key: str, *, scope: str | None = None) -> User:
    """The token's user, carrying the token's scopes (`user.api_scopes`), after checking that the
    token may be used for `scope` (read, write, open311)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(raw_key), revoked=False).first()
    if token is None or not token.user.is_active:
        raise ForbiddenError(_("接口令牌无效或已停用，请向系统管理员申请有效的令牌。"))
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise ForbiddenError(_("接口令牌已过期，请向系统管理员申请新的令牌。"))
    scopes = frozenset(token.scopes or ())
    if scope is not None and scope not in scopes:
        raise ForbiddenError(
            _("此接口令牌没有“%(scope)s”权限（它有：%(has)s）。请向系统管理员申请带该权限的令牌。")
            % {"scope": scope, "has": ", ".join(sorted(scopes)) or "—"},
            code="insufficient_scope",
        )
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_PRECISION:
        # to the minute: an integration posting many appeals a second need not write it every time
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.api_scopes = scopes  # type: ignore[attr-defined]  # privacy reads it: no "contact", no phones
    return user
