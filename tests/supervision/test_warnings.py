"""Warnings fire when their condition holds, are not duplicated, and clear by themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.appeals.models import EventType, Status
from lianxin.supervision import alerts, rollups, warning_kinds
from lianxin.supervision.models import RaisedWarning, WarningRule, WarningStatus
from lianxin.supervision.warning_kinds import RuleKind
from tests.factories import AppealFactory

from .conftest import History


def only(kind: str, **fields) -> WarningRule:
    WarningRule.objects.exclude(kind=kind).update(active=False)
    rule = WarningRule.objects.get(kind=kind)
    rule.active = True
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def open_keys(rule: WarningRule) -> set[str]:
    return set(rule.warnings.filter(status=WarningStatus.OPEN).values_list("subject_key", flat=True))


def test_default_rules_exist(db):
    assert set(WarningRule.objects.values_list("kind", flat=True)) == set(RuleKind.values)


def test_overdue_appeal_warning_fires_once_and_clears(district):
    rule = only(RuleKind.APPEAL_OVERDUE)
    now = timezone.now()
    late = AppealFactory(
        status=Status.ACCEPTED, unit=district.unit_city, resolve_due_at=now - dt.timedelta(hours=1)
    )
    AppealFactory(status=Status.ACCEPTED, unit=district.unit_city, resolve_due_at=now + dt.timedelta(days=2))
    report = alerts.evaluate_warnings(now)
    assert report.raised == 1
    assert open_keys(rule) == {f"appeal:{late.pk}"}
    assert alerts.evaluate_warnings(now).raised == 0
    assert RaisedWarning.objects.count() == 1
    late.status = Status.REPLIED
    late.save()
    report = alerts.evaluate_warnings(now)
    assert report.cleared == 1
    assert open_keys(rule) == set()
    warning = RaisedWarning.objects.get()
    assert warning.status == WarningStatus.CLEARED
    assert warning.cleared_at == now
    # the condition returns: a new warning, the old one stays cleared
    late.status = Status.ACCEPTED
    late.save()
    alerts.evaluate_warnings(now)
    assert RaisedWarning.objects.filter(status=WarningStatus.OPEN).count() == 1
    assert RaisedWarning.objects.count() == 2


def test_due_soon_and_reopened_rules(district):
    due_rule = only(RuleKind.APPEAL_DUE_SOON, threshold=6)
    now = timezone.now()
    soon = AppealFactory(
        status=Status.DISPATCHED, unit=district.unit_env, resolve_due_at=now + dt.timedelta(hours=2)
    )
    AppealFactory(
        status=Status.DISPATCHED, unit=district.unit_env, resolve_due_at=now + dt.timedelta(hours=30)
    )
    alerts.evaluate_warnings(now)
    assert open_keys(due_rule) == {f"appeal:{soon.pk}"}
    soon.resolve_due_at = now + dt.timedelta(days=3)  # an extension was granted
    soon.save()
    alerts.evaluate_warnings(now)
    assert open_keys(due_rule) == set()

    reopen_rule = only(RuleKind.APPEAL_REOPENED)
    twice = AppealFactory(status=Status.DISPATCHED, reopen_count=2)
    AppealFactory(status=Status.DISPATCHED, reopen_count=1)
    alerts.evaluate_warnings(now)
    assert open_keys(reopen_rule) == {f"appeal:{twice.pk}"}


def _rated(district, when, satisfaction):
    h = History(area=district.grid_a, category=district.cat_env, submitted=when - dt.timedelta(hours=5))
    h.dispatch(when - dt.timedelta(hours=4), district.unit_env)
    h.accept(when - dt.timedelta(hours=3), district.unit_env)
    h.reply(when - dt.timedelta(hours=2), district.unit_env)
    h.rate(when - dt.timedelta(hours=1), district.unit_env, satisfaction, True)
    return h


def test_unit_satisfaction_warning_fires_and_clears(district):
    rule = only(RuleKind.UNIT_SATISFACTION_LOW, threshold=80, min_count=3, window_days=30)
    now = timezone.now()
    for sat in ("dissatisfied", "dissatisfied", "satisfied"):
        _rated(district, now - dt.timedelta(days=2), sat)
    rollups.process_events(now=now, settle_seconds=0)
    alerts.evaluate_warnings(now)
    assert open_keys(rule) == {f"unit:{district.unit_env.pk}"}
    warning = rule.warnings.get()
    assert warning.value == pytest.approx(33.3)
    assert warning.unit == district.unit_env
    for _ in range(9):
        _rated(district, now - dt.timedelta(days=1), "basic")
    rollups.process_events(now=now, settle_seconds=0)
    alerts.evaluate_warnings(now)  # 10 of 12 satisfied: 83 %
    assert open_keys(rule) == set()


def test_unit_overdue_warning_uses_a_rolling_window(district):
    rule = only(RuleKind.UNIT_OVERDUE_HIGH, threshold=1, window_days=7)
    now = timezone.now()
    for _ in range(2):
        h = History(area=district.grid_b, category=district.cat_city, submitted=now - dt.timedelta(days=3))
        h.dispatch(now - dt.timedelta(days=3), district.unit_city)
        h.event(
            EventType.OVERDUE,
            now - dt.timedelta(days=1),
            unit=district.unit_city,
            data={"resolve_due_at": (now - dt.timedelta(days=1)).isoformat()},
        )
    rollups.process_events(now=now, settle_seconds=0)
    alerts.evaluate_warnings(now)
    assert open_keys(rule) == {f"unit:{district.unit_city.pk}"}
    alerts.evaluate_warnings(now + dt.timedelta(days=8))  # the overdue appeals left the window
    assert open_keys(rule) == set()


def test_category_surge_against_its_own_baseline(district):
    rule = only(RuleKind.CATEGORY_SURGE, threshold=2, min_count=5)
    now = timezone.now()
    for i in range(8):  # baseline: 8 over the 4 weeks before = 2 a week
        History(
            area=district.grid_a, category=district.cat_light, submitted=now - dt.timedelta(days=9 + 3 * i)
        )
    for i in range(6):  # last 7 days: 6 street-lighting appeals in street A, more than 2 × 2
        History(
            area=district.grid_a, category=district.cat_light, submitted=now - dt.timedelta(days=1, hours=i)
        )
    rollups.process_events(now=now, settle_seconds=0)
    alerts.evaluate_warnings(now)
    assert open_keys(rule) == {f"surge:{district.cat_city.pk}:{district.street_a.pk}"}
    warning = rule.warnings.get()
    assert warning.area == district.street_a
    assert warning.category == district.cat_city
    assert warning.value == 6
    alerts.evaluate_warnings(now + dt.timedelta(days=10))
    assert open_keys(rule) == set()


def test_no_surge_when_in_line_with_baseline(district):
    rule = only(RuleKind.CATEGORY_SURGE, threshold=2, min_count=5)
    now = timezone.now()
    for i in range(16):  # 4 a week before
        History(
            area=district.grid_b, category=district.cat_env, submitted=now - dt.timedelta(days=8 + i * 1.5)
        )
    for i in range(6):  # 6 this week: less than 2 × 4
        History(
            area=district.grid_b, category=district.cat_env, submitted=now - dt.timedelta(days=2, hours=i)
        )
    rollups.process_events(now=now, settle_seconds=0)
    alerts.evaluate_warnings(now)
    assert open_keys(rule) == set()


# --- messages in the reader's language ---------------------------------------------------------------


@pytest.fixture
def english_msgstr():
    """Give a msgid an English translation for one test (the project's catalogue is regenerated
    separately, so the tests must not depend on what it holds), and restore the catalogue after."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("en")._catalog  # type: ignore[attr-defined]  # private, not in django-stubs
    saved: dict[str, str | None] = {}

    def add(msgid: str, msgstr: str) -> None:
        saved.setdefault(msgid, catalog.get(msgid))
        catalog[msgid] = msgstr

    yield add
    for msgid, old in saved.items():
        for part in catalog._catalogs:
            part.pop(msgid, None)
        if old is not None:
            catalog[msgid] = old


