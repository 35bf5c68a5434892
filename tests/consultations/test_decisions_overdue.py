"""An unanswered consultation counts against its organising unit like an overdue appeal (issue 18):
a decision due in the month and not published by then costs the unit what an overdue appeal costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.consultations.kpis import decisions_overdue
from lianxin.consultations.models import Consultation, Phase, PhaseType, Status
from lianxin.supervision import rollups
from lianxin.supervision.selectors import Period, rankings
from tests.supervision.conftest import History, at

from .factories import consultation

pytestmark = pytest.mark.django_db


def _due_on(c: Consultation, when: dt.datetime) -> None:
    """Move the consultation's 决策公布 phase so that it ends at `when`."""
    phase = c.phases.get(type=PhaseType.DECISION)
    phase.starts_at, phase.ends_at = when - dt.timedelta(days=5), when
    phase.save()


def test_a_decision_overdue_in_the_month_counts_against_the_unit(people):
    d = people.d
    late = consultation(organiser=people.organiser, unit=d.unit_city, title="停车管理办法")
    _due_on(late, timezone.make_aware(dt.datetime(2026, 5, 20, 18)))
    answered = consultation(organiser=people.organiser, unit=d.unit_city, title="垃圾分类办法")
    _due_on(answered, timezone.make_aware(dt.datetime(2026, 5, 22, 18)))
    Consultation.objects.filter(pk=answered.pk).update(
        decision_published_at=timezone.make_aware(dt.datetime(2026, 5, 21))
    )
    answered_late = consultation(organiser=people.organiser, unit=d.unit_city, title="养犬管理办法")
    _due_on(answered_late, timezone.make_aware(dt.datetime(2026, 5, 10, 18)))
    Consultation.objects.filter(pk=answered_late.pk).update(
        decision_published_at=timezone.make_aware(dt.datetime(2026, 5, 25))
    )
    june = consultation(organiser=people.organiser, unit=d.unit_city, title="六月到期")
    _due_on(june, timezone.make_aware(dt.datetime(2026, 6, 3, 18)))
    draft = consultation(organiser=people.organiser, unit=d.unit_city, title="草稿", status=Status.DRAFT)
    _due_on(draft, timezone.make_aware(dt.datetime(2026, 5, 15, 18)))
    assert decisions_overdue(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == {d.unit_city.pk: 2}
    assert decisions_overdue(dt.date(2026, 6, 1), dt.date(2026, 6, 30)) == {d.unit_city.pk: 1}


def test_without_a_decision_phase_it_is_due_days_after_collecting(people, settings):
    settings.LIANXIN = {**settings.LIANXIN, "CONSULTATION_DECISION_DAYS": 10}
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    Phase.objects.filter(consultation=c).exclude(type=PhaseType.COLLECTING).delete()
    collecting = c.phases.get()
    collecting.starts_at = timezone.make_aware(dt.datetime(2026, 4, 1))
    collecting.ends_at = timezone.make_aware(dt.datetime(2026, 4, 25, 12))
    collecting.save()
    assert decisions_overdue(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == {
        people.d.unit_city.pk: 1
    }  # due 5 May
    assert decisions_overdue(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == {}


def test_a_decision_not_yet_due_counts_nowhere(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    _due_on(c, timezone.now() + dt.timedelta(days=3))
    today = timezone.localdate()
    assert decisions_overdue(today, today + dt.timedelta(days=10)) == {}


def test_the_units_ranking_takes_the_overdue_decision_off(people):
    d = people.d
    for unit in (d.unit_city, d.unit_env):
        h = History(area=d.grid_a, category=d.cat_light, submitted=at("2026-05-06 09:00"))
        h.dispatch(at("2026-05-06 09:10"), unit).accept(at("2026-05-06 09:20"), unit).reply(
            at("2026-05-06 12:00"), unit
        )
        h.rate(at("2026-05-07 12:00"), unit, "satisfied", True)
    rollups.process_events(settle_seconds=0)
    c = consultation(organiser=people.organiser, unit=d.unit_city)
    _due_on(c, timezone.make_aware(dt.datetime(2026, 5, 20, 18)))
    rows = {r.label: r for r in rankings(Period.month(2026, 5), by="unit")}
    city, env = rows["城管局"], rows["生态环境局"]
    assert env.score.value == 100.0
    assert env.rank == 1
    assert city.score.value == 99.5
    assert city.rank == 2
    assert city.score.items == {"consultation_decisions_overdue": 1}
    Consultation.objects.filter(pk=c.pk).update(
        decision_published_at=timezone.make_aware(dt.datetime(2026, 6, 2))
    )
    # published after it was due: still counted for May
    assert {r.label: r.score.value for r in rankings(Period.month(2026, 5), by="unit")}["城管局"] == 99.5
