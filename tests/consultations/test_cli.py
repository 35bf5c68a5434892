"""`lianxin consultations import-polis` and `analyse --json` end to end on a real Pol.is export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from sklearn.metrics import adjusted_rand_score

from lianxin.consultations.models import Consultation, StatementVote
from lianxin.opinions.polis_export import reference_groups

EXPORT = Path("/work/shared/data/polis/15-per-hour-seattle")
pytestmark = pytest.mark.skipif(
    not EXPORT.exists(), reason="the shared Pol.is exports are not on this machine"
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("consultations", *args, stdout=out)
    return out.getvalue()


def test_import_then_analyse(district):
    output = run("import-polis", str(EXPORT))
    slug = output.strip().splitlines()[-1]
    c = Consultation.objects.get(slug=slug)
    with (EXPORT / "comments.csv").open(newline="", encoding="utf-8") as fh:
        comments = list(csv.DictReader(fh))
    kept = {r["comment-id"] for r in comments if r["moderated"] != "-1"}
    out = {r["comment-id"] for r in comments if r["moderated"] == "-1"}
    assert set(c.statements.values_list("external_id", flat=True)) == kept
    assert not StatementVote.objects.filter(
        statement__consultation=c, statement__external_id__in=out
    ).exists()
    assert all(p.startswith("参与者") for p in c.participants.values_list("pseudonym", flat=True))
    assert c.analysis.vote_count > 2000

    result = json.loads(run("analyse", slug, "--json"))
    assert set(result) >= {"groups", "consensus", "representative"}
    ref = reference_groups(EXPORT)
    mine = {p: g["id"] for g in result["groups"] for p in g["participants"]}
    assert all(isinstance(p, str) for p in mine)
    both = sorted(set(ref) & set(mine))
    assert len(result["groups"]) == len(set(ref.values())) == 2
    assert adjusted_rand_score([ref[p] for p in both], [mine[p] for p in both]) > 0.5
    assert set(result["consensus"]) <= kept
    assert all(set(ids) <= kept for ids in result["representative"].values())


def test_import_refuses_a_directory_without_an_export(district, tmp_path):
    with pytest.raises(CommandError, match=r"comments\.csv"):
        run("import-polis", str(tmp_path))
    assert not Consultation.objects.exists()


def test_analyse_unknown_slug(db):
    with pytest.raises(CommandError, match="No consultation"):
        run("analyse", "nope", "--json")
