"""Every state change of an activity and its sign-ups: one typed, keyword-only function each.

Each runs in one transaction, locks the activity row (so that capacity and the waiting list hold
under concurrent sign-ups), checks the policy, and writes an event row; notifications go out after
commit. Volunteer hours are in `hours.py`, wishes in `wishes.py`, organizations in `orgs.py`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.notifications.services import notify_users
from lianxin.org.models import Area, User

from . import hours
from .events import Payload, record
from .models import (
    MAX_CAPACITY,
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Activity,
    ActivityKind,
    ActivityStatus,
    EventType,
    Organization,
    Signup,
    SignupStatus,
)
from .policy import Action, ensure_allowed, may_organise_in
from .sms import sms_to_signup

CHECKIN_OPENS_BEFORE = dt.timedelta(hours=1)
MAX_DURATION = dt.timedelta(days=7)


def _locked(activity: Activity | int) -> Activity:
    pk = activity.pk if isinstance(activity, Activity) else activity
    try:
        return Activity.objects.select_for_update(of=("self",)).select_related("area").get(pk=pk)
    except Activity.DoesNotExist:
        raise NotFoundError(_("没有找到该活动。")) from None


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailedError(_("请填写该项。"), field=field)
    if len(value) > max_length:
        raise ValidationFailedError(_("最多 {n} 个字符，请缩短。").format(n=max_length), field=field)
    return value


def _link(activity: Activity) -> str:
    return f"/activities/{activity.pk}/"


# --- activities --------------------------------------------------------------------------------


def activity_create(
    *,
    actor: User,
    kind: str,
    title: str,
    place: str,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    description: str = "",
    organization: Organization | None = None,
    visit_notes: str = "",
) -> Activity:
    """A draft activity in `area`, organised by `actor` (who must organise there)."""
    if not may_organise_in(actor, area):
        raise ForbiddenError(
            _("您不能在“{area}”组织活动：只有该区域的网格员、社区工作人员和领导可以。").format(area=area.name)
        )
    if kind not in ActivityKind.values:
        raise ValidationFailedError(
            _("活动类型应为：{kinds}。").format(kinds="、".join(ActivityKind.values)), field="kind"
        )
    if ends_at <= starts_at:
        raise ValidationFailedError(_("结束时间应晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationFailedError(_("一次活动最长 7 天；更长的请分成几次。"), field="ends_at")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailedError(_("名额应在 1 到 {n} 之间。").format(n=MAX_CAPACITY), field="capacity")
    with transaction.atomic():
        activity = Activity.objects.create(
            kind=kind,
            title=_text(title, field="title", max_length=TITLE_MAX),
            place=_text(place, field="place", max_length=200),
            area=area,
            organiser=actor,
            organization=organization,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            description=_text(description, field="description", max_length=TEXT_MAX, required=False),
            visit_notes=_text(visit_notes, field="visit_notes", max_length=TEXT_MAX, required=False),
            checkin_code=secrets.token_urlsafe(18),
        )
        record(
            EventType.ACTIVITY_CREATED,
            actor=actor,
            activity=activity,
            payload=Payload(to_status=activity.status),
        )
    return activity


def _transition(activity: Activity, action: str, actor: User, event_type: str, note: str = "") -> Activity:
    ensure_allowed(actor, activity, action)
    from .policy import ACTIVITY_TRANSITIONS

    _sources, target = ACTIVITY_TRANSITIONS[action]
    before = activity.status
    if target is not None:
        activity.status = target
    if action == Action.PUBLISH:
        activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at"])
    record(
        event_type,
        actor=actor,
        activity=activity,
        payload=Payload(from_status=before, to_status=activity.status, note=note),
    )
    return activity


def activity_publish(*, actor: User, activity: Activity) -> Activity:
    with transaction.atomic():
        locked = _locked(activity)
        if locked.starts_at <= timezone.now():
            raise TransitionNotAllowedError(_("活动开始时间已过，不能发布；请先修改时间。"))
        return _transition(locked, Action.PUBLISH, actor, EventType.ACTIVITY_PUBLISHED)


def activity_cancel(*, actor: User, activity: Activity, reason: str) -> Activity:
    reason = _text(reason, field="reason", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = _transition(_locked(activity), Action.CANCEL, actor, EventType.ACTIVITY_CANCELLED, reason)
        live = list(locked.signups.exclude(status=SignupStatus.CANCELLED))
        notify_users(
            user_ids=[s.user_id for s in live if s.user_id is not None],
            body=reason,
            title=_("活动已取消：{title}").format(title=locked.title),
            link=_link(locked),
            kind="activity",
        )
        text = _("活动已取消：{title}。{reason}").format(title=locked.title, reason=reason)
        for phone_signup in (s for s in live if s.user_id is None):
            transaction.on_commit(lambda s=phone_signup: sms_to_signup(s, text))  # type: ignore[misc]
    return locked


def activity_finish(*, actor: User, activity: Activity) -> Activity:
    """End the activity: whoever is still checked in is checked out at its end time."""
    with transaction.atomic():
        locked = _locked(activity)
        if timezone.now() < locked.starts_at:
            raise TransitionNotAllowedError(_("活动还没有开始，不能结束；如不再举办，请取消活动。"))
        _transition(locked, Action.FINISH, actor, EventType.ACTIVITY_FINISHED)
        still_in = locked.signups.filter(checked_in_at__isnull=False, checked_out_at__isnull=True)
        for signup in still_in.select_related("user"):
            _check_out(signup, locked, actor, at=min(locked.ends_at, timezone.now()))
    return locked


# --- sign-ups ------------------------------------------------------------------------------------


def signup_create(*, actor: User, activity: Activity) -> Signup:
    """Sign `actor` up: a confirmed place while there is one, else the waiting list (候补)."""
    with transaction.atomic():
        locked = _locked(activity)
        ensure_allowed(actor, locked, Action.SIGN_UP)
        now = timezone.now()
        if now >= locked.starts_at:
            raise TransitionNotAllowedError(_("活动已经开始，报名已截止。"))
        existing = Signup.objects.filter(activity=locked, user=actor).first()
        if existing is not None and existing.status != SignupStatus.CANCELLED:
            raise ConflictError(
                _("您已报名该活动（{status}）。").format(status=existing.get_status_display()),
                code="already_signed_up",
            )
        signup = place_signup(locked, existing, now=now, user=actor)
        event = EventType.SIGNED_UP if signup.status == SignupStatus.CONFIRMED else EventType.WAITLISTED
        record(
            event,
            actor=actor,
            activity=locked,
            payload=Payload(to_status=signup.status, subject_user_id=actor.pk),
        )
    return signup


def place_signup(locked: Activity, existing: Signup | None, *, now: dt.datetime, **who: object) -> Signup:
    """A confirmed place while there is one, else the waiting list (the activity row is locked).
    `who`: `user=` or the phone fields. Signing up again after cancelling: to the back of the line."""
    confirmed = locked.signups.filter(status=SignupStatus.CONFIRMED).count()
    status = SignupStatus.CONFIRMED if confirmed < locked.capacity else SignupStatus.WAITLISTED
    if existing is None:
        return Signup.objects.create(activity=locked, status=status, created_at=now, **who)
    existing.status, existing.created_at = status, now
    existing.checked_in_at = existing.checked_out_at = existing.reminded_at = None
    for name, value in who.items():
        setattr(existing, name, value)
    existing.save()
    return existing


def _promote_waiting(activity: Activity, actor: User | None) -> Signup | None:
    """Move the first on the waiting list up, if a place is free (the activity row is locked)."""
    confirmed = activity.signups.filter(status=SignupStatus.CONFIRMED).count()
    if confirmed >= activity.capacity:
        return None
    first = activity.signups.filter(status=SignupStatus.WAITLISTED).order_by("created_at", "id").first()
    if first is None:
        return None
    first.status = SignupStatus.CONFIRMED
    first.save(update_fields=["status"])
    record(
        EventType.PROMOTED,
        actor=actor,
        activity=activity,
        payload=Payload(
            from_status=SignupStatus.WAITLISTED,
            to_status=SignupStatus.CONFIRMED,
            subject_user_id=first.user_id,
        ),
    )
    if first.user_id is None:
        text = _("候补成功：{title}。有人取消了报名，您已从候补转为正式报名。").format(title=activity.title)
        transaction.on_commit(lambda: sms_to_signup(first, text))
    else:
        notify_users(
            user_ids=[first.user_id],
            title=_("候补成功：{title}").format(title=activity.title),
            body=_("有人取消了报名，您已从候补转为正式报名。"),
            link=_link(activity),
            kind="activity",
        )
    return first


def signup_cancel(*, actor: User, signup: Signup) -> Signup:
    """The person (or an organiser) cancels a sign-up; the waiting list moves up automatically."""
    with transaction.atomic():
        activity = _locked(signup.activity_id)
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.user_id != actor.pk:
            ensure_allowed(actor, activity, Action.CHECK_IN)
        return cancel_locked(activity, signup, actor=actor, payload=Payload(subject_user_id=signup.user_id))


def cancel_locked(activity: Activity, signup: Signup, *, actor: User | None, payload: Payload) -> Signup:
    """Cancel a sign-up whose activity and row the caller holds locked (by account or by phone):
    refused when already cancelled, checked in or over; the event records the change with
    `payload`'s other fields, and a confirmed place goes to the waiting list's first."""
    if signup.status == SignupStatus.CANCELLED:
        raise ConflictError(_("该报名已经取消。"), code="already_cancelled")
    if signup.checked_in_at is not None:
        raise TransitionNotAllowedError(_("已签到的报名不能取消；离开时请签退。"))
    if timezone.now() >= activity.ends_at:
        raise TransitionNotAllowedError(_("活动已经结束，不能取消报名。"))
    before = signup.status
    signup.status = SignupStatus.CANCELLED
    signup.save(update_fields=["status"])
    record(
        EventType.SIGNUP_CANCELLED,
        actor=actor,
        activity=activity,
        payload=dataclasses.replace(payload, from_status=before, to_status=signup.status),
    )
    if before == SignupStatus.CONFIRMED:
        _promote_waiting(activity, actor)
    return signup


def activity_change_capacity(*, actor: User, activity: Activity, capacity: int) -> Activity:
    """More places move the waiting list up; fewer never remove anyone already confirmed."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailedError(_("名额应在 1 到 {n} 之间。").format(n=MAX_CAPACITY), field="capacity")
    with transaction.atomic():
        locked = _locked(activity)
        ensure_allowed(actor, locked, Action.EDIT)
        confirmed = locked.signups.filter(status=SignupStatus.CONFIRMED).count()
        if capacity < confirmed:
            raise ValidationFailedError(
                _("已有 {n} 人正式报名，名额不能少于 {n}。").format(n=confirmed), field="capacity"
            )
        locked.capacity = capacity
        locked.save(update_fields=["capacity"])
        while _promote_waiting(locked, actor) is not None:
            pass
    return locked


