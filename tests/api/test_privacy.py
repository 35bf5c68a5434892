"""Masking per role in API responses, and the audited reveal endpoint."""

from __future__ import annotations

import pytest

from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction

from .conftest import appeal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def tn(api, district, no_auto_dispatch) -> str:
    tracking = api.post("/appeals", appeal_body()).json()["tracking_number"]
    api.post(f"/appeals/{tracking}/dispatch", {"unit": "U-CG"}, user=district.dispatcher)
    return tracking


def _looks() -> int:
    return AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).count()


@pytest.mark.parametrize(
    "who", ["admin", "operator", "dispatcher", "handler_city", "supervisor", "grid_worker_a"]
)
def test_every_role_gets_masked_contact_by_default(api, district, tn, who):
    response = api.get(f"/appeals/{tn}", user=getattr(district, who))
    assert response.status_code == 200
    assert response.json()["contact"] == {
        "name": "张*",
        "phone": "138****1234",
        "masked": True,
        "anonymous": False,
    }
    assert "13812341234" not in response.content.decode()
    assert _looks() == 0


@pytest.mark.parametrize("who", ["operator", "dispatcher", "handler_city", "supervisor"])
def test_reveal_for_roles_that_need_it_is_audited(api, district, tn, who):
    user = getattr(district, who)
    response = api.post(f"/appeals/{tn}/contact", {"purpose": "回访"}, user=user)
    assert response.status_code == 200
    assert response.json() == {"name": "张三", "phone": "13812341234", "masked": False, "anonymous": False}
    entry = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_VIEW).last()
    assert entry is not None
    assert entry.actor == user
    assert entry.object_id == tn
    assert entry.data["purpose"] == "回访"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("grid_worker_a", 403),
        ("admin", 403),
        ("handler_env", 404),
        ("leader_b", 404),
        ("other_resident", 404),
    ],
)
def test_reveal_refused(api, district, tn, who, status):
    response = api.post(f"/appeals/{tn}/contact", {"purpose": "看看"}, user=getattr(district, who))
    assert response.status_code == status
    assert "13812341234" not in response.content.decode()
    assert _looks() == 0


def test_reveal_needs_a_purpose_and_a_token(api, district, tn):
    assert api.post(f"/appeals/{tn}/contact", {}, user=district.dispatcher).json()["field"] == "purpose"
    assert api.post(f"/appeals/{tn}/contact", {"purpose": "x"}).status_code == 401


def test_anonymous_appeal_never_shows_its_sender(api, district, no_auto_dispatch):
    body = appeal_body(
        anonymous=True, contact_name="李四", contact_phone="13900000000", contact_consent=False
    )
    tracking = api.post("/appeals", body).json()["tracking_number"]
    for user in (district.admin, district.dispatcher, district.supervisor):
        shown = api.get(f"/appeals/{tracking}", user=user)
        assert shown.json()["contact"]["anonymous"] is True
        assert "李四" not in shown.content.decode()
        assert "13900000000" not in shown.content.decode()
        listed = api.get("/appeals", user=user)
        assert "李四" not in listed.content.decode()
        assert "0000" not in str(listed.json()["results"][0]["contact"])
    refused = api.post(f"/appeals/{tracking}/contact", {"purpose": "回访"}, user=district.dispatcher)
    assert refused.status_code == 403
    assert refused.json()["error"] == "anonymous"
    assert _looks() == 0
