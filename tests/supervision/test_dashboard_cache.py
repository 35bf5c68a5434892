"""The dashboard's rollup part is rendered once and reused until a figure it shows may change."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.appeals.actors import Actor
from lianxin.appeals.models import EventType
from lianxin.supervision import rollups, services
from lianxin.supervision.models import AssessmentScheme, FollowUp

from .conftest import History, at

PERIOD = "2026-05"


def _received(body: str) -> int:
    match = re.search(r'<span class="n">(\d+)</span>受理量', body)
    assert match, "the received card is on the page"
    return int(match[1])


def _get(client, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/supervision/", {"period": PERIOD, **params})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _submitted(district, when: str) -> History:
    return History(area=district.grid_a, category=district.cat_light, submitted=at(when))


def test_the_second_view_reuses_the_rendered_figures(client, district):
    _submitted(district, "2026-05-06 09:00").dispatch(at("2026-05-06 09:10"), district.unit_city)
    rollups.process_events(settle_seconds=0)
    first, first_queries = _get(client, district.supervisor)
    second, second_queries = _get(client, district.supervisor)
    assert _received(first) == _received(second) == 1
    assert second_queries <= first_queries - 10, (first_queries, second_queries)


def test_newly_folded_events_show_at_once(client, district):
    _submitted(district, "2026-05-06 09:00")
    rollups.process_events(settle_seconds=0)
    assert _received(_get(client, district.supervisor)[0]) == 1
    _submitted(district, "2026-05-20 15:00")
    assert _received(_get(client, district.supervisor)[0]) == 1  # not folded yet: the rollups say 1
    rollups.process_events(settle_seconds=0)
    assert _received(_get(client, district.supervisor)[0]) == 2


def test_a_new_assessment_scheme_changes_the_cached_ranking(client, district):
    h = _submitted(district, "2026-05-06 09:00").dispatch(at("2026-05-06 09:10"), district.unit_city)
    h.accept(at("2026-05-06 09:30"), district.unit_city)
    h.event(EventType.RESIDENT_CONTACTED, at("2026-05-06 10:00"), unit=district.unit_city)
    rollups.process_events(settle_seconds=0)
    before, _n = _get(client, district.supervisor)
    AssessmentScheme.objects.update(active=False)
    AssessmentScheme.objects.create(
        name="只看响应",
        valid_from=at("2026-01-01 00:00").date(),
        active=True,
        weight_response=Decimal(100),
        weight_resolution=Decimal(0),
        weight_satisfaction=Decimal(0),
    )
    after, _n = _get(client, district.supervisor)
    assert before != after
    assert ">100.0<" in after  # contacted on time: response 100% is the whole score now


def test_a_false_closure_found_by_a_call_shows_at_once(client, district):
    AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("0"))
    now = timezone.now().astimezone(at("2026-05-06 09:00").tzinfo)
    h = History(area=district.grid_a, category=district.cat_light, submitted=now)
    h.dispatch(now, district.unit_city).accept(now, district.unit_city).reply(now, district.unit_city)
    h.rate(now, district.unit_city, "dissatisfied", True)
    rollups.process_events(settle_seconds=0, now=now + dt.timedelta(seconds=1))
    this_month = f"{now:%Y-%m}"
    client.force_login(district.supervisor)

    def false_closures() -> str:
        body = client.get("/supervision/", {"period": this_month}).content.decode()
        match = re.search(r'<span class="n">(\d+)</span>虚假办结', body)
        assert match
        return match[1]

    assert false_closures() == "0"
    services.follow_up_record(
        follow_up=FollowUp.objects.get(),
        actor=Actor.staff(district.supervisor),
        reached=True,
        really_solved=False,
        satisfied=False,
        pressured=False,
    )
    assert false_closures() == "1"


def test_each_language_and_jurisdiction_gets_its_own_copy(client, district):
    _submitted(district, "2026-05-06 09:00")
    rollups.process_events(settle_seconds=0)
    chinese, _n = _get(client, district.supervisor)
    client.cookies["django_language"] = "en"
    english, _n = _get(client, district.supervisor)
    assert "受理量" in chinese
    assert "受理量" not in english
    client.cookies.pop("django_language")
    leader_b, _n = _get(client, district.leader_b)  # street B only: the appeal in street A is not theirs
    assert _received(leader_b) == 0


def test_text_hotspots_load_after_the_page(client, district):
    client.force_login(district.supervisor)
    page = client.get("/supervision/").content.decode()
    assert 'hx-get="/supervision/text-hotspots/?' in page
    fragment = client.get("/supervision/text-hotspots/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "相似诉求聚类" in fragment.content.decode()
    full = client.get("/supervision/text-hotspots/")
    assert full.status_code == 200
    assert "<html" in full.content.decode()
    client.force_login(district.handler_city)
    assert client.get("/supervision/text-hotspots/").status_code == 403
    client.force_login(district.leader_b)  # street B only
    outside = client.get("/supervision/text-hotspots/", {"area": district.street_a.pk})
    assert outside.status_code == 404
    bad = client.get("/supervision/text-hotspots/", {"area": "abc"})
    assert bad.status_code == 400
    assert "area" in bad.content.decode()


def test_chart_labels_follow_the_language(client, district):
    import json

    client.force_login(district.supervisor)
    for language, expected in (("zh-hans", "受理量"), ("en", None)):
        client.cookies["django_language"] = language
        body = client.get("/supervision/").content.decode()
        block = re.search(r'<script type="application/json" id="chart-labels">(.*?)</script>', body)
        assert block
        labels = json.loads(block[1])
        assert set(labels) == {"received", "closed", "satisfaction", "pieces", "score"}
        if expected:
            assert labels["received"] == expected
        else:
            assert labels["received"] != "受理量"
            assert labels["received"].isascii()


def test_the_refresh_renders_the_default_views_ahead_of_their_readers(client, district):
    from lianxin.supervision.tasks import refresh

    now = timezone.now()
    History(area=district.grid_a, category=district.cat_light, submitted=now - dt.timedelta(minutes=10))
    report = refresh(now)
    assert report["events"] == 1
    assert report["dashboards_rendered"] >= 2  # at least this month and last month for one jurisdiction
    client.force_login(district.leader_b)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/supervision/").content.decode()
    assert not any("supervision_kpi" in q["sql"] for q in queries.captured_queries)  # served from the cache
    assert "受理量" in body
    assert refresh(now)["dashboards_rendered"] == 0  # nothing changed: nothing rendered again
