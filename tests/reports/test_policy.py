"""Evaluation reports, as a role × action × status matrix of `reports.policy` (and through the services).

Two reports of October 2026: one about 东街道 (S1), one about the whole platform (no area). Written
from docs/reports.md: overseers act on the reports of the areas in their jurisdiction (a report of
the whole platform is the admins'), anything outside is the same 404 as an absent report; other
roles, and no actor at all, are refused (403); the command line (`SERVER`) may do everything; a
published report is read-only (409 for editing and publishing), though it can still be viewed,
rendered and generated again (a new version).
"""

from __future__ import annotations

import pytest

from lianxin.core.errors import ConflictError, ForbiddenError, NotFoundError
from lianxin.org.models import Role
from lianxin.reports import policy, services
from lianxin.reports.models import Report, ReportStatus
from lianxin.reports.policy import SERVER, ReportAction
from lianxin.supervision.selectors import Period
from tests.factories import staff

pytestmark = pytest.mark.django_db

OCTOBER = Period.parse("2026-10")
ACTORS = (
    "server",
    "admin",
    "supervisor",
    "leader_a",
    "leader_b",
    "handler_city",
    "operator",
    "dispatcher",
    "grid_worker",
    "resident",
    "nobody",
)
COVERS = {  # the reports each actor may act on; other overseers get 404, everyone else 403
    "server": {"street", "whole"},
    "admin": {"street", "whole"},
    "supervisor": {"street"},  # the district's supervisor: every area of it, not the platform report
    "leader_a": {"street"},
    "leader_b": set(),
}
READ_ONLY_WHEN_PUBLISHED = {ReportAction.EDIT_LESSONS, ReportAction.PUBLISH}


@pytest.fixture
def actors(district):
    return {
        "server": SERVER,
        "admin": district.admin,
        "supervisor": district.supervisor,
        "leader_a": staff(Role.LEADER, area=district.street_a),
        "leader_b": district.leader_b,
        "handler_city": district.handler_city,
        "operator": district.operator,
        "dispatcher": district.dispatcher,
        "grid_worker": district.grid_worker_a,
        "resident": district.resident,
        "nobody": None,
    }


@pytest.fixture
def reports(district):
    return {
        "street": services.report_generate(
            period=OCTOBER, area=district.street_a, actor=SERVER, queue_pdf=False
        ),
        "whole": services.report_generate(period=OCTOBER, area=None, actor=SERVER, queue_pdf=False),
    }


def _refusal(who: str, which: str) -> type[Exception] | None:
    if who not in COVERS:
        return ForbiddenError
    return None if which in COVERS[who] else NotFoundError


def test_the_matrix_names_every_action():
    assert set(policy.REPORT_TRANSITIONS) == {
        ReportAction.VIEW,
        ReportAction.GENERATE,
        ReportAction.EDIT_LESSONS,
        ReportAction.PUBLISH,
        ReportAction.REQUEST_PDF,
    }
    for action, (sources, _target) in policy.REPORT_TRANSITIONS.items():
        assert (ReportStatus.PUBLISHED in sources) is (action not in READ_ONLY_WHEN_PUBLISHED)
        assert ReportStatus.DRAFT in sources


@pytest.mark.parametrize("status", ReportStatus.values)
@pytest.mark.parametrize("which", ["street", "whole"])
@pytest.mark.parametrize("action", list(policy.REPORT_TRANSITIONS))
@pytest.mark.parametrize("who", ACTORS)
def test_each_cell_on_the_policy(actors, reports, who, action, which, status):  # noqa: PLR0917  pytest passes fixtures and parameters by name
    Report.objects.filter(pk=reports[which].pk).update(status=status)
    report = Report.objects.select_related("area").get(pk=reports[which].pk)
    refusal = _refusal(who, which)
    if refusal is None and status == ReportStatus.PUBLISHED and action in READ_ONLY_WHEN_PUBLISHED:
        refusal = ConflictError
    if refusal is None:
        policy.ensure_report_allowed(actors[who], report, action)
    else:
        with pytest.raises(refusal):
            policy.ensure_report_allowed(actors[who], report, action)
    if who not in ("server", "nobody"):
        offered = action in policy.report_allowed_actions(actors[who], report)
        assert offered is (refusal is None)


@pytest.mark.parametrize("which", ["street", "whole"])
@pytest.mark.parametrize("who", ACTORS)
def test_each_actor_through_the_services(district, actors, reports, who, which):
    report, actor = reports[which], actors[who]
    area = report.area
    refusal = _refusal(who, which)
    calls = [
        lambda: services.report_update_lessons(report=report, actor=actor, text="经验", queue_pdf=False),
        lambda: services.report_generate(period=OCTOBER, area=area, actor=actor, queue_pdf=False),
        lambda: services.report_publish(report=report, actor=actor, queue_pdf=False),
    ]
    for call in calls:
        if refusal is None:
            call()
        else:
            with pytest.raises(refusal):
                call()
    report.refresh_from_db()
    assert report.is_draft is (refusal is not None)
    assert (report.lessons == "经验") is (refusal is None)
    if refusal is None:  # published now: read-only for everyone, the command line included
        with pytest.raises(ConflictError):
            services.report_update_lessons(report=report, actor=actor, text="again", queue_pdf=False)
        with pytest.raises(ConflictError):
            services.report_publish(report=report, actor=actor, queue_pdf=False)


@pytest.mark.parametrize("who", [w for w in ACTORS if w != "server"])
def test_the_list_holds_what_the_check_admits(actors, reports, who):
    if who not in COVERS:
        with pytest.raises(ForbiddenError):
            policy.reports_visible(actors[who])
        return
    listed = set(policy.reports_visible(actors[who]).values_list("pk", flat=True))
    assert listed == {reports[w].pk for w in COVERS[who]}
