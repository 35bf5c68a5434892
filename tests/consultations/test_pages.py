"""Pages: residents' and staff pages answer 200 to the right roles, 403/404 to the wrong ones,
and public pages never show who a participant is."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.consultations import services
from lianxin.consultations.models import Comment, PhaseType, Status, Visibility

from .factories import consultation


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def c(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    services.comment_add(actor=people.resident, consultation=c, text="收费太高了", paragraph_number=2)
    services.proposal_add(actor=people.resident, consultation=c, title="共享车位", text="夜间共享")
    s = services.statement_add(actor=people.resident, consultation=c, text="应该建立体车库")
    services.content_moderate(
        actor=people.organiser, consultation=c, kind="statement", object_id=s.pk, visibility="visible"
    )
    return c


@pytest.mark.parametrize("page", ["", "survey/", "statements/", "results/", "decision/"])
def test_public_pages_are_anonymous(client, c, people, page):
    r = client.get(f"/consultations/{c.slug}/{page}")
    assert r.status_code == 200
    html = r.content.decode()
    for secret in (people.resident.username, people.resident.display_name, people.resident.phone):
        assert secret not in html


def test_list_and_home_link(client, c):
    assert c.title in client.get("/consultations/").content.decode()
    assert "/consultations/" in client.get("/").content.decode()


def test_draft_is_404_for_residents_and_preview_for_the_organiser(client, people):
    draft = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    assert client.get(f"/consultations/{draft.slug}/").status_code == 404
    assert login(people.resident).get(f"/consultations/{draft.slug}/").status_code == 404
    r = login(people.organiser).get(f"/consultations/{draft.slug}/")
    assert r.status_code == 200
    assert "预览" in r.content.decode()


def test_resident_comments_on_a_paragraph_and_votes(c, people):
    client = login(people.other_resident)
    r = client.post(f"/consultations/{c.slug}/comment/", {"paragraph": "1", "text": "同意优先业主"})
    assert r.status_code == 302
    assert r["Location"].endswith("#p1")
    assert Comment.objects.filter(paragraph__number=1, text="同意优先业主").exists()
    r = client.post(f"/consultations/{c.slug}/comment/", {"paragraph": "1", "text": ""}, follow=True)
    assert "请填写意见内容" in r.content.decode()
    assert client.post(f"/consultations/{c.slug}/paragraphs/2/rate/", {"value": "1"}).status_code == 302
    page = client.get(f"/consultations/{c.slug}/statements/").content.decode()
    assert "应该建立体车库" in page
    statement = c.statements.get()
    client.post(f"/consultations/{c.slug}/statements/", {"statement": statement.pk, "value": "1"})
    assert "您已对全部观点表态" in client.get(f"/consultations/{c.slug}/statements/").content.decode()


def test_survey_page(c, people):
    client = login(people.other_resident)
    r = client.post(f"/consultations/{c.slug}/survey/", {"q1": "0"})
    assert r.status_code == 400
    assert "必答" in r.content.decode()
    r = client.post(f"/consultations/{c.slug}/survey/", {"q1": "0", "q2": ["0", "1"], "q3": "5", "q4": "好"})
    assert r.status_code == 302
    assert "平均分" in client.get(f"/consultations/{c.slug}/results/").content.decode()


def test_anonymous_post_goes_to_login(client, c):
    r = client.post(f"/consultations/{c.slug}/comment/", {"text": "x"})
    assert r.status_code == 302
    assert "/accounts/login/" in r["Location"]


def test_hidden_comment_shows_its_reason_to_the_author_only(c, people):
    comment = Comment.objects.get()
    services.content_moderate(
        actor=people.organiser,
        consultation=c,
        kind="comment",
        object_id=comment.pk,
        visibility=Visibility.HIDDEN,
        reason="涉及他人隐私",
    )
    assert "涉及他人隐私" in login(people.resident).get(f"/consultations/{c.slug}/").content.decode()
    other = login(people.other_resident).get(f"/consultations/{c.slug}/").content.decode()
    assert "涉及他人隐私" not in other
    assert "收费太高了" not in other


@pytest.mark.parametrize("path", ["staff/", "staff/new/", "staff/moderation/"])
def test_staff_pages_refuse_residents(c, people, path):
    assert login(people.resident).get(f"/consultations/{path}").status_code == 403
    assert login(people.organiser).get(f"/consultations/{path}").status_code == 200


def test_staff_edit_is_the_organisers(c, people):
    assert login(people.organiser).get(f"/consultations/staff/{c.slug}/").status_code == 200
    assert login(people.other_staff).get(f"/consultations/staff/{c.slug}/").status_code == 403
    assert login(people.resident).get(f"/consultations/staff/{c.slug}/feedback/").status_code == 403


def test_staff_create_edit_publish(people):
    client = login(people.organiser)
    r = client.post(
        "/consultations/staff/new/", {"title": "社区花园改造", "unit": "U-CG", "audience": "anyone"}
    )
    assert r.status_code == 302
    slug = r["Location"].rstrip("/").split("/")[-1]
    r = client.post(
        f"/consultations/staff/{slug}/",
        {
            "title": "社区花园改造",
            "summary": "征求改造方案意见",
            "audience": "anyone",
            "paragraphs": "# 第一条\n保留现有大树。\n\n增设儿童游乐区。",
            "collecting_start": "2026-01-01",
            "collecting_end": "2036-01-01",
            "questions": "single | * | 您支持改造吗？ | 支持; 不支持\nscale | - | 总体评价",
        },
    )
    assert r.status_code == 302
    from lianxin.consultations.models import Consultation

    c = Consultation.objects.get(slug=slug)
    assert [p.heading for p in c.paragraphs.all()] == ["第一条", ""]
    assert c.questions.count() == 2
    assert c.phases.get().type == PhaseType.COLLECTING
    client.post(f"/consultations/staff/{slug}/publish/")
    c.refresh_from_db()
    assert c.status == Status.PUBLISHED


def test_moderation_and_feedback_pages(c, people):
    client = login(people.organiser)
    page = client.get("/consultations/staff/moderation/").content.decode()
    assert "审核队列" in page
    services.consultation_close(actor=people.organiser, consultation=c)
    comment = Comment.objects.get()
    r = client.post(
        f"/consultations/staff/{c.slug}/feedback/",
        {"kind": "comment", "object_id": comment.pk, "decision": "not_adopted", "reason": ""},
        follow=True,
    )
    assert "须写明理由" in r.content.decode()
    client.post(
        f"/consultations/staff/{c.slug}/feedback/",
        {"kind": "comment", "object_id": comment.pk, "decision": "adopted", "reason": "已调整"},
    )
    client.post(
        f"/consultations/staff/{c.slug}/feedback/",
        {
            "form": "decision",
            "summary": "已采纳收费意见",
            "final_2": "外来车辆临时停放每小时收费三元。",
            "reason_2": "采纳居民意见",
        },
    )
    page = Client().get(f"/consultations/{c.slug}/decision/").content.decode()
    assert "已采纳收费意见" in page
    assert "<del>五</del>" in page
    assert "<ins>三</ins>" in page
    assert "已调整" in page


def test_english_interface(client, c):
    client.cookies["django_language"] = "en"
    html = client.get(f"/consultations/{c.slug}/").content.decode()
    assert "Draft paragraphs" in html
    assert "Opinions on the whole draft" in html
    assert "Take part in consultations" in client.get("/").content.decode()


def test_profile_page_verifies_the_phone(people, sms_outbox):
    from lianxin.consultations.models import ResidentProfile

    client = login(people.resident)
    assert client.get("/consultations/me/").status_code == 200
    client.post("/consultations/me/", {"step": "send", "phone": "13900001111"})
    code = sms_outbox.code("13900001111")
    client.post("/consultations/me/", {"step": "verify", "code": code})
    client.post("/consultations/me/", {"step": "area", "area": people.d.community_a.code})
    profile = ResidentProfile.objects.get(user=people.resident)
    assert profile.phone_verified_at is not None
    assert profile.home_area == people.d.community_a
    assert Client().get("/consultations/me/").status_code == 302  # login required


def test_detail_page_queries_do_not_grow_with_comments(c, people, django_assert_max_num_queries):
    client = login(people.other_resident)
    client.get(f"/consultations/{c.slug}/")
    for i in range(30):
        services.comment_add(actor=people.third, consultation=c, text=f"意见{i}", paragraph_number=1 + i % 3)
    with django_assert_max_num_queries(40):
        r = client.get(f"/consultations/{c.slug}/")
    assert r.content.decode().count('class="comment"') == 31


def test_english_budget_and_profile(people):
    client = login(people.resident)
    client.cookies["django_language"] = "en"
    assert "Verify your phone" in client.get("/consultations/me/").content.decode()
    assert "Consultations" in client.get("/consultations/").content.decode()
