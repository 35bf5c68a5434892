"""Participatory budgeting: ballots within the budget, one per person, the knapsack result, pages and API."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest
from django.test import Client

from lianxin.consultations import selectors, services
from lianxin.consultations.budget import Item, knapsack
from lianxin.consultations.models import Status
from lianxin.consultations.services import ProjectInput
from lianxin.core.errors import ConflictError, TransitionNotAllowedError, ValidationFailedError

from .factories import consultation


def brute_force(items, budget):
    best: tuple[int, int, list[Any]] = (0, 0, [])
    for r in range(len(items) + 1):
        for combo in itertools.combinations(items, r):
            cost = sum(i.cost for i in combo)
            if cost <= budget:
                votes = sum(i.votes for i in combo)
                if (votes, -cost) > best[:2]:
                    best = (votes, -cost, sorted(i.key for i in combo))
    return best


@pytest.mark.parametrize("seed", range(20))
def test_knapsack_matches_brute_force(seed):
    rng = random.Random(seed)
    items = [Item(k, rng.randint(1, 100) * 1000, rng.randint(0, 30)) for k in range(1, rng.randint(2, 9))]
    budget = rng.randint(50, 400) * 1000
    chosen = knapsack(items, budget)
    by_key = {i.key: i for i in items}
    assert sum(by_key[k].cost for k in chosen) <= budget
    assert sum(by_key[k].votes for k in chosen) == brute_force(items, budget)[0]


def test_knapsack_with_coarse_units_never_exceeds_the_budget():
    items = [Item(k, 3_333_333 + k, 10 + k) for k in range(1, 8)]
    chosen = knapsack(items, 10_000_000)
    assert sum(i.cost for i in items if i.key in chosen) <= 10_000_000
    assert len(chosen) == 2


@pytest.fixture
def c(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    services.budget_set(
        actor=people.organiser,
        consultation=c,
        total=500_000,
        projects=[
            ProjectInput("健身步道", 300_000, "沿河修建 800 米步道"),
            ProjectInput("儿童游乐场", 250_000),
            ProjectInput("雨棚", 150_000),
            ProjectInput("路灯改造", 100_000),
        ],
    )
    return services.consultation_publish(actor=people.organiser, consultation=c)


def test_ballots_and_result(people, c):
    services.budget_vote(actor=people.resident, consultation=c, project_numbers=[1, 3])
    services.budget_vote(actor=people.other_resident, consultation=c, project_numbers=[2, 3, 4])
    services.budget_vote(actor=people.third, consultation=c, project_numbers=[2, 4])
    with pytest.raises(ConflictError):
        services.budget_vote(actor=people.resident, consultation=c, project_numbers=[4])
    with pytest.raises(ValidationFailedError, match="超过预算总额"):
        services.budget_vote(actor=people.dispatcher, consultation=c, project_numbers=[1, 2])
    with pytest.raises(ValidationFailedError, match="没有第 9"):
        services.budget_vote(actor=people.dispatcher, consultation=c, project_numbers=[9])
    result = selectors.budget_result(c)
    assert [p["votes"] for p in result["projects"]] == [1, 2, 2, 2]
    # 2 + 3 + 4 = 500,000 with 6 votes beats 1 + 3 (3 votes)
    assert [p["number"] for p in result["projects"] if p["funded"]] == [2, 3, 4]
    assert result["funded_cost"] == 500_000
    assert result["ballots"] == 3


def test_budget_refusals(people, c):
    with pytest.raises(TransitionNotAllowedError):  # published: the budget can no longer change
        services.budget_set(actor=people.organiser, consultation=c, total=1, projects=[])
    draft = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    with pytest.raises(ValidationFailedError, match="超过了预算总额"):
        services.budget_set(
            actor=people.organiser, consultation=draft, total=100, projects=[ProjectInput("x", 200)]
        )


def test_budget_page_and_api(people, c):
    client = Client()
    client.force_login(people.resident)
    page = client.get(f"/consultations/{c.slug}/").content.decode()
    assert "健身步道" in page
    assert "参与式预算" in page
    r = client.post(f"/consultations/{c.slug}/budget/", {"project": ["1", "2"]}, follow=True)
    assert "超过预算总额" in r.content.decode()
    client.post(f"/consultations/{c.slug}/budget/", {"project": ["1", "4"]})
    assert "您已投票" in client.get(f"/consultations/{c.slug}/").content.decode()
    assert "入选" in client.get(f"/consultations/{c.slug}/results/").content.decode()
    other = Client()
    other.force_login(people.other_resident)
    r = other.post(
        f"/api/v1/consultations/{c.slug}/budget",
        data=json.dumps({"projects": [3]}),
        content_type="application/json",
    )
    assert r.status_code == 201
    body = other.get(f"/api/v1/consultations/{c.slug}/budget").json()
    assert body["ballots"] == 2
    assert body["total"] == 500_000
    assert (
        other.post(
            f"/api/v1/consultations/{c.slug}/budget",
            data=json.dumps({"projects": [0]}),
            content_type="application/json",
        ).status_code
        == 400
    )


def test_staff_edit_sets_the_budget(people):
    draft = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    client = Client()
    client.force_login(people.organiser)
    r = client.post(
        f"/consultations/staff/{draft.slug}/",
        {
            "title": draft.title,
            "summary": "",
            "audience": "anyone",
            "paragraphs": "第一条。",
            "budget_total": "200,000",
            "projects": "健身步道 | 150000 | 沿河\n雨棚 | 50000",
        },
        follow=True,
    )
    assert r.status_code == 200
    draft.refresh_from_db()
    assert draft.budget_total == 200_000
    assert draft.budget_projects.count() == 2
