"""The demo seed: the district, the people, the appeals' histories and their consistency."""

from __future__ import annotations

import io
import itertools
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command

from lianxin.activities.demo import wipe_community_life
from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.events import parse_payload
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import (
    Appeal,
    AppealEvent,
    Channel,
    CoHandler,
    EventType,
    ExtensionRequest,
    Kind,
    Status,
    TrackingCounter,
)
from lianxin.appeals.policy import TRANSITIONS, Action
from lianxin.appeals.routing import units_for_dispatch
from lianxin.audit.models import AuditEntry
from lianxin.audit.services import audit_verify
from lianxin.demo.district import DEMO_API_KEY, DEMO_API_USER, DEMO_PASSWORD
from lianxin.demo.logins import print_demo_logins
from lianxin.org.models import (
    ApiToken,
    Area,
    AreaLevel,
    Category,
    DispatchRule,
    Role,
    RoleAssignment,
    Unit,
    User,
)
from lianxin.org.services import api_token_authenticate
from lianxin.worktime import calendar

from .conftest import APPEALS, run_seed

EVENT_ACTION = {
    EventType.DISPATCHED: Action.DISPATCH,
    EventType.REDISPATCHED: Action.REDISPATCH,
    EventType.ACCEPTED: Action.ACCEPT,
    EventType.RETURNED: Action.RETURN,
    EventType.CO_HANDLER_ADDED: Action.ADD_CO_HANDLER,
    EventType.EXTENSION_REQUESTED: Action.REQUEST_EXTENSION,
    EventType.EXTENSION_APPROVED: Action.DECIDE_EXTENSION,
    EventType.EXTENSION_REFUSED: Action.DECIDE_EXTENSION,
    EventType.REPLIED: Action.REPLY,
    EventType.ANSWERED_DIRECTLY: Action.ANSWER_DIRECTLY,
    EventType.RATED: Action.RATE,
    EventType.REOPENED: Action.REOPEN,
    EventType.MERGED: Action.MERGE,
    EventType.WITHDRAWN: Action.WITHDRAW,
    EventType.RESIDENT_CONTACTED: Action.CONTACT_RESIDENT,
    EventType.RETURN_JUDGED: Action.JUDGE_RETURN,
}
SWEEP_EVENTS = {EventType.DUE_SOON, EventType.OVERDUE, EventType.ACCEPT_OVERDUE}
CLOSING_EVENTS = {EventType.RATED, EventType.CLOSED, EventType.ANSWERED_DIRECTLY}


def test_district_has_every_level_and_a_polygon_per_area(seeded):
    counts = Counter(Area.objects.values_list("level", flat=True))
    assert counts[AreaLevel.DISTRICT] == 1
    assert 4 <= counts[AreaLevel.STREET] <= 6
    assert 18 <= counts[AreaLevel.COMMUNITY] <= 22
    assert 90 <= counts[AreaLevel.GRID] <= 110
    assert 25 <= Unit.objects.count() <= 35
    assert set(Unit.objects.values_list("kind", flat=True)) >= {
        "department",
        "street_office",
        "community",
        "utility",
    }
    assert Category.objects.filter(level=1).count() >= 9
    assert set(Category.objects.values_list("level", flat=True)) == {1, 2, 3}
    assert Category.objects.get(code="CJ").name == "城乡建设"

    def area_of(polygon: dict | None) -> float:
        assert polygon is not None
        ring = polygon["coordinates"][0]
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2

    grids = list(Area.objects.filter(level=AreaLevel.GRID))
    for grid in grids:
        assert grid.boundary is not None
        ring = grid.boundary["coordinates"][0]
        assert grid.boundary["type"] == "Polygon"
        assert len(ring) >= 5
        assert ring[0] == ring[-1]
    # The grids tile their district: no gaps, no overlaps (areas add up), and communities likewise.
    district = Area.objects.get(level=AreaLevel.DISTRICT)
    assert sum(area_of(g.boundary) for g in grids) == pytest.approx(area_of(district.boundary), rel=1e-9)
    for community in Area.objects.filter(level=AreaLevel.COMMUNITY):
        children = [g for g in grids if g.parent_id == community.pk]
        assert sum(area_of(g.boundary) for g in children) == pytest.approx(
            area_of(community.boundary), rel=1e-9
        )


