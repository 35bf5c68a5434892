"""The organiser's opinion analysis: similar opinions folded into points, key words, per paragraph."""

from __future__ import annotations

from django.test import Client

from lianxin.consultations import services
from lianxin.consultations.points import opinion_points
from tests.factories import UserFactory

from .factories import consultation

FEES = [
    "临时停车每小时五元收费太高了，建议降低收费标准",
    "临时停车收费太高，每小时五元负担重，建议降低",
    "每小时五元的临时停车收费太高，希望降低收费标准",
]
OTHER = ["访客免费停车时间应延长到四小时", "外来车辆太多，应该严格管理"]


def test_points_fold_similar_opinions(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    for i, text in enumerate(FEES + OTHER):
        services.comment_add(
            actor=UserFactory(username=f"p{i}"), consultation=c, text=text, paragraph_number=2
        )
    services.comment_add(actor=people.resident, consultation=c, text="希望公开车位台账")
    rows = opinion_points(c)
    second = rows[1]
    assert second["number"] == 2
    assert second["comments"] == 5
    assert second["points"]
    assert second["points"][0]["size"] == 3
    assert any("收费" in w for w, _n in second["words"])
    assert rows[-1]["number"] is None
    assert rows[-1]["comments"] == 1
    client = Client()
    client.force_login(people.organiser)
    r = client.get(f"/consultations/staff/{c.slug}/analysis/")
    assert r.status_code == 200
    assert "主要观点" in r.content.decode()
    other = Client()
    other.force_login(people.resident)
    assert other.get(f"/consultations/staff/{c.slug}/analysis/").status_code == 403