# --- check-in and check-out -------------------------------------------------------------------------


def _check_window(activity: Activity, now: dt.datetime) -> None:
    if now < activity.starts_at - CHECKIN_OPENS_BEFORE:
        raise TransitionNotAllowedError(_("签到在活动开始前 1 小时开放。"))
    if now > activity.ends_at:
        raise TransitionNotAllowedError(_("活动已经结束，不能再签到。"))


def _signup_of(activity: Activity, user_id: int) -> Signup:
    signup = Signup.objects.select_for_update().filter(activity=activity, user_id=user_id).first()
    if signup is None or signup.status == SignupStatus.CANCELLED:
        raise NotFoundError(_("没有找到您的报名：请先报名，或请现场工作人员登记。"))
    if signup.status == SignupStatus.WAITLISTED:
        raise TransitionNotAllowedError(_("您还在候补名单上，请联系现场工作人员。"))
    return signup


def _signup_on_list(activity: Activity, pk: int) -> Signup:
    """A row of the manual list (by account or by phone), locked; refused like `_signup_of`."""
    signup = Signup.objects.select_for_update().filter(activity=activity, pk=pk).first()
    if signup is None or signup.status == SignupStatus.CANCELLED:
        raise NotFoundError(_("没有找到该报名。"))
    if signup.status == SignupStatus.WAITLISTED:
        raise TransitionNotAllowedError(_("此人还在候补名单上，不能签到。"))
    return signup


