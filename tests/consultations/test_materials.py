"""Attachments (checked as appeals' are), the organiser's summary of the opinions (drafted, edited,
published) and drafts opened from a proactive proposal — services, pages and each role's refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lianxin.consultations import services
from lianxin.consultations.models import ConsultationAttachment, ConsultationOrigin, OpinionSummary, Status
from lianxin.core.errors import (
    ForbiddenError,
    NotFoundError,
    TransitionNotAllowedError,
    ValidationFailedError,
)
from lianxin.core.uploads import AttachmentInput
from lianxin.org.models import Role
from lianxin.proactive.models import ProactiveTask, TaskKind
from lianxin.proactive.services import task_accept
from tests.factories import AppealFactory, staff

from .factories import consultation

PDF = b"%PDF-1.4\n% a draft plan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def c(people):
    return consultation(organiser=people.organiser, unit=people.d.unit_city)


def login(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    return client


# --- attachments ---------------------------------------------------------------------------------


def test_organiser_attaches_pdf_and_image_shown_and_served_publicly(people, c):
    rows = services.attachments_add(
        actor=people.organiser,
        consultation=c,
        files=[AttachmentInput("方案.pdf", PDF), AttachmentInput("图.png", PNG, "image/png")],
    )
    assert [r.content_type for r in rows] == ["application/pdf", "image/png"]
    page = login(None).get(f"/consultations/{c.slug}/")
    assert "方案.pdf" in page.content.decode()
    assert "图.png" in page.content.decode()
    r = login(None).get(f"/consultations/{c.slug}/attachments/{rows[0].pk}/")
    assert r.status_code == 200
    assert r.getvalue() == PDF
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in r["Content-Disposition"]
    assert c.events.filter(type="attachments").count() == 1


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (AttachmentInput("x.pdf", b"MZ\x90\x00 not a pdf"), "不是支持的图片或 PDF"),
        (AttachmentInput("x.pdf", b""), "空文件"),
        (AttachmentInput("x.png", PDF, "image/png"), "与声明的 image/png 不符"),
    ],
)
def test_bad_files_refused_with_the_appeal_messages_and_nothing_saved(people, c, item, fragment):
    with pytest.raises(ValidationFailedError) as exc:
        services.attachments_add(
            actor=people.organiser, consultation=c, files=[AttachmentInput("ok.pdf", PDF), item]
        )
    assert fragment in exc.value.message
    assert not ConsultationAttachment.objects.filter(consultation=c).exists()


def test_too_many_or_too_big(people, c, settings):
    settings.LIANXIN = {**settings.LIANXIN, "MAX_ATTACHMENT_BYTES": 10}
    with pytest.raises(ValidationFailedError, match="MB"):
        services.attachments_add(
            actor=people.organiser, consultation=c, files=[AttachmentInput("a.pdf", PDF)]
        )
    with pytest.raises(ValidationFailedError, match="请选择"):
        services.attachments_add(actor=people.organiser, consultation=c, files=[])


@pytest.mark.parametrize("who", ["resident", "other_staff", "anonymous"])
def test_only_the_organiser_attaches_or_removes(people, c, who):
    row = services.attachments_add(
        actor=people.organiser, consultation=c, files=[AttachmentInput("a.pdf", PDF)]
    )[0]
    with pytest.raises(ForbiddenError):
        services.attachments_add(
            actor=people.by_role(who), consultation=c, files=[AttachmentInput("b.pdf", PDF)]
        )
    with pytest.raises(ForbiddenError):
        services.attachment_remove(actor=people.by_role(who), consultation=c, attachment_id=row.pk)
    if who != "anonymous":
        r = login(people.by_role(who)).post(
            f"/consultations/staff/{c.slug}/attachments/", {"remove": str(row.pk)}
        )
        assert r.status_code == 403
    assert ConsultationAttachment.objects.filter(pk=row.pk).exists()


def test_closed_consultation_keeps_its_attachments(people):
    closed = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.CLOSED)
    with pytest.raises(TransitionNotAllowedError):
        services.attachments_add(
            actor=people.organiser, consultation=closed, files=[AttachmentInput("a.pdf", PDF)]
        )


def test_draft_attachment_hidden_from_the_public(people):
    draft = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    row = services.attachments_add(
        actor=people.organiser, consultation=draft, files=[AttachmentInput("a.pdf", PDF)]
    )[0]
    path = f"/consultations/{draft.slug}/attachments/{row.pk}/"
    assert login(None).get(path).status_code == 404
    assert login(people.resident).get(path).status_code == 404
    assert login(people.organiser).get(path).status_code == 200


def test_upload_and_remove_through_the_edit_page(people, c):
    client = login(people.organiser)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        f"/consultations/staff/{c.slug}/attachments/",
        {"files": [SimpleUploadedFile("方案.pdf", PDF, "application/pdf")]},
    )
    assert r.status_code == 302
    row = ConsultationAttachment.objects.get(consultation=c)
    bad = client.post(
        f"/consultations/staff/{c.slug}/attachments/",
        {"files": [SimpleUploadedFile("病毒.pdf", b"MZ..", "application/pdf")]},
        follow=True,
    )
    assert "不是支持的图片或 PDF" in bad.content.decode()
    client.post(f"/consultations/staff/{c.slug}/attachments/", {"remove": str(row.pk)})
    assert not ConsultationAttachment.objects.filter(consultation=c).exists()


# --- summary -------------------------------------------------------------------------------------


def _opinions(people, c):
    for user, text in [
        (people.resident, "非常支持第二条，收费合理"),
        (people.other_resident, "反对第二条，收费太贵"),
        (people.third, "第二条收费太贵，担心增加负担"),
    ]:
        services.comment_add(actor=user, consultation=c, text=text, paragraph_number=2)


def test_summary_drafted_edited_published(people, c):
    _opinions(people, c)
    rows = services.summaries_draft(actor=people.organiser, consultation=c)
    second = next(r for r in rows if r.paragraph and r.paragraph.number == 2)
    assert second.figures["comments"] == 3
    assert second.figures["sentiment"]["positive"] == 1
    assert second.figures["sentiment"]["negative"] == 2
    assert "收到意见 3 条" in second.text
    results = login(None).get(f"/consultations/{c.slug}/results/").content.decode()
    assert "意见摘要" not in results  # not published yet
    services.summaries_edit(
        actor=people.organiser, consultation=c, texts={2: "多数意见认为收费偏高，建议降至每小时三元。"}
    )
    services.summaries_publish(actor=people.organiser, consultation=c)
    results = login(None).get(f"/consultations/{c.slug}/results/").content.decode()
    assert "建议降至每小时三元" in results
    # a redraft keeps the organiser's text; an edit takes the summary back to unpublished
    services.summaries_draft(actor=people.organiser, consultation=c)
    second.refresh_from_db()
    assert second.text == "多数意见认为收费偏高，建议降至每小时三元。"
    assert second.published_at is not None
    services.summaries_edit(actor=people.organiser, consultation=c, texts={2: "改写后的摘要"})
    second.refresh_from_db()
    assert second.published_at is None
    assert "改写后的摘要" not in login(None).get(f"/consultations/{c.slug}/results/").content.decode()


def test_summary_bad_input(people, c):
    services.summaries_draft(actor=people.organiser, consultation=c)
    with pytest.raises(ValidationFailedError, match="不能为空"):
        services.summaries_edit(actor=people.organiser, consultation=c, texts={1: "  "})
    with pytest.raises(ValidationFailedError, match="4000"):
        services.summaries_edit(actor=people.organiser, consultation=c, texts={1: "长" * 4001})
    with pytest.raises(ValidationFailedError, match="第 99 条"):
        services.summaries_edit(actor=people.organiser, consultation=c, texts={99: "x"})


def test_publish_needs_a_draft_and_the_right_status(people, c):
    with pytest.raises(ValidationFailedError, match="请先生成"):
        services.summaries_publish(actor=people.organiser, consultation=c)
    draft = consultation(organiser=people.organiser, unit=people.d.unit_city, status=Status.DRAFT)
    with pytest.raises(TransitionNotAllowedError):
        services.summaries_draft(actor=people.organiser, consultation=draft)


@pytest.mark.parametrize("who", ["resident", "other_staff", "anonymous"])
def test_only_the_organiser_summarises(people, c, who):
    with pytest.raises(ForbiddenError):
        services.summaries_draft(actor=people.by_role(who), consultation=c)
    if who != "anonymous":
        assert (
            login(people.by_role(who))
            .post(f"/consultations/staff/{c.slug}/summary/", {"step": "draft"})
            .status_code
            == 403
        )
    assert not OpinionSummary.objects.filter(consultation=c).exists()


def test_summary_page_round_trip(people, c):
    _opinions(people, c)
    client = login(people.organiser)
    client.post(f"/consultations/staff/{c.slug}/summary/", {"step": "draft"})
    page = client.get(f"/consultations/staff/{c.slug}/summary/").content.decode()
    assert "summary-2" in page
    assert "收到意见 3 条" in page
    client.post(
        f"/consultations/staff/{c.slug}/summary/",
        {"step": "save", "summary-2": "人工摘要", "summary-0": "总体无意见"},
    )
    client.post(f"/consultations/staff/{c.slug}/summary/", {"step": "publish"})
    assert OpinionSummary.objects.filter(consultation=c, published_at__isnull=False).count() == 4
    bad = client.post(
        f"/consultations/staff/{c.slug}/summary/", {"step": "save", "summary-x": "a"}, follow=True
    )
    assert "参数有误" in bad.content.decode()


# --- from a proactive proposal -------------------------------------------------------------------


@pytest.fixture
def task(people):
    d = people.d
    appeals = [
        AppealFactory(
            area=d.grid_a,
            category=d.cat_light,
            title=f"路灯不亮，联系 1381234{n:04d}",
            submitted_at=timezone.now() - dt.timedelta(days=n),
        )
        for n in range(3)
    ]
    t = ProactiveTask.objects.create(
        kind=TaskKind.HOTSPOT,
        key="hotspot:路灯:2026-12",
        title="路灯不亮",
        reason="近30天同类诉求 3 件。",
        area=d.community_a,
        category=d.cat_light,
        proposed_at=timezone.now(),
    )
    t.evidence.set(appeals)
    return t


def test_open_from_task_prefills_and_links_both_ways(people, task):
    c = services.consultation_open_from_task(actor=people.organiser, task=task)
    assert c.status == Status.DRAFT
    assert c.area == people.d.community_a
    assert c.unit == people.d.unit_city
    origin = ConsultationOrigin.objects.get(consultation=c)
    assert origin.kind == "hotspot"
    assert origin.task == task
    assert origin.category == people.d.cat_light
    assert origin.appeals.count() == 3
    assert origin.evidence["appeals"] == 3
    assert origin.evidence["open"] == 3
    samples = origin.evidence["samples"]
    assert len(samples) == 3
    assert all("1381234" not in s["excerpt"] for s in samples)
    assert all(
        set(s) == {"date", "area", "category", "excerpt"} for s in samples
    )  # no names, phones, numbers
    assert [p.number for p in c.paragraphs.all()] == [1, 2]
    assert c.events.filter(type="opened_from").exists()
    assert list(task.consultation_origins.values_list("consultation_id", flat=True)) == [c.pk]
    public = login(None).get(f"/consultations/{c.slug}/")
    assert public.status_code == 404  # still a draft
    staff_page = login(people.organiser).get(f"/consultations/staff/{c.slug}/").content.decode()
    assert "诉求依据" in staff_page
    assert "[电话]" in staff_page
    now = timezone.now()
    services.phases_set(
        actor=people.organiser,
        consultation=c,
        phases=[services.PhaseInput("collecting", now - dt.timedelta(days=1), now + dt.timedelta(days=9))],
    )
    services.consultation_publish(actor=people.organiser, consultation=c)
    page = login(None).get(f"/consultations/{c.slug}/").content.decode()
    assert "相关诉求 3 件" in page
    assert "[电话]" not in page


def test_open_from_task_page_and_refusals(people, task):
    supervisor = people.d.supervisor
    task_accept(task=task, actor=supervisor, owner_unit=people.d.unit_city, deadline=timezone.localdate())
    r = login(people.organiser).post(f"/consultations/staff/from-task/{task.pk}/")
    assert r.status_code == 302
    assert ConsultationOrigin.objects.filter(task=task).count() == 1
    assert "据此发起征求意见" in login(people.organiser).get(f"/proactive/{task.pk}/").content.decode()
    assert login(people.resident).post(f"/consultations/staff/from-task/{task.pk}/").status_code == 403
    # staff who may not see the task: the same 404 as a missing task
    assert login(people.other_staff).post(f"/consultations/staff/from-task/{task.pk}/").status_code == 404
    assert login(people.organiser).post("/consultations/staff/from-task/999999/").status_code == 404
    assert ConsultationOrigin.objects.filter(task=task).count() == 1


def test_staff_without_a_unit_cannot_open(people, task):
    lone = staff(Role.SUPERVISOR, area=people.d.district, username="lone_supervisor")
    with pytest.raises(ForbiddenError):
        services.consultation_open_from_task(actor=lone, task=task)
    from lianxin.proactive.selectors import task_for

    with pytest.raises(NotFoundError):
        task_for(people.resident, task.pk)


# --- straight from a supervision text hotspot ----------------------------------------------------


@pytest.fixture
def hotspot(people):
    from django.core.cache import cache

    from lianxin.supervision.selectors import EVERYTHING, text_hotspots

    d = people.d
    for n in range(6):
        AppealFactory(
            area=d.grid_a,
            category=d.cat_light,
            unit=d.unit_city,
            title="幸福小区路灯不亮",
            text=f"幸福小区{n}栋门口路灯不亮，晚上很黑，联系电话13812345{n:03d}。",
            submitted_at=timezone.now() - dt.timedelta(hours=n + 1),
        )
    cache.clear()
    spots = text_hotspots(EVERYTHING)
    assert spots, "the fixture's appeals form a hotspot"
    return spots[0]


def test_open_from_a_supervision_hotspot(people, hotspot):
    page = login(people.admin).get("/supervision/text-hotspots/").content.decode()
    assert "/consultations/staff/from-hotspot/" in page
    assert hotspot["label"] in page
    r = login(people.admin).post("/consultations/staff/from-hotspot/", {"label": hotspot["label"]})
    assert r.status_code == 302
    origin = ConsultationOrigin.objects.get(kind="hotspot", task=None)
    assert origin.consultation.unit == people.d.unit_city  # where the appeals were dispatched
    assert origin.category == people.d.cat_light
    assert origin.appeals.count() == hotspot["size"]
    assert all("13812345" not in s["excerpt"] for s in origin.evidence["samples"])


def test_hotspot_refusals(people, hotspot):
    path = "/consultations/staff/from-hotspot/"
    # the district supervisor sees the hotspot but organises for no unit
    assert login(people.d.supervisor).post(path, {"label": hotspot["label"]}).status_code == 403
    assert (
        login(people.organiser).post(path, {"label": hotspot["label"]}).status_code == 403
    )  # not an overseer
    assert login(people.resident).post(path, {"label": hotspot["label"]}).status_code == 403
    assert (
        login(people.admin).post(path, {"label": "不存在的热点"}).status_code == 404
    )  # looked up, never trusted
    assert login(people.admin).post(path, {"label": ""}).status_code == 400
    assert login(people.admin).post(path, {"label": hotspot["label"], "area": "abc"}).status_code == 404
    assert (
        login(people.d.leader_b)
        .post(path, {"label": hotspot["label"], "area": str(people.d.street_a.pk)})
        .status_code
        == 404
    )
    assert not ConsultationOrigin.objects.exists()
