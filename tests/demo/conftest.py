from __future__ import annotations

import io

import pytest
from django.core.management import call_command

NOW = "2026-11-25"
APPEALS = 200


def run_seed(**options: object) -> str:
    out = io.StringIO()
    options = {"quiet_progress": True, "no_train": True, "now": NOW, "skip_checks": True, **options}
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    """A small demo district with 200 appeals; returns what `seed` printed."""
    return run_seed(appeals=APPEALS, seed=7)
