"""Learning pages and API: each role's access, a cadre studying and passing, a supervisor assigning."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.learning.models import Enrolment, EnrolmentStatus
from lianxin.org.models import Role

from ..api.conftest import Api
from .factories import course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_login_lockout_logging(settings):
    settings.AXES_ENABLED = False  # force_login has no address; axes cannot store it on PostgreSQL


def _client(user=None) -> Client:
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")
    if user is not None:
        client.force_login(user)
    return client


def test_cadre_studies_and_passes_on_the_pages(district):
    c = course(required_for=[Role.HANDLER])
    handler = _client(district.handler_city)
    page = handler.get("/learning/").content.decode()  # the required course appears
    assert c.title in page
    e = Enrolment.objects.get(user=district.handler_city)
    assert "学完全部课时后" in handler.get(f"/learning/enrolments/{e.pk}/").content.decode()
    for lesson in c.lessons.all():
        assert handler.post(f"/learning/enrolments/{e.pk}/lessons/{lesson.pk}/done/").status_code == 302
    questions = list(c.questions.all())
    r = handler.post(f"/learning/enrolments/{e.pk}/quiz/", {f"q{q.pk}": q.answer for q in questions})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.PASSED
    assert e.best_score == 100
    cert = _client().get(f"/learning/certificates/{e.certificate_code}/")
    assert cert.status_code == 200
    assert c.title in cert.content.decode()
    assert _client().get("/learning/certificates/NOPE/").status_code == 404
    other = _client(district.handler_env)
    assert other.get(f"/learning/enrolments/{e.pk}/").status_code == 404
    assert _client(district.resident).get("/learning/").status_code == 403


def test_supervisor_assigns_and_sees_records(district):
    c = course()
    sup = _client(district.supervisor)
    r = sup.post(
        "/learning/manage/", {"user": district.handler_city.pk, "course": c.code, "reason": "满意度低于目标"}
    )
    assert r.status_code == 302
    assert Enrolment.objects.filter(user=district.handler_city, assigned_by=district.supervisor).exists()
    assert district.handler_city.display_name in sup.get("/learning/manage/").content.decode()
    assert _client(district.handler_city).get("/learning/manage/").status_code == 403
    leader = _client(district.leader_b)
    assert leader.get("/learning/manage/").status_code == 200
    assert (
        leader.post(
            "/learning/manage/", {"user": district.handler_env.pk, "course": c.code, "reason": "x"}
        ).status_code
        == 403
    )


def test_api(district):
    api = Api()
    c = course()
    assert api.get("/learning/courses", user=district.resident).status_code == 403
    assert api.get("/learning/courses", user=district.handler_city).json()[0]["code"] == c.code
    body = {"user": district.handler_city.pk, "course": c.code, "reason": "办理超时较多"}
    assert api.post("/learning/assignments", body, user=district.handler_env).status_code == 403
    r = api.post("/learning/assignments", body, user=district.supervisor)
    assert r.status_code == 201
    eid = r.json()["id"]
    assert (
        api.post(
            f"/learning/enrolments/{eid}/quiz", {"answers": [1, 1, 0]}, user=district.handler_city
        ).status_code
        == 400
    )
    for lesson in c.lessons.all():
        api.post(f"/learning/enrolments/{eid}/lessons/{lesson.pk}/done", user=district.handler_city)
    assert (
        api.post(
            f"/learning/enrolments/{eid}/quiz", {"answers": [9, 1, 0]}, user=district.handler_city
        ).status_code
        == 400
    )
    r = api.post(f"/learning/enrolments/{eid}/quiz", {"answers": [1, 1, 0]}, user=district.handler_city)
    assert r.json() == {"score": 100, "passed": True, "pass_mark": 60}
    me = api.get("/learning/me", user=district.handler_city).json()
    assert me["hours"] == 2.0
    assert me["passed"] == 1
    assert (
        api.post(
            f"/learning/enrolments/{eid}/quiz", {"answers": [1, 1, 0]}, user=district.handler_env
        ).status_code
        == 404
    )


def test_supervisor_assigns_a_course_to_a_whole_unit(district):
    c = course()
    sup = _client(district.supervisor)
    r = sup.post(
        "/learning/manage/", {"unit": district.unit_city.pk, "course": c.code, "reason": "及时率低于目标"}
    )
    assert r.status_code == 302
    assert list(Enrolment.objects.values_list("user__username", flat=True)) == ["handler_city"]
    r = sup.post("/learning/manage/", {"course": c.code, "reason": "x"})
    assert r.status_code == 400
    assert "二选一" in r.content.decode()
