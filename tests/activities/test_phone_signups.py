"""Signing up with a verified phone, without an account: the same capacity and waiting list as for
accounts, SMS at each step with the sign-up's link, cancelling by that link, the organiser's list."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from lianxin.activities import phone_signups, services
from lianxin.activities.models import ActivityStatus, HoursEntry, Signup, SignupStatus
from lianxin.activities.selectors import roster
from lianxin.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from tests.factories import UserFactory

from .factories import make_activity

PHONE, OTHER = "13700003333", "13700004444"


def _verified(sms_outbox, activity, phone: str = PHONE) -> Client:
    c = Client()
    url = f"/activities/{activity.pk}/signup/phone/"
    assert c.post(url, {"step": "send_code", "phone": phone}).status_code == 302
    assert c.post(url, {"step": "verify_code", "code": sms_outbox.code(phone)}).status_code == 302
    return c


@pytest.mark.django_db
def test_sign_up_on_the_page_with_a_verified_phone(district, sms_outbox, django_capture_on_commit_callbacks):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    anon = Client()
    page = anon.get(f"/activities/{activity.pk}/").content.decode()
    assert "获取验证码" in page
    assert "登录后报名" in page
    r = anon.post(f"/activities/{activity.pk}/signup/phone/", {"step": "signup", "name": "王阿姨"})
    assert r.status_code == 403
    assert "请先验证手机号" in r.content.decode()
    c = _verified(sms_outbox, activity)
    assert "用已验证的手机号 137****3333 报名" in c.get(f"/activities/{activity.pk}/").content.decode()
    assert (
        c.post(f"/activities/{activity.pk}/signup/phone/", {"step": "signup", "name": ""}).status_code == 400
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            c.post(
                f"/activities/{activity.pk}/signup/phone/", {"step": "signup", "name": "王阿姨"}
            ).status_code
            == 302
        )
    signup = Signup.objects.get(activity=activity)
    assert signup.user is None
    assert signup.name == "王阿姨"
    assert signup.status == SignupStatus.CONFIRMED
    text = sms_outbox.to(PHONE)[-1]
    assert "报名成功" in text
    assert f"/activities/signups/{signup.token}/" in text
    page = c.get(f"/activities/{activity.pk}/").content.decode()
    assert "查看或取消报名" in page
    r = c.post(f"/activities/{activity.pk}/signup/phone/", {"step": "signup", "name": "王阿姨"})
    assert r.status_code == 409  # once per phone
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM activities_signup WHERE id = %s", [signup.pk])
        assert PHONE not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_phone_and_accounts_share_the_places_and_the_waiting_list(
    district, sms_outbox, django_capture_on_commit_callbacks
):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    account = services.signup_create(actor=UserFactory(), activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = phone_signups.signup_create_by_phone(activity=activity, phone=PHONE, name="王阿姨")
    assert waiting.status == SignupStatus.WAITLISTED
    assert "已进入候补" in sms_outbox.to(PHONE)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert account.user is not None
        services.signup_cancel(actor=account.user, signup=account)
    waiting.refresh_from_db()
    assert waiting.status == SignupStatus.CONFIRMED
    assert "候补成功" in sms_outbox.to(PHONE)[-1]
    third = UserFactory()
    assert services.signup_create(actor=third, activity=activity).status == SignupStatus.WAITLISTED
    anon = Client()
    page = anon.get(f"/activities/signups/{waiting.token}/")
    assert page.status_code == 200
    assert "已报名" in page.content.decode()
    assert anon.post(f"/activities/signups/{waiting.token}/").status_code == 302  # cancel by the link
    waiting.refresh_from_db()
    assert waiting.status == SignupStatus.CANCELLED
    assert Signup.objects.get(activity=activity, user=third).status == SignupStatus.CONFIRMED  # moved up
    assert anon.post(f"/activities/signups/{waiting.token}/").status_code == 409
    assert anon.get("/activities/signups/no-such-token/").status_code == 404
    again = phone_signups.signup_create_by_phone(activity=activity, phone=PHONE, name="王阿姨")
    assert again.pk == waiting.pk
    assert again.status == SignupStatus.WAITLISTED


@pytest.mark.django_db
def test_phone_signup_refusals(district):
    draft = make_activity(organiser=district.admin, area=district.grid_a, status=ActivityStatus.DRAFT)
    with pytest.raises(TransitionNotAllowedError):
        phone_signups.signup_create_by_phone(activity=draft, phone=PHONE, name="王阿姨")
    started = make_activity(
        organiser=district.admin, area=district.grid_a, starts_in=dt.timedelta(minutes=-5)
    )
    with pytest.raises(TransitionNotAllowedError, match="截止"):
        phone_signups.signup_create_by_phone(activity=started, phone=PHONE, name="王阿姨")
    open_ = make_activity(organiser=district.admin, area=district.grid_a)
    with pytest.raises(ForbiddenError):
        phone_signups.signup_create_by_phone(activity=open_, phone="", name="王阿姨")
    with pytest.raises(ValidationFailedError):
        phone_signups.signup_create_by_phone(activity=open_, phone=PHONE, name="名" * 51)
    phone_signups.signup_create_by_phone(activity=open_, phone=PHONE, name="王阿姨")
    with pytest.raises(ConflictError):
        phone_signups.signup_create_by_phone(activity=open_, phone=PHONE, name="王阿姨")
    with pytest.raises(NotFoundError):
        phone_signups.signup_cancel_by_token(token="")


@pytest.mark.django_db
def test_a_draft_activity_is_not_there_for_phone_signup(district, sms_outbox):
    draft = make_activity(organiser=district.admin, area=district.grid_a, status=ActivityStatus.DRAFT)
    r = Client().post(f"/activities/{draft.pk}/signup/phone/", {"step": "send_code", "phone": PHONE})
    assert r.status_code == 404
    assert sms_outbox.messages == []


@pytest.mark.django_db
def test_organiser_list_check_in_reminder_and_cancel_by_sms(
    district, sms_outbox, django_capture_on_commit_callbacks
):
    activity = make_activity(
        organiser=district.grid_worker_a, area=district.grid_a, starts_in=dt.timedelta(hours=5)
    )
    signup = phone_signups.signup_create_by_phone(activity=activity, phone=PHONE, name="王阿姨")
    [row] = roster(district.grid_worker_a, activity)
    assert (row.name, row.phone, row.by_phone) == ("王阿姨", PHONE, True)
    [masked] = roster(district.resident, activity)
    assert masked.phone == "137****3333"
    assert masked.name == "王**"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.signups_send_reminders() == 1
    assert "活动提醒" in sms_outbox.to(PHONE)[-1]
    activity.starts_at = timezone.now() - dt.timedelta(minutes=10)
    activity.save(update_fields=["starts_at"])
    services.signup_check_in(actor=district.grid_worker_a, signup=signup)
    services.signup_check_out(actor=district.grid_worker_a, signup=signup)
    assert not HoursEntry.objects.exists()  # no account: no ledger line
    other = make_activity(organiser=district.grid_worker_a, area=district.grid_a)
    phone_signups.signup_create_by_phone(activity=other, phone=OTHER, name="李师傅")
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_cancel(actor=district.grid_worker_a, activity=other, reason="下雨改期")
    assert "活动已取消" in sms_outbox.to(OTHER)[-1]
    assert "下雨改期" in sms_outbox.to(OTHER)[-1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_phone_and_an_account_for_the_last_place_exactly_one_wins(district):
    activity = make_activity(organiser=district.admin, area=district.grid_a, capacity=1)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(by_phone: bool) -> None:
        try:
            barrier.wait()
            if by_phone:
                results.append(
                    phone_signups.signup_create_by_phone(activity=activity, phone=PHONE, name="王").status
                )
            else:
                results.append(services.signup_create(actor=UserFactory(), activity=activity).status)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sign, args=(flag,)) for flag in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
