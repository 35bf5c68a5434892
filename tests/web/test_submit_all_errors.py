"""The resident's appeal form reports every problem at once; the receipt summarises what was sent;
the public timeline shows the resident's own rating as theirs."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lianxin.appeals.intake import AppealInput, validate_all
from lianxin.appeals.models import Appeal
from tests.appeals import helpers
from tests.web.test_public import good_post

pytestmark = pytest.mark.django_db


def _error_ids(html: str) -> list[str]:
    return re.findall(r'id="(id_[a-z_]+)_error"', html)


def test_empty_submit_reports_text_phone_and_consent_in_one_round_trip(client, district):
    response = client.post("/appeal/new/", {"kind": "complaint"})
    assert response.status_code == 400
    html = response.content.decode()
    assert _error_ids(html) == ["id_text", "id_contact_phone", "id_contact_consent"]
    assert "请填写诉求内容" in html
    assert "请填写联系电话" in html
    assert "请勾选同意" in html
    # the summary above is announced and links to each field; each control names its error
    summary = html.split('id="form-errors"')[1].split("</div>")[0]
    assert 'role="alert"' in html.split('id="form-errors"')[0][-80:]
    assert 'href="#id_text"' in summary
    assert 'href="#id_contact_phone"' in summary
    assert 'href="#id_contact_consent"' in summary
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*id_text_error"[^>]*aria-invalid="true"', html)
    assert Appeal.objects.count() == 0


def test_a_form_level_error_and_the_services_errors_come_together(client, district):
    # too long for the form, and no phone/consent for the service: all three reported
    html = client.post(
        "/appeal/new/", good_post(text="长" * 4001, contact_phone="", contact_consent="")
    ).content.decode()
    assert _error_ids(html) == ["id_text", "id_contact_phone", "id_contact_consent"]
    assert "请填写诉求内容" not in html  # the text's own message (too long) is kept, not replaced


def test_a_bad_phone_and_an_empty_text_both_shown_and_text_of_others_kept(client, district):
    html = client.post("/appeal/new/", good_post(text="", contact_phone="1390012")).content.decode()
    assert _error_ids(html) == ["id_text", "id_contact_phone"]
    assert 'value="李四"' in html  # what was typed stays


def test_a_good_submit_is_unchanged(client, district, no_auto_dispatch):
    response = client.post("/appeal/new/", good_post(), follow=True)
    assert response.status_code == 200
    assert Appeal.objects.count() == 1


def test_validate_all_lists_every_problem_in_field_order_and_nothing_for_good_input(district):
    problems = validate_all(AppealInput(text="", kind="nonsense", area_code="NOPE", contact_phone="12"))
    assert [p.field for p in problems] == ["text", "kind", "area", "contact_phone", "contact_consent"]
    good = AppealInput(text="路灯坏了", contact_phone="13812345678", contact_consent=True)
    assert validate_all(good) == []
    assert validate_all(AppealInput(text="", anonymous=True))
    assert [p.field for p in validate_all(AppealInput(text="", anonymous=True))] == ["text"]


def test_the_intro_promise_matches_the_form(client, district):
    """'Every field not marked optional is needed': the fields the service does not require say 可选."""
    html = client.get("/appeal/new/").content.decode()
    assert "除注明“可选”的以外都需填写" in html
    assert "在哪里（可选）" in html  # street, community, grid and address are optional
    assert "姓名（可选）" in html
    assert "照片或文件（可选）" in html
    # and nothing marked required-by-promise is accepted empty: an empty submit names each of them
    empty = client.post("/appeal/new/", {"kind": "complaint"}).content.decode()
    for field in ("text", "contact_phone", "contact_consent"):
        assert f'id="id_{field}_error"' in empty
    for field in ("street", "address", "contact_name", "attachments"):
        assert f'id="id_{field}_error"' not in empty


def test_receipt_summarises_what_was_sent_with_a_copy_button(client, district, no_auto_dispatch):
    html = client.post("/appeal/new/", good_post(), follow=True).content.decode()
    appeal = Appeal.objects.get()
    summary = html.split('id="sent-summary"')[1].split("</dl>")[0]
    assert "幸福小区3栋门口的路灯坏了一个多月" in summary
    assert "投诉" in summary
    assert "幸福小区3栋" in summary
    assert "李四" in summary
    assert "13812345678" not in html
    assert "5678" in summary
    assert f'<p class="big" id="tracking-number">{appeal.tracking_number}</p>' in html
    button = re.search(r'<button[^>]*data-copy="tracking-number"[^>]*>', html)
    assert button
    assert " hidden" in button.group(0)
    assert "<script>" not in html
    assert "style=" not in html


def test_receipt_of_an_anonymous_appeal_says_anonymous(client, district):
    html = client.post(
        "/appeal/new/", good_post(anonymous="on", contact_phone="", contact_consent=""), follow=True
    ).content.decode()
    summary = html.split('id="sent-summary"')[1].split("</dl>")[0]
    assert "匿名提交" in summary
    assert "李四" not in summary


def test_public_timeline_shows_the_rating_as_the_residents(district):
    appeal = helpers.replied(district)
    c = Client()
    assert c.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "1234"}).status_code == 302
    c.post(f"/track/{appeal.tracking_number}/rate/", {"satisfaction": "satisfied", "solved": "yes"})
    html = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    assert "您的评价：满意 · 已解决" in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get(f"/track/{appeal.tracking_number}/").content.decode()
    assert "Your rating:" in html
