"""The residents' portal: withdrawing (撤回) an appeal from the tracking page."""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, appeal_submit
from lianxin.appeals.models import Appeal, AppealEvent, EventType, Status
from lianxin.notifications.models import Notification
from tests.appeals import helpers

pytestmark = pytest.mark.django_db

REASON = "路灯已经修好了，不用再办。"


def _url(appeal: Appeal, action: str = "withdraw/") -> str:
    return f"/track/{appeal.tracking_number}/{action}"


def _form_action(appeal: Appeal) -> str:
    return f'action="/track/{appeal.tracking_number}/withdraw/"'


def _proven_client(appeal: Appeal, **kwargs) -> Client:
    c = Client(**kwargs)
    r = c.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "1234"})
    assert r.status_code == 302
    return c


def _post(**overrides) -> dict[str, str]:
    return {"withdraw-reason": REASON, "withdraw-confirm": "on", **overrides}


def _withdrawn_events(appeal: Appeal):
    return AppealEvent.objects.filter(appeal=appeal, type=EventType.WITHDRAWN)


def test_proved_browser_withdraws_a_submitted_appeal(district, settings):
    appeal = helpers.submit(district, settings=settings)
    assert appeal.status == Status.SUBMITTED
    c = _proven_client(appeal)
    html = c.get(_url(appeal, "")).content.decode()
    assert _form_action(appeal) in html
    assert "撤回诉求" in html
    assert "将不再办理" in html
    assert "请提交新的诉求" in html
    assert 'name="withdraw-confirm"' in html
    assert 'for="id_withdraw-confirm"' in html

    r = c.post(_url(appeal), _post())
    assert r.status_code == 302
    assert r["Location"] == _url(appeal, "")
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    assert appeal.closed_at is not None
    event = _withdrawn_events(appeal).get()
    assert event.note == REASON
    assert event.public
    assert event.from_status == Status.SUBMITTED
    assert event.actor is None
    assert event.actor_label == "群众"

    page = c.get(r["Location"])
    html = page.content.decode()
    assert 'id="appeal-status">已撤回<' in html
    assert "诉求已撤回，将不再办理" in html  # the success message
    assert "<strong>撤回</strong>" in html
    assert REASON in html
    assert _form_action(appeal) not in html
    assert "预计答复时间" not in html