def test_every_message_reads_back_to_its_template(district):
    """Each rule kind stores the Chinese text of its template, and the parameters read back out of
    it rebuild exactly that text."""
    now = timezone.now()
    AppealFactory(status=Status.ACCEPTED, unit=district.unit_city, resolve_due_at=now - dt.timedelta(hours=1))
    AppealFactory(
        status=Status.DISPATCHED, unit=district.unit_env, resolve_due_at=now + dt.timedelta(hours=2)
    )
    AppealFactory(status=Status.DISPATCHED, reopen_count=2)
    for sat in ("dissatisfied", "dissatisfied", "satisfied"):
        _rated(district, now - dt.timedelta(days=2), sat)
    for i in range(8):
        History(
            area=district.grid_a, category=district.cat_light, submitted=now - dt.timedelta(days=9 + 3 * i)
        )
    for i in range(6):
        History(
            area=district.grid_a, category=district.cat_light, submitted=now - dt.timedelta(days=1, hours=i)
        )
    for _ in range(2):
        h = History(area=district.grid_b, category=district.cat_city, submitted=now - dt.timedelta(days=3))
        h.dispatch(now - dt.timedelta(days=3), district.unit_city)
        h.event(EventType.OVERDUE, now - dt.timedelta(days=1), unit=district.unit_city, data={})
    rollups.process_events(now=now, settle_seconds=0)
    WarningRule.objects.filter(kind=RuleKind.UNIT_SATISFACTION_LOW).update(min_count=3)
    WarningRule.objects.filter(kind=RuleKind.UNIT_OVERDUE_HIGH).update(threshold=1)
    alerts.evaluate_warnings(now)
    raised = {w.rule.kind: w for w in RaisedWarning.objects.select_related("rule")}
    assert set(raised) == set(alerts.FINDERS)
    # the kinds without a finder are pushed by another app (tests/outreach/test_cadre_warnings.py)
    assert set(RuleKind.values) - set(alerts.FINDERS) == {RuleKind.CADRE_VISITS_OVERDUE}
    for kind, w in raised.items():
        found = alerts.message_params(kind, w.message)
        assert found is not None, w.message
        template, params = found
        assert template.format(**params) == w.message
        assert alerts.warning_message(w) == w.message  # Chinese reader: the stored text
    assert (
        alerts.message_params(RuleKind.UNIT_SATISFACTION_LOW, raised[RuleKind.UNIT_SATISFACTION_LOW].message)
        or ("", {})
    )[1] == {
        "days": "30",
        "rate": "33.3",
        "floor": "80",
        "rated": "3",
    }
    surge = (
        alerts.message_params(RuleKind.CATEGORY_SURGE, raised[RuleKind.CATEGORY_SURGE].message) or ("", {})
    )[1]
    assert surge == {"area": "东街道", "category": district.cat_city.name, "count": "6", "baseline": "2.0"}


