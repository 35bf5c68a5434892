"""Import a Pol.is conversation export as a consultation: its accepted and unmoderated statements
(moderated-out ones kept out), pseudonymous participants and their latest votes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailedError
from lianxin.opinions.polis_export import read_conversation
from lianxin.org.models import Unit

from .. import events
from ..models import Consultation, Participant, Phase, PhaseType, Statement, StatementVote, Status, Visibility


def _summary(directory: Path) -> tuple[str, str]:
    """The conversation's topic and description from `summary.csv` (two-column rows), if present."""
    path = directory / "summary.csv"
    topic, description = directory.name, ""
    if path.exists():
        import csv

        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2 and row[0].strip() == "topic":
                    topic = row[1].strip() or topic
                elif len(row) >= 2 and row[0].strip() == "conversation-description":
                    description = row[1].strip()
    return topic[:200], description[:4000]


@transaction.atomic
def consultation_import_polis(*, directory: str | Path, unit: Unit) -> Consultation:
    directory = Path(directory)
    for name in ("comments.csv", "votes.csv"):
        if not (directory / name).is_file():
            raise ValidationFailedError(
                _("{dir} 中没有 {name}：请给出 Pol.is 导出文件所在的目录。").format(dir=directory, name=name),
                field="directory",
            )
    try:
        conversation = read_conversation(directory)
    except (KeyError, ValueError) as exc:
        raise ValidationFailedError(_("无法读取 Pol.is 导出：{e}").format(e=exc), field="directory") from exc
    title, summary = _summary(directory)
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug=f"polis-{directory.name[:50].lower().replace('.', '-')}-{now:%Y%m%d%H%M%S%f}"[:80],
        title=title,
        summary=summary,
        unit=unit,
        status=Status.CLOSED,
        published_at=now,
        closed_at=now,
        source=f"polis:{directory.name}"[:200],
    )
    Phase.objects.create(
        consultation=consultation, type=PhaseType.REVIEW, starts_at=now, ends_at=now + dt.timedelta(days=30)
    )
    voters = sorted(
        {v for v, _c, _x in conversation.votes} | {c.author for c in conversation.comments if c.author},
        key=lambda v: (len(v), v),
    )
    participants = {
        p.external_id: p
        for p in Participant.objects.bulk_create(
            [Participant(consultation=consultation, external_id=v, pseudonym=f"参与者P{v}") for v in voters]
        )
    }
    statements = {
        s.external_id: s
        for s in Statement.objects.bulk_create(
            [
                Statement(
                    consultation=consultation,
                    external_id=c.id,
                    text=c.body,
                    participant=participants.get(c.author),
                    visibility=Visibility.VISIBLE,
                )
                for c in conversation.comments
            ]
        )
    }
    latest = {(voter, comment): vote for voter, comment, vote in conversation.votes if comment in statements}
    StatementVote.objects.bulk_create(
        [
            StatementVote(statement=statements[c], participant=participants[v], value=vote)
            for (v, c), vote in latest.items()
        ],
        batch_size=2000,
    )
    events.record(
        consultation,
        events.Imported(
            source=str(directory),
            statements=len(statements),
            participants=len(participants),
            votes=len(latest),
        ),
        label="系统",
    )
    return consultation
