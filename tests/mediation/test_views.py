"""The mediation pages: each role's access, a resident asking and following, a mediator's work."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.appeals.models import Status as AppealStatus
from lianxin.mediation.models import MediationCase, Status

from ..factories import AppealFactory
from .factories import CaseFactory, mediator, with_parties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_login_lockout_logging(settings):
    """`force_login` has no client address; on PostgreSQL django-axes cannot store "unknown" in its
    inet column (the same happens to tests/web on PostgreSQL). Login lockouts are not under test here."""
    settings.AXES_ENABLED = False


def _client(user=None) -> Client:
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")
    if user is not None:
        client.force_login(user)
    return client


def _request_form(district, **over):
    data = {
        "title": "楼上漏水纠纷",
        "dispute_type": "neighbour",
        "area": district.community_a.code,
        "place": "3栋",
        "description": "楼上卫生间漏水到楼下。",
        "applicant_name": "李建国",
        "applicant_phone": "13811112222",
        "respondent_name": "王秀英",
        "respondent_phone": "13933334444",
        "consent": "on",
    }
    data.update(over)
    return data


def test_resident_asks_and_follows(district):
    assert _client().get("/mediation/new/").status_code == 302  # to the login page
    client = _client(district.resident)
    assert "申请调解" in client.get("/mediation/").content.decode()
    r = client.post("/mediation/new/", _request_form(district, respondent_phone="12"))
    assert r.status_code == 400
    assert "手机号应为 11 位，现在是 2 位" in r.content.decode()
    r = client.post("/mediation/new/", _request_form(district))
    case = MediationCase.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/mediation/mine/{case.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert case.number in page
    assert "王**" in page
    assert "13933334444" not in page
    assert _client(district.other_resident).get(f"/mediation/mine/{case.pk}/").status_code == 404
    assert client.get("/mediation/staff/").status_code == 403
    r = client.post(f"/mediation/mine/{case.pk}/withdraw/", {"reason": ""})
    case.refresh_from_db()
    assert r.status_code == 302
    assert case.status == Status.WITHDRAWN


def test_staff_take_in_assign_and_the_mediator_records_a_session(district):
    the_mediator = mediator(district.community_a)
    case = with_parties(CaseFactory(area=district.community_a, requested_by=district.resident))
    dispatcher = _client(district.dispatcher)
    assert case.number in dispatcher.get("/mediation/staff/").content.decode()
    page = dispatcher.get(f"/mediation/staff/{case.pk}/").content.decode()
    assert "李**" in page
    assert "13811112222" not in page
    assert 'id="act-accept"' in page
    assert dispatcher.post(f"/mediation/staff/{case.pk}/act/accept/", {"accept-note": ""}).status_code == 302
    r = dispatcher.post(f"/mediation/staff/{case.pk}/act/assign/", {"assign-mediator": the_mediator.pk})
    assert r.status_code == 302
    assert _client(district.handler_city).get(f"/mediation/staff/{case.pk}/").status_code == 403
    m = _client(the_mediator)
    page = m.get(f"/mediation/staff/{case.pk}/").content.decode()
    assert "李建国" in page
    assert "110101199001011234" in page
    assert 'id="act-record_session"' in page
    r = m.post(
        f"/mediation/staff/{case.pk}/act/record_session/",
        {"record_session-held_at": "", "record_session-attendees": "双方", "record_session-notes": "调解"},
    )
    assert r.status_code == 400
    r = m.post(
        f"/mediation/staff/{case.pk}/act/record_session/",
        {
            "record_session-held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "record_session-attendees": "李建国、王秀英",
            "record_session-notes": "双方初步同意分摊费用。",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION
    assert case.sessions.count() == 1
    assert dispatcher.post(f"/mediation/staff/{case.pk}/act/record_session/", {}).status_code in (400, 403)
    assert case.sessions.count() == 1


def test_handler_turns_appeal_into_case_and_figures_page(district):
    appeal = AppealFactory(
        area=district.community_a,
        unit=district.unit_city,
        status=AppealStatus.ACCEPTED,
        resident=district.resident,
    )
    handler = _client(district.handler_city)
    assert handler.get(f"/mediation/from-appeal/{appeal.tracking_number}/").status_code == 200
    r = handler.post(
        f"/mediation/from-appeal/{appeal.tracking_number}/",
        {"dispute_type": "neighbour", "respondent_name": "赵六"},
    )
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REPLIED
    assert MediationCase.objects.get().appeal == appeal
    assert (
        _client(district.handler_env).get(f"/mediation/from-appeal/{appeal.tracking_number}/").status_code
        == 404
    )
    page = _client(district.supervisor).get("/mediation/staff/figures/").content.decode()
    assert "调解成功率" in page
    assert _client(district.operator).get("/mediation/staff/figures/").status_code == 403


def test_pages_in_english(district):
    client = _client(district.resident)
    client.cookies["django_language"] = "en"
    page = client.get("/mediation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dispute mediation" in page
    assert "Ask for mediation" in page
    learning = _client(district.handler_city)
    learning.cookies["django_language"] = "en"
    assert "Hours earned" in learning.get("/learning/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_queue_page_queries_do_not_grow_with_rows(district, django_assert_max_num_queries):
    the_mediator = mediator(district.community_a)
    for _i in range(25):
        with_parties(CaseFactory(area=district.community_a, status=Status.ASSIGNED, mediator=the_mediator))
    client = _client(district.dispatcher)
    client.get("/mediation/staff/?queue=all")  # warm the session and the scope
    with django_assert_max_num_queries(12):
        r = client.get("/mediation/staff/?queue=all")
    assert r.status_code == 200
    assert r.content.decode().count("/mediation/staff/") >= 25


def test_staff_hand_a_request_to_the_appeals_intake_and_the_appeal_page_links_to_mediation(district):
    from lianxin.appeals.models import Appeal

    case = with_parties(CaseFactory(area=district.community_a, requested_by=district.resident))
    dispatcher = _client(district.dispatcher)
    assert 'id="act-to-appeal"' in dispatcher.get(f"/mediation/staff/{case.pk}/").content.decode()
    r = dispatcher.post(f"/mediation/staff/{case.pk}/to-appeal/", {"to_appeal-reason": "属于职能部门的事项"})
    assert r.status_code == 302
    case.refresh_from_db()
    appeal = Appeal.objects.get()
    assert case.status == Status.DECLINED
    assert appeal.tracking_number in case.outcome_note
    accepted = AppealFactory(area=district.community_a, unit=district.unit_city, status=AppealStatus.ACCEPTED)
    page = _client(district.handler_city).get(f"/staff/appeals/{accepted.pk}/").content.decode()
    assert f"/mediation/from-appeal/{accepted.tracking_number}/" in page