def test_point_in_polygon_routing_works_in_the_demo(seeded):
    """The grids' boundaries are stored with their bounding boxes, as the locator needs: a seeded
    appeal's coordinates locate its own grid, and a new appeal with only coordinates gets its grid."""
    from lianxin.org.locating import area_at

    assert not Area.objects.filter(level=AreaLevel.GRID, bbox_min_lon__isnull=True).exists()
    sample = list(Appeal.objects.filter(latitude__isnull=False).select_related("area").order_by("id")[:40])
    assert sample
    for appeal in sample:
        assert appeal.latitude is not None
        assert appeal.longitude is not None
        assert area_at(appeal.latitude, appeal.longitude) == appeal.area, appeal.tracking_number
    grid = sample[0].area
    result = appeal_submit(
        data=AppealInput(
            text="小区门口的路灯坏了一个多月，晚上很黑，希望尽快修好。",
            kind=Kind.COMPLAINT,
            channel="api",
            category_code="CJ",
            latitude=float(sample[0].latitude or 0),
            longitude=float(sample[0].longitude or 0),
            contact_name="张三",
            contact_phone="13812341234",
            contact_consent=True,
        ),
        actor=Actor.resident(),
    )
    assert result.appeal.area == grid
    assert area_at(0, 0) is None  # outside the district


def test_dispatch_catalogue_is_mostly_unambiguous(seeded):
    grid = Area.objects.filter(level=AreaLevel.GRID).first()
    leaves = list(Category.objects.filter(level=3))
    routes = [units_for_dispatch(leaf, grid) for leaf in leaves]
    assert all(routes), "every leaf category has a unit"
    ambiguous = [r for r in routes if len(r) > 1]
    assert 1 <= len(ambiguous) <= len(leaves) // 5
    assert DispatchRule.objects.exists()


def test_every_role_has_a_demo_login(seeded):
    for role in Role.values:
        assignment = RoleAssignment.objects.filter(role=role).select_related("user").first()
        assert assignment is not None, role
        assert assignment.user.check_password(DEMO_PASSWORD)
    handled = set(RoleAssignment.objects.filter(role=Role.HANDLER).values_list("unit_id", flat=True))
    assert handled == set(Unit.objects.values_list("pk", flat=True)), "a handler for every unit"
    assert RoleAssignment.objects.filter(role=Role.LEADER, area__level=AreaLevel.STREET).exists()
    assert User.objects.get(username="resident").check_password(DEMO_PASSWORD)
    assert "admin" in seeded
    assert DEMO_PASSWORD in seeded
    assert DEMO_API_KEY in seeded


def test_demo_api_key_authenticates_and_is_reprinted(seeded):
    user = api_token_authenticate(DEMO_API_KEY)
    assert user.username == DEMO_API_USER
    out = io.StringIO()
    print_demo_logins(out)
    assert DEMO_API_KEY in out.getvalue()
    assert "dispatcher" in out.getvalue()
    ApiToken.objects.update(revoked=True)
    out = io.StringIO()
    print_demo_logins(out)
    assert DEMO_API_KEY not in out.getvalue()


def test_print_demo_logins_is_silent_without_a_seed(db):
    out = io.StringIO()
    print_demo_logins(out)
    assert out.getvalue() == ""


