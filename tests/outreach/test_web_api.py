"""Pages and API per role: 404 for not-yours, masking, audited reveal, bad input → 4xx."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.audit.models import AuditEntry
from lianxin.outreach.models import CoverageRule, Visit

from .factories import assign


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_my_households_lists_due_first_with_groups(outreach):
    from .factories import household

    CoverageRule.objects.create(area=None, group="", interval_days=30)
    lonely = household(
        outreach.d.grid_a, room="301", groups=("elderly_alone",), registered_on=timezone.localdate()
    )
    assign(outreach.cadre, lonely)
    body = _client(outreach.cadre).get("/outreach/mine/").content.decode()
    assert "独居老人" in body
    assert body.index("3栋201室") < body.index("3栋301室")  # the overdue one first
    assert "已超期" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("cadre", 200),
        ("grid_a", 200),
        ("sq_a", 200),
        ("leader_a", 200),
        ("point_cadre", 200),
        ("admin", 200),
        ("cadre2", 404),
        ("grid_b", 404),
        ("leader_b", 404),
        ("operator", 404),
        ("resident", 404),
    ],
)
def test_household_page_per_role(outreach, username, status):
    from lianxin.org.models import User

    response = _client(User.objects.get(username=username)).get(
        f"/outreach/households/{outreach.house_a.pk}/"
    )
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "王**" in body
        assert "138****5678" in body
        assert "13812345678" not in body


@pytest.mark.django_db
def test_reveal_on_the_page_is_audited_and_refused_to_leaders(outreach):
    url = f"/outreach/households/{outreach.house_a.pk}/"
    body = _client(outreach.cadre).post(url, {"reveal": "1", "purpose": "visit"}).content.decode()
    assert "13812345678" in body
    assert "幸福路 88 号" in body
    assert AuditEntry.objects.filter(
        action="personal_data_view", object_type="household", actor_id=outreach.cadre.pk
    ).exists()
    leader_body = _client(outreach.leader_a).post(url, {"reveal": "1"}).content.decode()
    assert "13812345678" not in leader_body
    assert not AuditEntry.objects.filter(action="personal_data_view", actor_id=outreach.leader_a.pk).exists()
    assert (
        _client(outreach.d.resident).get("/outreach/mine/").status_code == 200
    )  # an empty list, nothing leaks


@pytest.mark.django_db
def test_visit_form_posts_once_per_draft_and_rejects_bad_dates(outreach):
    client = _client(outreach.cadre)
    url = f"/outreach/households/{outreach.house_a.pk}/visit/"
    page = client.get(url).content.decode()
    assert "visit-draft.js" in page
    assert "lianxin-visit-draft-" in page
    today = timezone.localdate().isoformat()
    data = {
        "visited_on": today,
        "said": "希望加装电梯",
        "concern_text": ["电梯", ""],
        "concern_category": ["CJ", ""],
        "concern_solved": [],
        "follow_text": ["问物业"],
        "follow_due": [""],
        "client_ref": "v-abc",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same draft resent: still one visit
    visit = Visit.objects.get()
    concern = visit.concerns.get()
    assert concern.category is not None
    assert concern.category.code == "CJ"
    assert visit.follow_ups.get().due_on == timezone.localdate() + dt.timedelta(days=7)
    assert client.post(url, {**data, "visited_on": "2026-13-01", "client_ref": "v2"}).status_code == 400
    assert _client(outreach.other_cadre).post(url, {**data, "client_ref": "v3"}).status_code == 404
    assert _client(outreach.leader_a).get(url).status_code == 404  # may see, may not log a visit


@pytest.mark.django_db
def test_concern_to_appeal_from_the_page(outreach):
    client = _client(outreach.cadre)
    client.post(
        f"/outreach/households/{outreach.house_a.pk}/visit/",
        {"visited_on": timezone.localdate().isoformat(), "concern_text": ["楼道灯不亮"], "client_ref": "v-1"},
    )
    concern = Visit.objects.get().concerns.get()
    assert (
        _client(outreach.other_cadre)
        .post(f"/outreach/concerns/{concern.pk}/appeal/", {"consent": "1"})
        .status_code
        == 404
    )
    response = client.post(f"/outreach/concerns/{concern.pk}/appeal/", {"consent": "1"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.appeal is not None
    body = client.get("/outreach/visits/").content.decode()
    assert concern.appeal.tracking_number in body
    assert client.post(f"/outreach/concerns/{concern.pk}/appeal/", {"consent": "1"}).status_code == 409


@pytest.mark.django_db
def test_coverage_import_points_and_follow_up_pages(outreach):
    assert _client(outreach.leader_a).get("/outreach/coverage/?level=street").status_code == 200
    assert _client(outreach.leader_a).get("/outreach/coverage/?area=S2").status_code == 404
    assert _client(outreach.leader_a).get("/outreach/coverage/?level=planet").status_code == 400
    assert _client(outreach.cadre).get("/outreach/coverage/").status_code == 404  # no area of their own
    assert _client(outreach.d.grid_worker_a).get("/outreach/import/").status_code == 200
    assert _client(outreach.leader_a).get("/outreach/import/").status_code == 404
    assert _client(outreach.d.grid_worker_a).post("/outreach/import/", {}).status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", "网格编码,楼栋,房号,姓名,电话\nG1,9,101,孙,123\n".encode())
    body = (
        _client(outreach.d.grid_worker_a)
        .post("/outreach/import/", {"file": upload, "dry_run": "1"})
        .content.decode()
    )
    assert "电话" in body
    assert "1 行被拒绝" in body
    points = _client(outreach.point_cadre).get("/outreach/points/").content.decode()
    assert "幸福社区" in points
    assert _client(outreach.cadre).post("/outreach/follow-ups/", {"id": "999"}).status_code == 404
    assert _client(outreach.cadre).post("/outreach/follow-ups/", {"id": "x"}).status_code == 400


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_households_per_role_and_masking(outreach):
    mine = _client(outreach.cadre).get("/api/v1/outreach/households").json()
    assert [h["id"] for h in mine] == [outreach.house_a.pk]
    assert _client(outreach.other_cadre).get("/api/v1/outreach/households").json() == []
    detail = _client(outreach.leader_a).get(f"/api/v1/outreach/households/{outreach.house_a.pk}").json()
    assert detail["members"][0]["phone"] == "138****5678"
    assert detail["members"][0]["masked"]
    assert (
        _client(outreach.grid_worker_b).get(f"/api/v1/outreach/households/{outreach.house_a.pk}").status_code
        == 404
    )
    assert (
        _client(outreach.leader_a)
        .post(f"/api/v1/outreach/households/{outreach.house_a.pk}/reveal")
        .status_code
        == 404
    )
    shown = _client(outreach.cadre).post(f"/api/v1/outreach/households/{outreach.house_a.pk}/reveal").json()
    assert shown["members"][0]["phone"] == "13812345678"
    assert Client().get("/api/v1/outreach/households").status_code == 401


@pytest.mark.django_db
def test_api_visits_create_list_and_bad_input(outreach):
    client = _client(outreach.cadre)
    body = {
        "household": outreach.house_a.pk,
        "visited_on": timezone.localdate().isoformat(),
        "said": "好",
        "concerns": [{"text": "路灯", "category": "CJ-LD"}],
        "client_ref": "api-1",
    }
    first = client.post("/api/v1/outreach/visits", body, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["concerns"][0]["category"] == "CJ-LD"
    assert client.post("/api/v1/outreach/visits", body, content_type="application/json").status_code == 200
    assert [v["id"] for v in client.get("/api/v1/outreach/visits").json()] == [first.json()["id"]]
    bad = [
        {**body, "visited_on": "yesterday"},
        {**body, "concerns": [{"text": ""}]},
        {**body, "said": "x" * 2001},
        {**body, "concerns": [{"text": "a"}] * 21},
        {**body, "client_ref": "n", "concerns": [{"text": "a", "category": "NOPE"}]},
    ]
    for payload in bad:
        response = client.post("/api/v1/outreach/visits", payload, content_type="application/json")
        assert response.status_code == 400, payload
    other = _client(outreach.other_cadre).post(
        "/api/v1/outreach/visits", {**body, "client_ref": "o"}, content_type="application/json"
    )
    assert other.status_code == 404
    assert (
        _client(outreach.other_cadre)
        .get(f"/api/v1/outreach/visits?household={outreach.house_a.pk}")
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_api_coverage(outreach):
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    data = _client(outreach.d.admin).get("/api/v1/outreach/coverage?level=street").json()
    assert data["total"]["total"] == 2
    assert {a["path"] for a in data["areas"]} == {"D1/S1", "D1/S2"}
    assert _client(outreach.leader_a).get("/api/v1/outreach/coverage?area=S2").status_code == 404
    assert _client(outreach.leader_a).get("/api/v1/outreach/coverage?level=x").status_code == 400
    assert _client(outreach.cadre).get("/api/v1/outreach/coverage").status_code == 404


@pytest.mark.django_db
def test_assign_and_end_from_the_household_page(outreach):
    from lianxin.outreach.models import ContactAssignment

    url = f"/outreach/households/{outreach.house_a.pk}/assign/"
    staff = _client(outreach.community_staff_a)
    assert staff.post(url, {"username": "cadre2"}).status_code == 302
    assert (
        ContactAssignment.objects.filter(household=outreach.house_a, ended_on__isnull=True).get().cadre
        == outreach.other_cadre
    )
    assert ContactAssignment.objects.filter(household=outreach.house_a).count() == 2  # history kept
    assert staff.post(url, {"username": "nobody"}).status_code == 400
    assert (
        _client(outreach.cadre).post(url, {"username": "cadre"}).status_code == 404
    )  # a cadre does not assign
    assert _client(outreach.leader_a).post(url, {"username": "cadre"}).status_code == 404
    open_one = ContactAssignment.objects.get(household=outreach.house_a, ended_on__isnull=True)
    assert staff.post(url, {"end": str(open_one.pk)}).status_code == 302
    assert not ContactAssignment.objects.filter(household=outreach.house_a, ended_on__isnull=True).exists()
    page = staff.get(f"/outreach/households/{outreach.house_a.pk}/").content.decode()
    assert str(outreach.other_cadre) in page
    assert "结束" in page


@pytest.mark.django_db
def test_pages_in_english(outreach):
    from django.conf import settings

    client = _client(outreach.cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/outreach/mine/").content.decode()
    assert "My households" in body
    assert "我的联系户" not in body


@pytest.mark.django_db
def test_coverage_page_shows_cadres_and_counts(outreach):
    CoverageRule.objects.create(area=None, group="", interval_days=30)
    body = _client(outreach.d.admin).get("/outreach/coverage/?level=street").content.decode()
    assert "东街道" in body
    assert "共 1 名联系干部" in body
    assert "实时统计" in body


@pytest.mark.django_db
def test_export_round_trips_through_the_import_and_is_audited(outreach):
    from lianxin.outreach.importer import households_import

    response = _client(outreach.d.grid_worker_a).post("/outreach/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "王秀英" in text
    assert "13812345678" in text
    assert "李建国" not in text
    entry = AuditEntry.objects.filter(object_type="household_export").get()
    assert entry.actor_id == outreach.d.grid_worker_a.pk
    assert entry.data["households"] == 1
    assert _client(outreach.leader_a).post("/outreach/export/").status_code == 404
    assert _client(outreach.cadre).post("/outreach/export/").status_code == 404
    assert _client(outreach.d.grid_worker_a).get("/outreach/export/").status_code == 405
    report = households_import(
        actor=outreach.d.grid_worker_a, name="back.csv", content=text.encode(), dry_run=True
    )
    assert report.rows == 1
    assert next(r.reason for r in report.refused).startswith("该网格已登记")
