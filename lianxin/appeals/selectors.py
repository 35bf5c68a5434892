"""Read-side queries: which appeals a user may see, and finding one the same way for absent and not-yours."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.crypto import phone_lookup_hash
from lianxin.core.errors import NotFoundError
from lianxin.org.models import User
from lianxin.org.selectors import area_subtree_q, scope_of

from . import deadlines
from .events import Dispatched, ReplyApproved, ReplyRejected, parse_payload
from .filters import AppealFilter, SearchStyle
from .models import (
    Appeal,
    AppealEvent,
    Attachment,
    AttachmentSource,
    CoHandler,
    EventType,
    ExtensionRequest,
    ExtensionStatus,
    ReviewerKind,
    ReviewStatus,
    Status,
)
from .phone_search import may_search_by_phone, phone_query, phone_search_q, refuse_digit_fragments
from .policy import (
    appeal_visibility,
    extension_decider_reach,
    handler_units,
    leader_review_units,
    reply_review_reach,
    reviews_every_reply,
)
from .privacy import phone_last4

NOT_FOUND_MESSAGE = _("没有找到该诉求，或您无权查看。请核对受理编号。")


def appeals_visible_to(user: User | None) -> QuerySet[Appeal]:
    """Every appeal this user may see, by role:

    admin: all; operators and dispatchers: their area (all when unscoped); supervisors and leaders:
    their jurisdiction; handlers: appeals dispatched to their unit or co-handled by it; grid workers:
    their grids; a resident with an account: their own appeals.
    """
    base = Appeal.objects.all()
    if user is None or not user.is_authenticated:
        return base.none()
    seen = appeal_visibility(user.pk, scope_of(user))  # who sees what: the policy
    if seen.everything:
        return base
    q = Q(resident_id=seen.resident_id)
    if seen.areas:
        q |= area_subtree_q(seen.areas)
    if seen.units:
        q |= Q(unit_id__in=seen.units) | _co_handled_ids_q(seen.units)
    return base.filter(q)


CO_HANDLED_INLINE_MAX = 5_000


def _co_handled_ids_q(units: frozenset[int]) -> Q:
    """Appeals co-handled by one of `units`, for the visibility filter. Usually a few hundred to
    a few thousand: read first (one indexed query) and inlined as `id IN (…)`. A correlated
    EXISTS inside the visibility's OR is parallel-restricted, so every scan that cannot use an
    index (a handler's whole-list count, a 2-character search) ran on one core: 1.6–1.8 s at a
    million appeals instead of 0.35–0.38 s (docs/benchmarks.md). Above the cap, the subquery."""
    ids = list(
        CoHandler.objects.filter(unit_id__in=units)
        .order_by()
        .values_list("appeal_id", flat=True)
        .distinct()[: CO_HANDLED_INLINE_MAX + 1]
    )
    if len(ids) <= CO_HANDLED_INLINE_MAX:
        return Q(pk__in=ids)
    return _co_handled_by(units)


def _co_handled_by(units: frozenset[int]) -> Q:
    """Appeals co-handled by one of `units`, as a subquery so that no DISTINCT is needed."""
    return Q(Exists(CoHandler.objects.filter(appeal_id=OuterRef("pk"), unit_id__in=units)))


def appeal_get_for_user(
    user: User | None, *, pk: int | None = None, tracking_number: str | None = None
) -> Appeal:
    """The appeal if it exists and this user may see it; the same NotFoundError otherwise."""
    qs = appeals_visible_to(user).select_related("category", "area", "unit", "suggested_unit", "merged_into")
    try:
        if pk is not None:
            return qs.get(pk=pk)
        return qs.get(tracking_number=(tracking_number or "").strip().upper())
    except (Appeal.DoesNotExist, ValueError):
        raise NotFoundError(NOT_FOUND_MESSAGE) from None


def appeal_get_for_tracking(tracking_number: str, secret: str) -> Appeal:
    """A resident's lookup: the tracking number plus the last four digits of the phone given
    (or the query code issued to an anonymous appeal without a phone)."""
    from .services import check_access_code

    appeal = (
        Appeal.objects.select_related("category", "area", "unit", "merged_into")
        .filter(tracking_number=(tracking_number or "").strip().upper())
        .first()
    )
    secret = (secret or "").strip()
    if appeal is None or not secret:
        raise NotFoundError(NOT_FOUND_MESSAGE + "查询时需填写受理编号和联系电话后四位（或匿名查询码）。")
    if appeal.contact_phone and phone_last4(appeal.contact_phone) == secret:
        return appeal
    if check_access_code(appeal, secret):
        return appeal
    raise NotFoundError(NOT_FOUND_MESSAGE + "查询时需填写受理编号和联系电话后四位（或匿名查询码）。")


def public_timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    return appeal.events.filter(public=True).order_by("at", "id")


def full_timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    return appeal.events.select_related("actor", "unit").order_by("at", "id")


def recent_appeals_from_phone(
    phone: str, *, days: int = 90, exclude_pk: int | None = None
) -> QuerySet[Appeal]:
    if not phone:
        return Appeal.objects.none()
    since = timezone.now() - dt.timedelta(days=days)
    # anonymous appeals keep no phone; excluded all the same, so a stray one can never be linked
    qs = Appeal.objects.filter(
        contact_phone_hash=phone_lookup_hash(phone), submitted_at__gte=since, is_anonymous=False
    ).order_by("-submitted_at")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def queue(user: User, name: str) -> QuerySet[Appeal]:
    """Named work queues, within what the user may see. "extensions" (延期 requests awaiting a
    decision) holds only what the user may decide; for anyone else it is empty."""
    qs = appeals_visible_to(user)
    units = handler_units(scope_of(user))
    filters: dict[str, Q] = {
        "to_dispatch": Q(status__in=[Status.SUBMITTED, Status.RETURNED]),
        "returned": Q(status=Status.RETURNED),
        "to_accept": Q(status=Status.DISPATCHED),
        "in_progress": Q(status=Status.ACCEPTED),
        "due_soon": Q(due_soon=True, overdue=False, status__in=[Status.DISPATCHED, Status.ACCEPTED]),
        "overdue": Q(overdue=True, status__in=[Status.DISPATCHED, Status.ACCEPTED]),
        "awaiting_rating": Q(status=Status.REPLIED),
        "closed": Q(status=Status.CLOSED),
        "all": Q(),
    }
    if name == "extensions":
        return _extensions_queue(user)
    if name == "reply_review":  # replies awaiting this user's review (答复审核)
        return reply_review_queue(user).filter(pk__in=qs.values("pk"))
    if name not in filters:
        raise NotFoundError(_("没有名为“{name}”的队列。").format(name=name))
    qs = qs.filter(filters[name])
    if units and name in {"to_accept", "in_progress", "due_soon", "overdue"}:
        qs = qs.filter(Q(unit_id__in=units) | _co_handled_by(units))
    if name in {"to_dispatch", "to_accept", "returned"}:
        return qs.order_by("priority", "submitted_at")  # emergencies first, then oldest first
    if name in {"due_soon", "overdue", "in_progress"}:
        return qs.order_by("priority", "resolve_due_at")
    return qs.order_by("-submitted_at")


def _extensions_queue(user: User) -> QuerySet[Appeal]:
    """Appeals with an extension request (延期) that `user` may decide now, nearest deadline first.

    The same appeals as `policy.can(actor, appeal, Action.DECIDE_EXTENSION)`: accepted, with a
    pending `ExtensionRequest`, and in the user's deciding jurisdiction (`extension_deciders_q`).
    The pending requests are few at any time; the partial index `extension_pending` (appeal WHERE
    status = 'pending') finds them without reading the decided ones, however many years of those
    pile up. PostgreSQL joins them to the accepted appeals (status index): the cost follows the open
    workload, not the table (≈ 20 ms at 1,000,000 appeals with 12,885 accepted; docs/web.md).
    """
    where = extension_deciders_q(user)
    if where is None:
        return Appeal.objects.none()
    pending = ExtensionRequest.objects.filter(appeal_id=OuterRef("pk"), status=ExtensionStatus.PENDING)
    qs = Appeal.objects.filter(where, Exists(pending), status=Status.ACCEPTED)
    # Like the other deadline queues: emergencies first, then the deadline that passes first (a
    # decision after it comes too late: the appeal is already overdue and its unit warned).
    return qs.order_by("priority", "resolve_due_at")


def extension_deciders_q(user: User) -> Q | None:
    """Where `user` may decide extension requests, as a filter on appeals (None: nowhere).

    The filter of `policy.WHO_MAY[Action.DECIDE_EXTENSION]` (`policy.extension_decider_reach`):
    admins everywhere; dispatchers in their areas (everywhere when unscoped); supervisors and
    leaders in their jurisdiction. Always within `appeals_visible_to(user)`. Handlers, operators
    and grid workers decide nothing."""
    return extension_decider_reach(scope_of(user)).q()


@dataclass(frozen=True)
class PendingExtension:
    """An extension request awaiting a decision, with the deadline approving it would give."""

    working_days: int
    reason: str
    requested_at: dt.datetime
    new_due_at: dt.datetime | None


def pending_extensions(appeals: Iterable[Appeal]) -> dict[int, PendingExtension]:
    """The pending extension request of each of `appeals` (one query), by appeal id."""
    by_id = {a.pk: a for a in appeals}
    found: dict[int, PendingExtension] = {}
    rows = ExtensionRequest.objects.filter(appeal_id__in=by_id, status=ExtensionStatus.PENDING).order_by(
        "requested_at", "id"
    )
    for request in rows.only("appeal_id", "working_days", "reason", "requested_at"):
        due = by_id[request.appeal_id].resolve_due_at
        found.setdefault(
            request.appeal_id,
            PendingExtension(
                working_days=request.working_days,
                reason=request.reason,
                requested_at=request.requested_at,
                new_due_at=deadlines.extend(due, request.working_days) if due is not None else None,
            ),
        )
    return found


class _ILikeContains(Contains):
    """`col ILIKE '%q%'` (PostgreSQL): the case-insensitive match a pg_trgm GIN index on the bare
    column serves. Django's `icontains` is `UPPER(col::text) LIKE UPPER(%s)`, which that index
    cannot serve; `%`, `_` and `\\` in the value stay literal as with `icontains`."""

    lookup_name = "ilike_contains"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def _contains_q(field: str, text: str) -> Q:
    """`field` contains `text`, ignoring case: the same rows as `icontains`, written so that the
    trigram index of migration 0005 can serve it on PostgreSQL."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__icontains": text})  # SQLite: the plain scan, as before
    if text.lower() == text == text.upper():
        # No cased letter (Chinese, digits): a case-sensitive LIKE finds the same rows and, when
        # the query is too short for the index (under 3 characters), scans ~2.5x faster without UPPER().
        return Q(**{f"{field}__contains": text})
    return Q(_ILikeContains(F(field), text))


