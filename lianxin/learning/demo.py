"""Demo data for the learning centre: three published courses (one required of handlers, one of
mediators, one with a case study from a real seeded appeal), and a few cadres part-way through."""

from __future__ import annotations

from lianxin.appeals.models import Appeal
from lianxin.org.models import Role, User

from . import services
from .models import Course

COURSES: list[tuple[str, str, list[str], list[tuple[str, str]], list[tuple[str, list[str], int]]]] = [
    (
        "XF-01",
        "群众工作方法与沟通技巧",
        [Role.HANDLER],
        [
            ("倾听与共情", "接待群众时先听完、再复述、后答复；不打断，不推诿。"),
            ("答复的写法", "答复要回应诉求本身：办了什么、结果如何、还有什么办法，避免套话。"),
        ],
        [
            ("答复群众时最重要的是？", ["引用文件", "回应诉求本身", "越短越好"], 1),
            ("群众情绪激动时应当？", ["先倾听安抚", "立即挂断", "转给他人"], 0),
        ],
    ),
    (
        "TJ-01",
        "人民调解实务",
        ["mediator"],
        [
            ("人民调解的原则", "自愿、平等、合法，尊重当事人的权利，不收费。"),
            ("调解协议与司法确认", "调解协议书经双方签名生效，可在三十日内共同申请司法确认。"),
        ],
        [("人民调解是否收费？", ["收费", "不收费"], 1), ("调解协议可以申请？", ["司法确认", "行政复议"], 0)],
    ),
    (
        "AL-01",
        "典型诉求案例分析",
        [],
        [("如何读案例", "关注问题、答复和群众评价之间的关系。")],
        [("案例学习的目的？", ["积累经验，改进办理", "追究责任"], 0)],
    ),
]


def seed_learning() -> int:
    """Create the demo courses and enrolments; returns the number of courses (0 when already seeded)."""
    if Course.objects.exists():
        return 0
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return 0
    for code, title, required, lessons, questions in COURSES:
        course = services.course_create(
            actor=admin, code=code, title=title, required_for=list(required), hours=2
        )
        for lesson_title, body in lessons:
            services.lesson_add(actor=admin, course=course, title=lesson_title, body=body)
        for text, choices, answer in questions:
            services.question_add(actor=admin, course=course, text=text, choices=choices, answer=answer)
        if code == "AL-01":
            appeal = Appeal.objects.exclude(reply_text="").filter(is_anonymous=False).order_by("pk").first()
            if appeal is not None:
                services.lesson_from_appeal(actor=admin, course=course, appeal=appeal)
        services.course_publish(actor=admin, course=course)
    cadres = list(User.objects.filter(roles__role=Role.HANDLER).distinct().order_by("username")[:6])
    cadres += list(User.objects.filter(mediator_posts__active=True).distinct().order_by("username")[:2])
    for i, cadre in enumerate(cadres):
        for enrolment in services.enrol_required(user=cadre):
            if i % 2 == 0:
                for lesson in enrolment.course.lessons.all():
                    services.lesson_complete(actor=cadre, enrolment=enrolment, lesson=lesson)
                answers = list(enrolment.course.questions.values_list("answer", flat=True))
                services.quiz_submit(actor=cadre, enrolment=enrolment, answers=answers)
    if cadres:
        services.enrolment_assign(
            actor=admin, user=cadres[-1], course="AL-01", reason="本季度群众满意度低于目标"
        )
    return len(COURSES)
