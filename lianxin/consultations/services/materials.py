"""The draft's attachments and the organiser's summary of the opinions, per paragraph.

Attachments pass the same checks as appeals' (`lianxin.core.uploads`). The summary is drafted from
the analysis (counts, support / oppose, sentiment, main points), edited by the organiser and
public only once published; editing a published summary takes it back to unpublished.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.services import AuditAction, audit_append
from lianxin.core.errors import NotFoundError, ValidationFailedError
from lianxin.core.uploads import AttachmentInput, validate_uploads
from lianxin.org.models import User

from .. import events
from ..models import Consultation, ConsultationAttachment, OpinionSummary
from ..policy import Action, ensure_allowed

MAX_ATTACHMENTS = 20  # per consultation, in all
SUMMARY_MAX = 4000


@transaction.atomic
def attachments_add(
    *, actor: User, consultation: Consultation, files: Sequence[AttachmentInput]
) -> list[ConsultationAttachment]:
    from django.core.files.base import ContentFile

    ensure_allowed(actor, consultation, Action.ATTACH)
    if not files:
        raise ValidationFailedError(_("请选择要上传的文件。"), field="attachments")
    room = MAX_ATTACHMENTS - consultation.attachments.count()
    checked = validate_uploads(files, max_count=max(room, 0))
    rows = []
    for item, content_type in checked:
        row = ConsultationAttachment(
            consultation=consultation,
            original_name=(item.name or "附件")[:200],
            content_type=content_type,
            size=len(item.content),
            uploaded_by=actor,
        )
        row.file.save(row.original_name, ContentFile(item.content), save=False)
        row.save()
        rows.append(row)
    events.record(
        consultation,
        events.AttachmentsChanged(added=tuple(r.original_name for r in rows), removed=()),
        actor=actor,
    )
    return rows


@transaction.atomic
def attachment_remove(*, actor: User, consultation: Consultation, attachment_id: int) -> None:
    ensure_allowed(actor, consultation, Action.ATTACH)
    row = consultation.attachments.filter(pk=attachment_id).first()
    if row is None:
        raise NotFoundError(_("没有这个附件。"))
    name = row.original_name
    row.file.delete(save=False)
    row.delete()
    events.record(consultation, events.AttachmentsChanged(added=(), removed=(name,)), actor=actor)


def _draft_text(row: Mapping[str, Any]) -> str:
    """One paragraph's summary drafted from its figures, for the organiser to rewrite."""
    if not row["comments"] and not row["support"] and not row["oppose"]:
        return _("暂未收到意见。")
    tone = row["sentiment"]
    parts = [
        _(
            "收到意见 {n} 条，支持 {s} 人、反对 {o} 人；倾向正面 {pos} 条、负面 {neg} 条、中性 {neu} 条。"
        ).format(
            n=row["comments"],
            s=row["support"],
            o=row["oppose"],
            pos=tone["positive"],
            neg=tone["negative"],
            neu=tone["neutral"],
        )
    ]
    points = row["points"][:3]
    if points:
        parts.append(
            _("主要观点：{points}。").format(
                points="；".join(_("{label}（{n} 条）").format(label=p["label"], n=p["size"]) for p in points)
            )
        )
    return "".join(parts)


@transaction.atomic
def summaries_draft(*, actor: User, consultation: Consultation) -> list[OpinionSummary]:
    """Write (or refresh) the unpublished summaries from the current analysis; summaries the
    organiser has already edited keep their text and only get the new figures."""
    from ..points import opinion_points

    ensure_allowed(actor, consultation, Action.SUMMARISE)
    paragraphs = {p.number: p for p in consultation.paragraphs.all()}
    existing = {s.paragraph_id: s for s in consultation.opinion_summaries.all()}
    out = []
    for row in opinion_points(consultation):
        paragraph = paragraphs.get(row["number"]) if row["number"] is not None else None
        figures = {k: row[k] for k in ("comments", "support", "oppose", "sentiment")}
        figures["points"] = [
            {"label": p["label"], "size": p["size"], "keywords": p["keywords"]} for p in row["points"]
        ]
        summary = existing.get(paragraph.pk if paragraph else None)
        if summary is None:
            summary = OpinionSummary(consultation=consultation, paragraph=paragraph, text=_draft_text(row))
        elif summary.edited_by_id is None:
            summary.text = _draft_text(row)
        summary.figures = figures
        summary.save()
        out.append(summary)
    events.record(
        consultation,
        events.SummaryChanged(
            action="drafted", paragraphs=tuple(s.paragraph.number if s.paragraph else None for s in out)
        ),
        actor=actor,
    )
    return out


@transaction.atomic
def summaries_edit(*, actor: User, consultation: Consultation, texts: Mapping[int | None, str]) -> int:
    """Replace the text of the summaries of the given paragraph numbers (None: the whole draft).
    An edit takes the summary back to unpublished; publish again to show it."""
    ensure_allowed(actor, consultation, Action.SUMMARISE)
    rows = {
        (s.paragraph.number if s.paragraph else None): s
        for s in consultation.opinion_summaries.select_related("paragraph")
    }
    changed = []
    for number, text in texts.items():
        row = rows.get(number)
        if row is None:
            raise ValidationFailedError(
                _("第 {n} 条还没有摘要：请先生成摘要草稿。").format(n=number), field="summary"
            )
        text = (text or "").strip()
        if not text:
            raise ValidationFailedError(
                _("摘要不能为空；没有意见时可写“暂未收到意见”。"), field=f"summary-{number or 0}"
            )
        if len(text) > SUMMARY_MAX:
            raise ValidationFailedError(
                _("摘要最多 {n} 个字，请缩短。").format(n=SUMMARY_MAX), field=f"summary-{number or 0}"
            )
        if text != row.text:
            row.text, row.edited_by, row.published_at = text, actor, None
            row.save()
            changed.append(number)
    if changed:
        events.record(
            consultation, events.SummaryChanged(action="edited", paragraphs=tuple(changed)), actor=actor
        )
    return len(changed)


@transaction.atomic
def summaries_publish(*, actor: User, consultation: Consultation, publish: bool = True) -> int:
    """Publish every summary (or withdraw them all, `publish=False`)."""
    ensure_allowed(actor, consultation, Action.SUMMARISE)
    rows = consultation.opinion_summaries.all()
    if publish and not rows.exists():
        raise ValidationFailedError(_("还没有摘要：请先生成摘要草稿并核对。"), field="summary")
    n = rows.update(published_at=timezone.now() if publish else None)
    events.record(
        consultation,
        events.SummaryChanged(action="published" if publish else "withdrawn", paragraphs=()),
        actor=actor,
    )
    audit_append(
        action=AuditAction.STATE_CHANGE,
        object_type="consultation_summary",
        object_id=consultation.pk,
        actor=actor,
        data={"consultation": consultation.slug, "published": publish, "summaries": n},
    )
    return n
