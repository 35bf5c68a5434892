"""Exports of a consultation's opinions, survey answers and statement votes as CSV or XLSX.

Participants appear under their pseudonym only (no personal data leaves through an export), and
every export is written to the audit log with who exported what."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from lianxin.audit.services import AuditAction, audit_append
from lianxin.org.models import User

from .models import Answer, Comment, Consultation, Proposal, StatementVote

SHEETS = ("opinions", "proposals", "survey", "votes")
HEADERS = {
    "opinions": [
        "id",
        "paragraph",
        "reply_to",
        "participant",
        "text",
        "visibility",
        "created_at",
        "feedback",
        "feedback_reason",
    ],
    "proposals": [
        "id",
        "participant",
        "title",
        "text",
        "supports",
        "queued_at",
        "feedback",
        "feedback_reason",
    ],
    "survey": ["response", "participant", "question", "kind", "answer"],
    "votes": ["statement", "statement_ref", "participant", "vote", "updated_at"],
}


def _rows(consultation: Consultation, sheet: str) -> Iterator[list[object]]:
    if sheet == "opinions":
        for c in (
            Comment.objects.filter(consultation=consultation)
            .select_related("paragraph", "participant", "feedback")
            .order_by("id")
        ):
            fb = getattr(c, "feedback", None)
            yield [
                c.pk,
                c.paragraph.number if c.paragraph else "",
                c.parent_id or "",
                c.participant.pseudonym,
                c.text,
                c.visibility,
                c.created_at.isoformat(),
                fb.decision if fb else "",
                fb.reason if fb else "",
            ]
    elif sheet == "proposals":
        for p in Proposal.objects.filter(consultation=consultation).select_related("participant", "feedback"):
            fb = getattr(p, "feedback", None)
            yield [
                p.pk,
                p.participant.pseudonym,
                p.title,
                p.text,
                p.support_count,
                p.queued_at.isoformat() if p.queued_at else "",
                fb.decision if fb else "",
                fb.reason if fb else "",
            ]
    elif sheet == "survey":
        for a in (
            Answer.objects.filter(response__consultation=consultation)
            .select_related("question", "response__participant")
            .order_by("response_id", "question__number")
        ):
            value: object = a.text or (
                a.scale
                if a.scale is not None
                else "; ".join(a.question.options[i] for i in a.choices if i < len(a.question.options))
            )
            yield [a.response_id, a.response.participant.pseudonym, a.question.number, a.question.kind, value]
    else:
        for v in (
            StatementVote.objects.filter(statement__consultation=consultation)
            .select_related("statement", "participant")
            .order_by("statement_id", "id")
        ):
            yield [
                v.statement_id,
                v.statement.external_id,
                v.participant.pseudonym,
                v.value,
                v.updated_at.isoformat(),
            ]


def _audit(actor: User, consultation: Consultation, fmt: str) -> None:
    audit_append(
        action=AuditAction.PERSONAL_DATA_VIEW,
        object_type="consultation_export",
        object_id=consultation.pk,
        actor=actor,
        data={"consultation": consultation.slug, "format": fmt, "sheets": list(SHEETS)},
    )


def export_csv(*, actor: User, consultation: Consultation, sheet: str) -> bytes:
    """One sheet as UTF-8 CSV (with a BOM so that spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[sheet])
    writer.writerows(_rows(consultation, sheet))
    _audit(actor, consultation, f"csv:{sheet}")
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(*, actor: User, consultation: Consultation) -> bytes:
    """Every sheet in one workbook."""
    from openpyxl import Workbook

    book = Workbook()
    assert book.active is not None  # a new workbook has one (active) sheet
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet)
        ws.append(HEADERS[sheet])
        for row in _rows(consultation, sheet):
            ws.append([str(x) if not isinstance(x, int | float) else x for x in row])
    out = io.BytesIO()
    book.save(out)
    _audit(actor, consultation, "xlsx")
    return out.getvalue()
