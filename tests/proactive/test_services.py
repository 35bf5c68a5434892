"""Proposing from the appeal data, accepting, dismissing, the outcome; each role's refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxin.audit.models import AuditEntry
from lianxin.core.errors import ConflictError, ForbiddenError, ValidationFailedError
from lianxin.notifications.models import Notification
from lianxin.org.models import Area, Unit
from lianxin.outreach.models import AssignmentKind, ContactAssignment
from lianxin.proactive import policy, selectors, services
from lianxin.proactive.models import ProactiveTask, TaskKind, TaskStatus
from tests.factories import AppealFactory, UserFactory
from tests.outreach.factories import household

from .conftest import at, recurring_appeals

pytestmark = pytest.mark.django_db


def _deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def test_recurring_appeals_are_proposed_once_per_community(district):
    ids = recurring_appeals()
    created = services.proposals_generate()
    assert created["recurring"] == 1
    task = ProactiveTask.objects.get(kind=TaskKind.RECURRING)
    assert task.status == TaskStatus.PROPOSED
    assert task.area == district.community_a  # grids roll up to their community
    assert task.category == district.cat_light
    assert sorted(task.evidence.values_list("pk", flat=True)) == sorted(ids)
    assert "3、3、3" in task.reason
    assert task.events.get().type == "proposed"
    assert services.proposals_generate()["recurring"] == 0  # the same pattern is not proposed twice
    assert ProactiveTask.objects.filter(kind=TaskKind.RECURRING).count() == 1


def test_two_a_month_is_not_a_recurring_problem(district):
    recurring_appeals(per_month=2)
    assert services.proposals_generate()["recurring"] == 0


def test_repeated_appeals_from_one_building_are_proposed(district):
    for i in range(3):
        AppealFactory(
            area=district.grid_a,
            category=district.cat_env,
            address=f"幸福路 88 号 3 栋 {201 + i}",
            submitted_at=timezone.now() - dt.timedelta(days=i * 10),
        )
    AppealFactory(area=district.grid_a, category=district.cat_env, address="幸福路 88 号 4 栋 101")
    assert services.proposals_generate()["building"] == 1
    task = ProactiveTask.objects.get(kind=TaskKind.BUILDING)
    assert "幸福路88号3栋" in task.title
    assert task.evidence.count() == 3


def test_seasonal_pattern_from_last_year(district):
    today = timezone.localdate()
    month = today.replace(year=today.year - 1)
    for i in range(5):
        AppealFactory(
            area=district.grid_b,
            category=district.cat_env,
            submitted_at=at(month.replace(day=1) + dt.timedelta(days=i)),
        )
    assert services.proposals_generate()["seasonal"] == 1
    assert ProactiveTask.objects.get(kind=TaskKind.SEASONAL).area is None  # district-wide


def test_the_command_proposes(district, capsys):
    recurring_appeals()
    call_command("proactive", "propose")
    assert "recurring 1" in capsys.readouterr().out


def test_supervisor_accepts_with_a_grid_owner_who_is_notified(
    task, district, django_capture_on_commit_callbacks
):
    cadre = UserFactory(username="cadre1")
    ContactAssignment.objects.create(
        kind=AssignmentKind.HOUSEHOLD,
        cadre=cadre,
        household=household(district.grid_a),
        started_on=dt.date(2026, 1, 5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.task_accept(
            task=task,
            actor=district.supervisor,
            owner_grid=district.grid_a,
            deadline=_deadline(),
            instructions="入户走访三栋住户",
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.accepted_at is not None
    notified = set(
        Notification.objects.filter(kind="proactive_task").values_list("user__username", flat=True)
    )
    assert notified == {"grid_a", "cadre1"}
    assert AuditEntry.objects.filter(action="proactive_accepted", object_id=str(task.pk)).exists()
    # the owners may now see it and record the outcome; a cadre of another grid may not
    assert policy.can(cadre, task, policy.Action.RECORD_OUTCOME)
    assert policy.can(district.grid_worker_a, task, policy.Action.VIEW)
    assert not policy.can(district.handler_city, task, policy.Action.VIEW)


@pytest.mark.parametrize(
    "who", ["operator", "dispatcher", "handler_city", "grid_worker_a", "leader_b", "resident"]
)
def test_only_supervisors_decide(task, district, who):
    with pytest.raises(ForbiddenError):
        services.task_accept(
            task=task, actor=getattr(district, who), owner_unit=district.unit_city, deadline=_deadline()
        )
    with pytest.raises(ForbiddenError):
        services.task_dismiss(task=task, actor=getattr(district, who), reason="不需要")


def test_a_street_supervisor_decides_only_in_their_street(task, district):
    from tests.factories import staff

    sup_b = staff("supervisor", area=district.street_b, username="sup_b")
    sup_a = staff("supervisor", area=district.street_a, username="sup_a")
    assert not policy.can(sup_b, task, policy.Action.VIEW)
    assert policy.can(sup_a, task, policy.Action.DECIDE)
    assert list(selectors.tasks_for(sup_b, proposals=True)) == []
    assert list(selectors.tasks_for(sup_a, proposals=True)) == [task]


def test_accept_refuses_bad_input(task, district):
    sup = district.supervisor
    with pytest.raises(ValidationFailedError, match="二者选一"):
        services.task_accept(task=task, actor=sup, deadline=_deadline())
    with pytest.raises(ValidationFailedError, match="二者选一"):
        services.task_accept(
            task=task,
            actor=sup,
            owner_unit=district.unit_city,
            owner_grid=district.grid_a,
            deadline=_deadline(),
        )
    with pytest.raises(ValidationFailedError, match="网格一级"):
        services.task_accept(task=task, actor=sup, owner_grid=district.community_a, deadline=_deadline())
    with pytest.raises(ValidationFailedError, match="一年之内"):
        services.task_accept(
            task=task,
            actor=sup,
            owner_unit=district.unit_city,
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.PROPOSED


def test_dismiss_needs_a_reason_and_decides_once(task, district):
    with pytest.raises(ValidationFailedError):
        services.task_dismiss(task=task, actor=district.supervisor, reason="  ")
    services.task_dismiss(task=task, actor=district.supervisor, reason="已列入明年计划")
    with pytest.raises(ForbiddenError):  # no longer a proposal
        services.task_accept(
            task=task, actor=district.supervisor, owner_unit=district.unit_city, deadline=_deadline()
        )
    stale = ProactiveTask.objects.get(pk=task.pk)
    stale.status = TaskStatus.PROPOSED  # a page loaded before the dismissal
    with pytest.raises(ConflictError):
        services.task_accept(
            task=stale, actor=district.supervisor, owner_unit=district.unit_city, deadline=_deadline()
        )


def test_outcome_by_the_owner_unit_notifies_subscribers(task, district, django_capture_on_commit_callbacks):
    services.task_accept(
        task=task, actor=district.supervisor, owner_unit=district.unit_city, deadline=_deadline()
    )
    fan = UserFactory(username="fan")
    other = UserFactory(username="other")
    services.subscription_create(user=fan, area=district.street_a)  # an area above the task's community
    services.subscription_create(user=other, area=district.street_b)
    with pytest.raises(ForbiddenError):
        services.task_record_outcome(task=task, actor=district.handler_env, outcome="已处理")
    with pytest.raises(ValidationFailedError):
        services.task_record_outcome(task=task, actor=district.handler_city, outcome="")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_record_outcome(task=task, actor=district.handler_city, outcome="更换了 12 盏路灯")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.outcome == "更换了 12 盏路灯"
    sent = Notification.objects.filter(kind="proactive_outcome")
    assert list(sent.values_list("user__username", flat=True)) == ["fan"]
    assert "/proactive/unsubscribe/" in sent.get().body
    with pytest.raises(ForbiddenError):  # done: nothing more to record
        services.task_record_outcome(task=task, actor=district.handler_city, outcome="again")


def test_category_subscription_matches_anywhere_and_below(district):
    sub = services.subscription_create(user=district.resident, category=district.cat_city)
    assert services.subscribers_of(area=district.community_b, category=district.cat_light) == [sub]
    assert services.subscribers_of(area=district.community_b, category=district.cat_env) == []
    with pytest.raises(ValidationFailedError):
        services.subscription_create(user=district.resident)
    assert services.subscription_cancel(token=sub.token)
    assert not services.subscription_cancel(token=sub.token)


def test_before_and_after_counts(task, district):
    services.task_accept(
        task=task, actor=district.supervisor, owner_unit=district.unit_city, deadline=_deadline()
    )
    task.refresh_from_db()
    ref = task.accepted_at
    for days in (1, 5, 29):  # before; one in another category, one in another street
        AppealFactory(
            area=district.grid_a, category=district.cat_light, submitted_at=ref - dt.timedelta(days=days)
        )
    AppealFactory(area=district.grid_a, category=district.cat_env, submitted_at=ref - dt.timedelta(days=2))
    AppealFactory(area=district.grid_b, category=district.cat_light, submitted_at=ref - dt.timedelta(days=2))
    AppealFactory(area=district.grid_a, category=district.cat_light, submitted_at=ref - dt.timedelta(days=40))
    AppealFactory(area=district.grid_a, category=district.cat_light, submitted_at=ref + dt.timedelta(days=3))
    counts = selectors.before_after(task, now=ref + dt.timedelta(days=31))
    assert (counts.before, counts.after, counts.after_days) == (3 + _evidence_in_window(task), 1, 30)
    assert counts.change is not None
    assert counts.change < 0
    assert selectors.before_after(task, now=ref + dt.timedelta(days=2)).change is None  # too early to tell


def _evidence_in_window(task: ProactiveTask) -> int:
    ref = task.accepted_at
    assert ref is not None
    return task.evidence.filter(submitted_at__gte=ref - dt.timedelta(days=30)).count()


def test_unit_lookup_sanity(district):
    assert Unit.objects.get(code="U-CG") == district.unit_city
    assert Area.objects.get(code="G1") == district.grid_a