def test_reason_is_optional(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = _proven_client(appeal)
    assert c.post(_url(appeal), _post(**{"withdraw-reason": ""})).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    assert _withdrawn_events(appeal).get().note == ""


def test_withdrawing_a_dispatched_appeal_notifies_the_unit(district, django_capture_on_commit_callbacks):
    appeal = helpers.dispatched(district)
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district.unit_city
    c = _proven_client(appeal)
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(_url(appeal), _post()).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    note = Notification.objects.get(user=district.handler_city, kind="withdrawn")
    assert appeal.tracking_number in note.title
    assert not Notification.objects.filter(user=district.handler_env, kind="withdrawn").exists()


def test_without_the_confirmation_box_nothing_changes_and_the_reason_is_kept(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = _proven_client(appeal)
    r = c.post(_url(appeal), {"withdraw-reason": REASON})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="id_withdraw-confirm_error"' in html
    assert "请勾选“我确认撤回”" in html
    assert 'aria-describedby="id_withdraw-confirm_error"' in html  # the error is tied to the box
    assert REASON in html  # the typed reason is kept in the form
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED
    assert not _withdrawn_events(appeal).exists()


def test_a_reason_over_the_limit_is_refused_beside_the_field(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = _proven_client(appeal)
    r = c.post(_url(appeal), _post(**{"withdraw-reason": "长" * 1001}))
    assert r.status_code == 400
    assert 'id="id_withdraw-reason_error"' in r.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


def test_not_proved_is_refused_and_nothing_changes(client, district, settings):
    appeal = helpers.submit(district, settings=settings)
    r = client.post(_url(appeal), _post())
    assert r.status_code == 404
    assert "请先输入受理编号" in r.content.decode()
    # the tracking page itself sends an unproved browser to the lookup
    page = client.get(_url(appeal, ""))
    assert page.status_code == 302
    assert page.url.startswith("/track/?n=")
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED
    assert not _withdrawn_events(appeal).exists()


def test_a_wrong_secret_proves_nothing(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = Client()
    assert c.post("/track/", {"tracking_number": appeal.tracking_number, "secret": "0000"}).status_code == 404
    assert c.post(_url(appeal), _post()).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


def test_proving_one_appeal_does_not_open_another(district, settings):
    mine = helpers.submit(district, settings=settings)
    other = helpers.submit(district, settings=settings, contact_phone="13900009999")
    c = _proven_client(mine)
    assert c.post(_url(other), _post()).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


@pytest.mark.parametrize("make", [helpers.closed, helpers.replied])
def test_no_form_when_not_allowed_and_a_forged_post_is_refused(district, make):
    appeal = make(district)
    c = _proven_client(appeal)
    html = c.get(_url(appeal, "")).content.decode()
    assert _form_action(appeal) not in html
    assert "撤回诉求" not in html
    before = appeal.status
    r = c.post(_url(appeal), _post())
    assert r.status_code == 409
    html = r.content.decode()
    assert "不能撤回" in html
    assert 'role="alert"' in html
    assert REASON in html
    assert 'id="kept-text"' in html
    assert _form_action(appeal) not in html
    appeal.refresh_from_db()
    assert appeal.status == before
    assert not _withdrawn_events(appeal).exists()


def test_already_withdrawn_is_refused_even_without_the_box(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = _proven_client(appeal)
    assert c.post(_url(appeal), _post()).status_code == 302
    again = c.post(_url(appeal), {"withdraw-reason": "再撤一次"})
    assert again.status_code == 409
    html = again.content.decode()
    assert "已撤回" in html
    assert "不能撤回" in html
    assert "再撤一次" in html
    assert "请勾选" not in html  # the status, not the box, is what the resident needs to know
    assert _withdrawn_events(appeal).count() == 1


def test_withdraw_is_post_only(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = _proven_client(appeal)
    assert c.get(_url(appeal)).status_code == 405
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


def test_csrf_is_enforced(district, settings):
    appeal = helpers.submit(district, settings=settings)
    c = Client(enforce_csrf_checks=True)
    c.get("/track/")
    token = c.cookies["csrftoken"].value
    r = c.post(
        "/track/", {"tracking_number": appeal.tracking_number, "secret": "1234", "csrfmiddlewaretoken": token}
    )
    assert r.status_code == 302
    # proved, but a POST without the token (another site's form) is refused
    assert c.post(_url(appeal), _post()).status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED
    assert not _withdrawn_events(appeal).exists()
    # the page's own form carries the token and works
    html = c.get(_url(appeal, "")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert c.post(_url(appeal), _post(csrfmiddlewaretoken=c.cookies["csrftoken"].value)).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN


def _owned_by(district, user) -> Appeal:
    data = AppealInput(
        text="小区门口的垃圾三天没人清运，气味很大。",
        kind="complaint",
        channel="web",
        category_code="CJ-LD",
        area_code="G1",
        contact_phone="13900001111",
        contact_consent=True,
    )
    return appeal_submit(data=data, actor=Actor.resident(user), resident=user).appeal


def test_logged_in_owner_withdraws_without_lookup(client_for, district, settings, no_auto_dispatch):
    appeal = _owned_by(district, district.resident)
    c = client_for(district.resident)
    assert _form_action(appeal) in c.get(_url(appeal, "")).content.decode()
    assert c.post(_url(appeal), _post()).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    assert _withdrawn_events(appeal).get().actor == district.resident


def test_another_resident_cannot_withdraw(client_for, district, no_auto_dispatch):
    appeal = _owned_by(district, district.resident)
    c = client_for(district.other_resident)
    assert c.post(_url(appeal), _post()).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["operator", "dispatcher", "handler_city", "admin"])
def test_staff_who_do_not_own_it_cannot_withdraw_here(client_for, district, who):
    appeal = helpers.dispatched(district)
    c = client_for(getattr(district, who))
    r = c.post(_url(appeal), _post())
    assert r.status_code == 404  # staff withdraw on a caller's behalf from the workbench, not here
    page = c.get(_url(appeal, ""))
    assert page.status_code == 302  # nor is the tracking page theirs to open
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    assert not _withdrawn_events(appeal).exists()