def test_warning_is_rendered_through_gettext_at_display_time(district, english_msgstr):
    from django.utils import translation

    only(RuleKind.APPEAL_OVERDUE)
    now = timezone.now()
    late = AppealFactory(
        status=Status.ACCEPTED, unit=district.unit_city, resolve_due_at=now - dt.timedelta(hours=1)
    )
    alerts.evaluate_warnings(now)
    warning = RaisedWarning.objects.select_related("rule").get()
    assert warning.message.startswith(f"{late.tracking_number} 已超过办结时限（")  # stored as raised
    english_msgstr(warning_kinds.OVERDUE, "{number} is past its deadline ({due})")
    with translation.override("en"):
        shown = alerts.warning_message(warning)
    due = warning.message.split("（")[1].rstrip("）")
    assert shown == f"{late.tracking_number} is past its deadline ({due})"
    with translation.override("zh-hans"):
        assert alerts.warning_message(warning) == warning.message
    warning.refresh_from_db()
    assert "已超过办结时限" in warning.message  # the stored text did not change


def test_warnings_page_shows_the_readers_language(client, district, english_msgstr):
    rule = only(RuleKind.APPEAL_REOPENED)
    twice = AppealFactory(status=Status.DISPATCHED, reopen_count=2, area=district.grid_a)
    alerts.evaluate_warnings(timezone.now())
    english_msgstr(warning_kinds.REOPENED, "{number} reopened {n} times")
    client.force_login(district.admin)
    assert f"{twice.tracking_number} 已重办 2 次" in client.get("/supervision/warnings/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/supervision/warnings/").content.decode()
    assert f"{twice.tracking_number} reopened 2 times" in page
    assert "已重办" not in page
    order_page = client.get(f"/supervision/orders/new/?warning={rule.warnings.get().pk}").content.decode()
    assert f"{twice.tracking_number} reopened 2 times" in order_page


def test_unreadable_messages_are_shown_as_stored(district):
    rule = only(RuleKind.CATEGORY_SURGE)
    warning = RaisedWarning(rule=rule, subject_key="x", message="旧版本的预警文字", raised_at=timezone.now())
    assert alerts.message_params(rule.kind, warning.message) is None
    assert alerts.warning_message(warning) == "旧版本的预警文字"


def test_figure_labels_follow_the_active_language():
    from django.utils import translation

    from lianxin.supervision.selectors import FIGURE_LABELS

    with translation.override("en"):
        assert str(FIGURE_LABELS["received"]) == translation.gettext("受理量") == "Received"
        assert "、".join(str(v) for v in FIGURE_LABELS.values()).startswith("Received、")
    with translation.override("zh-hans"):
        assert str(FIGURE_LABELS["received"]) == "受理量"


def test_the_admin_shows_warnings_in_the_readers_language(client, district, english_msgstr):
    from tests.factories import UserFactory

    only(RuleKind.APPEAL_OVERDUE)
    now = timezone.now()
    late = AppealFactory(
        status=Status.ACCEPTED, unit=district.unit_city, resolve_due_at=now - dt.timedelta(hours=1)
    )
    alerts.evaluate_warnings(now)
    warning = RaisedWarning.objects.get()
    english_msgstr(warning_kinds.OVERDUE, "{number} is past its deadline ({due})")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    listing = client.get("/admin/supervision/raisedwarning/").content.decode()
    assert f"{late.tracking_number} is past its deadline" in listing
    assert "已超过办结时限" not in listing
    detail = client.get(f"/admin/supervision/raisedwarning/{warning.pk}/change/").content.decode()
    assert f"{late.tracking_number} is past its deadline" in detail
    client.cookies["django_language"] = "zh-hans"
    assert warning.message in client.get("/admin/supervision/raisedwarning/").content.decode()
