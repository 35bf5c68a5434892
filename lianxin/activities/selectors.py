"""Reads of community life: the calendar, an activity and its roster, wishes, matching, organizations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import NotFoundError
from lianxin.org.models import Area, User
from lianxin.org.selectors import area_subtree_q, in_area_subtree

from . import hours
from .events import audit_personal_view
from .models import (
    Activity,
    ActivityStatus,
    Membership,
    Organization,
    Signup,
    SignupStatus,
    VolunteerProfile,
    Wish,
    WishStatus,
)
from .orgs import may_manage_organization
from .policy import (
    Action,
    activities_managed_q,
    can,
    may_see_wish_contact,
    may_see_wish_detail,
    may_view_activity,
    may_view_wish,
    wishes_managed_q,
)
from .privacy import mask_name, mask_phone

PUBLIC_WISH_STATUSES = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.DELIVERED, WishStatus.CLOSED)


# --- activities ----------------------------------------------------------------------------------


def activities_public(
    *, area: Area | None = None, kind: str = "", upcoming: bool = True, now: dt.datetime | None = None
) -> QuerySet[Activity]:
    """The public calendar: published (and, looking back, finished) activities, soonest first.

    An activity for a street is shown to residents of every community in it, and one for a
    community to its street: `area` matches its subtree and its ancestors."""
    qs = Activity.objects.select_related("area", "organization").annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
        waiting_count=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
    )
    if upcoming:
        qs = qs.filter(status=ActivityStatus.PUBLISHED, ends_at__gte=now or timezone.now())
    else:
        qs = qs.filter(status__in=(ActivityStatus.PUBLISHED, ActivityStatus.FINISHED))
    if area is not None:
        qs = qs.filter(area_subtree_q([area.path]) | Q(area__code__in=area.ancestor_codes()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("starts_at", "id")


def areas_near(user: User | None) -> list[Area]:
    """The areas a person said they live in or serve (their volunteer profile), for "near me"."""
    if user is None or not user.is_authenticated:
        return []
    profile = VolunteerProfile.objects.filter(user=user).first()
    return list(profile.areas.all()) if profile is not None else []


def activities_managed(user: User) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(activities_managed_q(user))
        .select_related("area")
        .annotate(confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)))
        .order_by("-starts_at", "-id")
    )


def activity_get(user: User | None, pk: int) -> Activity:
    """The activity if this user may see it; the same error for absent and not visible."""
    activity = Activity.objects.select_related("area", "organiser", "organization").filter(pk=pk).first()
    if activity is None or not may_view_activity(user, activity):
        raise NotFoundError(_("没有找到该活动。"))
    return activity


@dataclass(frozen=True)
class Places:
    capacity: int
    confirmed: int
    waiting: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.confirmed)


def places(activity: Activity) -> Places:
    if hasattr(activity, "confirmed_count") and hasattr(activity, "waiting_count"):  # annotated lists
        return Places(activity.capacity, activity.confirmed_count, activity.waiting_count)
    counts = dict(activity.signups.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return Places(
        activity.capacity, counts.get(SignupStatus.CONFIRMED, 0), counts.get(SignupStatus.WAITLISTED, 0)
    )


def my_signups_among(user: User | None, activity_ids: list[int]) -> dict[int, Signup]:
    """The user's live sign-ups for these activities, in one query (for lists)."""
    if user is None or not user.is_authenticated or not activity_ids:
        return {}
    rows = Signup.objects.filter(user=user, activity_id__in=activity_ids).exclude(
        status=SignupStatus.CANCELLED
    )
    return {s.activity_id: s for s in rows}


def my_signup(user: User | None, activity: Activity) -> Signup | None:
    if user is None or not user.is_authenticated:
        return None
    if hasattr(activity, "_my_signup"):  # filled in by `my_signups_among` for a list
        cached: Signup | None = activity._my_signup
        return cached
    return Signup.objects.filter(activity=activity, user=user).exclude(status=SignupStatus.CANCELLED).first()


def waiting_position(signup: Signup) -> int | None:
    if signup.status != SignupStatus.WAITLISTED:
        return None
    ahead = (
        Signup.objects.filter(activity_id=signup.activity_id, status=SignupStatus.WAITLISTED)
        .filter(Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, id__lt=signup.id))
        .count()
    )
    return ahead + 1


@dataclass(frozen=True)
class RosterRow:
    signup_id: int
    name: str
    phone: str
    status: str
    status_label: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    by_phone: bool = False


def roster(viewer: User | None, activity: Activity) -> list[RosterRow]:
    """Everyone signed up. Names and phones in full for the organisers (the look is logged), masked
    for anyone else who may see the list at all (nobody else, today: the check is the caller's)."""
    full = can(viewer, activity, Action.VIEW_ROSTER)
    rows = []
    for s in (
        activity.signups.exclude(status=SignupStatus.CANCELLED)
        .select_related("user")
        .order_by("status", "created_at", "id")
    ):
        if s.user is not None:
            name, phone = s.user.display_name or s.user.username, s.user.phone
        else:  # signed up with a verified phone, no account
            name, phone = s.name, s.phone
        rows.append(
            RosterRow(
                signup_id=s.pk,
                name=name if full else mask_name(name),
                by_phone=s.user is None,
                phone=phone if full else mask_phone(phone),
                status=s.status,
                status_label=str(s.get_status_display()),
                checked_in_at=s.checked_in_at,
                checked_out_at=s.checked_out_at,
            )
        )
    if full and rows and viewer is not None:
        audit_personal_view(viewer=viewer, object_type="activity", object_id=activity.pk, what="roster")
    return rows


def my_activities(user: User) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(user=user)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("activity__area")
        .order_by("-activity__starts_at")
    )


# --- wishes ----------------------------------------------------------------------------------------


