"""Small wishes (微心愿): recorded by a cadre or raised by a resident, claimed, delivered, confirmed.

The public sees the wish's public text only; the beneficiary's name and phone are for the cadres
of the area; the person who claimed it sees the details they need to fulfil it, never the phone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.core.phones import PhoneInvalidError, normalise_cn_phone
from lianxin.notifications.services import notify_users
from lianxin.org.models import Area, Role, RoleAssignment, User

from .events import Payload, record
from .models import NOTE_MAX, TEXT_MAX, TITLE_MAX, EventType, Membership, Organization, Wish, WishStatus
from .policy import ORGANISING_UNIT_KINDS, WISH_TRANSITIONS, WishAction, may_organise_in, wish_ensure_allowed
from .services import _text

ESCALATE_AFTER_DAYS = 7
PUBLIC_TEXT_MAX = 300


def _link(wish: Wish) -> str:
    return f"/activities/wishes/{wish.pk}/"


def _locked(wish: Wish | int) -> Wish:
    pk = wish.pk if isinstance(wish, Wish) else wish
    try:
        return Wish.objects.select_for_update(of=("self",)).select_related("area").get(pk=pk)
    except Wish.DoesNotExist:
        raise NotFoundError(_("没有找到该心愿。")) from None


def _phone(raw: str) -> str:
    """The beneficiary's phone by the one numbering-plan rule (core/phones.py); optional."""
    if not (raw or "").strip():
        return ""
    try:
        return normalise_cn_phone(raw)
    except PhoneInvalidError as e:
        raise ValidationFailedError(str(e), field="beneficiary_phone") from None


def wish_record(
    *,
    actor: User,
    title: str,
    public_text: str,
    area: Area,
    beneficiary_name: str,
    beneficiary_phone: str = "",
    detail: str = "",
    category: str = "",
    beneficiary: User | None = None,
    anonymous: bool = True,
) -> Wish:
    """A cadre records a wish met during a visit; it is open for claiming at once."""
    if not may_organise_in(actor, area):
        raise ForbiddenError(
            _("您不能为“{area}”的群众登记心愿：只有该区域的社区工作人员可以。").format(area=area.name)
        )
    now = timezone.now()
    with transaction.atomic():
        wish = Wish.objects.create(
            title=_text(title, field="title", max_length=TITLE_MAX),
            public_text=_text(public_text, field="public_text", max_length=PUBLIC_TEXT_MAX),
            detail=_text(detail, field="detail", max_length=TEXT_MAX, required=False),
            category=_text(category, field="category", max_length=40, required=False),
            area=area,
            beneficiary=beneficiary,
            anonymous=anonymous,
            recorded_by=actor,
            beneficiary_name=_text(beneficiary_name, field="beneficiary_name", max_length=50),
            beneficiary_phone=_phone(beneficiary_phone),
            status=WishStatus.OPEN,
            created_at=now,
            opened_at=now,
        )
        record(
            EventType.WISH_OPENED, actor=actor, wish=wish, audit=True, payload=Payload(to_status=wish.status)
        )
    return wish


def wish_raise(
    *, actor: User, title: str, detail: str, area: Area, category: str = "", anonymous: bool = True
) -> Wish:
    """A resident raises their own wish; a cadre reviews it and writes the public text (`wish_open`)."""
    if not actor.is_authenticated:
        raise ForbiddenError(_("请先登录。"), code="login_required")
    with transaction.atomic():
        wish = Wish.objects.create(
            title=_text(title, field="title", max_length=TITLE_MAX),
            public_text="",
            detail=_text(detail, field="detail", max_length=TEXT_MAX),
            category=_text(category, field="category", max_length=40, required=False),
            area=area,
            beneficiary=actor,
            beneficiary_name=actor.display_name or actor.username,
            beneficiary_phone=actor.phone,
            anonymous=anonymous,
            status=WishStatus.REVIEW,
            created_at=timezone.now(),
        )
        record(EventType.WISH_RAISED, actor=actor, wish=wish, payload=Payload(to_status=wish.status))
        notify_users(
            user_ids=area_cadre_ids(area),
            title=_("新的微心愿待审核：{t}").format(t=wish.title),
            link=_link(wish),
            kind="wish",
        )
    return wish


def _move(
    wish: Wish,
    action: str,
    actor: User,
    event_type: str,
    *,
    note: str = "",
    changes: dict[str, object] | None = None,
    **extra: object,
) -> Wish:
    """Check the policy, then apply `changes` and the new status, and record the event."""
    wish_ensure_allowed(actor, wish, action)
    _sources, target = WISH_TRANSITIONS[action]
    before = wish.status
    for name, value in (changes or {}).items():
        setattr(wish, name, value)
    if target is not None:
        wish.status = target
    wish.save()
    record(
        event_type,
        actor=actor,
        wish=wish,
        audit=True,
        payload=Payload(from_status=before, to_status=wish.status, note=note, extra=dict(extra)),
    )
    return wish