def _check_in(signup: Signup, activity: Activity, actor: User) -> Signup:
    if signup.checked_in_at is not None:
        raise ConflictError(_("已经签到过了。"), code="already_checked_in")
    signup.checked_in_at = timezone.now()
    signup.save(update_fields=["checked_in_at"])
    record(
        EventType.CHECKED_IN, actor=actor, activity=activity, payload=Payload(subject_user_id=signup.user_id)
    )
    return signup


def _check_out(
    signup: Signup, activity: Activity, actor: User | None, *, at: dt.datetime | None = None
) -> Signup:
    if signup.checked_in_at is None:
        raise TransitionNotAllowedError(_("还没有签到，不能签退。"))
    if signup.checked_out_at is not None:
        raise ConflictError(_("已经签退过了。"), code="already_checked_out")
    signup.checked_out_at = at or timezone.now()
    signup.save(update_fields=["checked_out_at"])
    record(
        EventType.CHECKED_OUT, actor=actor, activity=activity, payload=Payload(subject_user_id=signup.user_id)
    )
    if activity.kind == ActivityKind.VOLUNTEER and signup.user_id is not None:  # the ledger is per account
        hours.entry_from_signup(signup=signup, activity=activity)
    return signup


def _code_matches(activity: Activity, code: str) -> None:
    if not code or not hmac.compare_digest(activity.checkin_code.encode(), (code or "").encode()):
        raise ValidationFailedError(_("签到码不正确：请扫描现场工作人员手机上的二维码。"), field="code")


