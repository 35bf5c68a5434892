"""Forums and hearings: create, register (forum seats first come first served with a waiting list;
hearing applications), cancel (the first on the waiting list moves up), the public lottery of a
hearing's representatives, check-in, and the minutes with the opinions raised entered as opinions."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import ConflictError, NotFoundError, TransitionNotAllowedError, ValidationFailedError
from lianxin.org.models import User

from .. import events
from ..models import (
    Comment,
    Consultation,
    Hearing,
    HearingKind,
    Participant,
    Registration,
    RegistrationStatus,
    Visibility,
)
from ..models.contributions import COMMENT_MAX
from ..policy import Action, ensure_allowed
from .lifecycle import _text
from .participation import participant_for

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.SELECTED)
OPINIONS_MAX = 100


@transaction.atomic
def hearing_create(
    *,
    actor: User,
    consultation: Consultation,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    place: str,
    capacity: int,
    agenda: str = "",
) -> Hearing:
    ensure_allowed(actor, consultation, Action.RUN_HEARING)
    if kind not in HearingKind.values:
        raise ValidationFailedError(
            _("类型只能是：{v}。").format(v="、".join(HearingKind.values)), field="kind"
        )
    if not 1 <= capacity <= 10_000:
        raise ValidationFailedError(_("名额应在 1 到 10000 之间。"), field="capacity")
    hearing = Hearing.objects.create(
        consultation=consultation,
        kind=kind,
        title=_text(title, name="title", label=_("名称"), maximum=200),
        starts_at=starts_at,
        place=_text(place, name="place", label=_("地点"), maximum=200),
        capacity=capacity,
        agenda=_text(agenda, name="agenda", label=_("议程"), maximum=4000, required=False),
    )
    events.record(consultation, events.Edited(fields=(f"hearing:{hearing.pk}",)), actor=actor)
    return hearing


def _hearing(consultation: Consultation, hearing_id: int) -> Hearing:
    hearing = Hearing.objects.select_for_update().filter(consultation=consultation, pk=hearing_id).first()
    if hearing is None:
        raise NotFoundError(_("没有找到该座谈会或听证会。"), field="hearing_id")
    return hearing


@transaction.atomic
def hearing_register(*, actor: User, consultation: Consultation, hearing_id: int) -> Registration:
    ensure_allowed(actor, consultation, Action.REGISTER)
    hearing = _hearing(consultation, hearing_id)
    if hearing.starts_at <= timezone.now() or hearing.selected_at is not None:
        raise TransitionNotAllowedError(_("报名已截止。"))
    participant = participant_for(consultation=consultation, user=actor)
    existing = hearing.registrations.filter(participant=participant).first()
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        raise ConflictError(_("您已经报名了。"), code="already_registered")
    status = RegistrationStatus.REGISTERED
    if (
        hearing.kind == HearingKind.FORUM
        and hearing.registrations.filter(status__in=ACTIVE).count() >= hearing.capacity
    ):
        status = RegistrationStatus.WAITING
    if existing is not None:
        existing.status = status
        existing.save(update_fields=["status"])
        return existing
    return Registration.objects.create(hearing=hearing, participant=participant, status=status)


@transaction.atomic
def hearing_cancel(*, actor: User, consultation: Consultation, hearing_id: int) -> Registration:
    """Cancel one's registration; a forum's first waiting registration takes the freed seat."""
    hearing = _hearing(consultation, hearing_id)
    participant = Participant.objects.filter(consultation=consultation, user=actor).first()
    registration = (
        hearing.registrations.filter(participant=participant)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
        if participant
        else None
    )
    if registration is None:
        raise NotFoundError(_("您没有报名。"))
    freed = registration.status in ACTIVE
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status"])
    if freed and hearing.kind == HearingKind.FORUM:
        first = (
            hearing.registrations.filter(status=RegistrationStatus.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if first is not None:
            first.status = RegistrationStatus.REGISTERED
            first.save(update_fields=["status"])
    return registration


def lottery_order(hearing_id: int, participant_ids: Sequence[int]) -> list[int]:
    """The public selection rule: order applicants by SHA-256 of "hearing id:participant id" — anyone
    can recompute it, and nobody can steer it once the applications are in."""
    return sorted(participant_ids, key=lambda p: hashlib.sha256(f"{hearing_id}:{p}".encode()).hexdigest())


@transaction.atomic
def hearing_select(*, actor: User, consultation: Consultation, hearing_id: int) -> list[Registration]:
    """Select a hearing's representatives among the applications by the public lottery (once)."""
    ensure_allowed(actor, consultation, Action.RUN_HEARING)
    hearing = _hearing(consultation, hearing_id)
    if hearing.kind != HearingKind.HEARING or hearing.selected_at is not None:
        raise TransitionNotAllowedError(_("只有听证会需要遴选代表，且只能遴选一次。"))
    applications = {
        r.participant_id: r for r in hearing.registrations.filter(status=RegistrationStatus.REGISTERED)
    }
    order = lottery_order(hearing.pk, list(applications))
    chosen = set(order[: hearing.capacity])
    for pid, registration in applications.items():
        registration.status = (
            RegistrationStatus.SELECTED if pid in chosen else RegistrationStatus.NOT_SELECTED
        )
    Registration.objects.bulk_update(list(applications.values()), ["status"])
    hearing.selected_at = timezone.now()
    hearing.save(update_fields=["selected_at"])
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="consultation_hearing",
        object_id=hearing.pk,
        actor=actor,
        data={"selected": sorted(chosen), "applications": len(applications)},
    )
    return [applications[p] for p in order[: hearing.capacity]]


