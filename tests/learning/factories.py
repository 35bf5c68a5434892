from __future__ import annotations

from lianxin.learning.models import Course, Lesson, Question


def course(
    code: str = "C-MED-01",
    *,
    lessons: int = 2,
    published: bool = True,
    required_for=None,
    pass_mark: int = 60,
) -> Course:
    made = Course.objects.create(
        code=code,
        title="人民调解实务",
        hours=2,
        pass_mark=pass_mark,
        required_for=required_for or [],
        published=published,
    )
    for i in range(lessons):
        Lesson.objects.create(course=made, order=i + 1, title=f"第{i + 1}课", body="正文")
    Question.objects.create(
        course=made, order=1, text="人民调解是否收费？", choices=["收费", "不收费"], answer=1
    )
    Question.objects.create(
        course=made, order=2, text="调解期限一般为？", choices=["15天", "30天", "60天"], answer=1
    )
    Question.objects.create(course=made, order=3, text="协议能否司法确认？", choices=["能", "不能"], answer=0)
    return made
