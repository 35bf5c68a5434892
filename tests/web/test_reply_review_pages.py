"""The review step on the workbench and what residents see: the queue, the case page's pending
reply and its approve/reject forms, merge proposals, a merged appeal's tracking page."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AttachmentInput
from lianxin.appeals.models import ReplyReview, ReplyReviewRule, ReviewerKind, ReviewStatus, Status
from tests.appeals.helpers import accepted, submit

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def held(district):
    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)
    appeal = accepted(district)
    services.appeal_reply(
        appeal=appeal,
        actor=Actor.staff(district.handler_city),
        text="路灯已于今日修复。",
        attachments=[AttachmentInput("after.png", PNG)],
    )
    return appeal


def test_handler_reply_from_the_case_page_goes_to_review(district):
    ReplyReviewRule.objects.create(unit=district.unit_city, reviewer=ReviewerKind.CENTRE)
    appeal = accepted(district)
    response = _client(district.handler_city).post(
        f"/staff/appeals/{appeal.pk}/act/reply/",
        {"reply-text": "已修复。", "reply-result": "resolved"},
        follow=True,
    )
    assert response.status_code == 200
    assert "提交审核" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.ACCEPTED
    assert ReplyReview.objects.get().status == ReviewStatus.PENDING


def test_reviewer_sees_the_queue_and_the_pending_reply_and_approves(district, held):
    client = _client(district.dispatcher)
    page = client.get("/staff/queue/reply_review/").content.decode()
    assert held.tracking_number in page
    case = client.get(f"/staff/appeals/{held.pk}/").content.decode()
    assert 'id="pending-review"' in case
    assert "路灯已于今日修复。" in case
    assert 'id="action-approve_reply"' in case
    response = client.post(f"/staff/appeals/{held.pk}/act/approve_reply/", {"approve_reply-note": ""})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Status.REPLIED


def test_reject_without_a_reason_is_a_400_beside_the_field(district, held):
    response = _client(district.supervisor).post(
        f"/staff/appeals/{held.pk}/act/reject_reply/", {"reject_reply-reason": ""}
    )
    assert response.status_code == 400
    assert "退回理由" in response.content.decode()
    held.refresh_from_db()
    assert held.status == Status.ACCEPTED


def test_handler_may_not_approve_their_units_reply(district, held):
    response = _client(district.handler_city).post(f"/staff/appeals/{held.pk}/act/approve_reply/", {})
    assert response.status_code == 403
    assert ReplyReview.objects.get().status == ReviewStatus.PENDING


def _track(client: Client, appeal) -> str:
    client.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "1234"})
    return client.get(f"/track/{appeal.tracking_number}/").content.decode()


def test_resident_never_sees_an_unapproved_reply(district, held):
    client = Client()
    page = _track(client, held)
    assert "路灯已于今日修复。" not in page
    assert "after.png" not in page
    services.appeal_approve_reply(appeal=held, actor=Actor.staff(district.dispatcher))
    page = client.get(f"/track/{held.tracking_number}/").content.decode()
    assert "路灯已于今日修复。" in page
    assert "after.png" in page
    attachment = held.attachments.get(source="reply")
    response = client.get(f"/track/{held.tracking_number}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_merged_tracking_number_shows_the_survivor_and_rates(district):
    survivor = accepted(district)
    duplicate = submit(district)
    services.appeal_merge(appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor.pk)
    services.appeal_reply(appeal=survivor, actor=Actor.staff(district.handler_city), text="已统一修复。")
    client = Client()
    page = _track(client, duplicate)
    assert 'id="survivor-note"' in page
    assert survivor.tracking_number in page
    assert "已统一修复。" in page
    response = client.post(
        f"/track/{duplicate.tracking_number}/rate/", {"satisfaction": "basic", "solved": "yes"}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED
    assert duplicate.satisfaction == "basic"


def test_merge_proposals_on_the_case_page_merge_in_one_click(district):
    first = submit(district)
    second = submit(district)
    second.suggestion = {
        "duplicates": [{"tracking_number": first.tracking_number, "score": 0.9, "same_phone": True}]
    }
    second.save()
    client = _client(district.dispatcher)
    page = client.get(f"/staff/appeals/{second.pk}/").content.decode()
    assert 'id="merge-proposals"' in page
    assert first.tracking_number in page
    assert (
        'id="merge-proposals"'
        not in _client(district.handler_city).get(f"/staff/appeals/{first.pk}/").content.decode()
    )
    response = client.post(
        f"/staff/appeals/{second.pk}/act/merge/", {"merge-into": first.tracking_number, "merge-note": ""}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED
    assert second.merged_into_id == first.pk
