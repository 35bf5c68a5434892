"""Who may do what to an evaluation report, and in which status: the one place views and services ask.

Overseers (supervisors and leaders within their areas, admins everywhere: `supervision.policy`)
see, generate, edit, publish and render the reports of the areas in their jurisdiction; a report
of the whole platform (no area) is the admins'. A report outside the caller's jurisdiction is the
same 404 as an absent one. Only a draft may have its lessons edited or be published
(`REPORT_TRANSITIONS`). The command line acts with the server's own rights, said explicitly
(`SERVER`); no actor (None) is refused like any other non-overseer, never let through.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import Area, User
from lianxin.supervision.policy import require_overseer
from lianxin.supervision.selectors import Jurisdiction, area_subtree_ids

from .models import Report, ReportStatus


class ServerRights:
    """The actor of the command line and of background jobs: the server's own rights (`SERVER`)."""

    def __repr__(self) -> str:
        return "SERVER"


SERVER = ServerRights()
ReportActor = User | ServerRights


class ReportAction:
    VIEW = "view"  # the page, the HTML, XLSX and PDF downloads
    GENERATE = "generate"  # a fresh snapshot: refreshes the latest draft, or makes a new version
    EDIT_LESSONS = "edit_lessons"  # the editable section (经验与问题)
    PUBLISH = "publish"  # freeze the draft
    REQUEST_PDF = "request_pdf"  # render the PDF (again) in the background


ALL_STATUSES = frozenset(ReportStatus.values)

# For each action on an existing report, the statuses it is allowed in and the one it leads to
# (None: unchanged). Generating is allowed whatever the latest version's status: a published
# report is never changed, the next version is made instead.
REPORT_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    ReportAction.VIEW: (ALL_STATUSES, None),
    ReportAction.GENERATE: (ALL_STATUSES, None),
    ReportAction.EDIT_LESSONS: (frozenset({ReportStatus.DRAFT}), None),
    ReportAction.PUBLISH: (frozenset({ReportStatus.DRAFT}), ReportStatus.PUBLISHED),
    ReportAction.REQUEST_PDF: (ALL_STATUSES, None),
}

PUBLISHED_IS_READ_ONLY: Promise = gettext_lazy(
    "该报告已发布，不能再修改。如需更新，请重新生成，系统会建立新版本。"
)


def _not_found_area() -> NotFoundError:
    return NotFoundError(_("没有找到该区域，或它不在您的督查范围内。"))


def _jurisdiction(actor: object) -> Jurisdiction:
    """The jurisdiction a user reports on (ForbiddenError for non-overseers and for no actor at all)."""
    if isinstance(actor, User):
        return require_overseer(actor)
    return require_overseer(None)  # None or anything else: refused with the overseers' message


def covers(j: Jurisdiction, area: Area | None) -> bool:
    """Whether reports about `area` (None: the whole platform) lie in the jurisdiction."""
    return j.everything if area is None else j.covers_area(area)


def ensure_may_report_on(actor: ReportActor, area: Area | None) -> None:
    """ForbiddenError for non-overseers (and no actor); 404 for an area outside the jurisdiction."""
    if isinstance(actor, ServerRights):
        return
    if not covers(_jurisdiction(actor), area):
        raise _not_found_area()


def report_status_allows(action: str, status: str) -> bool:
    return status in REPORT_TRANSITIONS[action][0]


def ensure_report_allowed(actor: ReportActor, report: Report, action: str) -> None:
    """Refuse unless `actor` may take `action` on `report` now: who first (ForbiddenError / 404), then
    the status (409 for a published report)."""
    ensure_may_report_on(actor, report.area)
    if not report_status_allows(action, report.status):
        raise ConflictError(str(PUBLISHED_IS_READ_ONLY))


def report_allowed_actions(user: User, report: Report) -> list[str]:
    """The actions the report page offers `user` (the page is only shown to those who may view it)."""
    try:
        ensure_may_report_on(user, report.area)
    except (ForbiddenError, NotFoundError):
        return []
    return [action for action in REPORT_TRANSITIONS if report_status_allows(action, report.status)]


# --- the queryset filter beside the predicate ---------------------------------------------------------


def reports_visible_q(j: Jurisdiction) -> Q | None:
    """The reports in the jurisdiction, as a filter (None: all, for admins). `covers` is the same
    rule on one area: a report of the whole platform (area None) is outside every area's subtree."""
    if j.everything:
        return None
    return Q(area_id__in=area_subtree_ids(j.area_paths))


def reports_visible(user: User | None) -> QuerySet[Report]:
    """Reports whose area lies in the user's jurisdiction (admins: all). Non-overseers: 403."""
    q = reports_visible_q(require_overseer(user))
    qs = Report.objects.select_related("area", "generated_by", "published_by")
    return qs if q is None else qs.filter(q)


def report_get_for_user(user: User | None, pk: int) -> Report:
    """The same 404 for a report that does not exist and one outside the user's jurisdiction."""
    report = reports_visible(user).filter(pk=pk).first()
    if report is None:
        raise NotFoundError(_("没有找到该报告，或它不在您的督查范围内。"))
    return report


def area_for_report(j: Jurisdiction, code: str | None) -> Area | None:
    """The area a new report is about: a code within the jurisdiction (404 otherwise), or by default
    the whole platform for admins and the single overseen area for others."""
    code = (code or "").strip()
    if not code:
        if j.everything:
            return None
        if len(j.area_paths) == 1:
            return Area.objects.filter(path=j.area_paths[0]).first()
        raise ValidationFailedError(_("您负责多个区域，请选择报告的区域。"), field="area")
    area = Area.objects.filter(code=code).first()
    if area is None or not covers(j, area):
        raise _not_found_area()
    return area
