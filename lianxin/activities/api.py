"""`/api/v1/activities…`: the calendar, sign-ups, check-in, the hours ledger, wishes, organizations.

Handlers only parse, authorise (through selectors and the policy) and call the services.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path

from lianxin.api.auth import PUBLIC_AUTH, STAFF_AUTH, caller
from lianxin.api.schemas import ErrorOut
from lianxin.core.errors import ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import Area, User

from . import hours, orgs, selectors, services, wishes
from . import schemas as s
from .events import audit_personal_view
from .models import Activity, HoursEntry, Organization, Signup, Wish
from .policy import Action, allowed_actions, ensure_allowed, wish_allowed_actions, wish_ensure_allowed
from .privacy import mask_name, mask_phone

router = Router(tags=["activities"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), ErrorOut)
Id = Path(..., ge=1, le=2**31 - 1)
VerbPath = Path(..., description="open, claim, release, deliver, confirm or cancel")
Code = Path(..., min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")


def _me(request: HttpRequest) -> User:
    user = caller(request)
    if user is None:
        raise ForbiddenError(_("请先登录。"), code="login_required")
    return user


def _area(code: str, field: str = "area") -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailedError(
            _("区域编码“{code}”不存在，请从 /areas 中选择。").format(code=code), field=field
        )
    return area


def _activity_out(activity: Activity, user: User | None, *, listing: bool = False) -> dict[str, Any]:
    """One activity; in lists (`listing`) without the waiting position and actions (one query each)."""
    p = selectors.places(activity)
    mine = selectors.my_signup(user, activity)
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "kind_label": str(activity.get_kind_display()),
        "title": activity.title,
        "description": activity.description,
        "place": activity.place,
        "area": activity.area.code,
        "area_name": activity.area.name,
        "organization": activity.organization.name if activity.organization else None,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "confirmed": p.confirmed,
        "waiting": p.waiting,
        "status": activity.status,
        "my_signup": mine.status if mine else None,
        "my_waiting_position": selectors.waiting_position(mine) if mine and not listing else None,
        "allowed_actions": allowed_actions(user, activity) if user is not None and not listing else [],
    }


def _signup_out(signup: Signup) -> dict[str, Any]:
    return {
        "id": signup.pk,
        "activity_id": signup.activity_id,
        "status": signup.status,
        "waiting_position": selectors.waiting_position(signup),
        "checked_in_at": signup.checked_in_at,
        "checked_out_at": signup.checked_out_at,
    }


# --- activities ----------------------------------------------------------------------------------


@router.get(
    "/activities",
    auth=PUBLIC_AUTH,
    response={200: list[s.ActivityOut], **ERRORS},
    summary="The public calendar of upcoming activities",
)
def list_activities(request: HttpRequest, q: Query[s.ListQuery]) -> list[dict[str, Any]]:
    user = caller(request)
    area = _area(q.area) if q.area else None
    qs = selectors.activities_public(area=area, kind=q.kind)
    start = (q.page - 1) * q.page_size
    page = list(qs[start : start + q.page_size])
    mine = selectors.my_signups_among(user, [a.pk for a in page])
    for a in page:
        a._my_signup = mine.get(a.pk)  # type: ignore[attr-defined]
    return [_activity_out(a, user, listing=True) for a in page]


@router.post(
    "/activities",
    auth=STAFF_AUTH,
    response={201: s.ActivityOut, **ERRORS},
    summary="Create an activity (a draft; organisers of the area)",
)
def create_activity(request: HttpRequest, payload: s.ActivityIn) -> HttpStatus[Any]:
    user = _me(request)
    org = None
    if payload.organization_id:
        org = Organization.objects.filter(pk=payload.organization_id).first()
        if org is None:
            raise ValidationFailedError(_("没有这个组织。"), field="organization_id")
    activity = services.activity_create(
        actor=user,
        kind=payload.kind,
        title=payload.title,
        place=payload.place,
        area=_area(payload.area),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        description=payload.description,
        organization=org,
        visit_notes=payload.visit_notes,
    )
    return HttpStatus(201, _activity_out(activity, user))


@router.get(
    "/activities/{int:activity_id}",
    auth=PUBLIC_AUTH,
    response={200: s.ActivityOut, **ERRORS},
    summary="One activity",
)
def get_activity(request: HttpRequest, activity_id: int = Id) -> dict[str, Any]:
    user = caller(request)
    return _activity_out(selectors.activity_get(user, activity_id), user)


@router.post(
    "/activities/{int:activity_id}/publish",
    auth=STAFF_AUTH,
    response={200: s.ActivityOut, **ERRORS},
    summary="Publish a draft (sign-ups open)",
)
def publish(request: HttpRequest, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = services.activity_publish(actor=user, activity=selectors.activity_get(user, activity_id))
    return _activity_out(activity, user)


@router.post(
    "/activities/{int:activity_id}/cancel",
    auth=STAFF_AUTH,
    response={200: s.ActivityOut, **ERRORS},
    summary="Cancel the activity (everyone signed up is told)",
)
def cancel(request: HttpRequest, payload: s.ReasonIn, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = services.activity_cancel(
        actor=user, activity=selectors.activity_get(user, activity_id), reason=payload.reason
    )
    return _activity_out(activity, user)


@router.post(
    "/activities/{int:activity_id}/capacity",
    auth=STAFF_AUTH,
    response={200: s.ActivityOut, **ERRORS},
    summary="Change the number of places (more places move the waiting list up)",
)
def capacity(request: HttpRequest, payload: s.CapacityIn, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = services.activity_change_capacity(
        actor=user, activity=selectors.activity_get(user, activity_id), capacity=payload.capacity
    )
    return _activity_out(activity, user)


@router.post(
    "/activities/{int:activity_id}/finish",
    auth=STAFF_AUTH,
    response={200: s.ActivityOut, **ERRORS},
    summary="End the activity (whoever is still checked in is checked out)",
)
def finish(request: HttpRequest, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = services.activity_finish(actor=user, activity=selectors.activity_get(user, activity_id))
    return _activity_out(activity, user)


@router.post(
    "/activities/{int:activity_id}/signup",
    auth=STAFF_AUTH,
    response={201: s.SignupOut, **ERRORS},
    summary="Sign up (a place, or the waiting list)",
)
def signup(request: HttpRequest, activity_id: int = Id) -> HttpStatus[Any]:
    user = _me(request)
    return HttpStatus(
        201,
        _signup_out(services.signup_create(actor=user, activity=selectors.activity_get(user, activity_id))),
    )


def _my_signup(user: User, activity_id: int) -> Signup:
    activity = selectors.activity_get(user, activity_id)
    mine = selectors.my_signup(user, activity)
    if mine is None:
        raise NotFoundError(_("您没有报名该活动。"))
    return mine


@router.post(
    "/activities/{int:activity_id}/signup/cancel",
    auth=STAFF_AUTH,
    response={200: s.SignupOut, **ERRORS},
    summary="Cancel my sign-up (the waiting list moves up)",
)
def signup_cancel(request: HttpRequest, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    return _signup_out(services.signup_cancel(actor=user, signup=_my_signup(user, activity_id)))


@router.post(
    "/activities/{int:activity_id}/check-in",
    auth=STAFF_AUTH,
    response={200: s.SignupOut, **ERRORS},
    summary="Check myself in with the code of the organiser's QR",
)
def check_in(request: HttpRequest, payload: s.CodeIn, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = selectors.activity_get(user, activity_id)
    return _signup_out(services.signup_self_check_in(actor=user, activity=activity, code=payload.code))


@router.post(
    "/activities/{int:activity_id}/check-out",
    auth=STAFF_AUTH,
    response={200: s.SignupOut, **ERRORS},
    summary="Check myself out",
)
def check_out(request: HttpRequest, payload: s.CodeIn, activity_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    activity = selectors.activity_get(user, activity_id)
    return _signup_out(services.signup_self_check_out(actor=user, activity=activity, code=payload.code))


@router.get(
    "/activities/{int:activity_id}/roster",
    auth=STAFF_AUTH,
    response={200: list[s.RosterOut], **ERRORS},
    summary="Who signed up (organisers only; names and phones, audit-logged)",
)
def roster(request: HttpRequest, activity_id: int = Id) -> list[dict[str, Any]]:
    user = _me(request)
    activity = selectors.activity_get(user, activity_id)
    ensure_allowed(user, activity, Action.VIEW_ROSTER)
    return [r.__dict__ for r in selectors.roster(user, activity)]


def _roster_signup(user: User, activity_id: int, signup_id: int) -> Signup:
    activity = selectors.activity_get(user, activity_id)
    ensure_allowed(user, activity, Action.CHECK_IN)
    found = Signup.objects.filter(pk=signup_id, activity=activity).first()
    if found is None:
        raise NotFoundError(_("该活动没有这条报名。"))
    return found


@router.post(
    "/activities/{int:activity_id}/roster/{int:signup_id}/check-in",
    auth=STAFF_AUTH,
    response={200: s.SignupOut, **ERRORS},
    summary="Check someone in by the manual list",
)
def roster_check_in(request: HttpRequest, activity_id: int = Id, signup_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    return _signup_out(
        services.signup_check_in(actor=user, signup=_roster_signup(user, activity_id, signup_id))
    )


@router.post(
    "/activities/{int:activity_id}/roster/{int:signup_id}/check-out",
    auth=STAFF_AUTH,
    response={200: s.SignupOut, **ERRORS},
    summary="Check someone out by the manual list",
)
def roster_check_out(request: HttpRequest, activity_id: int = Id, signup_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    return _signup_out(
        services.signup_check_out(actor=user, signup=_roster_signup(user, activity_id, signup_id))
    )


# --- hours -----------------------------------------------------------------------------------------


def _hours_out(entry: HoursEntry, *, full_name: bool) -> dict[str, Any]:
    name = entry.user.display_name or entry.user.username
    return {
        "id": entry.pk,
        "activity_id": entry.activity_id,
        "activity": entry.activity.title,
        "person": name if full_name else mask_name(name),
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "minutes": entry.minutes,
        "status": entry.status,
        "verification_code": entry.verification_code if entry.status == "confirmed" else None,
    }


@router.get(
    "/activities/me/hours",
    auth=STAFF_AUTH,
    response={200: s.LedgerOut, **ERRORS},
    summary="My volunteer hours ledger (overlaps counted once)",
)
def my_hours(request: HttpRequest) -> dict[str, Any]:
    user = _me(request)
    ledger = hours.ledger_for(user)
    return {
        "total_minutes": ledger.total_minutes,
        "total_hours": ledger.total_hours,
        "pending_minutes": ledger.pending_minutes,
        "entries": [_hours_out(e, full_name=True) for e in ledger.entries],
    }


@router.get(
    "/activities/{int:activity_id}/hours",
    auth=STAFF_AUTH,
    response={200: list[s.HoursOut], **ERRORS},
    summary="Hours waiting for the organiser's confirmation",
)
def pending_hours(request: HttpRequest, activity_id: int = Id) -> list[dict[str, Any]]:
    user = _me(request)
    activity = selectors.activity_get(user, activity_id)
    ensure_allowed(user, activity, Action.CONFIRM_HOURS)
    rows = [_hours_out(e, full_name=True) for e in hours.pending_for(activity).select_related("activity")]
    if rows:
        audit_personal_view(viewer=user, object_type="activity", object_id=activity.pk, what="pending_hours")
    return rows


@router.post(
    "/activities/hours/{int:entry_id}/confirm",
    auth=STAFF_AUTH,
    response={200: s.HoursOut, **ERRORS},
    summary="Confirm (or refuse) a ledger line; minutes may be corrected downwards",
)
def confirm_hours(request: HttpRequest, payload: s.ConfirmHoursIn, entry_id: int = Id) -> dict[str, Any]:
    user = _me(request)
    entry = HoursEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFoundError(_("没有找到该时长记录。"))
    done = hours.hours_confirm(actor=user, entry=entry, approve=payload.approve, minutes=payload.minutes)
    return _hours_out(HoursEntry.objects.select_related("user", "activity").get(pk=done.pk), full_name=True)


@router.get(
    "/activities/hours/verify/{code}",
    auth=PUBLIC_AUTH,
    response={200: s.VerifyOut, **ERRORS},
    summary="Check a volunteer certificate's verification code",
)
def verify_hours(request: HttpRequest, code: str = Code) -> dict[str, Any]:
    entry = hours.entry_for_code(code)
    return {
        "person": mask_name(entry.user.display_name or entry.user.username),
        "activity": entry.activity.title,
        "organization": entry.organization.name if entry.organization else None,
        "started_at": entry.started_at,
        "minutes": entry.minutes,
    }


# --- wishes ----------------------------------------------------------------------------------------


def _wish_out(wish: Wish, user: User | None) -> dict[str, Any]:
    view = selectors.wish_view(user, wish)
    return {
        "id": wish.pk,
        "title": wish.title,
        "public_text": wish.public_text,
        "category": wish.category,
        "area": wish.area.code,
        "area_name": wish.area.name,
        "status": wish.status,
        "status_label": str(wish.get_status_display()),
        "claimer": view.claimer,
        "thanks": wish.thanks,
        "created_at": wish.created_at,
        "detail": view.detail,
        "beneficiary": view.beneficiary,
        "phone": view.phone,
        "allowed_actions": wish_allowed_actions(user, wish) if user else [],
    }


@router.get(
    "/activities/wishes",
    auth=PUBLIC_AUTH,
    response={200: list[s.WishOut], **ERRORS},
    summary="Public small wishes (masked: no names)",
)
def list_wishes(request: HttpRequest, q: Query[s.ListQuery]) -> list[dict[str, Any]]:
    area = _area(q.area) if q.area else None
    start = (q.page - 1) * q.page_size
    return [_wish_out(w, None) for w in selectors.wishes_public(area=area)[start : start + q.page_size]]


@router.post(
    "/activities/wishes",
    auth=STAFF_AUTH,
    response={201: s.WishOut, **ERRORS},
    summary="Record a wish met on a visit (cadres of the area)",
)
def record_wish(request: HttpRequest, payload: s.WishIn) -> HttpStatus[Any]:
    user = _me(request)
    wish = wishes.wish_record(
        actor=user,
        title=payload.title,
        public_text=payload.public_text,
        area=_area(payload.area),
        beneficiary_name=payload.beneficiary_name,
        beneficiary_phone=payload.beneficiary_phone,
        detail=payload.detail,
        category=payload.category,
        anonymous=payload.anonymous,
    )
    return HttpStatus(201, _wish_out(wish, user))


@router.post(
    "/activities/wishes/raise",
    auth=STAFF_AUTH,
    response={201: s.WishOut, **ERRORS},
    summary="Raise my own wish (a cadre reviews it before it is public)",
)
def raise_wish(request: HttpRequest, payload: s.WishRaiseIn) -> HttpStatus[Any]:
    user = _me(request)
    wish = wishes.wish_raise(
        actor=user,
        title=payload.title,
        detail=payload.detail,
        area=_area(payload.area),
        category=payload.category,
        anonymous=payload.anonymous,
    )
    return HttpStatus(201, _wish_out(wish, user))


@router.get(
    "/activities/wishes/{int:wish_id}",
    auth=PUBLIC_AUTH,
    response={200: s.WishOut, **ERRORS},
    summary="One wish (contact details only for the cadres of its area, audit-logged)",
)
def get_wish(request: HttpRequest, wish_id: int = Id) -> dict[str, Any]:
    user = caller(request)
    return _wish_out(selectors.wish_get(user, wish_id), user)


@router.get(
    "/activities/wishes/{int:wish_id}/suggestions",
    auth=STAFF_AUTH,
    response={200: list[s.SuggestionOut], **ERRORS},
    summary="Who could fulfil this wish (cadres)",
)
def suggestions(request: HttpRequest, wish_id: int = Id) -> list[dict[str, Any]]:
    user = _me(request)
    wish = selectors.wish_get(user, wish_id)
    wish_ensure_allowed(user, wish, "match")
    return [
        {"kind": x.kind, "id": x.id, "name": x.name, "score": x.score, "reasons": list(x.reasons)}
        for x in selectors.wish_suggestions(wish)
    ]


@router.post(
    "/activities/wishes/{int:wish_id}/{verb}",
    auth=STAFF_AUTH,
    response={200: s.WishOut, **ERRORS},
    summary="Move a wish on: open, claim, release, deliver, confirm, cancel",
)
def act_on_wish(
    request: HttpRequest, payload: s.WishActIn, wish_id: int = Id, verb: s.WishVerb = VerbPath
) -> dict[str, Any]:
    user = _me(request)
    wish = selectors.wish_get(user, wish_id)
    text = payload.text
    if verb == "open":
        wish = wishes.wish_open(actor=user, wish=wish, public_text=text)
    elif verb == "claim":
        org = (
            Organization.objects.filter(pk=payload.organization_id).first()
            if payload.organization_id
            else None
        )
        if payload.organization_id and org is None:
            raise ValidationFailedError(_("没有这个组织。"), field="organization_id")
        wish = wishes.wish_claim(actor=user, wish=wish, organization=org)
    elif verb == "release":
        wish = wishes.wish_release(actor=user, wish=wish, reason=text)
    elif verb == "deliver":
        wish = wishes.wish_deliver(actor=user, wish=wish, note=text)
    elif verb == "confirm":
        wish = wishes.wish_confirm(actor=user, wish=wish, thanks=text)
    else:
        wish = wishes.wish_cancel(actor=user, wish=wish, reason=text)
    return _wish_out(selectors.wish_get(user, wish.pk), user)


# --- organizations ---------------------------------------------------------------------------------


def _org_out(org: Organization) -> dict[str, Any]:
    p = selectors.organization_participation(org)
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "registration_number": org.registration_number,
        "categories": org.categories,
        "areas": [a.code for a in org.areas.all()],
        "description": org.description,
        "contact_name": mask_name(org.contact_name),
        "contact_phone": mask_phone(org.contact_phone),
        "activities": p.activities,
        "volunteers": p.volunteers,
        "hours": p.hours,
        "wishes_fulfilled": p.wishes_fulfilled,
        "projects": [
            {
                "title": x.title,
                "description": x.description,
                "started_on": x.started_on,
                "ended_on": x.ended_on,
            }
            for x in org.projects.all()[:50]
        ],
    }


@router.get(
    "/activities/organizations",
    auth=PUBLIC_AUTH,
    response={200: list[s.OrganizationOut], **ERRORS},
    summary="Social organizations and their participation",
)
def list_organizations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_org_out(o) for o in selectors.organizations_public().prefetch_related("projects")[:200]]


@router.post(
    "/activities/organizations",
    auth=STAFF_AUTH,
    response={201: s.OrganizationOut, **ERRORS},
    summary="Register a social organization (cadres of its service areas)",
)
def register_organization(request: HttpRequest, payload: s.OrganizationIn) -> HttpStatus[Any]:
    user = _me(request)
    areas = [_area(code, field=f"areas[{i}]") for i, code in enumerate(payload.areas)]
    org = orgs.organization_register(
        actor=user,
        name=payload.name,
        kind=payload.kind,
        areas=areas,
        registration_number=payload.registration_number,
        categories=payload.categories,
        description=payload.description,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    return HttpStatus(201, _org_out(org))


@router.get(
    "/activities/organizations/{int:org_id}",
    auth=PUBLIC_AUTH,
    response={200: s.OrganizationOut, **ERRORS},
    summary="One organization",
)
def get_organization(request: HttpRequest, org_id: int = Id) -> dict[str, Any]:
    return _org_out(selectors.organization_get(org_id))
