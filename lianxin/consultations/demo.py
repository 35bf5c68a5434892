"""Demo consultations for `lianxin seed`: one in each stage, filled with realistic opinions, votes,
survey answers, proposals, feedback and a published decision — all through the services."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianxin.org.models import Role, RoleAssignment, Unit, UnitKind, User

from . import services
from .models import Comment, Consultation, PhaseType
from .services import ParagraphInput, PhaseInput, ProjectInput, QuestionInput

PARKING = {
    "title": "幸福里小区停车管理办法（征求意见稿）",
    "summary": (
        "小区车位约 600 个，登记车辆超过 900 辆，夜间乱停放、占用消防通道的情况时有发生。"
        "街道会同业委会拟定本办法，现公开征求居民意见。"
    ),
    "paragraphs": [
        (
            "车位分配",
            "小区地面车位优先保障本小区业主和租户使用，每户限登记一辆车；登记第二辆车的，视车位余量按登记先后排队。",
        ),
        ("外来车辆", "外来车辆临时停放每小时收费五元，每日最高三十元；访客凭业主预约可免费停放两小时。"),
        (
            "消防通道",
            "消防通道、单元门口和绿地内严禁停车，物业发现后先电话提醒，半小时内未挪走的联系交警拖移。",
        ),
        (
            "充电设施",
            "在北区停车场规划二十个新能源汽车充电车位，电动自行车统一在集中充电棚充电，禁止入户充电。",
        ),
    ],
    "questions": [
        ("single", True, "您家有几辆机动车？", ["没有", "一辆", "两辆及以上"]),
        (
            "multiple",
            False,
            "您最关心停车管理的哪些问题？（可多选）",
            ["收费标准", "车位分配", "消防安全", "充电设施", "外来车辆"],
        ),
        ("scale", True, "您对这份草案的总体评价（1 很不满意，5 很满意）", []),
        ("text", False, "您还有什么建议？", []),
    ],
}
PARKING_COMMENTS = [
    (2, "每小时五元偏高，老人子女来看望一次就要几十块，建议访客免费时间延长到四小时。"),
    (2, "外来车辆收费是应该的，不然周边单位的车都停进来了，晚上回家找不到车位。"),
    (1, "每户限登记一辆太死板了，家里两个人上班方向不同，希望第二辆车可以按月租车位。"),
    (3, "支持严管消防通道！上次 5 号楼着火消防车差点进不来。"),
    (3, "先电话提醒再拖车比较合理，但半小时太短，有时候在外地赶不回来。"),
    (4, "充电车位二十个太少了，现在小区新能源车已经有六七十辆。"),
    (None, "希望办法出台后公布车位台账，分配过程公开透明。"),
    (None, "建议和旁边的学校协商，晚上和周末共享学校停车场。"),
]
PARKING_STATEMENTS_A = [
    "小区车位应该优先给业主，外来车辆多收费是合理的",
    "占用消防通道的车应该直接拖走",
    "应该严格限制每户登记的车辆数",
]
PARKING_STATEMENTS_B = [
    "临时停车收费太高，会影响亲友来访",
    "每户限一辆车不合理，应该按实际需要分配",
    "拖车前应该给车主更多时间",
]
PARKING_STATEMENTS_ALL = [
    "停车收费的收支应该定期公开",
    "应该增加新能源汽车充电车位",
    "可以和周边单位错峰共享车位",
]
PARKING_PROPOSALS = [
    (
        "与学校错峰共享车位",
        "晚上七点到早上七点、周末和假期，和小区北侧的实验小学共享操场下的停车场，按月收取少量费用。",
    ),
    ("车位分配摇号公开直播", "第二辆车的车位分配用摇号方式，邀请业主代表监督并在业主群直播。"),
]

PARKING_BUDGET = [
    ("北区立体停车架", 350_000, "北区空地建两层停车架，新增车位 40 个。"),
    ("新能源充电桩", 180_000, "北区停车场新建 20 个充电车位。"),
    ("车辆道闸与识别系统", 120_000, "南北两个出入口更换车牌识别道闸。"),
    ("消防通道标线和警示牌", 40_000, "重新施划消防通道标线，设置警示牌。"),
]

ELEVATOR = {
    "title": "老旧小区加装电梯实施办法（征求意见稿）",
    "summary": (
        "为方便老年人上下楼，区住建部门拟对 2000 年以前建成、无电梯的多层住宅加装电梯给予补贴，现征求意见。"
    ),
    "paragraphs": [
        ("申请条件", "同一单元三分之二以上业主同意，且占建筑面积三分之二以上的业主同意，可以申请加装电梯。"),
        ("费用分摊", "加装费用由本单元业主按楼层分摊，一楼业主不承担费用；区财政按每台二十万元给予补贴。"),
        ("低层补偿", "因加装电梯影响采光、通风的低层业主，可以协商给予适当补偿。"),
    ],
}
ELEVATOR_COMMENTS = [
    (1, "三分之二的门槛太高了，很多单元就卡在一两户不同意上，建议降到四分之三面积加过半人数。"),
    (2, "一楼不出钱但是受影响最大，补偿标准应该写清楚，不能只说协商。"),
    (2, "二十万补贴很好，希望审批流程简化，多跑一次都嫌多。"),
    (3, "建议由街道牵头组织协商，业主自己谈很容易吵起来。"),
    (None, "能不能把维保费用的分摊也写进办法里？装好了以后谁来管是个大问题。"),
]

SORTING = {
    "title": "和平社区垃圾分类投放点调整方案",
    "summary": "根据居民反映，社区拟撤并部分垃圾投放点，设置定时定点投放，现公开方案并征求意见。",
    "paragraphs": [
        ("投放点位置", "将现有 12 个投放点调整为 6 个，集中设在各楼栋出入口附近，远离住户窗户十米以上。"),
        ("投放时间", "每天早上 7:00–9:00、晚上 18:00–21:00 定时投放，其他时间投放点关闭。"),
        ("督导员", "每个投放点在投放时段配备一名督导员，指导居民分类投放。"),
    ],
}
SORTING_COMMENTS = [
    (2, "晚上九点关闭太早了，上夜班的人没法投放，建议延长到十点。"),
    (1, "投放点离 3 号楼窗户太近了，夏天味道很大。"),
    (3, "督导员最好从本小区居民中招募，熟悉情况。"),
    (None, "希望设置大件垃圾和装修垃圾的临时堆放点。"),
]


def _organiser(kind: str) -> tuple[Unit, User] | None:
    assignment = (
        RoleAssignment.objects.filter(role=Role.HANDLER, unit__kind=kind, unit__active=True)
        .select_related("unit", "user")
        .order_by("unit__code", "user__username")
        .first()
    )
    if assignment is None:
        assignment = (
            RoleAssignment.objects.filter(role=Role.HANDLER, unit__isnull=False)
            .select_related("unit", "user")
            .order_by("unit__code")
            .first()
        )
    return (assignment.unit, assignment.user) if assignment and assignment.unit else None


def _phases(now: dt.datetime, current: str) -> list[PhaseInput]:
    """The five phases, with `current` running now (information 7 days, collecting 30, …)."""
    lengths = [
        (PhaseType.INFORMATION, 7),
        (PhaseType.COLLECTING, 30),
        (PhaseType.REVIEW, 14),
        (PhaseType.DECISION, 7),
        (PhaseType.FEEDBACK, 30),
    ]
    before = 0
    for t, days in lengths:
        if t == current:
            break
        before += days
    start = now - dt.timedelta(days=before + 3)
    out = []
    for t, days in lengths:
        out.append(PhaseInput(t, start, start + dt.timedelta(days=days)))
        start += dt.timedelta(days=days)
    return out


def _draft(unit: Unit, organiser: User, spec: dict[str, Any], now: dt.datetime, slug: str) -> Consultation:
    c = services.consultation_create(
        actor=organiser,
        unit=unit,
        title=spec["title"],
        summary=spec["summary"],
        area=unit.area if unit.area.level != "district" else None,
        slug=slug,
        proposal_threshold=5,
    )
    services.paragraphs_set(
        actor=organiser,
        consultation=c,
        paragraphs=[ParagraphInput(text, heading) for heading, text in spec["paragraphs"]],
    )
    services.questions_set(
        actor=organiser,
        consultation=c,
        questions=[
            QuestionInput(text, kind, required, options)
            for kind, required, text, options in spec.get("questions", [])
        ],
    )
    services.phases_set(actor=organiser, consultation=c, phases=_phases(now, PhaseType.COLLECTING))
    return c


def _comments(
    c: Consultation, residents: list[User], items: list[tuple[int | None, str]], rng: random.Random
) -> list[Comment]:
    made = []
    for (number, text), author in zip(items, rng.sample(residents, len(items)), strict=True):
        made.append(services.comment_add(actor=author, consultation=c, text=text, paragraph_number=number))
    for comment in made[:3]:
        services.comment_add(
            actor=rng.choice(residents),
            consultation=c,
            parent_id=comment.pk,
            text=rng.choice(["同意楼上的意见。", "说得对，我们楼也是这个情况。", "补充一点：希望尽快落实。"]),
        )
    for number in range(1, c.paragraphs.count() + 1):
        for resident in rng.sample(residents, min(len(residents), 25)):
            services.paragraph_rate(
                actor=resident,
                consultation=c,
                paragraph_number=number,
                value=1 if rng.random() < 0.65 else -1,
            )
    return made


def _statements(c: Consultation, organiser: User, residents: list[User], rng: random.Random) -> None:
    groups = {"a": PARKING_STATEMENTS_A, "b": PARKING_STATEMENTS_B, "all": PARKING_STATEMENTS_ALL}
    made: dict[str, list[int]] = {}
    for key, texts in groups.items():
        for text in texts:
            s = services.statement_add(actor=rng.choice(residents), consultation=c, text=text)
            services.content_moderate(
                actor=organiser, consultation=c, kind="statement", object_id=s.pk, visibility="visible"
            )
            made.setdefault(key, []).append(s.pk)
    with transaction.atomic():  # one analysis after all the votes
        for i, resident in enumerate(residents):
            camp = "a" if i % 5 < 3 else "b"
            for key, ids in made.items():
                for sid in ids:
                    if rng.random() < 0.15:
                        continue
                    agree = 0.85 if key in (camp, "all") else 0.15
                    value = 1 if rng.random() < agree else (-1 if rng.random() < 0.8 else 0)
                    services.statement_vote(actor=resident, consultation=c, statement_id=sid, value=value)


def _surveys(c: Consultation, residents: list[User], rng: random.Random) -> None:
    tips = ["希望尽快出台。", "收费标准再降一点。", "车位台账要公开。", ""]
    for resident in residents[:30]:
        choices = sorted(rng.sample(range(5), rng.randint(1, 3)))
        services.survey_answer(
            actor=resident,
            consultation=c,
            answers={
                1: rng.choices([0, 1, 2], [2, 6, 2])[0],
                2: choices,
                3: rng.choices([1, 2, 3, 4, 5], [1, 2, 3, 4, 2])[0],
                4: rng.choice(tips),
            },
        )


def seed_consultations(*, seed: int = 0, now: dt.datetime | None = None) -> list[Consultation]:
    """Create the demo consultations; skipped (empty list) when there is no handler or resident yet."""
    now = now or timezone.now()
    rng = random.Random(f"consultations:{seed}")
    street = _organiser(UnitKind.STREET_OFFICE)
    department = _organiser(UnitKind.DEPARTMENT)
    residents = list(User.objects.filter(roles__isnull=True, is_superuser=False).order_by("pk")[:60])
    if street is None or department is None or len(residents) < 30:
        return []
    unit, organiser = street
    parking = _draft(unit, organiser, PARKING, now, "xingfuli-parking")
    services.budget_set(
        actor=organiser,
        consultation=parking,
        total=600_000,
        projects=[ProjectInput(title, cost, text) for title, cost, text in PARKING_BUDGET],
    )
    parking = services.consultation_publish(actor=organiser, consultation=parking)
    _comments(parking, residents, PARKING_COMMENTS, rng)
    _statements(parking, organiser, residents, rng)
    _surveys(parking, residents, rng)
    for title, text in PARKING_PROPOSALS:
        p = services.proposal_add(actor=rng.choice(residents), consultation=parking, title=title, text=text)
        for supporter in rng.sample([r for r in residents if r.pk != p.participant.user_id], 6):
            services.proposal_support(actor=supporter, consultation=parking, proposal_id=p.pk)

    for resident in residents[:40]:
        picks = rng.choice([[1, 3], [2, 3, 4], [1, 4], [2, 4], [3, 4]])
        services.budget_vote(actor=resident, consultation=parking, project_numbers=picks)

    d_unit, d_organiser = department
    elevator = _draft(d_unit, d_organiser, ELEVATOR, now, "elevator-retrofit")
    elevator = services.consultation_publish(actor=d_organiser, consultation=elevator)
    opinions = _comments(elevator, residents, ELEVATOR_COMMENTS, rng)
    services.phases_set(actor=d_organiser, consultation=elevator, phases=_phases(now, PhaseType.REVIEW))
    services.feedback_give(
        actor=d_organiser,
        consultation=elevator,
        kind="comment",
        object_id=opinions[2].pk,
        decision="adopted",
        reason="将推行“一窗受理、并联审批”，材料齐全后 20 个工作日内办结。",
    )

    sorting = _draft(unit, organiser, SORTING, now, "heping-waste-sorting")
    sorting = services.consultation_publish(actor=organiser, consultation=sorting)
    opinions = _comments(sorting, residents, SORTING_COMMENTS, rng)
    sorting = services.consultation_close(actor=organiser, consultation=sorting)
    answers = [
        ("partly", "晚间投放时间延长至 21:30，并在 3 个点位设置 24 小时误时投放箱。"),
        ("adopted", "3 号楼旁的投放点已移至东侧围墙边，距离窗户 15 米。"),
        ("adopted", "督导员优先从本社区居民中招募。"),
        ("out_of_scope", "大件和装修垃圾由街道另行设置临时堆放点，已转街道城管科办理。"),
    ]
    for comment, (decision, reason) in zip(opinions, answers, strict=True):
        services.feedback_give(
            actor=organiser,
            consultation=sorting,
            kind="comment",
            object_id=comment.pk,
            decision=decision,
            reason=reason,
        )
    services.decision_publish(
        actor=organiser,
        consultation=sorting,
        summary="采纳居民意见，调整投放时间和点位后实施。",
        final_texts={
            2: (
                "每天早上 7:00–9:00、晚上 18:00–21:30 定时投放，并设置误时投放箱。",
                "上夜班的居民反映晚上九点关闭太早。",
            )
        },
    )
    draft = services.consultation_create(
        actor=d_organiser,
        unit=d_unit,
        title="全区公共充电设施布局规划（草稿）",
        summary="尚在起草中。",
        slug="charging-plan-draft",
    )
    return [parking, elevator, sorting, draft]
