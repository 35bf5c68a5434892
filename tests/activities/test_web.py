"""The pages: each role's access, sign-up on the page, the manual list, the QR check-in, wishes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.activities.models import HoursEntry, Signup, SignupStatus, WishStatus

from .factories import make_activity, make_wish

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_public_pages_answer_everyone(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, title="重阳敬老活动")
    make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    anon = _client()
    page = anon.get("/activities/")
    assert page.status_code == 200
    assert "重阳敬老活动" in page.content.decode()
    detail = anon.get(f"/activities/{activity.pk}/").content.decode()
    assert "登录后报名" in detail
    wishes = anon.get("/activities/wishes/").content.decode()
    assert "一件冬衣" in wishes
    assert "王秀英" not in wishes
    assert "13700001234" not in wishes
    assert anon.get("/activities/organizations/").status_code == 200
    assert anon.get("/activities/hours/verify/?code=NOPE").status_code == 404
    assert anon.get("/activities/?area=NOPE").status_code == 404
    assert anon.get("/activities/my/").status_code == 302  # to the login page
    assert anon.get("/activities/staff/").status_code == 302
    home = anon.get("/").content.decode()
    assert "/activities/" in home


def test_resident_signs_up_and_waits_on_the_page(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    first = _client(district.resident)
    assert first.post(f"/activities/{activity.pk}/signup/").status_code == 302
    again = first.post(f"/activities/{activity.pk}/signup/")
    assert again.status_code == 409
    assert "已报名" in again.content.decode()
    second = _client(district.other_resident)
    second.post(f"/activities/{activity.pk}/signup/")
    page = second.get(f"/activities/{activity.pk}/").content.decode()
    assert "候补名单第 1 位" in page
    first.post(f"/activities/{activity.pk}/signup/cancel/")
    assert (
        Signup.objects.get(activity=activity, user=district.other_resident).status == SignupStatus.CONFIRMED
    )


def test_staff_pages_refuse_residents_and_other_areas(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a)
    assert _client(district.resident).get("/activities/staff/").status_code == 403
    assert _client(district.resident).get(f"/activities/{activity.pk}/manage/").status_code == 403
    assert _client(district.leader_b).get(f"/activities/{activity.pk}/manage/").status_code == 403
    assert _client(district.supervisor).get("/activities/staff/").status_code == 403
    assert _client(district.grid_worker_a).get("/activities/staff/").status_code == 200
    refused = _client(district.leader_b).post(f"/activities/{activity.pk}/manage/act/", {"action": "finish"})
    assert refused.status_code == 403


def test_organiser_creates_publishes_and_runs_the_list(district):
    staff = _client(district.grid_worker_a)
    start = timezone.localtime() + dt.timedelta(days=1)
    form = {
        "kind": "volunteer",
        "title": "河道清洁",
        "place": "东河",
        "area": district.grid_a.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 5,
    }
    bad = staff.post("/activities/staff/new/", {**form, "capacity": 0})
    assert bad.status_code == 400
    other_area = staff.post("/activities/staff/new/", {**form, "area": district.grid_b.pk})
    assert other_area.status_code == 400  # not a choice for this grid worker
    made = staff.post("/activities/staff/new/", form)
    assert made.status_code == 302
    pk = int(made["Location"].rstrip("/").split("/")[-2])
    assert staff.post(f"/activities/{pk}/manage/act/", {"action": "publish"}).status_code == 302
    _client(district.resident).post(f"/activities/{pk}/signup/")
    page = staff.get(f"/activities/{pk}/manage/").content.decode()
    assert "<svg" in page
    assert "check-in/?code=" in page
    signup = Signup.objects.get(activity_id=pk)
    early = staff.post(f"/activities/{pk}/manage/act/", {"action": "check_in", "signup": signup.pk})
    assert early.status_code == 409
    assert "1 小时" in early.content.decode()
    assert staff.post(f"/activities/{pk}/manage/act/", {"action": "bogus"}).status_code == 400


def test_qr_check_in_page_and_hours_confirmation(district):
    activity = make_activity(
        organiser=district.grid_worker_a,
        area=district.grid_a,
        starts_in=dt.timedelta(minutes=-60),
        duration=dt.timedelta(hours=2),
    )
    Signup.objects.create(
        activity=activity, user=district.resident, status=SignupStatus.CONFIRMED, created_at=timezone.now()
    )
    me = _client(district.resident)
    url = f"/activities/{activity.pk}/check-in/"
    assert me.get(f"{url}?code={activity.checkin_code}").status_code == 200
    assert me.post(url, {"code": "wrong"}).status_code == 400
    assert me.post(url, {"code": activity.checkin_code}).status_code == 302
    Signup.objects.filter(activity=activity).update(checked_in_at=activity.starts_at)
    assert me.post(url, {"code": activity.checkin_code, "out": "1"}).status_code == 302
    entry = HoursEntry.objects.get(activity=activity)
    staff = _client(district.grid_worker_a)
    done = staff.post(
        f"/activities/{activity.pk}/manage/act/",
        {"action": "confirm_hours", "entry": entry.pk, "minutes": 45},
    )
    assert done.status_code == 302
    mine = me.get("/activities/my/").content.decode()
    assert "已确认 0.8 小时" in mine
    entry.refresh_from_db()
    verified = _client().get(f"/activities/hours/verify/?code={entry.verification_code}")
    assert verified.status_code == 200
    assert "45 分钟" in verified.content.decode()


def test_wish_pages_cadre_sees_contact_claimer_does_not(district):
    wish = make_wish(area=district.grid_a, recorded_by=district.grid_worker_a)
    cadre_page = _client(district.grid_worker_a).get(f"/activities/wishes/{wish.pk}/").content.decode()
    assert "王秀英" in cadre_page
    assert "13700001234" in cadre_page
    volunteer = _client(district.resident)
    assert volunteer.post(f"/activities/wishes/{wish.pk}/act/", {"action": "claim"}).status_code == 302
    page = volunteer.get(f"/activities/wishes/{wish.pk}/").content.decode()
    assert "13700001234" not in page
    assert "王秀英" not in page
    assert "腿脚不便" in page
    assert (
        volunteer.post(f"/activities/wishes/{wish.pk}/act/", {"action": "confirm"}).status_code == 403
    )  # only the beneficiary or a cadre confirms
    assert volunteer.post(f"/activities/wishes/{wish.pk}/act/", {"action": "deliver"}).status_code == 302
    other = _client(district.other_resident)
    assert other.post(f"/activities/wishes/{wish.pk}/act/", {"action": "confirm"}).status_code == 403
    _client(district.grid_worker_a).post(
        f"/activities/wishes/{wish.pk}/act/", {"action": "confirm", "text": "谢谢"}
    )
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLOSED


def test_resident_raises_a_wish_and_staff_records_one(district):
    me = _client(district.resident)
    assert (
        me.post(
            "/activities/wishes/raise/", {"title": "", "detail": "x", "area": district.grid_a.pk}
        ).status_code
        == 400
    )
    made = me.post(
        "/activities/wishes/raise/", {"title": "陪诊", "detail": "周二上午", "area": district.grid_a.pk}
    )
    assert made.status_code == 302
    assert _client().get(made["Location"]).status_code == 404  # under review: not public
    staff = _client(district.grid_worker_a)
    recorded = staff.post(
        "/activities/staff/wishes/new/",
        {
            "title": "棉被",
            "public_text": "老人需要棉被",
            "area": district.grid_a.pk,
            "beneficiary_name": "陈大爷",
        },
    )
    assert recorded.status_code == 302
    assert _client(district.resident).get("/activities/staff/wishes/new/").status_code == 403


def test_pages_in_english(district, settings):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    c = _client(district.resident)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = c.get("/activities/").content.decode()
    assert "Community activities calendar" in page
    assert "社区活动日历" not in page
    c.post(f"/activities/{activity.pk}/signup/")
    again = c.post(f"/activities/{activity.pk}/signup/")
    assert "You have already signed up" in again.content.decode()


def test_organisation_registered_on_the_page_and_members_added(district):
    staff = _client(district.grid_worker_a)
    assert _client(district.resident).get("/activities/staff/organizations/new/").status_code == 403
    bad = staff.post("/activities/staff/organizations/new/", {"name": "x", "kind": "social_org"})
    assert bad.status_code == 400  # no area
    made = staff.post(
        "/activities/staff/organizations/new/",
        {
            "name": "邻里守望队",
            "kind": "volunteer_team",
            "areas": [district.grid_a.pk],
            "categories": "陪诊，维修",
            "contact_phone": "13500002222",
        },
    )
    assert made.status_code == 302
    org_url = made["Location"]
    page = _client().get(org_url).content.decode()
    assert "邻里守望队" in page
    assert "13500002222" not in page
    assert "添加成员" not in page
    members = org_url + "members/"
    assert _client(district.resident).post(members, {"username": "other_resident"}).status_code == 403
    assert staff.post(members, {"username": "nobody"}).status_code == 404
    assert staff.post(members, {"username": "resident", "manager": "on"}).status_code == 302
    # the new manager may add members themselves
    assert _client(district.resident).post(members, {"username": "other_resident"}).status_code == 302
    assert _client(district.resident).post(members, {"username": "other_resident"}).status_code == 409
    assert "志愿者 2 人" in _client().get(org_url).content.decode()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def test_photos_uploaded_by_organisers_and_shown_publicly(district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a)
    url = f"/activities/{activity.pk}/manage/photos/"
    staff = _client(district.grid_worker_a)
    assert (
        _client(district.resident).post(url, {"photo": SimpleUploadedFile("a.png", PNG)}).status_code == 403
    )
    fake = staff.post(url, {"photo": SimpleUploadedFile("a.png", b"<script>alert(1)</script>")})
    assert fake.status_code == 400
    assert "JPEG" in fake.content.decode()
    assert staff.post(url, {}).status_code == 400
    assert staff.post(url, {"photo": SimpleUploadedFile("a.png", PNG)}).status_code == 302
    photo = activity.photos.get()
    page = _client().get(f"/activities/{activity.pk}/").content.decode()
    assert f"/activities/{activity.pk}/photos/{photo.pk}/" in page
    image = _client().get(f"/activities/{activity.pk}/photos/{photo.pk}/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image.getvalue() == PNG
    assert _client().get(f"/activities/{activity.pk}/photos/{photo.pk + 99}/").status_code == 404


def test_projects_of_an_organization(district, api):
    from lianxin.activities import orgs

    org = orgs.organization_register(
        actor=district.grid_worker_a, name="乐龄服务社", kind="social_org", areas=[district.grid_a]
    )
    url = f"/activities/organizations/{org.pk}/projects/"
    body = {"title": "长者助餐", "started_on": "2026-03-01", "description": "每周三次送餐"}
    assert _client(district.resident).post(url, body).status_code == 403
    bad = _client(district.grid_worker_a).post(url, {**body, "ended_on": "2026-02-01"})
    assert bad.status_code == 400
    assert "结束日期" in bad.content.decode()
    assert _client(district.grid_worker_a).post(url, {**body, "started_on": "nope"}).status_code == 400
    assert _client(district.grid_worker_a).post(url, body).status_code == 302
    assert "长者助餐" in _client().get(f"/activities/organizations/{org.pk}/").content.decode()
    out = api.get(f"/activities/organizations/{org.pk}").json()
    assert out["projects"] == [
        {"title": "长者助餐", "description": "每周三次送餐", "started_on": "2026-03-01", "ended_on": None}
    ]


def test_capacity_on_the_manage_page(district):
    activity = make_activity(organiser=district.grid_worker_a, area=district.grid_a, capacity=1)
    for person in (district.resident, district.other_resident):
        _client(person).post(f"/activities/{activity.pk}/signup/")
    url = f"/activities/{activity.pk}/manage/act/"
    staff = _client(district.grid_worker_a)
    assert staff.post(url, {"action": "capacity"}).status_code == 400
    assert staff.post(url, {"action": "capacity", "capacity": 2}).status_code == 302
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == 2
