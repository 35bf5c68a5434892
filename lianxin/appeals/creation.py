"""Writing new appeals: the one path that every intake takes once its input is checked and triaged.

A single submission (`intake.appeal_submit`) is a batch of one; a bulk intake (`batch.py`) passes
all its accepted items at once. Either way the work per call, not per appeal, is: tracking numbers
reserved in one statement, the appeals, their events, their audit entries (one extension of the
chain) and their idempotency records each written with one INSERT, each routing and deadline policy
looked up once, the units' staff read once per unit; all in one transaction, so what is answered is
durable. The SMS with the tracking number and the units' notices are done after the commit through a
durable outbox (`followups.py`): nothing the intake acknowledged is lost if its process dies.

Every appeal gets exactly what the step-by-step actions would give it (`record_event`,
`appeal_dispatch`): the `submitted` and `triaged` events, and when auto-dispatched the `dispatched`
event with its working-day deadlines; `tests/appeals/test_creation.py` holds it to that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, AuditRecord, audit_append_many
from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.ops.metrics import APPEALS_SUBMITTED
from lianxin.core.tasks import enqueue_on_commit
from lianxin.org.models import Unit, User

from . import deadlines, hooks, triage_bridge
from . import events as ev
from .actions.access_codes import access_code_digest
from .actors import Actor
from .duplicates import BATCH_PLACEHOLDER
from .followups import follow_up_record
from .models import (
    URGENCY_PRIORITY,
    Appeal,
    AppealEvent,
    Attachment,
    Channel,
    IdempotencyRecord,
    Kind,
    Status,
    TrackingCounter,
    Urgency,
)
from .policy import Action, ensure_allowed
from .tasks import intake_follow_up

if TYPE_CHECKING:
    from .intake import AppealInput


@dataclass
class SubmitResult:
    appeal: Appeal
    created: bool
    access_code: str | None = None


@dataclass
class NewAppeal:
    """One checked input to write: its cleaned fields (`intake.validate`), its triage, its key."""

    data: AppealInput
    cleaned: dict[str, Any]
    suggestion: triage_bridge.Suggestion
    key: str = ""
    scope: str = ""
    fingerprint: str = ""

    @property
    def code_seed(self) -> str:
        return f"{self.scope}\n{self.key}\n{self.fingerprint}" if self.key else ""


def reserve_tracking_numbers(day: dt.date, count: int) -> list[str]:
    """`count` consecutive tracking numbers of one local day (`LX20261125-000123`: the prefix, the date,
    the day's sequence), in one statement (an upsert that locks
    the day's counter row until commit). Call inside a transaction."""
    table = connection.ops.quote_name(TrackingCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, %s) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + excluded.last RETURNING last",
            [day, count],
        )
        last = int(cursor.fetchone()[0])
    prefix = settings.LIANXIN["TRACKING_PREFIX"]
    return [f"{prefix}{day:%Y%m%d}-{n:06d}" for n in range(last - count + 1, last + 1)]