def signup_self_check_in(*, actor: User, activity: Activity, code: str) -> Signup:
    """The resident scanned the QR code on the organiser's phone."""
    with transaction.atomic():
        locked = _locked(activity)
        if locked.status != ActivityStatus.PUBLISHED:
            raise TransitionNotAllowedError(_("该活动不在进行中，不能签到。"))
        _code_matches(locked, code)
        _check_window(locked, timezone.now())
        return _check_in(_signup_of(locked, actor.pk), locked, actor)


def signup_self_check_out(*, actor: User, activity: Activity, code: str) -> Signup:
    with transaction.atomic():
        locked = _locked(activity)
        if locked.status != ActivityStatus.PUBLISHED:
            raise TransitionNotAllowedError(_("该活动不在进行中，不能签退。"))
        _code_matches(locked, code)
        return _check_out(_signup_of(locked, actor.pk), locked, actor)


def signup_check_in(*, actor: User, signup: Signup) -> Signup:
    """The organiser ticks someone on the manual list."""
    with transaction.atomic():
        locked = _locked(signup.activity_id)
        ensure_allowed(actor, locked, Action.CHECK_IN)
        _check_window(locked, timezone.now())
        return _check_in(_signup_on_list(locked, signup.pk), locked, actor)


def signup_check_out(*, actor: User, signup: Signup) -> Signup:
    with transaction.atomic():
        locked = _locked(signup.activity_id)
        ensure_allowed(actor, locked, Action.CHECK_IN)
        return _check_out(_signup_on_list(locked, signup.pk), locked, actor)


# --- reminders ------------------------------------------------------------------------------------


def signups_send_reminders(
    *, now: dt.datetime | None = None, ahead: dt.timedelta = dt.timedelta(days=1)
) -> int:
    """Remind everyone confirmed for an activity starting within `ahead` (once). Returns how many."""
    now = now or timezone.now()
    sent = 0
    due = Signup.objects.select_related("activity").filter(
        status=SignupStatus.CONFIRMED,
        reminded_at__isnull=True,
        activity__status=ActivityStatus.PUBLISHED,
        activity__starts_at__gt=now,
        activity__starts_at__lte=now + ahead,
    )
    for signup in due.iterator():
        with transaction.atomic():
            if not Signup.objects.filter(pk=signup.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another worker reminded them
            activity = signup.activity
            body = _("{when} 在 {place}，请准时参加；如不能参加，请取消报名，把名额让给候补的人。").format(
                when=timezone.localtime(activity.starts_at).strftime("%m-%d %H:%M"), place=activity.place
            )
            title = _("活动提醒：{title}").format(title=activity.title)
            if signup.user_id is None:
                transaction.on_commit(lambda s=signup, t=f"{title}。{body}": sms_to_signup(s, t))  # type: ignore[misc]
            else:
                notify_users(
                    user_ids=[signup.user_id], link=_link(activity), kind="activity", title=title, body=body
                )
            record(
                EventType.REMINDED,
                actor=None,
                activity=activity,
                payload=Payload(subject_user_id=signup.user_id),
            )
            sent += 1
    return sent