def wishes_public(*, area: Area | None = None, status: str = "") -> QuerySet[Wish]:
    qs = Wish.objects.filter(status__in=PUBLIC_WISH_STATUSES).select_related("area", "claimed_for")
    if area is not None:
        qs = qs.filter(area_subtree_q([area.path]))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def wishes_managed(user: User) -> QuerySet[Wish]:
    return (
        Wish.objects.filter(wishes_managed_q(user))
        .select_related("area", "claimed_by")
        .order_by("status", "-created_at")
    )


def wishes_of(user: User) -> QuerySet[Wish]:
    """Wishes a person raised, and wishes they claimed."""
    return (
        Wish.objects.filter(Q(beneficiary=user) | Q(claimed_by=user))
        .select_related("area")
        .order_by("-created_at")
    )


def wish_get(user: User | None, pk: int) -> Wish:
    wish = Wish.objects.select_related("area", "claimed_by", "claimed_for").filter(pk=pk).first()
    if wish is None or not may_view_wish(user, wish):
        raise NotFoundError(_("没有找到该心愿。"))
    return wish


@dataclass(frozen=True)
class WishView:
    """What one viewer may see of a wish: anonymous wishes never name anyone in public."""

    wish: Wish
    detail: str
    beneficiary: str
    phone: str
    claimer: str


def wish_view(viewer: User | None, wish: Wish) -> WishView:
    contact = may_see_wish_contact(viewer, wish)
    detail = wish.detail if may_see_wish_detail(viewer, wish) else ""
    if contact:
        beneficiary, phone = wish.beneficiary_name, wish.beneficiary_phone
        if viewer is not None and (wish.beneficiary_name or wish.beneficiary_phone):
            audit_personal_view(viewer=viewer, object_type="wish", object_id=wish.pk, what="beneficiary")
    elif wish.anonymous:
        beneficiary, phone = "", ""
    else:
        beneficiary, phone = mask_name(wish.beneficiary_name), ""
    claimer = ""
    if wish.claimed_for is not None:
        claimer = wish.claimed_for.name
    elif wish.claimed_by is not None:
        claimer = mask_name(wish.claimed_by.display_name or wish.claimed_by.username)
    return WishView(wish=wish, detail=detail, beneficiary=beneficiary, phone=phone, claimer=claimer)


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "volunteer" or "organization"
    id: int
    name: str
    score: float
    reasons: tuple[str, ...]


def _words(wish: Wish) -> str:
    return f"{wish.title} {wish.category} {wish.public_text} {wish.detail}"


def wish_suggestions(wish: Wish, *, limit: int = 5) -> list[Suggestion]:
    """Who could fulfil the wish: matching skills or categories, the area served, past claims."""
    text = _words(wish)
    past = dict(
        Wish.objects.filter(status=WishStatus.CLOSED, claimed_by__isnull=False)
        .values_list("claimed_by")
        .annotate(n=Count("id"))
        .values_list("claimed_by", "n")
    )
    out: list[Suggestion] = []
    profiles = VolunteerProfile.objects.select_related("user").prefetch_related("areas")
    if wish.beneficiary_id is not None:
        profiles = profiles.exclude(user_id=wish.beneficiary_id)
    for p in profiles[:500]:
        reasons: list[str] = []
        score = 0.0
        skills = [s for s in p.skills if s and s in text]
        if skills:
            score += 2 * len(skills)
            reasons.append(_("技能：{s}").format(s="、".join(skills)))
        if any(in_area_subtree(wish.area.path, [a.path]) for a in p.areas.all()):
            score += 2
            reasons.append(_("服务本区域"))
        n = past.get(p.user_id, 0)
        if n:
            score += min(n, 3) * 0.5
            reasons.append(_("完成过 {n} 个心愿").format(n=n))
        if score:
            name = p.user.display_name or p.user.username
            out.append(Suggestion("volunteer", p.user_id, name, score, tuple(reasons)))
    for org in Organization.objects.filter(active=True).prefetch_related("areas")[:200]:
        cats = [c for c in org.categories if c and c in text]
        covers = any(in_area_subtree(wish.area.path, [a.path]) for a in org.areas.all())
        if cats or covers:
            reasons = [_("服务类别：{c}").format(c="、".join(cats))] if cats else []
            if covers:
                reasons.append(_("服务本区域"))
            out.append(
                Suggestion(
                    "organization", org.pk, org.name, 2 * len(cats) + (2 if covers else 0), tuple(reasons)
                )
            )
    out.sort(key=lambda s: (-s.score, s.kind, s.id))
    return out[:limit]


# --- organizations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    activities: int
    volunteers: int
    hours: float
    wishes_fulfilled: int


def organization_participation(org: Organization) -> Participation:
    return Participation(
        activities=org.activities.filter(
            status__in=(ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)
        ).count(),
        volunteers=Membership.objects.filter(organization=org).count(),
        hours=round(hours.organization_minutes(org) / 60, 1),
        wishes_fulfilled=org.wishes.filter(status=WishStatus.CLOSED).count(),
    )


def organizations_public() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(active=True)
        .prefetch_related("areas")
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )


def organization_get(pk: int) -> Organization:
    org = Organization.objects.filter(pk=pk, active=True).prefetch_related("areas").first()
    if org is None:
        raise NotFoundError(_("没有找到该组织。"))
    return org


def organization_page(org: Organization, viewer: User | None) -> dict[str, object]:
    """What the organization's public page shows; its manage form only to those who may manage it."""
    return {
        "org": org,
        "p": organization_participation(org),
        "activities": org.activities.filter(
            status__in=(ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)
        ).order_by("-starts_at")[:20],
        "projects": list(org.projects.all()[:50]),
        "manage": may_manage_organization(viewer, org),
    }
