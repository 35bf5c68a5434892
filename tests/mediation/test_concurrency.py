"""Two staff members act on the same case at the same moment: the row lock lets exactly one win."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from lianxin.appeals.actors import Actor
from lianxin.core.errors import DomainError
from lianxin.mediation import services
from lianxin.mediation.models import EventType, MediationCase, Status

from .factories import CaseFactory, mediator, with_parties

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_two_assignments_at_once_exactly_one_wins(district):
    assert connection.vendor == "postgresql"
    first, second = mediator(district.community_a), mediator(district.community_a, username="mediator2")
    case = with_parties(CaseFactory(area=district.community_a, status=Status.ACCEPTED))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def assign(who):
        barrier.wait()
        try:
            services.case_assign(case=case.pk, actor=Actor.staff(district.dispatcher), mediator=who)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "transition_not_allowed"]
    case = MediationCase.objects.get(pk=case.pk)
    assert case.status == Status.ASSIGNED
    assert case.events.filter(type=EventType.ASSIGNED).count() == 1