@transaction.atomic
def hearing_check_in(
    *, actor: User, consultation: Consultation, hearing_id: int, registration_id: int
) -> Registration:
    ensure_allowed(actor, consultation, Action.RUN_HEARING)
    hearing = _hearing(consultation, hearing_id)
    registration = hearing.registrations.filter(pk=registration_id, status__in=ACTIVE).first()
    if registration is None:
        raise NotFoundError(_("没有这位已报名或入选的参会人。"), field="registration_id")
    registration.checked_in_at = registration.checked_in_at or timezone.now()
    registration.save(update_fields=["checked_in_at"])
    return registration


@transaction.atomic
def hearing_minutes(
    *, actor: User, consultation: Consultation, hearing_id: int, minutes: str, opinions: Sequence[str] = ()
) -> list[Comment]:
    """Record the minutes; each opinion raised there becomes an opinion of the consultation (under the
    meeting's name, not a person's), to be answered like any other."""
    ensure_allowed(actor, consultation, Action.RUN_HEARING)
    hearing = _hearing(consultation, hearing_id)
    if len(opinions) > OPINIONS_MAX:
        raise ValidationFailedError(_("一次最多录入 {n} 条意见。").format(n=OPINIONS_MAX), field="opinions")
    texts = [
        _text(o, name=f"opinions[{i}]", label=_("意见"), maximum=COMMENT_MAX) for i, o in enumerate(opinions)
    ]
    hearing.minutes = _text(minutes, name="minutes", label=_("会议纪要"), maximum=20000)
    hearing.save(update_fields=["minutes"])
    speaker, _created = Participant.objects.get_or_create(
        consultation=consultation,
        external_id=f"hearing:{hearing.pk}",
        defaults={"pseudonym": f"{hearing.get_kind_display()}：{hearing.title}"[:40]},
    )
    made = [
        Comment.objects.create(
            consultation=consultation, participant=speaker, text=t, visibility=Visibility.VISIBLE
        )
        for t in texts
    ]
    events.record(consultation, events.Edited(fields=(f"hearing:{hearing.pk}:minutes",)), actor=actor)
    return made
