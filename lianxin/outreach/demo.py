"""Demo data for outreach: households in the demo district's grids that have a grid worker, party
members tied to them (联系户), street/district leaders' 联系点, coverage rules and half a year of
visits with concerns and follow-ups. Called once by `lianxin seed` (`seed_outreach`).

Deterministic for a given seed. The phones are in the fictional 199 0xxx range.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password

from lianxin.core.crypto import phone_lookup_hash
from lianxin.org.models import Area, AreaLevel, Category, User

from .models import (
    AssignmentKind,
    Concern,
    ContactAssignment,
    CoverageRule,
    FollowUp,
    Household,
    HouseholdGroup,
    Member,
    Relation,
    SpecialGroup,
    Visit,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = [
    "秀英",
    "桂兰",
    "建国",
    "志强",
    "丽",
    "伟",
    "芳",
    "敏",
    "军",
    "洋",
    "静",
    "磊",
    "海燕",
    "德福",
    "淑珍",
]
CONCERNS = [
    ("楼道灯坏了，晚上看不清", "CJ"),
    ("想申请适老化改造，加装扶手", ""),
    ("小区垃圾清运不及时", "HB"),
    ("问养老补贴怎么申请", ""),
    ("楼上漏水到卫生间", "CJ"),
    ("希望小区增设充电桩", "CJ"),
    ("孩子放学后没人照看", ""),
    ("噪音扰民，晚上施工", "HB"),
]
SAID = [
    "身体还好，就是腿脚不方便。",
    "希望社区多组织活动。",
    "对物业服务有意见。",
    "感谢社区上次帮忙。",
    "关心小区停车问题。",
    "想了解医保报销政策。",
]
HOUSEHOLDS_PER_GRID = 30
PARTY_MEMBERS_PER_GRID = 2


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _rules() -> None:
    CoverageRule.objects.bulk_create(
        [
            CoverageRule(area=None, group="", interval_days=90),
            CoverageRule(area=None, group=SpecialGroup.ELDERLY_ALONE, interval_days=30),
            CoverageRule(area=None, group=SpecialGroup.DISABLED, interval_days=20, working_days=True),
            CoverageRule(area=None, group=SpecialGroup.LEFT_BEHIND_CHILD, interval_days=30),
        ]
    )


def _households(grid: Area, rng: random.Random, today: dt.date, serial: list[int]) -> list[Household]:
    households = [
        Household(
            grid=grid,
            building=str(1 + i // 10),
            unit_no=str(1 + (i // 5) % 2),
            room=f"{1 + i % 5}0{1 + i % 2}",
            address_detail=f"{grid.name}{1 + i // 10}号楼",
            registered_on=today - dt.timedelta(days=200),
            consent_on=today - dt.timedelta(days=200),
            consent_scope="走访服务",
        )
        for i in range(HOUSEHOLDS_PER_GRID)
    ]
    Household.objects.bulk_create(households)
    groups, members = [], []
    group_values = list(SpecialGroup.values)
    for h in households:
        if rng.random() < 0.3:
            groups.append(HouseholdGroup(household=h, group=rng.choice(group_values)))
        for relation in (Relation.HEAD, Relation.SPOUSE)[: rng.choice((1, 2))]:
            serial[0] += 1
            phone = f"1990{serial[0]:07d}"
            members.append(
                Member(
                    household=h,
                    relation=relation,
                    name=_name(rng),
                    phone=phone,
                    phone_hash=phone_lookup_hash(phone),
                )
            )
    HouseholdGroup.objects.bulk_create(groups)
    Member.objects.bulk_create(members)
    return households


def _visits(
    households: list[Household],
    cadre_of: dict[int, User],
    rng: random.Random,
    today: dt.date,
    categories: dict[str, Category],
) -> None:
    visits = []
    for h in households:
        cadre = cadre_of.get(h.pk)
        if cadre is None:
            continue
        day = today - dt.timedelta(days=rng.randint(150, 190))
        while True:
            day += dt.timedelta(days=rng.randint(20, 110))
            if day > today:
                break
            visits.append(Visit(household=h, cadre=cadre, visited_on=day, said=rng.choice(SAID)))
    Visit.objects.bulk_create(visits)
    latest: dict[int, dt.date] = {}
    for visit in visits:
        latest[visit.household_id] = max(visit.visited_on, latest.get(visit.household_id, visit.visited_on))
    for h in households:
        h.last_visited_on = latest.get(h.pk)
    Household.objects.bulk_update(households, ["last_visited_on"], batch_size=500)
    concerns, follow_ups = [], []
    for visit in visits:
        if rng.random() < 0.35:
            text, code = rng.choice(CONCERNS)
            concerns.append(
                Concern(
                    visit=visit, text=text, category=categories.get(code), solved_on_spot=rng.random() < 0.4
                )
            )
        if rng.random() < 0.2:
            due = visit.visited_on + dt.timedelta(days=14)
            follow_ups.append(
                FollowUp(
                    visit=visit,
                    text="回访落实情况",
                    due_on=due,
                    done_on=due if due < today - dt.timedelta(days=7) else None,
                )
            )
    Concern.objects.bulk_create(concerns)
    FollowUp.objects.bulk_create(follow_ups)


def seed_outreach(
    *, grid_worker_of: dict[int, int], password: str, seed: int = 1, today: dt.date | None = None
) -> dict[str, int]:
    """Fill the demo district (grid id → grid worker's user id). Call inside a transaction."""
    rng = random.Random(f"outreach:{seed}")
    today = today or dt.date.today()
    _rules()
    categories = {c.code: c for c in Category.objects.filter(level=1)}
    hashed = make_password(password)
    serial = [0]
    counts = {"households": 0, "assignments": 0}
    for grid in Area.objects.filter(pk__in=list(grid_worker_of), level=AreaLevel.GRID).order_by("path"):
        households = _households(grid, rng, today, serial)
        worker = User.objects.get(pk=grid_worker_of[grid.pk])
        party = [
            User.objects.create(
                username=f"dy-{grid.code.lower()}-{k + 1}", display_name=f"党员{_name(rng)}", password=hashed
            )
            for k in range(PARTY_MEMBERS_PER_GRID)
        ]
        cadres = [worker, *party]
        cadre_of = {h.pk: cadres[i % len(cadres)] for i, h in enumerate(households)}
        ContactAssignment.objects.bulk_create(
            [
                ContactAssignment(
                    kind=AssignmentKind.HOUSEHOLD,
                    cadre=c,
                    household_id=pk,
                    started_on=today - dt.timedelta(days=200),
                )
                for pk, c in cadre_of.items()
            ]
        )
        _visits(households, cadre_of, rng, today, categories)
        counts["households"] += len(households)
        counts["assignments"] += len(cadre_of)
    leaders = {u.username: u for u in User.objects.filter(username__in=["leader", "leader-s01"])}
    grids = Area.objects.filter(pk__in=list(grid_worker_of)).select_related("parent").order_by("path")
    communities = list(dict.fromkeys(g.parent for g in grids if g.parent is not None))
    for username, community in zip(["leader-s01", "leader"], communities, strict=False):
        if username in leaders:
            ContactAssignment.objects.create(
                kind=AssignmentKind.POINT,
                cadre=leaders[username],
                area=community,
                started_on=today - dt.timedelta(days=200),
            )
    return counts


def wipe_outreach() -> None:
    """Remove every outreach row (tests that re-seed a wiped database)."""
    from .models import OutreachEvent, OverdueNotice

    for model in (OverdueNotice, OutreachEvent, Visit, ContactAssignment, CoverageRule, Household):
        model.objects.all().delete()