def test_appeals_in_every_status_with_ratings_and_flags(seeded):
    assert Appeal.objects.count() == APPEALS
    statuses = Counter(Appeal.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values), statuses
    assert statuses[Status.CLOSED] > APPEALS / 2
    ratings = Counter(Appeal.objects.exclude(satisfaction="").values_list("satisfaction", flat=True))
    assert ratings["satisfied"] > ratings["dissatisfied"] > 0
    assert Appeal.objects.filter(overdue=True).exists()
    assert Appeal.objects.filter(reopen_count=1).exists()
    assert Appeal.objects.filter(return_count__gt=0).exists()
    assert Appeal.objects.filter(urgency="emergency").exists()
    if hasattr(Appeal, "priority"):
        assert set(Appeal.objects.filter(urgency="emergency").values_list("priority", flat=True)) == {0}
        assert set(Appeal.objects.filter(urgency="normal").values_list("priority", flat=True)) == {2}
    assert ExtensionRequest.objects.filter(status="approved").exists()
    assert (
        CoHandler.objects.exists() or AppealEvent.objects.filter(type=EventType.CO_HANDLER_ADDED).count() == 0
    )
    kinds = set(Appeal.objects.values_list("kind", flat=True))
    assert {Kind.COMPLAINT, Kind.INQUIRY} <= kinds
    assert len(set(Appeal.objects.values_list("channel", flat=True))) >= 4
    assert Appeal.objects.filter(resident__username="resident").exists() or APPEALS < 100
    first = Appeal.objects.first()
    assert first is not None
    assert all("\u4e00" <= ch <= "\u9fff" for ch in first.text[:1] if ch.isalpha())
    for phone in Appeal.objects.exclude(contact_phone="").values_list("contact_phone", flat=True):
        assert phone.startswith(("1380000", "139"))


def test_status_events_timestamps_and_flags_agree(seeded):  # noqa: C901, PLR0912  checks per event kind, per status
    events: dict[int, list[AppealEvent]] = defaultdict(list)
    for event in AppealEvent.objects.order_by("at", "id"):
        events[event.appeal_id].append(event)
    for appeal in Appeal.objects.all():
        timeline = events[appeal.pk]
        assert timeline[0].type == EventType.SUBMITTED
        assert timeline[0].at == appeal.submitted_at
        status: str = Status.SUBMITTED
        previous = timeline[0].at
        for event in timeline[1:]:
            assert event.at >= previous, appeal.tracking_number
            previous = event.at
            assert event.from_status == status, (appeal.tracking_number, event.type)
            if event.type in EVENT_ACTION:
                sources, target = TRANSITIONS[EVENT_ACTION[EventType(event.type)]]
                assert status in sources, (appeal.tracking_number, event.type, status)
                assert event.to_status == (target or status)
            elif event.type in SWEEP_EVENTS:
                assert status in (Status.DISPATCHED, Status.ACCEPTED)
                assert event.to_status == status
            elif event.type == EventType.CLOSED:
                assert status == Status.REPLIED
                assert event.to_status == Status.CLOSED
            else:
                assert event.type == EventType.TRIAGED
                assert event.to_status == status
            status = event.to_status
        assert status == appeal.status, appeal.tracking_number
        types = {e.type for e in timeline}
        if appeal.status in (Status.CLOSED, Status.MERGED, Status.WITHDRAWN):
            assert appeal.closed_at is not None
            assert appeal.closed_at == timeline[-1].at
        else:
            assert appeal.closed_at is None
        if appeal.status == Status.CLOSED:
            assert types & CLOSING_EVENTS
            assert appeal.replied_at is not None
            assert appeal.reply_text
        if appeal.status in (Status.DISPATCHED, Status.ACCEPTED, Status.REPLIED):
            assert appeal.unit_id
            assert appeal.dispatched_at
            assert appeal.accept_due_at
            assert appeal.resolve_due_at
            assert appeal.accept_due_at <= appeal.resolve_due_at
        if appeal.status in (Status.ACCEPTED, Status.REPLIED):
            assert appeal.accepted_at is not None
        if appeal.status == Status.RETURNED:
            assert appeal.unit_id is None
            assert appeal.return_count >= 1
        if appeal.status == Status.MERGED:
            assert appeal.merged_into is not None
            assert appeal.merged_into.submitted_at <= appeal.submitted_at
        if appeal.overdue:
            assert EventType.OVERDUE in types or any(
                e.data.get("late") for e in timeline if e.type == "replied"
            )
        if appeal.accept_overdue:
            assert EventType.ACCEPT_OVERDUE in types or any(
                e.data.get("late") for e in timeline if e.type == "accepted"
            )
        if appeal.satisfaction:
            assert appeal.status == Status.CLOSED
            assert appeal.rated_at is not None
        assert appeal.reopen_count == sum(e.type == EventType.REOPENED for e in timeline)
        assert appeal.return_count == sum(e.type == EventType.RETURNED for e in timeline)
        assert appeal.tracking_number.startswith(f"LX{appeal.submitted_at.astimezone(calendar.TZ):%Y%m%d}-")


