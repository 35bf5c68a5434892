"""The opinion-group analysis of a consultation's statement votes, stored for the results page.

The maths lives in `lianxin.opinions` (plain Python); this module feeds it the votes of visible
statements, keyed by our participant and statement ids, and stores the result as JSON.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lianxin.opinions import analyse

from .models import AnalysisResult, Consultation, Participant, Statement, StatementVote, Visibility


def consultation_votes(consultation: Consultation) -> list[tuple[str, str, int]]:
    rows = (
        StatementVote.objects.filter(
            statement__consultation=consultation, statement__visibility=Visibility.VISIBLE
        )
        .order_by("updated_at", "id")
        .values_list("participant_id", "statement_id", "value")
    )
    return [(str(p), str(s), int(v)) for p, s, v in rows]


def compute(consultation: Consultation) -> AnalysisResult:
    votes = consultation_votes(consultation)
    result = analyse(votes)
    data: dict[str, Any] = {
        "groups": [{"id": g.id, "participants": list(g.participants)} for g in result.groups],
        "consensus": list(result.consensus),
        "representative": {
            str(gid): [
                {
                    "statement": r.statement,
                    "direction": r.direction,
                    "ratio": round(r.ratio, 4),
                    "p_value": round(r.p_value, 6),
                }
                for r in reps
            ]
            for gid, reps in result.representative.items()
        },
        "projection": {p: [round(x, 4), round(y, 4)] for p, (x, y) in result.projection.items()},
        "participants_in": list(result.participants_in),
    }
    with transaction.atomic():
        row, _created = AnalysisResult.objects.update_or_create(
            consultation=consultation,
            defaults={"computed_at": timezone.now(), "vote_count": len(votes), "data": data},
        )
    return row


def exported(consultation: Consultation, row: AnalysisResult) -> dict[str, Any]:
    """The stored result in the ids of an imported export (voter and comment ids); participants who
    were not imported appear under their pseudonym, statements written here under `s<id>`."""
    people = {
        str(pk): ext or pseudonym
        for pk, ext, pseudonym in Participant.objects.filter(consultation=consultation).values_list(
            "pk", "external_id", "pseudonym"
        )
    }
    statements = {
        str(pk): ext or f"s{pk}"
        for pk, ext in Statement.objects.filter(consultation=consultation).values_list("pk", "external_id")
    }
    data = row.data
    return {
        "groups": [
            {"id": g["id"], "participants": [people.get(p, p) for p in g["participants"]]}
            for g in data.get("groups", [])
        ],
        "consensus": [statements.get(s, s) for s in data.get("consensus", [])],
        "representative": {
            gid: [statements.get(r["statement"], r["statement"]) for r in reps]
            for gid, reps in data.get("representative", {}).items()
        },
    }
