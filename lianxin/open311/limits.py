"""Who may POST a service request, and how often.

- `OPEN311_AUTH_FAIL_RATE` (default 30/h) per client IP: POSTs with a missing or refused `api_key`
  are counted; past the allowance they are answered 429 instead of 403 until the window ends. A
  valid key is never refused for its IP's failures: keys are 240 random bits, so guessing is
  hopeless anyway, and a partner behind a shared address must not be locked out by a stranger.
- `OPEN311_POST_RATE` (default 300/h) per API token's account: every authenticated POST counts,
  accepted or not, so a leaked or looping token cannot flood the dispatch queue.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError
from lianxin.core.ratelimit import check_rate, client_ip
from lianxin.org.models import User
from lianxin.org.services import api_token_authenticate


def _auth_fail_message() -> str:
    return _(
        "缺少或无效 api_key 的请求过多：同一 IP 地址{period}最多 {limit} 次。"
        "请 {wait}后再试，并核对 api_key；如令牌遗失或已停用，请联系系统管理员。"
    )


def authenticate(request: HttpRequest, api_key: str, *, scope: str = "open311") -> User:
    """The account of the API token `api_key`; ForbiddenError (403) for a missing or refused key,
    RateLimitedError (429) instead once this client IP has had too many of those."""
    key, rate = f"open311-auth-fail:{client_ip(request)}", settings.LIANXIN["OPEN311_AUTH_FAIL_RATE"]
    try:
        if not api_key:
            raise ForbiddenError(_("缺少 api_key：提交服务请求需要接口令牌，请向管理员申请。"))
        return api_token_authenticate(api_key, scope=scope)
    except ForbiddenError:
        check_rate(key, rate, message=_auth_fail_message())
        raise


def count_post(user: User) -> None:
    """Count one POST for the token's account; RateLimitedError (429) past `OPEN311_POST_RATE`."""
    check_rate(
        f"open311-post:user:{user.pk}",
        settings.LIANXIN["OPEN311_POST_RATE"],
        message=_(
            "服务请求提交过于频繁：每个接口账号{period}最多 {limit} 次。请 {wait}后再试；"
            "如业务确需更高限额，请联系系统管理员调整。"
        ),
    )
