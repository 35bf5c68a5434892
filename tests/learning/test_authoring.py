"""Course authoring pages and the certificate PDF: supervisors write and publish courses, every
refusal is a clear 4xx, a case study from an appeal carries no personal data."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.learning import services
from lianxin.learning.models import Course, EnrolmentStatus, LessonKind
from tests.appeals.helpers import submit

from .factories import course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_login_lockout_logging(settings):
    settings.AXES_ENABLED = False


def _client(user=None) -> Client:
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")
    if user is not None:
        client.force_login(user)
    return client


NEW = {
    "code": "C-NEW-01",
    "title": "接诉即办工作规范",
    "description": "",
    "hours": "1.5",
    "pass_mark": "80",
    "days_to_complete": "30",
    "required_for": ["handler"],
}


def test_supervisor_writes_and_publishes_a_course(district):
    sup = _client(district.supervisor)
    assert sup.get("/learning/manage/courses/").status_code == 200
    r = sup.post("/learning/manage/courses/", NEW)
    assert r.status_code == 302
    assert r["Location"].endswith("/learning/manage/courses/C-NEW-01/")
    made = Course.objects.get(code="C-NEW-01")
    assert not made.published
    assert made.required_for == ["handler"]
    assert str(made.hours) == "1.5"
    # publishing an empty course says what is missing
    r = sup.post("/learning/manage/courses/C-NEW-01/publish/")
    assert r.status_code == 400
    assert "至少添加一个课时和一道测验题" in r.content.decode()
    r = sup.post(
        "/learning/manage/courses/C-NEW-01/lesson/",
        {
            "lesson-title": "受理",
            "lesson-material_kind": "article",
            "lesson-body": "先听完，再复述。",
            "lesson-url": "",
            "lesson-minutes": "15",
        },
    )
    assert r.status_code == 302
    r = sup.post(
        "/learning/manage/courses/C-NEW-01/question/",
        {
            "question-text": "答复应当？",
            "question-choices": "引用文件\n回应诉求本身\n\n",
            "question-answer": "2",
        },
    )
    assert r.status_code == 302
    q = made.questions.get()
    assert q.choices == ["引用文件", "回应诉求本身"]
    assert q.answer == 1
    assert sup.post("/learning/manage/courses/C-NEW-01/publish/").status_code == 302
    made.refresh_from_db()
    assert made.published
    page = sup.get("/learning/manage/courses/C-NEW-01/").content.decode()
    assert "受理" in page
    assert "回应诉求本身" in page
    assert 'id="publish"' not in page


def test_every_mistake_is_named_beside_its_field(district):
    sup = _client(district.supervisor)
    course(code="C-TAKEN")
    r = sup.post("/learning/manage/courses/", {**NEW, "code": "C-TAKEN"})
    assert r.status_code == 400
    assert "C-TAKEN 已被使用" in r.content.decode()
    r = sup.post("/learning/manage/courses/", {**NEW, "code": "a/b c"})
    assert r.status_code == 400
    assert "课程编码只能由字母" in r.content.decode()
    assert not Course.objects.filter(code="a/b c").exists()
    r = sup.post("/learning/manage/courses/", {**NEW, "pass_mark": "150", "hours": "0"})
    assert r.status_code == 400
    assert r.content.decode().count('class="error"') >= 2
    r = sup.post(
        "/learning/manage/courses/C-TAKEN/question/",
        {"question-text": "x", "question-choices": "只有一个", "question-answer": "1"},
    )
    assert r.status_code == 400
    assert "2 到" in r.content.decode()
    r = sup.post(
        "/learning/manage/courses/C-TAKEN/question/",
        {"question-text": "x", "question-choices": "甲\n乙", "question-answer": "3"},
    )
    assert r.status_code == 400
    assert "只有 2 个选项" in r.content.decode()
    r = sup.post(
        "/learning/manage/courses/C-TAKEN/lesson/",
        {
            "lesson-title": "空",
            "lesson-material_kind": "article",
            "lesson-body": "",
            "lesson-url": "",
            "lesson-minutes": "5",
        },
    )
    assert r.status_code == 400
    assert "请填写课时正文" in r.content.decode()
    assert sup.get("/learning/manage/courses/NO-SUCH/").status_code == 404
    assert sup.post("/learning/manage/courses/C-TAKEN/nonsense/", {}).status_code == 404


def test_case_study_from_an_appeal_hides_the_resident(district):
    c = course(code="C-CASE", published=False)
    appeal = submit(district, text="我叫王小明，电话13900001111，小区路灯坏了好几天。", contact_name="王小明")
    appeal.reply_text = "已派人更换灯泡，王小明可来电13900001111确认。"
    appeal.save(update_fields=["reply_text"])
    sup = _client(district.supervisor)
    r = sup.post(
        "/learning/manage/courses/C-CASE/case/",
        {"case-tracking_number": appeal.tracking_number.lower(), "case-title": ""},
    )
    assert r.status_code == 302
    lesson = c.lessons.get(kind=LessonKind.CASE_STUDY)
    assert "王小明" not in lesson.body
    assert "13900001111" not in lesson.body
    assert appeal.tracking_number not in lesson.body
    r = sup.post(
        "/learning/manage/courses/C-CASE/case/", {"case-tracking_number": "LX-NOPE", "case-title": ""}
    )
    assert r.status_code == 400
    assert "没有找到编号为 LX-NOPE 的诉求" in r.content.decode()


@pytest.mark.parametrize("who", ["handler_city", "leader_b", "resident", "dispatcher", "operator"])
def test_only_supervisors_and_admins_author(district, who):
    c = course(code="C-LOCK", published=False)
    client = _client(getattr(district, who))
    assert client.get("/learning/manage/courses/").status_code == 403
    assert client.post("/learning/manage/courses/", NEW).status_code == 403
    assert client.get("/learning/manage/courses/C-LOCK/").status_code == 403
    assert client.post("/learning/manage/courses/C-LOCK/publish/").status_code == 403
    assert client.post("/learning/manage/courses/C-LOCK/lesson/", {"lesson-title": "x"}).status_code == 403
    c.refresh_from_db()
    assert not c.published
    assert not Course.objects.filter(code=NEW["code"]).exists()


def test_anonymous_is_sent_to_log_in(district):
    r = _client().get("/learning/manage/courses/")
    assert r.status_code == 302
    assert "login" in r["Location"]


def _passed(district):
    c = course(code="C-PDF")
    e = services.enrolment_assign(
        actor=district.supervisor, user=district.handler_city, course=c, reason="必修"
    )
    for lesson in c.lessons.all():
        services.lesson_complete(actor=district.handler_city, enrolment=e, lesson=lesson)
    services.quiz_submit(
        actor=district.handler_city, enrolment=e, answers=[q.answer for q in c.questions.all()]
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.PASSED
    return e


def test_certificate_pdf_for_the_holder_and_overseers_only(district):
    e = _passed(district)
    r = _client(district.handler_city).get(f"/learning/enrolments/{e.pk}/certificate.pdf")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r.content[:5] == b"%PDF-"
    assert e.certificate_code in r["Content-Disposition"]
    assert _client(district.supervisor).get(f"/learning/enrolments/{e.pk}/certificate.pdf").status_code == 200
    assert (
        _client(district.handler_env).get(f"/learning/enrolments/{e.pk}/certificate.pdf").status_code == 404
    )
    assert _client(district.resident).get(f"/learning/enrolments/{e.pk}/certificate.pdf").status_code == 404
    page = _client(district.handler_city).get(f"/learning/enrolments/{e.pk}/").content.decode()
    assert f"/learning/enrolments/{e.pk}/certificate.pdf" in page


def test_certificate_text_names_the_course_and_the_code(district):
    from lianxin.learning.certificate import certificate_html

    e = _passed(district)
    html = certificate_html(enrolment=e, verify_url="https://example.org/learning/certificates/")
    assert e.course.title in html
    assert e.certificate_code in html
    assert "合格" in html
    assert (district.handler_city.display_name or district.handler_city.username) in html


def test_no_certificate_before_passing(district):
    c = course(code="C-OPEN")
    e = services.enrolment_assign(
        actor=district.supervisor, user=district.handler_city, course=c, reason="必修"
    )
    r = _client(district.handler_city).get(f"/learning/enrolments/{e.pk}/certificate.pdf")
    assert r.status_code == 409
    assert "还没有通过" in r.content.decode()