def text_search_q(text: str, *, tracking_number: bool = False) -> Q:
    """Appeals whose title or text contains `text`, ignoring case (with `tracking_number`, also those
    whose tracking number contains it). The one free-text search of the staff queue and the API.

    On PostgreSQL it uses the pg_trgm GIN indexes on title, text and tracking number (migration
    0005) when `text` has 3 characters or more; shorter queries (e.g. "路灯") have no trigram and
    scan the table. SQLite always scans.
    """
    text = text.strip()
    q = _contains_q("title", text) | _contains_q("text", text)
    if tracking_number and _may_be_in_tracking_number(text):
        q |= _contains_q("tracking_number", text)
    return q


TRACKING_NUMBER = re.compile(r"(?i)LX\d{8}-\d{1,6}")


def appeals_filtered(qs: QuerySet[Appeal], f: AppealFilter, *, user: User | None = None) -> QuerySet[Appeal]:
    """`qs` narrowed by `f`: the one meaning of the list filter of the staff queue, the API list and
    Open311 (each parses its own parameters into the `AppealFilter`). A text search needs the
    reader (`user`): a phone search is audited and rate-limited, and refused (ForbiddenError) to roles
    that may not see phones."""
    if f.tracking_numbers:
        qs = qs.filter(tracking_number__in=f.tracking_numbers)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    for name in ("kind", "urgency", "channel"):
        if getattr(f, name):
            qs = qs.filter(**{name: getattr(f, name)})
    if f.overdue is not None:
        qs = qs.filter(overdue=f.overdue)
    if f.category_paths is not None:
        qs = qs.filter(area_subtree_q(f.category_paths, prefix="category__path"))
    if f.area_paths is not None:
        qs = qs.filter(area_subtree_q(f.area_paths))
    if f.unit_id is not None:
        qs = qs.filter(unit_id=f.unit_id)
    start, end = _day_start(f.date_from), _day_start(f.date_to, days_after=1)
    if start is not None:
        qs = qs.filter(submitted_at__gte=start)
    if end is not None:
        qs = qs.filter(submitted_at__lt=end)
    if f.since is not None:
        qs = qs.filter(submitted_at__gte=f.since)
    if f.until is not None:
        qs = qs.filter(submitted_at__lte=f.until)
    text = f.text.strip()
    if text:
        if user is None:
            raise ValueError("a text search needs the reader: who may search by phone depends on the role")
        qs = qs.filter(_search_q(text, f.search, user))
    return qs


