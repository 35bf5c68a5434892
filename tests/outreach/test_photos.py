"""Visit photos: checked as appeal attachments are (sniffed type, size, count), images only, shown
only to those who may see the visit's household (404 for everyone else)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from lianxin.appeals.attachments import AttachmentInput
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.org.models import User
from lianxin.outreach import photos
from lianxin.outreach.models import OutreachEvent, Visit, VisitPhoto
from lianxin.outreach.services import VisitInput, visit_add_photos, visit_log

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(name: str = "door.png", content: bytes = PNG, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.django_db
def test_photos_with_the_visit_from_the_phone_form(outreach):
    client = _client(outreach.cadre)
    url = f"/outreach/households/{outreach.house_a.pk}/visit/"
    assert 'enctype="multipart/form-data"' in client.get(url).content.decode()
    data = {"visited_on": timezone.localdate().isoformat(), "said": "屋顶漏水", "client_ref": "v-photo"}
    assert (
        client.post(url, {**data, "photos": [_png(), _png("b.jpg", JPEG, "image/jpeg")]}).status_code == 302
    )
    visit = Visit.objects.get()
    assert [p.content_type for p in visit.photos.all()] == ["image/png", "image/jpeg"]
    assert OutreachEvent.objects.filter(type="visited", data__photos=2).exists()
    page = client.get(f"/outreach/households/{outreach.house_a.pk}/").content.decode()
    photo = visit.photos.first()
    assert photo is not None
    assert f"/outreach/visits/{visit.pk}/photos/{photo.pk}/" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: _png("fake.png", b"GIF89a" + b"\x00" * 20, "image/png"), "实际类型"),  # declared ≠ sniffed
        (lambda: _png("x.exe", b"MZ\x90\x00", "image/png"), "不是支持的图片"),
        (
            lambda: _png("doc.pdf", PDF, "application/pdf"),
            "不是照片",
        ),  # an appeal may carry a PDF; a visit photo not
        (lambda: _png("empty.png", b"", "image/png"), "空文件"),
    ],
)
def test_bad_photos_refuse_the_whole_visit(outreach, upload, message):
    client = _client(outreach.cadre)
    url = f"/outreach/households/{outreach.house_a.pk}/visit/"
    data = {"visited_on": timezone.localdate().isoformat(), "said": "x", "client_ref": "v-bad"}
    response = client.post(url, {**data, "photos": [upload()]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()


@pytest.mark.django_db
def test_size_and_count_limits(outreach, settings):
    settings.LIANXIN = {**settings.LIANXIN, "MAX_ATTACHMENT_BYTES": 100}
    big = AttachmentInput("big.png", PNG + b"\x00" * 100, "image/png")
    base = {"household_id": outreach.house_a.pk, "visited_on": timezone.localdate()}
    with pytest.raises(ValidationFailedError, match="超过"):
        visit_log(actor=outreach.cadre, data=VisitInput(**base, photos=[big]))
    visit, _created = visit_log(
        actor=outreach.cadre, data=VisitInput(**base, photos=[AttachmentInput("a.png", PNG)] * 6)
    )
    with pytest.raises(ValidationFailedError, match="最多"):  # the appeals' per-upload count
        visit_add_photos(actor=outreach.cadre, visit=visit, photos=[AttachmentInput("a.png", PNG)] * 7)
    visit_add_photos(actor=outreach.cadre, visit=visit, photos=[AttachmentInput("a.png", PNG)] * 3)
    with pytest.raises(ValidationFailedError, match=f"最多 {photos.MAX_VISIT_PHOTOS} 张"):  # per visit
        visit_add_photos(actor=outreach.cadre, visit=visit, photos=[AttachmentInput("a.png", PNG)])
    assert visit.photos.count() == photos.MAX_VISIT_PHOTOS


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
def test_photo_shown_only_to_those_who_may_see_the_visit(outreach, username, status):
    visit, _created = visit_log(
        actor=outreach.cadre,
        data=VisitInput(
            household_id=outreach.house_a.pk,
            visited_on=timezone.localdate(),
            photos=[AttachmentInput("a.png", PNG)],
        ),
    )
    photo = visit.photos.get()
    response = _client(User.objects.get(username=username)).get(
        f"/outreach/visits/{visit.pk}/photos/{photo.pk}/"
    )
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.getvalue() == PNG
    assert Client().get(f"/outreach/visits/{visit.pk}/photos/{photo.pk}/").status_code == 302  # login first


@pytest.mark.django_db
def test_adding_photos_later_per_role(outreach):
    visit, _created = visit_log(
        actor=outreach.cadre,
        data=VisitInput(household_id=outreach.house_a.pk, visited_on=timezone.localdate()),
    )
    url = f"/outreach/visits/{visit.pk}/photos/"
    assert _client(outreach.leader_a).post(url, {"photos": [_png()]}).status_code == 404  # sees, may not add
    assert _client(outreach.other_cadre).post(url, {"photos": [_png()]}).status_code == 404
    assert _client(outreach.cadre).post(url, {}).status_code == 400
    assert _client(outreach.cadre).post(url, {"photos": [_png()]}).status_code == 302
    assert visit.photos.count() == 1
    with pytest.raises(NotFoundError):
        photos.photo_for(outreach.other_cadre, visit_id=visit.pk, photo_id=visit.photos.get().pk)