def test_tracking_counters_continue_after_the_seed(seeded):
    latest = Appeal.objects.order_by("-submitted_at").first()
    assert latest is not None
    day = latest.tracking_number[2:10]
    counter = TrackingCounter.objects.get(day=f"{day[:4]}-{day[4:6]}-{day[6:]}")
    assert counter.last == Appeal.objects.filter(tracking_number__startswith=f"LX{day}-").count()


def test_audit_chain_covers_the_seeded_history_and_continues(seeded):
    report = audit_verify()
    assert report.ok, report
    assert report.checked == AuditEntry.objects.count()
    assert AppealEvent.objects.count() == AuditEntry.objects.filter(object_type="appeal").count()
    # A real service call afterwards extends the same chain.
    operator = User.objects.get(username="operator")
    result = appeal_submit(
        data=AppealInput(
            text="东湖路路灯不亮，晚上很黑。",
            kind=Kind.COMPLAINT,
            channel=Channel.HOTLINE,
            category_code="CJ-01-01",
            area_code="G001",
            contact_phone="13800001234",
            contact_consent=True,
        ),
        actor=Actor.staff(operator),
    )
    assert (
        not Appeal.objects.filter(tracking_number=result.appeal.tracking_number)
        .exclude(pk=result.appeal.pk)
        .exists()
    )
    assert audit_verify().ok
    # Tampering with a seeded entry is detected.
    entry = AuditEntry.objects.get(seq=5)
    AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    assert audit_verify().first_bad_seq == 5


def _shape(event: AppealEvent) -> tuple:
    return (
        event.type,
        tuple(sorted(event.data)),
        event.public,
        event.unit_id is not None,
        bool(event.actor_label),
    )


