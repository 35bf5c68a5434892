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

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.30, 39.90], [116.31, 39.90], [116.31, 39.91], [116.30, 39.91], [116.30, 39.90]]],
}


def _form(area, boundary):
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "parent": area.parent_id,
        "boundary": json.dumps(boundary),
    }


def test_a_boundary_edited_in_the_admin_is_checked_and_locates(client, district):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/org/area/{district.grid_a.pk}/change/"
    bad = client.post(url, _form(district.grid_a, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}))
    assert bad.status_code == 200
    assert "GeoJSON Polygon/MultiPolygon" in bad.content.decode()
    assert area_at(39.905, 116.305) is None
    assert client.post(url, _form(district.grid_a, SQUARE)).status_code == 302
    district.grid_a.refresh_from_db()
    assert district.grid_a.bbox_max_lon == pytest.approx(116.31)
    assert area_at(39.905, 116.305) == district.grid_a


def test_an_estate_added_in_the_admin_is_found_at_once(client, district):
    assert grid_for_address("幸福家园1栋") is None  # the (empty) list of estates is now cached
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    r = client.post(
        "/admin/org/addressentry/add/",
        {"grid": district.grid_a.pk, "estate": "幸福 家园", "road": "", "parity": "all", "source": "import"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert AddressEntry.objects.get().estate == "幸福家园"
    assert grid_for_address("幸福家园1栋") == district.grid_a
    assert client.get("/admin/org/addressentry/").status_code == 200


def _geojson(*features):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = json.dumps({"type": "FeatureCollection", "features": list(features)})
    return SimpleUploadedFile("grids.geojson", body.encode(), content_type="application/geo+json")


def test_the_admin_previews_a_boundary_file_then_imports_it(client, district):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert "/admin/org/area/import-boundaries/" in client.get("/admin/org/area/").content.decode()
    url = "/admin/org/area/import-boundaries/"
    features = (
        {"type": "Feature", "properties": {"code": "G1"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"code": "G404"}, "geometry": SQUARE},
    )
    preview = client.post(url, {"file": _geojson(*features), "property": "code", "preview": "1"})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "预览" in html
    assert "G404" in html
    assert "no area has this code" in html
    assert area_at(39.905, 116.305) is None  # a preview writes nothing
    done = client.post(url, {"file": _geojson(*features), "property": "code", "apply": "1"})
    assert done.status_code == 200
    assert "已导入" in done.content.decode()
    assert area_at(39.905, 116.305) == district.grid_a


def test_the_admin_refuses_a_file_that_is_no_feature_collection(client, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    bad = client.post(
        "/admin/org/area/import-boundaries/",
        {"file": SimpleUploadedFile("x.json", b"{not json"), "property": "code", "apply": "1"},
    )
    assert bad.status_code == 400
    assert "not JSON" in bad.content.decode()
    latin = client.post(
        "/admin/org/area/import-boundaries/",
        {"file": SimpleUploadedFile("x.json", "{}".encode("utf-16")), "property": "code", "preview": "1"},
    )
    assert latin.status_code == 400
    assert "UTF-8" in latin.content.decode()


def test_staff_without_the_admin_cannot_import_boundaries(client, district):
    client.force_login(district.dispatcher)
    response = client.get("/admin/org/area/import-boundaries/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    limited = UserFactory(username="viewer", is_staff=True)  # staff, but no permission on areas
    client.force_login(limited)
    assert client.get("/admin/org/area/import-boundaries/").status_code == 403