def wish_open(*, actor: User, wish: Wish, public_text: str) -> Wish:
    """The cadre publishes a resident's wish with a public text that does not identify them."""
    text = _text(public_text, field="public_text", max_length=PUBLIC_TEXT_MAX)
    with transaction.atomic():
        locked = _locked(wish)
        return _move(
            locked,
            WishAction.OPEN,
            actor,
            EventType.WISH_OPENED,
            changes={"public_text": text, "opened_at": timezone.now(), "recorded_by": actor},
        )


def wish_claim(*, actor: User, wish: Wish, organization: Organization | None = None) -> Wish:
    """A volunteer claims the wish, for themselves or for an organization they belong to."""
    with transaction.atomic():
        locked = _locked(wish)
        wish_ensure_allowed(actor, locked, WishAction.CLAIM)  # before naming the organization
        if (
            organization is not None
            and not Membership.objects.filter(organization=organization, user=actor).exists()
        ):
            raise ForbiddenError(
                _("您不是“{org}”的成员，不能以该组织名义认领。").format(org=organization.name),
                code="not_a_member",
            )
        _move(
            locked,
            WishAction.CLAIM,
            actor,
            EventType.WISH_CLAIMED,
            changes={"claimed_by": actor, "claimed_for": organization, "claimed_at": timezone.now()},
            organization=organization.pk if organization else None,
        )
        notify_users(
            user_ids=[u for u in (locked.recorded_by_id, locked.beneficiary_id) if u],
            title=_("心愿已被认领：{t}").format(t=locked.title),
            link=_link(locked),
            kind="wish",
        )
    return locked


def wish_release(*, actor: User, wish: Wish, reason: str) -> Wish:
    reason = _text(reason, field="reason", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(wish)
        # the escalation clock starts again
        return _move(
            locked,
            WishAction.RELEASE,
            actor,
            EventType.WISH_RELEASED,
            note=reason,
            changes={
                "claimed_by": None,
                "claimed_for": None,
                "claimed_at": None,
                "opened_at": timezone.now(),
            },
        )


def wish_deliver(*, actor: User, wish: Wish, note: str = "") -> Wish:
    note = _text(note, field="note", max_length=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = _locked(wish)
        _move(
            locked,
            WishAction.DELIVER,
            actor,
            EventType.WISH_DELIVERED,
            note=note,
            changes={"delivered_at": timezone.now()},
        )
        notify_users(
            user_ids=[u for u in (locked.recorded_by_id, locked.beneficiary_id) if u],
            title=_("心愿已送达，请确认：{t}").format(t=locked.title),
            link=_link(locked),
            kind="wish",
        )
    return locked


def wish_confirm(*, actor: User, wish: Wish, thanks: str = "") -> Wish:
    """The beneficiary or the cadre confirms the delivery; the wish closes with a thank-you note."""
    thanks = _text(thanks, field="thanks", max_length=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = _locked(wish)
        _move(
            locked,
            WishAction.CONFIRM,
            actor,
            EventType.WISH_CLOSED,
            changes={"thanks": thanks, "closed_at": timezone.now()},
        )
        if locked.claimed_by_id:
            notify_users(
                user_ids=[locked.claimed_by_id],
                title=_("心愿已完成，谢谢您：{t}").format(t=locked.title),
                body=thanks,
                link=_link(locked),
                kind="wish",
            )
    return locked


def wish_cancel(*, actor: User, wish: Wish, reason: str) -> Wish:
    reason = _text(reason, field="reason", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(wish)
        return _move(locked, WishAction.CANCEL, actor, EventType.WISH_CANCELLED, note=reason)


# --- escalation ------------------------------------------------------------------------------------


def area_cadre_ids(area: Area) -> list[int]:
    """The people who look after `area`'s residents: grid workers and leaders there or above it,
    and the handlers of community and street offices whose area contains it."""
    ancestors = area.ancestor_codes()
    q = Q(role__in=(Role.GRID_WORKER, Role.LEADER), area__code__in=ancestors) | Q(
        role=Role.HANDLER, unit__kind__in=ORGANISING_UNIT_KINDS, unit__area__code__in=ancestors
    )
    return sorted(set(RoleAssignment.objects.filter(q).values_list("user_id", flat=True)))


def wishes_escalate(*, now: dt.datetime | None = None, days: int = ESCALATE_AFTER_DAYS) -> int:
    """Open wishes nobody claimed for `days` go up to the community (once each). Returns how many."""
    if days < 1:
        raise ValidationFailedError(_("天数至少为 1。"), field="days")
    now = now or timezone.now()
    stale = Wish.objects.filter(
        status=WishStatus.OPEN, escalated_at__isnull=True, opened_at__lte=now - dt.timedelta(days=days)
    ).select_related("area")
    count = 0
    for wish in stale.iterator():
        with transaction.atomic():
            if not Wish.objects.filter(pk=wish.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            record(EventType.WISH_ESCALATED, actor=None, wish=wish, payload=Payload(extra={"days": days}))
            notify_users(
                user_ids=area_cadre_ids(wish.area),
                link=_link(wish),
                kind="wish",
                title=_("微心愿 {n} 天无人认领：{t}").format(n=days, t=wish.title),
                body=_("请社区协调志愿者或社会组织认领。"),
            )
            count += 1
    return count