def test_seeded_events_have_the_shape_the_services_write(seeded):
    """Run the real services on new appeals and compare with the seeded events of the same types."""
    operator = User.objects.get(username="operator")
    dispatcher = User.objects.get(username="dispatcher")

    def submit(text: str, category: str, kind: str = Kind.COMPLAINT) -> Appeal:
        return appeal_submit(
            data=AppealInput(
                text=text,
                kind=kind,
                channel=Channel.HOTLINE,
                category_code=category,
                area_code="G002",
                contact_phone="13800004321",
                contact_consent=True,
            ),
            actor=Actor.staff(operator),
        ).appeal

    first = submit("望湖街垃圾桶满了没人清运，臭味很大。", "CJ-02-01")
    first.refresh_from_db()
    assert first.status == Status.DISPATCHED  # unambiguous: dispatched automatically
    handler = User.objects.get(roles__role=Role.HANDLER, roles__unit=first.unit)
    services.appeal_accept(appeal=first, actor=Actor.staff(handler))
    services.appeal_request_extension(
        appeal=first, actor=Actor.staff(handler), working_days=3, reason="需要协调"
    )
    services.appeal_decide_extension(appeal=first, actor=Actor.staff(dispatcher), approve=True)
    services.appeal_reply(appeal=first, actor=Actor.staff(handler), text="已清运完毕。")
    services.appeal_rate(appeal=first, actor=Actor.resident(), satisfaction="dissatisfied", solved=False)
    services.appeal_reopen(appeal=first, actor=Actor.resident(), reason="又满了")

    second = submit("广场舞音响太吵，晚上十点还在跳。", "HB-02-02")
    assert second.status == Status.SUBMITTED  # ambiguous: a dispatcher chooses
    unit = Unit.objects.get(code="GAFJ")
    services.appeal_dispatch(appeal=second, actor=Actor.staff(dispatcher), unit=unit)
    gafj = User.objects.get(roles__role=Role.HANDLER, roles__unit=unit)
    services.appeal_return(appeal=second, actor=Actor.staff(gafj), reason="不属于我单位")
    services.appeal_merge(appeal=second, actor=Actor.staff(dispatcher), into=first)

    third = submit("异地就医备案怎么办理？", "LD-02-02", kind=Kind.INQUIRY)
    services.appeal_answer_directly(appeal=third, actor=Actor.staff(operator), text="已告知办理流程。")
    fourth = submit("楼道灯不亮。", "CJ-03-02")
    services.appeal_withdraw(appeal=fourth, actor=Actor.staff(operator), reason="已修好")

    live = AppealEvent.objects.filter(appeal__in=[first, second, third, fourth])
    seeded_events = AppealEvent.objects.exclude(appeal__in=[first, second, third, fourth])
    seeded_shapes: dict[str, set[tuple]] = defaultdict(set)
    for event in seeded_events:
        seeded_shapes[event.type].add(_shape(event))
    checked = set()
    for event in live:
        if event.type in seeded_shapes:
            assert _shape(event) in seeded_shapes[event.type], (
                event.type,
                _shape(event),
                seeded_shapes[event.type],
            )
            checked.add(event.type)
    assert {
        "submitted",
        "triaged",
        "dispatched",
        "accepted",
        "replied",
        "rated",
        "returned",
        "merged",
        "answered_directly",
        "withdrawn",
        "extension_requested",
        "extension_approved",
    } <= checked
    # The seeded triage data has the keys the live triage writes.
    live_triage = live.filter(type=EventType.TRIAGED).first()
    seeded_triage = seeded_events.filter(type=EventType.TRIAGED).first()
    assert seeded_triage is not None
    assert live_triage is not None
    assert set(seeded_triage.data) == set(live_triage.data)
    # And the audit entries of both have the same data keys.
    keys = {tuple(sorted(e.data)) for e in AuditEntry.objects.filter(object_type="appeal")}
    assert keys == {("event", "from", "to", "unit")}


def test_every_seeded_event_parses_into_its_payload_and_writes_back_the_same_json(seeded):
    """The seed builds its events from the payloads (ADR 0008): what is stored parses back to the same
    JSON."""
    seen = set()
    for event_type, data in AppealEvent.objects.values_list("type", "data"):
        assert parse_payload(event_type, data).to_data() == data, (event_type, data)
        seen.add(event_type)
    assert {
        "submitted",
        "triaged",
        "dispatched",
        "accepted",
        "replied",
        "rated",
        "overdue",
        "extension_approved",
        "reopened",
        "merged",
    } <= seen


def _snapshot() -> list[tuple]:
    return list(
        Appeal.objects.order_by("tracking_number").values_list(
            "tracking_number",
            "title",
            "text",
            "status",
            "unit__code",
            "category__code",
            "area__code",
            "submitted_at",
            "satisfaction",
            "contact_phone",
        )
    )


def _wipe() -> None:
    from lianxin.consultations.models import Consultation

    wipe_community_life()
    AuditEntry.objects.all().delete()
    Consultation.objects.all().delete()
    Appeal.objects.update(merged_into=None)
    Appeal.objects.all().delete()
    TrackingCounter.objects.all().delete()
    from lianxin.appeals.models import DeadlinePolicy

    DeadlinePolicy.objects.all().delete()
    DispatchRule.objects.all().delete()
    from lianxin.outreach.demo import wipe_outreach

    wipe_outreach()
    from lianxin.learning.models import Course, Enrolment
    from lianxin.mediation.models import MediationCase, Mediator

    MediationCase.objects.all().delete()
    Mediator.objects.all().delete()
    Enrolment.objects.all().delete()
    Course.objects.all().delete()
    from lianxin.proactive.models import Notice, ProactiveTask

    Notice.objects.all().delete()  # its area is protected
    ProactiveTask.objects.all().delete()  # its category is protected (the demo's hotspots depend on the date)
    User.objects.all().delete()
    Unit.objects.all().delete()
    for level in (3, 2, 1):
        Category.objects.filter(level=level).delete()
    for area_level in (AreaLevel.GRID, AreaLevel.COMMUNITY, AreaLevel.STREET, AreaLevel.DISTRICT):
        Area.objects.filter(level=area_level).delete()


