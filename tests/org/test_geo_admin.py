"""Boundaries and the gazetteer in the admin: a boundary is checked and gets its bounding box;
gazetteer entries are normalised and found at once."""

from __future__ import annotations

import json

import pytest

from lianxin.org.gazetteer import grid_for_address
from lianxin.org.locating import area_at
from lianxin.org.models import AddressEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[116.30, 39.90], [116.31, 39.90], [116.31, 39.91],
                                              [116.30, 39.91], [116.30, 39.90]]]}


def _form(area, boundary):
    return {"code": area.code, "name": area.name, "level": area.level, "parent": area.parent_id,
            "boundary": json.dumps(boundary)}


def test_a_boundary_edited_in_the_admin_is_checked_and_locates(client, district):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/org/area/{district.grid_a.pk}/change/"
    bad = client.post(url, _form(district.grid_a, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}))
    assert bad.status_code == 200 and "GeoJSON Polygon/MultiPolygon" in bad.content.decode()
    assert area_at(39.905, 116.305) is None
    assert client.post(url, _form(district.grid_a, SQUARE)).status_code == 302
    district.grid_a.refresh_from_db()
    assert district.grid_a.bbox_max_lon == pytest.approx(116.31)
    assert area_at(39.905, 116.305) == district.grid_a


def test_an_estate_added_in_the_admin_is_found_at_once(client, district):
    assert grid_for_address("幸福家园1栋") is None  # the (empty) list of estates is now cached
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    r = client.post("/admin/org/addressentry/add/", {"grid": district.grid_a.pk, "estate": "幸福 家园",
                                                     "road": "", "parity": "all", "source": "import"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert AddressEntry.objects.get().estate == "幸福家园"
    assert grid_for_address("幸福家园1栋") == district.grid_a
    assert client.get("/admin/org/addressentry/").status_code == 200