def derived_access_code(tracking_number: str, seed: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"access-code\n{tracking_number}\n{seed}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**6:06d}"


def build_appeal(
    data: AppealInput,
    cleaned: dict[str, Any],
    suggestion: triage_bridge.Suggestion,
    resident: User | None,
    *,
    tracking_number: str,
    now: dt.datetime,
    code_seed: str = "",
) -> tuple[Appeal, str | None]:
    """The new appeal (not saved) and the query code of an anonymous one without phone."""
    urgency = data.urgency or suggestion.urgency or Urgency.NORMAL
    access_code = None
    appeal = Appeal(
        tracking_number=tracking_number,
        title=cleaned["title"],
        text=cleaned["text"],
        kind=data.kind,
        channel=data.channel,
        category=cleaned["category"] or suggestion.category,
        area=cleaned["area"],
        address=cleaned["address"],
        latitude=cleaned["latitude"],
        longitude=cleaned["longitude"],
        resident=resident if resident is not None and resident.is_authenticated else None,
        is_anonymous=bool(data.anonymous),
        contact_name=cleaned["contact_name"],
        contact_phone=cleaned["contact_phone"],
        contact_phone_hash=phone_lookup_hash(cleaned["contact_phone"]),
        callback_sealed=cleaned["callback_sealed"],
        contact_consent=cleaned["contact_consent"],
        urgency=urgency,
        priority=URGENCY_PRIORITY.get(urgency, 2),
        urgency_triggers=suggestion.urgency_triggers,
        status=Status.SUBMITTED,
        suggested_unit=suggestion.unit,
        suggested_category=suggestion.category,
        suggestion=suggestion.as_dict(),
        submitted_at=now,
    )
    if appeal.is_anonymous and not appeal.contact_phone and appeal.resident is None:
        access_code = (
            derived_access_code(appeal.tracking_number, code_seed)
            if code_seed
            else f"{secrets.randbelow(10**6):06d}"
        )
        appeal.access_code_hash = access_code_digest(appeal.tracking_number, access_code)
    return appeal, access_code


def should_auto_dispatch(
    appeal: Appeal, suggestion: triage_bridge.Suggestion, *, category_given: bool
) -> bool:
    options = settings.LIANXIN
    if not options["AUTO_DISPATCH"] or suggestion.unit is None or suggestion.ambiguous:
        return False
    if appeal.kind == Kind.INQUIRY and appeal.channel == Channel.HOTLINE:
        return False  # the operator may answer it on the spot
    if category_given:
        return True
    return bool(suggestion.category_confidence >= options["AUTO_DISPATCH_MIN_CONFIDENCE"])


def appeals_create(
    *, items: list[NewAppeal], actor: Actor, resident: User | None = None
) -> list[SubmitResult]:
    """Write the items as new appeals, in order, in one transaction (the caller's, if it has one).
    An IntegrityError (e.g. an idempotency key taken meanwhile) rolls back all of them."""
    now = timezone.now()
    dispatcher = Actor.automatic(_("自动派单"))
    triage_actor = Actor.automatic(_("智能分析"))
    dispatch_note = _("派单目录唯一匹配，自动派单")
    policies: dict[tuple[int | None, str], deadlines.Deadlines] = {}
    with transaction.atomic():
        numbers = reserve_tracking_numbers(timezone.localtime(now).date(), len(items))
        appeals: list[Appeal] = []
        codes: list[str | None] = []
        dispatched_to: list[Unit | None] = []
        for item, number in zip(items, numbers, strict=True):
            suggestion = item.suggestion
            _name_batch_duplicates(suggestion, numbers)
            appeal, code = build_appeal(
                item.data,
                item.cleaned,
                suggestion,
                resident,
                tracking_number=number,
                now=now,
                code_seed=item.code_seed,
            )
            unit = None
            if should_auto_dispatch(appeal, suggestion, category_given=item.cleaned["category"] is not None):
                assert suggestion.unit is not None
                ensure_allowed(dispatcher, appeal, Action.DISPATCH)
                unit = suggestion.unit
                key = (appeal.category_id, str(appeal.urgency))
                if key not in policies:
                    policies[key] = deadlines.compute_deadlines(now, appeal.category, str(appeal.urgency))
                due = policies[key]
                appeal.unit = unit
                appeal.dispatched_at = now
                # in UTC, as the database gives them back (the answer is built from this row)
                appeal.accept_due_at, appeal.resolve_due_at = (
                    _utc(due.accept_due_at),
                    _utc(due.resolve_due_at),
                )
                appeal.due_soon = appeal.accept_overdue = False
                appeal.status = Status.DISPATCHED  # the target of policy.TRANSITIONS[Action.DISPATCH]
            appeals.append(appeal)
            codes.append(code)
            dispatched_to.append(unit)
        Appeal.objects.bulk_create(appeals, batch_size=500)
        _save_attachments(items, appeals)
        events: list[AppealEvent] = []
        for appeal, item, unit in zip(appeals, items, dispatched_to, strict=True):
            events.append(
                _event(
                    appeal,
                    ev.Submitted(channel=appeal.channel, kind=appeal.kind),
                    actor,
                    now,
                    to_status=Status.SUBMITTED,
                )
            )
            events.append(
                _event(
                    appeal,
                    ev.Triaged(suggestion=item.suggestion.as_dict()),
                    triage_actor,
                    now,
                    from_status=Status.SUBMITTED,
                    to_status=Status.SUBMITTED,
                    public=False,
                )
            )
            if unit is not None:
                events.append(
                    _event(
                        appeal,
                        ev.Dispatched(
                            suggested_unit=appeal.suggested_unit_id,
                            chosen_unit=unit.pk,
                            followed_suggestion=appeal.suggested_unit_id == unit.pk,
                        ),
                        dispatcher,
                        now,
                        from_status=Status.SUBMITTED,
                        to_status=str(appeal.status),
                        note=dispatch_note,
                        unit=unit,
                    )
                )
        AppealEvent.objects.bulk_create(events, batch_size=1000)
        audit_append_many(
            [
                AuditRecord(
                    action=AuditAction.STATE_CHANGE,
                    object_type="appeal",
                    object_id=e.appeal.tracking_number,
                    actor=e.actor,
                    actor_label=e.actor_label,
                    data={
                        "event": e.type,
                        "from": e.from_status,
                        "to": e.to_status,
                        "unit": e.unit.code if e.unit else None,
                    },
                )
                for e in events
            ]
        )
        hooks.events_recorded(events)  # e.g. the webhooks of lianxin.integrations
        records = [
            IdempotencyRecord(key=item.key, scope=item.scope, request_hash=item.fingerprint, appeal=appeal)
            for item, appeal in zip(items, appeals, strict=True)
            if item.key
        ]
        if records:
            IdempotencyRecord.objects.bulk_create(records)
        _after_commit(appeals, dispatched_to)
    return [SubmitResult(appeal=a, created=True, access_code=c) for a, c in zip(appeals, codes, strict=True)]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _save_attachments(items: list[NewAppeal], appeals: list[Appeal]) -> None:
    """Files are stored one by one (each is a file write and a row); an appeal without any has none
    to read."""
    for item, appeal in zip(items, appeals, strict=True):
        saved = []
        for upload, content_type in item.cleaned["attachments"]:
            attachment = Attachment(
                appeal=appeal,
                original_name=upload.name[:200],
                content_type=content_type,
                size=len(upload.content),
            )
            attachment.file.save(upload.name[-80:] or "attachment", ContentFile(upload.content), save=False)
            attachment.save()
            saved.append(attachment)
        # what the answer's presenter reads: a new appeal has the files just saved and no co-handler
        appeal._prefetched_objects_cache = {  # type: ignore[attr-defined]
            "attachments": _known_rows(appeal.attachments.all(), saved),
            "co_handlers": _known_rows(appeal.co_handlers.all(), []),
        }


def _known_rows(queryset: QuerySet[Any], rows: list[Any]) -> QuerySet[Any]:
    """A queryset whose rows are already known, as `prefetch_related` leaves it (no query to run)."""
    queryset._result_cache = rows
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset


def _event(
    appeal: Appeal,
    payload: ev.Payload,
    actor: Actor,
    at: Any,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    unit: Unit | None = None,
    public: bool = True,
) -> AppealEvent:
    """An event row as `record_event` would write it: type and data from the typed payload (ADR 0008)."""
    event = AppealEvent(
        appeal=appeal,
        type=payload.TYPE,
        at=at,
        actor=actor.user,
        actor_label=actor.label,
        unit=unit,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=payload.to_data(),
        public=public,
    )
    event.__dict__["_lianxin_payload"] = payload  # events.payload_of
    return event


def _name_batch_duplicates(suggestion: triage_bridge.Suggestion, numbers: list[str]) -> None:
    """Put the tracking numbers of the batch's earlier items in place of their placeholders (in the
    duplicate hints and in the "duplicates" reason)."""
    if not any(str(d["tracking_number"]).startswith(BATCH_PLACEHOLDER) for d in suggestion.duplicates):
        return

    def name(match: re.Match[str]) -> str:
        return numbers[int(match.group(1))]

    for hint in suggestion.duplicates:
        hint["tracking_number"] = _PLACEHOLDER.sub(name, str(hint["tracking_number"]))
    for reason in suggestion.reasons:
        if reason.get("code") == "duplicates":
            reason["tracking_numbers"] = [
                _PLACEHOLDER.sub(name, str(n)) for n in reason.get("tracking_numbers", [])
            ]


_PLACEHOLDER = re.compile(re.escape(BATCH_PLACEHOLDER) + r"(\d+)#")


def _after_commit(appeals: list[Appeal], dispatched_to: list[Unit | None]) -> None:
    """The counters after the commit; the SMS with the tracking number and the units' notices of new
    dispatches through the durable outbox (`followups`): its row commits with the appeals."""
    channels = Counter(str(a.channel) for a in appeals)

    def count() -> None:
        for channel, n in channels.items():
            APPEALS_SUBMITTED.labels(channel).inc(n)

    transaction.on_commit(count)
    row = follow_up_record(
        appeals=appeals,
        dispatched=[(a, u.pk) for a, u in zip(appeals, dispatched_to, strict=True) if u is not None],
    )
    enqueue_on_commit(intake_follow_up, row.pk)
