"""The monthly report's sections of other apps' indicators (supervision's registry): one per
source, in order, each only when it has something to show."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from lianxin.activities.models import Activity, ActivityStatus, HoursEntry, HoursStatus
from lianxin.mediation.models import Status
from lianxin.reports import rendering, services
from lianxin.reports.selectors import report_content
from lianxin.reports.services import SERVER
from lianxin.supervision.selectors import Period
from tests.factories import UserFactory
from tests.mediation.factories import CaseFactory

pytestmark = pytest.mark.django_db

OCTOBER = Period.parse("2026-10")


def at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 10, day, hour))


def _report():
    return services.report_generate(period=OCTOBER, area=None, actor=SERVER, queue_pdf=False)


def test_no_section_without_anything_to_show(district):
    assert report_content(OCTOBER, None)["sections"] == []
    html = rendering.render_html(_report())
    assert 'id="indicators-' not in html
    assert "矛盾纠纷调解" not in html
    assert "联系服务群众" not in html


def test_sections_of_activities_and_mediation(district):
    CaseFactory(
        area=district.community_a,
        status=Status.CLOSED,
        opened_at=at(1),
        agreed_at=at(5),
        closed_at=at(11),
        agreement_kept=True,
    )
    activity = Activity.objects.create(
        kind="volunteer",
        title="清洁",
        place="广场",
        area=district.grid_a,
        organiser=district.admin,
        starts_at=at(10),
        ends_at=at(10, 12),
        capacity=10,
        status=ActivityStatus.FINISHED,
        checkin_code=secrets.token_urlsafe(12),
    )
    HoursEntry.objects.create(
        user=UserFactory(),
        activity=activity,
        started_at=at(10),
        ended_at=at(10, 11) + dt.timedelta(minutes=30),
        minutes=150,
        status=HoursStatus.CONFIRMED,
        verification_code=secrets.token_hex(6),
    )
    sections = report_content(OCTOBER, None)["sections"]
    assert [s["source"] for s in sections] == ["activities", "mediation"]  # consultations: nothing to show
    shown = {row["code"]: row["shown"] for s in sections for row in s["indicators"]}
    assert shown["community_activities_held"] == "1"
    assert shown["community_volunteer_hours"] == "2.5"
    assert shown["mediation_agreed"] == "1"
    assert shown["mediation_agreement_rate"] == "100.0%"
    assert shown["mediation_kept_rate"] == "—"
    assert shown["mediation_median_days_to_close"] == "10"
    assert report_content(OCTOBER, district.street_b)["sections"] == []  # all of it in street A
    html = rendering.render_html(_report())
    assert 'id="indicators-activities"' in html
    assert 'id="indicators-mediation"' in html
    assert "社区活动与志愿服务" in html
    assert "调解成功率" in html
    assert 'id="indicators-consultations"' not in html


def test_a_report_stored_before_sections_still_shows_its_contact_figures(district):
    report = _report()
    data = dict(report.data)
    data.pop("sections")
    data["contact"] = [
        {"code": "contact_concerns", "label": "走访发现问题数", "kind": "count", "value": 3.0, "shown": "3"}
    ]
    report.data = data
    html = rendering.render_html(report)
    assert 'id="contact"' in html
    assert "走访发现问题数" in html


def test_section_titles_and_labels_in_english(district):
    from django.utils import translation

    CaseFactory(area=district.community_a, status=Status.AGREED, opened_at=at(1), agreed_at=at(5))
    with translation.override("en"):
        (section,) = report_content(OCTOBER, None)["sections"]
    labels = {row["code"]: row["label"] for row in section["indicators"]}
    assert section["title"] == "Dispute mediation"
    assert labels["mediation_agreed"] == "Agreements reached"
    assert labels["mediation_median_days_to_close"].isascii()
