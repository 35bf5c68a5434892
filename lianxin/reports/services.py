"""Write side of the periodic reports: generate (or refresh a draft), edit lessons, publish.

Every function is keyword-only, authorises the actor against the report's area (the same 404
as for an absent report when it lies outside the actor's jurisdiction; `actor=None` is the
command line, which runs with the server's own rights) and appends an audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import audit_append
from lianxin.core.errors import Conflict, NotFound, ValidationFailed
from lianxin.org.models import Area, User
from lianxin.supervision import selectors as sv
from lianxin.supervision.selectors import Period

from . import rendering
from .models import Report, ReportStatus
from .selectors import report_content

LESSONS_MAX_LENGTH = 10000


def _authorise(actor: User | None, area: Area | None) -> None:
    if actor is None:
        return
    j = sv.require_overseer(actor)
    if (area is None and not j.everything) or (area is not None and not j.covers_area(area)):
        raise NotFound(_("没有找到该区域，或它不在您的督查范围内。"))


def _same_report(period: Period, area: Area | None) -> Q:
    return Q(period_label=period.label) & (Q(area=area) if area is not None else Q(area=None))


def report_generate(
    *, period: Period, area: Area | None, actor: User | None, now: dt.datetime | None = None
) -> Report:
    """Take a fresh snapshot. The latest draft of the same period and area is refreshed in place
    (its lessons kept); when there is none, or the latest is published, a new version is made."""
    _authorise(actor, area)
    if period.start >= (now or timezone.now()).date() + dt.timedelta(days=1):
        raise ValidationFailed(_("统计周期尚未开始，无法生成报告。"), field="period")
    content = report_content(period, area)
    now = now or timezone.now()
    with transaction.atomic():
        if area is not None:
            Area.objects.select_for_update().filter(pk=area.pk).first()  # serialise versions per area
        latest = Report.objects.select_for_update().filter(_same_report(period, area)).order_by("-version").first()
        if latest is not None and latest.is_draft:
            report, created = latest, False
        else:
            version = (Report.objects.filter(_same_report(period, area)).aggregate(v=Max("version"))["v"] or 0) + 1
            report, created = (
                Report(
                    period_label=period.label,
                    period_kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    area=area,
                    version=version,
                ),
                True,
            )
        report.data = content
        report.generated_at = now
        report.generated_by = actor
        report.save()
        audit_append(
            action="report.generated" if created else "report.regenerated",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"period": period.label, "area": area.code if area else None, "version": report.version},
        )
    return report


def _ensure_draft(report: Report) -> None:
    if not report.is_draft:
        raise Conflict(_("该报告已发布，不能再修改。如需更新，请重新生成，系统会建立新版本。"))


def report_update_lessons(*, report: Report, actor: User | None, text: str) -> Report:
    """Replace the editable lessons section (经验与问题) of a draft."""
    _authorise(actor, report.area)
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > LESSONS_MAX_LENGTH:
        raise ValidationFailed(
            _("“经验与问题”最多 {n} 字，当前 {m} 字，请精简后再保存。").format(n=LESSONS_MAX_LENGTH, m=len(text)),
            field="lessons",
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _ensure_draft(report)
        report.lessons = text
        report.save(update_fields=["lessons"])
        audit_append(
            action="report.lessons_updated",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"length": len(text)},
        )
    return report


def report_publish(*, report: Report, actor: User | None, now: dt.datetime | None = None) -> Report:
    """Freeze a draft: render and store its PDF and XLSX; from then on it is read-only."""
    _authorise(actor, report.area)
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("area").get(pk=report.pk)
        _ensure_draft(report)
        report.status = ReportStatus.PUBLISHED
        report.published_at = now or timezone.now()
        report.published_by = actor
        report.pdf.save(f"{report.file_stem}.pdf", ContentFile(rendering.render_pdf(report)), save=False)
        report.xlsx.save(f"{report.file_stem}.xlsx", ContentFile(rendering.render_xlsx(report)), save=False)
        report.save()
        audit_append(
            action="report.published",
            object_type="report",
            object_id=report.pk,
            actor=actor,
            actor_label="" if actor else "cli",
            data={"period": report.period_label, "version": report.version},
        )
    return report