def test_deterministic_for_the_same_seed(seeded):
    first = _snapshot()
    events = list(AppealEvent.objects.order_by("appeal__tracking_number", "at").values_list("type", "at"))
    _wipe()
    run_seed(appeals=APPEALS, seed=7)
    assert _snapshot() == first
    assert (
        list(AppealEvent.objects.order_by("appeal__tracking_number", "at").values_list("type", "at"))
        == events
    )
    _wipe()
    run_seed(appeals=APPEALS, seed=8)
    assert _snapshot() != first


def test_if_empty_does_nothing_the_second_time(seeded):
    before = (Appeal.objects.count(), AppealEvent.objects.count(), User.objects.count())
    output = run_seed(appeals=50, if_empty=True)
    assert "nothing seeded" in output
    assert "dispatcher" in output
    assert (Appeal.objects.count(), AppealEvent.objects.count(), User.objects.count()) == before
    with pytest.raises(CommandError, match="already has a district"):
        run_seed(appeals=50)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"appeals": -1}, "--appeals"),
        ({"days": 0}, "--days"),
        ({"now": "yesterday"}, "--now"),
        ({"corpus": "/nonexistent"}, "--corpus"),
    ],
)
def test_bad_options_are_refused_clearly(db, options, message):
    with pytest.raises(CommandError, match=message):
        run_seed(**options)


def test_train_triage_from_the_seeded_appeals(seeded, tmp_path):
    pytest.importorskip("lianxin.triage.classifier", reason="the triage engine is another app")
    from lianxin.triage.classifier import load_model

    target = tmp_path / "model.bin"
    out = io.StringIO()
    call_command("train_triage", model=str(target), level=1, stdout=out, skip_checks=True)
    assert "level-1" in out.getvalue()
    model = load_model(target)
    assert set(model.labels) <= set(Category.objects.filter(level=1).values_list("code", flat=True))
    assert len(model.labels) >= 5
    with pytest.raises(CommandError, match="--limit"):
        call_command("train_triage", limit=0, skip_checks=True)


@pytest.mark.django_db
def test_seed_refuses_to_run_under_production_settings(settings):
    from lianxin.org.models import Area, User

    settings.LIANXIN_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run under production settings"):
        call_command("seed", "--appeals", "0", stdout=io.StringIO())
    assert not Area.objects.exists()
    assert not User.objects.filter(username=DEMO_API_USER).exists()


def test_production_settings_mark_production():
    import subprocess
    import sys

    code = (
        "import django,os;django.setup();from django.conf import settings;print(settings.LIANXIN_PRODUCTION)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "lianxin.settings.production",
        "LIANXIN_SECRET_KEY": "x" * 50,
        "LIANXIN_AUDIT_KEY": "y" * 50,
        "LIANXIN_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "LIANXIN_BROKER_URL": "redis://127.0.0.1:6379/3",
        "LIANXIN_CACHE_URL": "redis://127.0.0.1:6379/4",
        "LIANXIN_LOOKUP_KEY": "z" * 50,
        "LIANXIN_DATA_KEYS": "Dk1sn5mqHBKUQ5Zu5rdrtYm6Y8Il3wO6oWh8DbMvjoQ=",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert out.stdout.strip() == "True", out.stderr[-2000:]


def test_notices_and_planned_works_are_seeded(seeded):
    from lianxin.proactive.models import Notice

    assert "Notices and planned works: 3" in seeded
    assert sorted(Notice.objects.values_list("kind", flat=True)) == ["power", "water", "works"]
