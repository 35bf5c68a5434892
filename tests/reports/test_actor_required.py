"""Reports' services authorise every actor: the command line says `actor=SERVER`; no actor (None,
which an anonymous request could turn into) is refused like any non-overseer, never let through."""

from __future__ import annotations

import pytest

from lianxin.core.errors import ForbiddenError
from lianxin.reports import services
from lianxin.reports.models import Report
from lianxin.supervision.selectors import Period


def test_no_actor_is_refused_and_writes_nothing(district):
    with pytest.raises(ForbiddenError):
        services.report_generate(period=Period.parse("2026-10"), area=None, actor=None, queue_pdf=False)  # type: ignore[arg-type]
    assert not Report.objects.exists()


def test_a_report_made_by_the_command_line_records_no_user(district):
    report = services.report_generate(
        period=Period.parse("2026-10"), area=None, actor=services.SERVER, queue_pdf=False
    )
    assert report.generated_by is None
    with pytest.raises(ForbiddenError):
        services.report_publish(report=report, actor=None, queue_pdf=False)  # type: ignore[arg-type]
    report.refresh_from_db()
    assert report.is_draft
