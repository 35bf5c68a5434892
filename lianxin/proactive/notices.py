"""Notices and planned works (通知公告 / 停水停电、施工): publishing one for an area and a period tells
the subscribers of that area (and of its category, when one is given) at once — by notification for
accounts, by SMS for verified phones; withdrawing one tells them too. Each change is one keyword-only
function, written to the audit chain; the notice row keeps who published it and when."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import audit_append
from lianxin.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import Area, Category, User
from lianxin.org.selectors import area_subtree_q

from . import policy
from .models import Notice, NoticeKind, NoticeStatus
from .services import subscribers_notify

TITLE_MAX = 100
BODY_MAX = 2000
REASON_MAX = 500
MAX_PERIOD = dt.timedelta(days=366)
MAX_AHEAD = dt.timedelta(days=366)


def _when(notice: Notice) -> str:
    fmt = "%m-%d %H:%M"
    starts, ends = timezone.localtime(notice.starts_at), timezone.localtime(notice.ends_at)
    return f"{starts.strftime(fmt)}—{ends.strftime(fmt)}"


def notice_publish(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    category: Category | None = None,
) -> Notice:
    """Publish a notice for `area` from `starts_at` to `ends_at` and tell the area's subscribers."""
    if not policy.may_publish_notice_in(actor, area):
        raise ForbiddenError(_("您只能为自己负责的区域发布通知公告。"))
    if kind not in NoticeKind.values:
        raise ValidationFailedError(_("请选择通知类型。"), field="kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationFailedError(_("请填写标题（{n} 字以内）。").format(n=TITLE_MAX), field="title")
    if not body or len(body) > BODY_MAX:
        raise ValidationFailedError(
            _("请填写内容（{n} 字以内）：影响范围、时间、注意事项。").format(n=BODY_MAX), field="body"
        )
    if ends_at <= starts_at:
        raise ValidationFailedError(_("结束时间应晚于开始时间。"), field="ends_at")
    now = timezone.now()
    if ends_at <= now:
        raise ValidationFailedError(_("结束时间已经过去，无需再发布。"), field="ends_at")
    if ends_at - starts_at > MAX_PERIOD or starts_at > now + MAX_AHEAD:
        raise ValidationFailedError(_("通知的时段不能超过一年，开始时间也应在一年之内。"), field="starts_at")
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            title=title,
            body=body,
            area=area,
            category=category,
            starts_at=starts_at,
            ends_at=ends_at,
            published_by=actor,
            published_at=now,
        )
        label = NoticeKind(kind).label
        notice.notified = subscribers_notify(
            area=area,
            category=category,
            kind="notice",
            title=_("{kind}通知：{title}").format(kind=label, title=title),
            body=_("{area} {when}。{body}").format(area=area.name, when=_when(notice), body=body[:200]),
        )
        notice.save(update_fields=["notified"])
        audit_append(
            action="notice_published",
            object_type="notice",
            object_id=notice.pk,
            actor=actor,
            data={"area": area.pk, "kind": kind, "notified": notice.notified},
        )
    return notice


def notice_withdraw(*, actor: User, notice: Notice, reason: str) -> Notice:
    """Withdraw a published notice (cancelled works, a mistake); its subscribers are told."""
    if not policy.may_manage_notice(actor, notice):
        raise NotFoundError(_("没有这条通知公告。"))
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailedError(
            _("请写明撤回的原因（{n} 字以内）。").format(n=REASON_MAX), field="reason"
        )
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.status != NoticeStatus.PUBLISHED:
            raise ConflictError(_("这条通知已经撤回了。"))
        locked.status, locked.withdrawn_at, locked.withdrawn_reason = (
            NoticeStatus.WITHDRAWN,
            timezone.now(),
            reason,
        )
        locked.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
        if locked.ends_at > timezone.now():
            subscribers_notify(
                area=locked.area,
                category=locked.category,
                kind="notice",
                title=_("通知撤回：{title}").format(title=locked.title),
                body=reason,
            )
        audit_append(
            action="notice_withdrawn",
            object_type="notice",
            object_id=locked.pk,
            actor=actor,
            data={"reason": reason},
        )
    return locked


# --- reading ------------------------------------------------------------------------------------------


def notices_public(
    *, area: Area | None = None, kind: str = "", now: dt.datetime | None = None
) -> QuerySet[Notice]:
    """Published notices not yet over, soonest first; with `area`: those for it, above it or inside it."""
    now = now or timezone.now()
    qs = Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_at__gt=now).select_related(
        "area", "category"
    )
    if area is not None:
        parts = area.path.split("/")
        above = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        qs = qs.filter(area_subtree_q([area.path]) | Q(area__path__in=above))
    if kind in NoticeKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("starts_at", "pk")


def notice_get_public(pk: int) -> Notice:
    notice = (
        Notice.objects.select_related("area", "category").filter(pk=pk, status=NoticeStatus.PUBLISHED).first()
    )
    if notice is None:
        raise NotFoundError(_("没有这条通知公告，或它已经撤回。"))
    return notice


def notices_managed(user: User) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(policy.notices_managed_q(user))
        .select_related("area", "category", "published_by")
        .order_by("-published_at", "-pk")
    )


def notice_get_managed(user: User, pk: int) -> Notice:
    notice = Notice.objects.select_related("area", "category").filter(pk=pk).first()
    if notice is None or not policy.may_manage_notice(user, notice):
        raise NotFoundError(_("没有这条通知公告。"))
    return notice
