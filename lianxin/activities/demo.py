"""Community life in the demo district: organizations, volunteers, past and coming activities with
sign-ups, check-ins and confirmed hours, and small wishes in every state. Called by `lianxin seed`."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from lianxin.org.models import Area, AreaLevel, Role, RoleAssignment, User

from . import hours, orgs, services, wishes
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Membership,
    Organization,
    Signup,
    SignupStatus,
    WishStatus,
)

SKILLS = ["维修", "陪诊", "理发", "法律咨询", "心理疏导", "电脑", "书法", "烹饪", "驾驶", "医护"]
TITLES = [
    (ActivityKind.VOLUNTEER, "社区环境清洁志愿服务", "小区中心广场"),
    (ActivityKind.FORUM, "居民议事座谈会：加装电梯", "社区居委会二楼会议室"),
    (ActivityKind.VISIT, "重阳节走访慰问独居老人", "辖区各楼栋"),
    (ActivityKind.VOLUNTEER, "义诊量血压", "社区卫生服务站门口"),
    (ActivityKind.CULTURE, "广场舞展演", "文化活动中心"),
    (ActivityKind.VOLUNTEER, "防诈骗宣传", "菜市场入口"),
]
WISHES = [
    ("一件厚棉衣", "一位独居老人希望冬天有一件厚棉衣", "衣物"),
    ("陪同去医院复查", "一位腿脚不便的老人需要有人陪同复查", "陪诊"),
    ("修理漏水的水龙头", "一户困难家庭的水龙头漏水需要维修", "维修"),
    ("帮忙办理医保手续", "一位老人需要有人帮忙线上办理医保", "电脑"),
    ("孩子的学习用品", "一名困难家庭学生希望有一套学习用品", "学习"),
    ("理一次发", "一位卧床老人希望有人上门理发", "理发"),
]


def seed_activities(*, seed: int, now: dt.datetime) -> dict[str, int]:
    """Fill community life for the seeded district; returns what was made."""
    rng = random.Random(f"activities:{seed}")
    workers = list(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, area__isnull=False)
        .select_related("user", "area")
        .order_by("area__path")[:6]
    )
    areas = [w.area for w in workers if w.area is not None]
    residents = list(User.objects.filter(username__startswith="jm").order_by("pk")[:60])
    if not workers or len(residents) < 40:
        return {}
    with transaction.atomic():
        teams = _organizations(rng, residents)
        for person in residents[:24]:
            orgs.volunteer_profile_save(
                actor=person, skills=rng.sample(SKILLS, 2), areas=[rng.choice(areas)], availability="周末"
            )
        made = 0
        for i, (assignment, area) in enumerate(zip(workers, areas, strict=True)):
            made += _activities(
                rng, i, organiser=assignment.user, area=area, residents=residents, teams=teams, now=now
            )
        wish_count = _wishes(workers, areas, residents, teams)
    return {"organizations": len(teams), "activities": made, "wishes": wish_count}


def _organizations(rng: random.Random, residents: list[User]) -> list[Organization]:
    admin_role = RoleAssignment.objects.filter(role=Role.ADMIN).select_related("user").first()
    if admin_role is None:
        return []
    admin = admin_role.user
    street = Area.objects.filter(level=AreaLevel.STREET).order_by("path").first()
    district = Area.objects.filter(level=AreaLevel.DISTRICT).first()
    teams = []
    for name, kind, cats, area in (
        ("连心志愿服务队", "volunteer_team", ["维修", "陪诊"], district),
        ("夕阳红互助社", "social_org", ["衣物", "理发", "陪诊"], street),
        ("惠民家政服务中心", "provider", ["维修", "烹饪"], district),
    ):
        if area is None:
            continue
        org = orgs.organization_register(
            actor=admin,
            name=name,
            kind=kind,
            areas=[area],
            categories=cats,
            registration_number=f"5{rng.randrange(10**16, 10**17)}X",
            contact_name="王志远",
            contact_phone="13800138000",
            description="示范区登记的社会组织（演示数据）。",
        )
        for person in rng.sample(residents[:30], 6):
            Membership.objects.get_or_create(organization=org, user=person)
        orgs.project_add(
            actor=admin,
            organization=org,
            title=f"{cats[0]}便民服务项目",
            started_on=dt.date(2026, 1, 1),
            description="面向辖区困难群众的常态化服务（演示数据）。",
        )
        teams.append(org)
    return teams


def _activities(
    rng: random.Random,
    i: int,
    *,
    organiser: User,
    area: Area,
    residents: list[User],
    teams: list[Organization],
    now: dt.datetime,
) -> int:
    made = 0
    for k, offset in enumerate((-20, -6, 3, 9)):
        kind, title, place = TITLES[(i + k) % len(TITLES)]
        start = (now + dt.timedelta(days=offset)).replace(hour=9 + k % 3, minute=0)
        team = teams[(i + k) % len(teams)] if teams and kind == ActivityKind.VOLUNTEER else None
        capacity = 3 if (i, k) == (0, 2) else rng.choice((10, 20, 30))
        if start > timezone.now():  # `--now` may lie in the past: then everything is history
            activity = services.activity_create(
                actor=organiser,
                kind=kind,
                title=title,
                place=place,
                area=area,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                capacity=capacity,
                organization=team,
                description="欢迎居民朋友参加（演示数据）。",
            )
            services.activity_publish(actor=organiser, activity=activity)
            for person in rng.sample(residents, min(len(residents), capacity + (2 if capacity == 3 else -2))):
                services.signup_create(actor=person, activity=activity)
        else:
            activity = _past_activity(
                rng,
                organiser=organiser,
                area=area,
                kind=kind,
                title=title,
                place=place,
                start=start,
                capacity=capacity,
                team=team,
                residents=residents,
            )
        made += 1
    return made


def _past_activity(
    rng: random.Random,
    *,
    organiser: User,
    area: Area,
    kind: str,
    title: str,
    place: str,
    start: dt.datetime,
    capacity: int,
    team: Organization | None,
    residents: list[User],
) -> Activity:
    """History: written directly (the services refuse to publish in the past), then confirmed hours."""
    end = start + dt.timedelta(hours=2)
    activity = Activity.objects.create(
        kind=kind,
        title=title,
        place=place,
        area=area,
        organiser=organiser,
        organization=team,
        starts_at=start,
        ends_at=end,
        capacity=capacity,
        status=ActivityStatus.FINISHED,
        checkin_code=secrets.token_urlsafe(18),
        published_at=start - dt.timedelta(days=7),
        visit_notes="走访 5 户独居老人，送去米、油和慰问信（演示数据）。"
        if kind == ActivityKind.VISIT
        else "",
    )
    for person in rng.sample(residents, min(capacity, 8)):
        signup = Signup.objects.create(
            activity=activity,
            user=person,
            status=SignupStatus.CONFIRMED,
            created_at=start - dt.timedelta(days=3),
            checked_in_at=start + dt.timedelta(minutes=rng.randrange(0, 20)),
            checked_out_at=end - dt.timedelta(minutes=rng.randrange(0, 20)),
        )
        if kind == ActivityKind.VOLUNTEER:
            entry = hours.entry_from_signup(signup=signup, activity=activity)
            if entry is not None:
                hours.hours_confirm(actor=organiser, entry=entry)
    return activity


def _wishes(
    workers: list[RoleAssignment], areas: list[Area], residents: list[User], teams: list[Organization]
) -> int:
    count = 0
    for i, (title, text, cat) in enumerate(WISHES):
        cadre, area = workers[i % len(workers)].user, areas[i % len(areas)]
        wish = wishes.wish_record(
            actor=cadre,
            title=title,
            public_text=text,
            area=area,
            category=cat,
            beneficiary_name=f"{'王李张刘陈'[i % 5]}大爷",
            beneficiary_phone="13700000000",
            detail="住址与联系方式见走访记录（演示数据）。",
        )
        giver = residents[30 + i]
        target = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.CLOSED)[i % 3]
        if target != WishStatus.OPEN:
            org = (
                teams[0]
                if teams and Membership.objects.filter(organization=teams[0], user=giver).exists()
                else None
            )
            wishes.wish_claim(actor=giver, wish=wish, organization=org)
        if target == WishStatus.CLOSED:
            wishes.wish_deliver(actor=giver, wish=wish, note="已送到")
            wishes.wish_confirm(actor=cadre, wish=wish, thanks="谢谢你们，天冷了心里暖和！")
        count += 1
    wishes.wish_raise(
        actor=residents[0],
        title="想学用智能手机",
        detail="想学视频通话，和孙子聊天。",
        area=areas[0],
        category="电脑",
    )
    return count + 1


def wipe_community_life() -> None:
    """Remove everything `seed_activities` made (tests that re-seed the same database)."""
    from .models import Event, HoursEntry, Wish

    Event.objects.all().delete()
    HoursEntry.objects.all().delete()
    Activity.objects.all().delete()
    Wish.objects.all().delete()
    Organization.objects.all().delete()
