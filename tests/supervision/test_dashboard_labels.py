"""Issue 16: every figure says as of when it was computed, a period not over yet says so beside the
full previous one, and a bare year is refused with a message that says what to type."""

from __future__ import annotations

from django.utils import timezone, translation

from lianxin.supervision.selectors import Period


def _dashboard(client, user, period: str):
    client.force_login(user)
    return client.get("/supervision/", {"period": period})


def test_the_figures_say_when_they_were_computed_and_a_running_month_says_it_is_not_over(client, district):
    this_month = Period.containing(timezone.localdate())
    body = _dashboard(client, district.supervisor, this_month.label).content.decode()
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    assert 'id="figures-as-of"' in body
    assert f"数据截至 {stamp}" in body
    assert 'id="part-period"' in body
    assert f"{this_month.label} 尚未结束" in body


def test_a_finished_month_is_not_labelled_partial(client, district):
    last_month = Period.containing(timezone.localdate()).previous()
    body = _dashboard(client, district.supervisor, last_month.label).content.decode()
    assert 'id="figures-as-of"' in body
    assert 'id="part-period"' not in body


def test_the_labels_read_in_english(client, district):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        body = _dashboard(
            client, district.supervisor, Period.containing(timezone.localdate()).label
        ).content.decode()
    assert "Figures as of" in body
    assert "is not over yet" in body


def test_a_bare_year_is_refused_with_what_to_type(client, district):
    response = _dashboard(client, district.supervisor, "2026")
    body = response.content.decode()
    assert response.status_code == 400
    assert "2026-05" in body
    assert "2026-Q2" in body
    assert "<main" in body
