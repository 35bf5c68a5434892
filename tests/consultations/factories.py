"""Consultations in a chosen status and phase, built through the services (as the organiser would)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lianxin.consultations import services
from lianxin.consultations.models import Consultation, PhaseType, Status
from lianxin.consultations.services import ParagraphInput, PhaseInput, QuestionInput
from lianxin.org.models import Unit, User

PHASE_ORDER: list[str] = [
    PhaseType.INFORMATION,
    PhaseType.COLLECTING,
    PhaseType.REVIEW,
    PhaseType.DECISION,
    PhaseType.FEEDBACK,
]


def consultation(
    *,
    organiser: User,
    unit: Unit,
    current: str | None = PhaseType.COLLECTING,
    status: str = Status.PUBLISHED,
    audience: str = "anyone",
    area=None,
    threshold: int = 2,
    title: str = "幸福社区停车管理办法（征求意见稿）",
) -> Consultation:
    """A consultation with three paragraphs, a survey and the five phases, `current` running now
    (None: every phase is in the future)."""
    c = services.consultation_create(
        actor=organiser,
        unit=unit,
        title=title,
        summary="小区停车难，拟定管理办法。",
        audience=audience,
        area=area,
        proposal_threshold=threshold,
    )
    services.paragraphs_set(
        actor=organiser,
        consultation=c,
        paragraphs=[
            ParagraphInput("小区内车位优先保障本小区业主使用。", "第一条"),
            ParagraphInput("外来车辆临时停放每小时收费五元。", "第二条"),
            ParagraphInput("消防通道严禁停车，违者拖移。", "第三条"),
        ],
    )
    services.questions_set(
        actor=organiser,
        consultation=c,
        questions=[
            QuestionInput("您家有几辆车？", "single", True, ["没有", "一辆", "两辆及以上"]),
            QuestionInput("您关心哪些问题？", "multiple", False, ["收费", "车位", "安全"]),
            QuestionInput("您对草案的总体评价", "scale", True),
            QuestionInput("其他建议", "text", False),
        ],
    )
    now = timezone.now()
    index = PHASE_ORDER.index(current) if current else len(PHASE_ORDER) + 1
    start = now - dt.timedelta(days=10 * index + 5)
    if current is None:
        start = now + dt.timedelta(days=1)
    services.phases_set(
        actor=organiser,
        consultation=c,
        phases=[
            PhaseInput(t, start + dt.timedelta(days=10 * i), start + dt.timedelta(days=10 * (i + 1)))
            for i, t in enumerate(PHASE_ORDER)
        ],
    )
    if status != Status.DRAFT:
        services.consultation_publish(actor=organiser, consultation=c)
    if status in (Status.CLOSED, Status.ARCHIVED):
        services.consultation_close(actor=organiser, consultation=c)
    if status == Status.ARCHIVED:
        services.consultation_archive(actor=organiser, consultation=c)
    c.refresh_from_db()
    return c
