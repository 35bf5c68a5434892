"""The mediation JSON API: per-role access, masking, bounded input, the PDF, the figures."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from lianxin.appeals.models import Status as AppealStatus
from lianxin.mediation.models import MediationCase, Status

from ..api.conftest import Api
from ..factories import AppealFactory
from .factories import mediator

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db) -> Api:
    return Api()


def _body(district, **over):
    body = {
        "title": "楼上漏水纠纷",
        "description": "楼上卫生间漏水到楼下，双方对维修费用有争议。",
        "dispute_type": "neighbour",
        "area": district.community_a.code,
        "parties": [
            {
                "role": "applicant",
                "name": "李建国",
                "phone": "13811112222",
                "id_number": "110101199001011234",
            },
            {"role": "respondent", "name": "王秀英", "phone": "13933334444"},
        ],
    }
    body.update(over)
    return body


def test_resident_asks_staff_run_the_case_and_the_pdf_masks_for_others(api, district):
    the_mediator = mediator(district.community_a)
    r = api.post("/mediation/cases", _body(district), user=district.resident)
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["status"] == "requested"
    assert case["parties"][1]["name"] == "王**"
    assert case["allowed_actions"] == ["withdraw"]
    cid = case["id"]
    assert api.post(f"/mediation/cases/{cid}/accept", user=district.handler_city).status_code == 404
    assert api.post(f"/mediation/cases/{cid}/accept", user=district.resident).status_code == 403
    assert api.post(f"/mediation/cases/{cid}/accept", user=district.dispatcher).status_code == 200
    r = api.post(f"/mediation/cases/{cid}/assign", {"mediator": the_mediator.pk}, user=district.dispatcher)
    assert r.status_code == 200
    assert r.json()["parties"][0]["name"] == "李**"
    r = api.get(f"/mediation/cases/{cid}", user=the_mediator)
    assert r.json()["parties"][0]["id_number"] == "110101199001011234"
    respondent = r.json()["parties"][1]["id"]
    assert (
        api.post(f"/mediation/cases/{cid}/consent", {"party": respondent}, user=the_mediator).status_code
        == 200
    )
    r = api.post(
        f"/mediation/cases/{cid}/sessions",
        {"held_at": timezone.now().isoformat(), "attendees": "双方", "notes": "达成一致"},
        user=the_mediator,
    )
    assert r.status_code == 200
    assert r.json()["status"] == "in_mediation"
    assert api.get(f"/mediation/cases/{cid}/agreement.pdf", user=the_mediator).status_code == 409
    r = api.post(
        f"/mediation/cases/{cid}/agreement", {"text": "王秀英承担维修费用的六成。"}, user=the_mediator
    )
    assert r.json()["status"] == "agreed"
    full = api.get(f"/mediation/cases/{cid}/agreement.pdf", user=the_mediator)
    assert full.status_code == 200
    assert full["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(full.content)).pages)
    assert "人民调解协议书" in text
    assert "李建国" in text
    assert "王秀英承担维修费用" in text
    masked = api.get(f"/mediation/cases/{cid}/agreement.pdf", user=district.dispatcher)
    masked_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(masked.content)).pages)
    assert "李建国" not in masked_text
    assert "李**" in masked_text
    events = api.get(f"/mediation/cases/{cid}/events", user=district.resident).json()
    assert [e["type"] for e in events][:3] == ["requested", "accepted", "assigned"]


def test_bad_input_is_a_clear_400_and_bounded(api, district):
    r = api.post("/mediation/cases", _body(district, area="NOPE"), user=district.resident)
    assert r.status_code == 400
    assert r.json()["field"] == "area"
    r = api.post("/mediation/cases", _body(district, title="x" * 101), user=district.resident)
    assert r.status_code == 400
    r = api.post(
        "/mediation/cases",
        _body(district, parties=[{"role": "applicant", "name": "李"}]),
        user=district.resident,
    )
    assert r.status_code == 400
    r = api.post("/mediation/cases", _body(district, dispute_type="war"), user=district.resident)
    assert r.status_code == 400
    assert api.post("/mediation/cases", _body(district)).status_code in (401, 404)
    assert not MediationCase.objects.exists()


def test_from_appeal_and_figures(api, district):
    appeal = AppealFactory(
        area=district.community_a,
        unit=district.unit_city,
        status=AppealStatus.ACCEPTED,
        resident=district.resident,
    )
    body = {"dispute_type": "property", "respondents": [{"role": "respondent", "name": "物业公司"}]}
    assert (
        api.post(
            f"/mediation/from-appeal/{appeal.tracking_number}", body, user=district.handler_env
        ).status_code
        == 404
    )
    r = api.post(f"/mediation/from-appeal/{appeal.tracking_number}", body, user=district.handler_city)
    assert r.status_code == 201
    assert r.json()["appeal"] == appeal.tracking_number
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REPLIED
    figures = api.get("/mediation/figures", user=district.supervisor).json()
    assert figures["total"] == 1
    assert figures["by_type"] == {"property": 1}
    assert api.get("/mediation/figures", user=district.handler_city).status_code == 403
    listing = api.get("/mediation/cases", user=district.dispatcher, queue="to_accept").json()
    assert listing["count"] == 1
    assert listing["results"][0]["status"] == Status.REQUESTED
    assert api.get("/mediation/cases", user=district.dispatcher, queue="nope").status_code == 400
