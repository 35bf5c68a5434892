"""The consultations JSON API: reads, participation, moderation, feedback, decision; bad input → clear 4xx."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lianxin.consultations import services
from lianxin.consultations.models import Comment, Consultation, PhaseType, Status, SurveyResponse
from tests.api.conftest import Api
from tests.typing_helpers import TestResponse

from .factories import consultation


@pytest.fixture
def api(db) -> Api:
    return Api()


@pytest.fixture
def c(people):
    return consultation(organiser=people.organiser, unit=people.d.unit_city)


def session(user) -> Client:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=False)
    client.force_login(user)
    return client


def post(client: Client, path: str, body) -> TestResponse:
    return client.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def test_list_and_detail_public(api, c, people):
    draft = consultation(
        organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT, title="草稿"
    )
    r = api.get("/consultations")
    assert r.status_code == 200
    slugs = [x["slug"] for x in r.json()["results"]]
    assert c.slug in slugs
    assert draft.slug not in slugs
    assert api.get(f"/consultations/{draft.slug}").status_code == 404
    assert api.get(f"/consultations/{draft.slug}", user=people.organiser).status_code == 200
    body = api.get(f"/consultations/{c.slug}").json()
    assert [p["number"] for p in body["paragraphs"]] == [1, 2, 3]
    assert body["current_phase"] == "collecting"
    assert body["allowed_actions"] == ["view"]
    assert api.get("/consultations/BAD SLUG").status_code in (400, 404)


def test_resident_takes_part_through_the_session(c, people):
    client = session(people.resident)
    r = post(client, f"/consultations/{c.slug}/comments", {"text": "收费偏高", "paragraph": 2})
    assert r.status_code == 201, r.content
    assert post(client, f"/consultations/{c.slug}/paragraphs/2/rating", {"value": -1}).status_code == 200
    r = post(
        client,
        f"/consultations/{c.slug}/survey",
        {
            "answers": [
                {"question": 1, "choices": [1]},
                {"question": 2, "choices": [0, 2]},
                {"question": 3, "scale": 2},
                {"question": 4, "text": "多建车位"},
            ]
        },
    )
    assert r.status_code == 201, r.content
    r = post(
        client,
        f"/consultations/{c.slug}/survey",
        {"answers": [{"question": 1, "choices": [0]}, {"question": 3, "scale": 1}]},
    )
    assert r.status_code == 409
    assert "一次" in r.json()["message"]
    assert SurveyResponse.objects.count() == 1
    threads = client.get(f"/api/v1/consultations/{c.slug}/comments").json()
    assert threads[0]["author"].startswith("参与者")
    assert people.resident.username not in json.dumps(threads, ensure_ascii=False)
    detail = client.get(f"/api/v1/consultations/{c.slug}").json()
    assert detail["paragraphs"][1]["oppose"] == 1
    assert "comment" in detail["allowed_actions"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "长" * 2001}, "text"),
        ({"text": "x", "paragraph": 0}, "paragraph"),
        ({"text": "x", "extra": 1}, "extra"),
        ({"text": "x", "paragraph": 9}, "paragraph"),
    ],
)
def test_bad_comment_input_is_a_clear_4xx(c, people, body, field):
    r = post(session(people.resident), f"/consultations/{c.slug}/comments", body)
    assert 400 <= r.status_code < 500
    data = r.json()
    assert data["error"]
    assert data["message"]
    assert field in data.get("field", "")
    assert not Comment.objects.exists()


def test_anonymous_and_wrong_phase_refused(api, people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    r = api.post(f"/consultations/{c.slug}/comments", {"text": "x"})
    assert r.status_code == 403
    assert "登录" in r.json()["message"]
    review = consultation(organiser=people.organiser, unit=people.d.unit_city, current=PhaseType.REVIEW)
    r = post(session(people.resident), f"/consultations/{review.slug}/comments", {"text": "x"})
    assert r.status_code == 409
    assert "阶段" in r.json()["message"]


def test_statements_votes_and_moderation(api, c, people):
    client = session(people.resident)
    r = post(client, f"/consultations/{c.slug}/statements", {"text": "应该建立体车库"})
    assert r.status_code == 201
    assert r.json()["visibility"] == "pending"
    sid = r.json()["id"]
    assert client.get(f"/api/v1/consultations/{c.slug}/statements/next").json() is None
    r = api.post(
        f"/consultations/{c.slug}/moderation",
        {"kind": "statement", "object_id": sid, "visibility": "visible"},
        user=people.other_staff,
    )
    assert r.status_code == 403
    r = api.post(
        f"/consultations/{c.slug}/moderation",
        {"kind": "statement", "object_id": sid, "visibility": "visible"},
        user=people.organiser,
    )
    assert r.status_code == 200
    other = session(people.other_resident)
    assert other.get(f"/api/v1/consultations/{c.slug}/statements/next").json()["id"] == sid
    assert post(other, f"/consultations/{c.slug}/statements/{sid}/vote", {"value": 2}).status_code == 400
    assert post(other, f"/consultations/{c.slug}/statements/{sid}/vote", {"value": 1}).status_code == 200
    assert other.get(f"/api/v1/consultations/{c.slug}/statements/next").json() is None
    results = api.get(f"/consultations/{c.slug}/results").json()
    assert results["statements"][0]["agree"] == 1


def test_proposals_support_and_report(c, people):
    client = session(people.resident)
    pid = post(
        client, f"/consultations/{c.slug}/proposals", {"title": "共享车位", "text": "夜间共享"}
    ).json()["id"]
    other = session(people.other_resident)
    r = post(other, f"/consultations/{c.slug}/proposals/{pid}/support", {})
    assert r.status_code == 200
    assert r.json()["support_count"] == 1
    assert post(other, f"/consultations/{c.slug}/proposals/{pid}/support", {}).status_code == 409
    r = post(
        other, f"/consultations/{c.slug}/reports", {"kind": "proposal", "object_id": pid, "reason": "广告"}
    )
    assert r.status_code == 201
    listing = other.get(f"/api/v1/consultations/{c.slug}/proposals").json()
    assert listing[0]["author"].startswith("参与者")


def test_feedback_and_decision(api, people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    comment = services.comment_add(actor=people.resident, consultation=c, text="收费太高", paragraph_number=2)
    services.consultation_close(actor=people.organiser, consultation=c)
    body = {"kind": "comment", "object_id": comment.pk, "decision": "not_adopted"}
    r = api.post(f"/consultations/{c.slug}/feedback", body, user=people.organiser)
    assert r.status_code == 400
    assert r.json()["field"] == "reason"
    assert (
        api.post(
            f"/consultations/{c.slug}/feedback", {**body, "reason": "x"}, user=people.resident
        ).status_code
        == 403
    )
    r = api.post(f"/consultations/{c.slug}/feedback", {**body, "decision": "adopted"}, user=people.organiser)
    assert r.status_code == 200
    assert r.json()["label"] == "已采纳"
    r = api.post(
        f"/consultations/{c.slug}/decision",
        {
            "summary": "调整收费",
            "paragraphs": [
                {"number": 2, "text": "外来车辆临时停放每小时收费三元。", "reason": "采纳居民意见"}
            ],
        },
        user=people.organiser,
    )
    assert r.status_code == 200, r.content
    decision = api.get(f"/consultations/{c.slug}/decision").json()
    assert decision["published"]
    assert decision["paragraphs"][1]["changed"]
    assert decision["feedback"]["adopted"] == 1
    threads = api.get(f"/consultations/{c.slug}/comments").json()
    assert threads[0]["feedback"]["decision"] == "adopted"


def test_create_and_publish_through_the_api(api, people):
    body = {
        "title": "垃圾分类投放点调整",
        "unit": "U-CG",
        "paragraphs": [{"text": "投放点设在北门。"}],
        "phases": [
            {"type": "collecting", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2036-01-01T00:00:00Z"}
        ],
        "questions": [
            {"text": "您是否同意？", "kind": "single", "options": ["同意", "不同意"], "required": True}
        ],
    }
    assert api.post("/consultations", body, user=people.other_staff).status_code == 403
    assert (
        api.post("/consultations", {**body, "unit": "NOPE"}, user=people.organiser).json()["field"] == "unit"
    )
    r = api.post("/consultations", body, user=people.organiser)
    assert r.status_code == 201, r.content
    slug = r.json()["slug"]
    assert api.post(f"/consultations/{slug}/publish", user=people.resident).status_code == 404
    assert api.post(f"/consultations/{slug}/publish", user=people.organiser).json()["status"] == "published"
    assert api.post(f"/consultations/{slug}/archive", user=people.organiser).status_code == 409
    assert Consultation.objects.get(slug=slug).status == Status.PUBLISHED


def test_in_the_openapi_document(api):
    doc = api.get("/openapi.json").json()
    paths = [p for p in doc["paths"] if p.startswith("/api/v1/consultations")]
    assert "/api/v1/consultations/{slug}/comments" in paths
    assert len(paths) >= 12


# --- attachments, summary, origin, forums and hearings, from a proactive proposal ---------------


def test_attachments_summary_origin_read(api, c, people):
    from lianxin.core.uploads import AttachmentInput

    row = services.attachments_add(
        actor=people.organiser, consultation=c, files=[AttachmentInput("a.pdf", b"%PDF-1 x")]
    )[0]
    r = api.get(f"/consultations/{c.slug}/attachments")
    assert r.status_code == 200
    assert r.json() == [
        {
            "id": row.pk,
            "name": "a.pdf",
            "content_type": "application/pdf",
            "size": 8,
            "url": f"/consultations/{c.slug}/attachments/{row.pk}/",
        }
    ]
    assert api.get(f"/consultations/{c.slug}/summary").json() == []
    services.summaries_draft(actor=people.organiser, consultation=c)
    services.summaries_publish(actor=people.organiser, consultation=c)
    summary = api.get(f"/consultations/{c.slug}/summary").json()
    assert [s["number"] for s in summary] == [1, 2, 3, None]
    assert summary[0]["text"] == "暂未收到意见。"
    assert api.get(f"/consultations/{c.slug}/origin").json() is None
    assert api.get("/consultations/no-such-one/attachments").status_code == 404


def test_hearing_registration_through_the_api(c, people):
    import datetime as dt

    from django.utils import timezone

    forum = services.hearing_create(
        actor=people.organiser,
        consultation=c,
        kind="forum",
        title="座谈会",
        starts_at=timezone.now() + dt.timedelta(days=2),
        place="活动室",
        capacity=1,
    )
    path = f"/consultations/{c.slug}/hearings/{forum.pk}/registration"
    assert Client().post(f"/api/v1{path}", content_type="application/json").status_code == 403  # anonymous
    first, second = session(people.resident), session(people.other_resident)
    assert post(first, path, {}).json()["status"] == "registered"
    assert post(second, path, {}).json()["status"] == "waiting"
    listed = second.get(f"/api/v1/consultations/{c.slug}/hearings").json()
    assert listed[0]["registered"] == 2
    assert listed[0]["my_status"] == "waiting"
    assert post(first, path + ":cancel", {}).status_code == 200
    assert second.get(f"/api/v1/consultations/{c.slug}/hearings").json()[0]["my_status"] == "registered"
    assert post(first, f"/consultations/{c.slug}/hearings/999999/registration", {}).status_code == 404


def test_from_task_through_the_api(c, people):
    from django.utils import timezone

    from lianxin.proactive.models import ProactiveTask, TaskKind

    task = ProactiveTask.objects.create(
        kind=TaskKind.RECURRING,
        key="k:1",
        title="垃圾清运不及时",
        area=people.d.community_a,
        proposed_at=timezone.now(),
    )
    # a proposed task is seen only by those who decide: the unit's handler gets the 404 of a missing one
    assert post(session(people.organiser), f"/consultations:from-task/{task.pk}", {}).status_code == 404
    assert post(session(people.resident), f"/consultations:from-task/{task.pk}", {}).status_code == 403
    r = post(session(people.admin), f"/consultations:from-task/{task.pk}", {})
    assert r.status_code == 201
    assert r.json()["status"] == "draft"
    assert Consultation.objects.get(slug=r.json()["slug"]).origin.task == task