def _day_start(day: dt.date | None, *, days_after: int = 0) -> dt.datetime | None:
    """The local midnight starting `day` (+ `days_after`); None past the calendar's ends (nothing
    was submitted there, so no bound is needed)."""
    if day is None:
        return None
    try:
        when = dt.datetime.combine(
            day + dt.timedelta(days=days_after), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        when.astimezone(dt.UTC)  # what the database will be sent
    except OverflowError:
        return None
    return when


def _search_q(text: str, style: SearchStyle, user: User) -> Q:
    phone = phone_query(text)
    if style == SearchStyle.QUEUE:
        if TRACKING_NUMBER.fullmatch(text):
            return Q(tracking_number=text.upper())
        if phone is not None:
            return phone_search_q(user=user, phone=phone)  # refused for roles without phones
        refuse_digit_fragments(user, text)
        return text_search_q(text)
    if phone is not None and may_search_by_phone(user):
        return phone_search_q(user=user, phone=phone)
    refuse_digit_fragments(user, text)  # digits alone could only confirm a phone's digits
    return text_search_q(text, tracking_number=True)


def _may_be_in_tracking_number(text: str) -> bool:
    """Tracking numbers are ASCII letters (the prefix), digits and "-" (`creation.reserve_tracking_numbers`):
    a query with any other character (every Chinese one) cannot be part of one, and the search
    need not look at the tracking number."""
    return re.fullmatch(r"[A-Za-z0-9-]+", text) is not None


def dispatch_accuracy(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, float | int]:
    """How often the first dispatch followed the suggested unit, and how often it was returned.

    Measured from the stored events: the `dispatched` event records the suggested and chosen unit,
    a later `returned` event from that unit shows the choice was wrong.
    """
    events = AppealEvent.objects.filter(type="dispatched")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    total = followed = with_suggestion = returned_after_following = 0
    returned_pairs = set(
        AppealEvent.objects.filter(type="returned", appeal_id__in=events.values("appeal_id")).values_list(
            "appeal_id", "unit_id"
        )
    )
    for appeal_id, unit_id, data in events.values_list("appeal_id", "unit_id", "data").iterator():
        total += 1
        dispatched = parse_payload(EventType.DISPATCHED, data)
        assert isinstance(dispatched, Dispatched)
        if dispatched.suggested_unit:
            with_suggestion += 1
            if dispatched.followed_suggestion:
                followed += 1
                if (appeal_id, unit_id) in returned_pairs:
                    returned_after_following += 1
    return {
        "dispatches": total,
        "with_suggestion": with_suggestion,
        "followed_suggestion": followed,
        "suggestion_acceptance_rate": followed / with_suggestion if with_suggestion else 0.0,
        "returned_after_following": returned_after_following,
        "suggestion_precision": (followed - returned_after_following) / followed if followed else 0.0,
    }


# --- reply review (答复审核) --------------------------------------------------------------------


def reply_review_queue(user: User) -> QuerySet[Appeal]:
    """The appeals whose reply awaits this user's review: the centre's in its reach, a unit
    leader's for the unit (the same rule as `policy.WHO_MAY[APPROVE_REPLY]`)."""
    scope = scope_of(user)
    pending = Appeal.objects.filter(status=Status.ACCEPTED, reply_reviews__status=ReviewStatus.PENDING)
    if reviews_every_reply(scope):
        return pending.order_by("priority", "submitted_at")
    q = Q(pk__in=[])
    reach = reply_review_reach(scope).q()
    if reach is not None:
        q |= Q(reply_reviews__reviewer=ReviewerKind.CENTRE) & reach
    leader_units = leader_review_units(scope)
    if leader_units:
        q |= Q(reply_reviews__reviewer=ReviewerKind.LEADER, unit_id__in=leader_units)
    return pending.filter(q).distinct().order_by("priority", "submitted_at")


def review_durations(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None, unit_id: int | None = None
) -> dict[str, Any]:
    """How long reviews took, from the review events (答复审核时长): each decided review's seconds
    from submission to decision, with their count, mean and the longest."""
    events = AppealEvent.objects.filter(type__in=(EventType.REPLY_APPROVED, EventType.REPLY_REJECTED))
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    if unit_id is not None:
        events = events.filter(unit_id=unit_id)
    seconds = []
    for event_type, data in events.values_list("type", "data"):
        decided = parse_payload(event_type, data)
        assert isinstance(decided, (ReplyApproved, ReplyRejected))
        seconds.append(int(decided.review_seconds or 0))
    return {
        "count": len(seconds),
        "approved": events.filter(type=EventType.REPLY_APPROVED).count(),
        "rejected": events.filter(type=EventType.REPLY_REJECTED).count(),
        "mean_seconds": round(sum(seconds) / len(seconds)) if seconds else None,
        "max_seconds": max(seconds) if seconds else None,
        "durations": seconds,
    }


def public_reply_attachments(appeal: Appeal) -> QuerySet[Attachment]:
    """What the resident sees of the reply's attachments: public ones, once the reply is published
    (no review, or its review approved)."""
    return (
        appeal.attachments.filter(source=AttachmentSource.REPLY, public=True)
        .filter(Q(review__isnull=True) | Q(review__status=ReviewStatus.APPROVED))
        .order_by("pk")
    )


def callback_queue() -> QuerySet[Appeal]:
    """Replies not yet rated, for the call-back (回访): the oldest reply first."""
    return Appeal.objects.filter(status=Status.REPLIED).select_related(None).order_by("replied_at", "pk")
