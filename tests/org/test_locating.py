"""Routing by location: the grid by point (PostGIS on PostgreSQL where installed, else Python), by
address (the gazetteer), the fallback, and intake's and reclassification's use of them."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.org import locating
from lianxin.org.boundaries import BoundaryFileInvalidError, boundaries_import
from lianxin.org.gazetteer import gazetteer_import, grid_for_address, road_and_number
from lianxin.org.locating import area_at, refine_area, set_boundary
from lianxin.org.models import AddressEntry, AddressSource, AreaLevel
from tests.appeals.helpers import submit
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


def square(x0: float, y0: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]],
    }


@pytest.fixture
def bounded(district):
    """G1 is a square at (116.30, 39.90); G2 the square east of it; C1 a big square around G1."""
    set_boundary(district.grid_a, square(116.30, 39.90))
    set_boundary(district.grid_b, square(116.31, 39.90))
    set_boundary(district.community_a, square(116.29, 39.89, 0.05))
    return district


def test_a_point_finds_the_finest_area_holding_it(bounded):
    assert area_at(39.905, 116.305) == bounded.grid_a
    assert area_at(39.905, 116.315) == bounded.grid_b
    assert area_at(39.93, 116.33) == bounded.community_a  # inside C1, in no grid
    assert area_at(39.80, 116.305) is None


def test_on_the_line_between_two_grids_one_of_them_is_found(bounded):
    assert area_at(39.905, 116.31) in (bounded.grid_a, bounded.grid_b)


def test_the_bounding_box_is_kept_with_the_boundary(bounded):
    bounded.grid_a.refresh_from_db()
    assert (bounded.grid_a.bbox_min_lon, bounded.grid_a.bbox_max_lat) == pytest.approx((116.30, 39.91))
    set_boundary(bounded.grid_a, None)
    bounded.grid_a.refresh_from_db()
    assert bounded.grid_a.bbox_min_lon is None
    assert area_at(39.905, 116.305) == bounded.community_a


def test_a_broken_boundary_set_by_hand_holds_nothing_and_breaks_nothing(bounded):
    type(bounded.grid_b).objects.filter(pk=bounded.grid_b.pk).update(
        boundary={"type": "Polygon", "coordinates": [[1]]}
    )
    assert area_at(39.905, 116.305) == bounded.grid_a
    assert area_at(39.905, 116.315) == bounded.community_a  # G2's broken square holds nothing


def test_python_and_postgis_agree(bounded, monkeypatch):
    points = [(39.905, 116.305), (39.905, 116.315), (39.93, 116.33), (39.80, 116.305), (39.90, 116.30)]
    found = [area_at(*p) for p in points]
    monkeypatch.setattr(locating, "postgis_available", lambda: False)
    assert [area_at(*p) for p in points] == found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostGIS is a PostgreSQL extension")
def test_postgis_is_used_on_postgresql_where_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        installed = cursor.fetchone() is not None
    assert locating.postgis_available() == installed


def test_intake_puts_an_appeal_with_coordinates_in_its_grid(bounded, settings):
    appeal = submit(bounded, settings=settings, area_code="", latitude="39.905", longitude="116.315")
    assert appeal.area == bounded.grid_b
    # a street chosen on the form is made finer when the point lies inside it
    appeal = submit(bounded, settings=settings, area_code="S1", latitude="39.905", longitude="116.305")
    assert appeal.area == bounded.grid_a


def test_intake_keeps_the_residents_grid_and_distrusts_a_point_outside_the_chosen_area(bounded, settings):
    assert (
        submit(bounded, settings=settings, area_code="G2", latitude="39.905", longitude="116.305").area
        == bounded.grid_b
    )
    assert (
        submit(bounded, settings=settings, area_code="S2", latitude="39.905", longitude="116.305").area
        == bounded.street_b
    )


def test_intake_falls_back_to_the_address_then_to_what_it_was_given(bounded, settings):
    AddressEntry.objects.create(grid=bounded.grid_b, road="建设路", number_from=1, number_to=99, parity="odd")
    appeal = submit(
        bounded, settings=settings, area_code="", latitude="10", longitude="10", address="西街道建设路17号"
    )
    assert appeal.area == bounded.grid_b
    assert submit(bounded, settings=settings, area_code="", address="建设路18号").area is None
    assert submit(bounded, settings=settings, area_code="S1", address="不知道哪里").area == bounded.street_a


def test_locating_that_fails_never_fails_the_appeal(bounded, settings, monkeypatch):
    def broken(**kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(locating, "locate", broken)
    assert refine_area(bounded.street_a, latitude=1, longitude=1, address="") == bounded.street_a
    assert (
        submit(bounded, settings=settings, area_code="", latitude="39.905", longitude="116.305").area is None
    )


# --- the gazetteer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "parsed"),
    [
        ("东街道建设路128号3单元", ("建设路", 128)),
        ("示范区 幸福社区 和平大街 ７号", ("和平大街", 7)),
        ("北京市示范区光明胡同12号院", ("光明胡同", 12)),
        ("幸福小区3号楼", None),
        ("建设路口", None),
    ],
)
def test_road_and_number_are_read_from_an_address(address, parsed):
    assert road_and_number(address) == parsed


def test_odd_and_even_numbers_and_the_narrowest_range(district):
    AddressEntry.objects.create(
        grid=district.grid_a, road="建设路", number_from=1, number_to=199, parity="odd"
    )
    AddressEntry.objects.create(
        grid=district.grid_b, road="建设路", number_from=2, number_to=200, parity="even"
    )
    AddressEntry.objects.create(
        grid=district.grid_b, road="建设路", number_from=101, number_to=109, parity="all"
    )
    assert grid_for_address("建设路15号") == district.grid_a
    assert grid_for_address("建设路16号") == district.grid_b
    assert grid_for_address("建设路105号") == district.grid_b  # the narrower range wins
    assert grid_for_address("建设路201号") is None


def test_a_tie_between_grids_finds_nothing(district):
    for grid in (district.grid_a, district.grid_b):
        AddressEntry.objects.create(grid=grid, road="建设路", number_from=1, number_to=9)
    assert grid_for_address("建设路5号") is None


def test_estates_are_found_by_name_longest_first(district):
    AddressEntry.objects.create(grid=district.grid_a, estate="幸福家园")
    AddressEntry.objects.create(grid=district.grid_b, estate="幸福家园二期")
    assert grid_for_address("东街道幸福家园5栋") == district.grid_a
    assert grid_for_address("幸福家园二期 3栋") == district.grid_b
    assert grid_for_address("别处小区") is None


def test_a_dispatchers_correction_teaches_the_gazetteer(district, settings):
    AddressEntry.objects.create(grid=district.grid_a, road="建设路", number_from=1, number_to=99)
    appeal = submit(district, settings=settings, area_code="", address="建设路21号")
    assert appeal.area == district.grid_a
    services.appeal_reclassify(
        appeal=appeal, actor=Actor.staff(district.dispatcher), area="G2", reason="其实在和平社区"
    )
    learned = AddressEntry.objects.get(source=AddressSource.CORRECTION)
    assert (learned.road, learned.number_from, learned.number_to, learned.grid) == (
        "建设路",
        21,
        21,
        district.grid_b,
    )
    assert grid_for_address("建设路21号") == district.grid_b  # the correction beats the import
    assert grid_for_address("建设路23号") == district.grid_a
    other = submit(district, settings=settings, area_code="", address="西街道和平家园7栋")
    services.appeal_reclassify(appeal=other, actor=Actor.staff(district.dispatcher), area="G2", reason="网格")
    assert submit(district, settings=settings, area_code="", address="和平家园9栋").area == district.grid_b


def test_a_move_to_a_community_teaches_nothing(district, settings):
    appeal = submit(district, settings=settings, address="建设路21号")
    services.appeal_reclassify(
        appeal=appeal, actor=Actor.staff(district.dispatcher), area="C2", reason="社区"
    )
    assert not AddressEntry.objects.exists()


# --- imports -------------------------------------------------------------------------------

GAZETTEER = """grid,road,from,to,parity,estate
G1,建设路,1,99,单,
G1,建设路,2,98,even,
G1,,,,,幸福家园
"""


def test_a_community_imports_its_gazetteer_and_a_rerun_replaces_it(district):
    AreaFactory(code="G3", name="幸福二网格", level=AreaLevel.GRID, parent=district.community_a)
    report = gazetteer_import(text="\ufeff" + GAZETTEER, area=district.community_a, dry_run=True)
    assert (report.rows, report.imported, report.refused) == (3, 3, [])
    assert not AddressEntry.objects.exists()
    gazetteer_import(text=GAZETTEER, area=district.community_a, dry_run=False)
    report = gazetteer_import(
        text=GAZETTEER.replace("G1,,,,,幸福家园", "G3,,,,,幸福家园"), area=district.community_a, dry_run=False
    )
    assert (report.imported, report.replaced) == (3, 3)
    grid = grid_for_address("幸福家园1栋")
    assert grid is not None
    assert grid.code == "G3"
    assert grid_for_address("建设路8号") == district.grid_a


def test_bad_gazetteer_rows_are_listed_and_nothing_is_written(district):
    text = (
        GAZETTEER
        + "\n".join(
            [
                "G2,光明路,1,9,,",  # a grid of another community
                "G9,光明路,1,9,,",  # no such grid
                ",光明路,1,9,,",
                "G1,光明路,9,1,,",
                "G1,光明路,一,9,,",
                "G1,光明路,1,9,双三,",
                "G1,光明路,1,9,,光明小区",
                "G1,,,,,",
            ]
        )
        + "\n"
    )
    AreaFactory(code="G3", name="幸福二网格", level=AreaLevel.GRID, parent=district.community_a)
    text += "G3,建设路,5,5,,\n"  # overlaps row 2's odd range with another grid
    report = gazetteer_import(text=text, area=district.community_a, dry_run=False)
    reasons = {r.row: r.reason for r in report.refused}
    assert sorted(reasons) == list(range(5, 14))
    assert "not a grid of this area" in reasons[5]
    assert "not a grid of this area" in reasons[6]
    assert "grid is empty" in reasons[7]
    assert "greater than" in reasons[8]
    assert "whole number" in reasons[9]
    assert "parity" in reasons[10]
    assert "either road" in reasons[11]
    assert "either road" in reasons[12]
    assert "overlaps row 2" in reasons[13]
    assert report.imported == 0
    assert not AddressEntry.objects.exists()
    assert gazetteer_import(text="a,b\n1,2\n", area=district.community_a, dry_run=True).refused[0].row == 1


def test_the_gazetteer_command_lists_bad_rows_and_fails(district, tmp_path, capsys):
    path = tmp_path / "g.csv"
    path.write_text(GAZETTEER + "G9,光明路,1,9,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 row"):
        call_command("org", "import-gazetteer", str(path), "--area", "C1", "--dry-run")
    assert "row 5: grid 'G9'" in capsys.readouterr().out
    path.write_text(GAZETTEER, encoding="utf-8")
    call_command("org", "import-gazetteer", str(path), "--area", "C1")
    assert AddressEntry.objects.count() == 3


def feature(code, geometry, prop="code"):
    return {"type": "Feature", "properties": {prop: code} if code is not None else {}, "geometry": geometry}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_boundaries_import_previews_then_writes(district):
    set_boundary(district.grid_b, square(116.31, 39.90))
    text = collection(
        feature("G1", square(116.30, 39.90)),
        feature("G2", square(116.31, 39.90)),
        feature("C1", square(116.29, 39.89, 0.05)),
    )
    preview = boundaries_import(text=text, dry_run=True)
    assert (preview.added, preview.unchanged, preview.skipped) == (["G1", "C1"], ["G2"], [])
    district.grid_a.refresh_from_db()
    assert district.grid_a.boundary is None
    report = boundaries_import(text=text, dry_run=False)
    assert report.written == 2
    assert area_at(39.905, 116.305) == district.grid_a
    changed = boundaries_import(text=collection(feature("G1", square(116.32, 39.90))), dry_run=True)
    assert changed.changed == ["G1"]


def test_features_that_match_no_area_or_are_broken_are_listed_and_skipped(district):
    text = collection(
        feature("G1", square(116.30, 39.90)),
        feature("G404", square(0, 0)),
        feature(None, square(0, 0)),
        feature("G2", {"type": "Point", "coordinates": [1, 2]}),
        feature("G1", square(1, 1)),
        "not a feature",
    )
    report = boundaries_import(text=text, dry_run=False)
    assert report.added == ["G1"]
    skipped = {s.feature: (s.code, s.reason) for s in report.skipped}
    assert skipped[2] == ("G404", "no area has this code")
    assert skipped[3][0] == ""
    assert "no property 'code'" in skipped[3][1]
    assert "not a boundary" in skipped[4][1]
    assert "feature 1" in skipped[5][1]
    assert skipped[6][0] == ""
    district.grid_b.refresh_from_db()
    assert district.grid_b.boundary is None


@pytest.mark.parametrize("text", ["{", "[]", json.dumps({"type": "Feature"})])
def test_a_file_that_is_no_feature_collection_is_refused(district, text):
    with pytest.raises(BoundaryFileInvalidError):
        boundaries_import(text=text, dry_run=True)


def test_the_boundaries_command_previews_with_another_property(district, tmp_path, capsys):
    path = tmp_path / "grids.geojson"
    path.write_text(
        collection(
            feature("G1", square(116.30, 39.90), prop="GRID_CODE"),
            feature("GX", square(0, 0), prop="GRID_CODE"),
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="1 feature"):
        call_command("org", "import-boundaries", str(path), "--property", "GRID_CODE", "--dry-run")
    out = capsys.readouterr().out
    assert "would add: G1" in out
    assert "feature 2 (GX): skipped, no area has this code" in out
    call_command("org", "import-boundaries", str(path), "--property", "GRID_CODE")
    assert area_at(39.905, 116.305) == district.grid_a
    with pytest.raises(CommandError, match="no such file"):
        call_command("org", "import-boundaries", str(tmp_path / "nope.json"))


def test_the_portal_sends_the_phones_location_and_the_grid_follows(client, bounded):
    html = client.get("/appeal/new/").content.decode()
    assert 'id="use-location"' in html
    assert 'name="latitude"' in html
    assert 'name="longitude"' in html
    post = {
        "kind": "complaint",
        "text": "幸福小区3栋门口的路灯坏了一个多月，晚上很黑。",
        "street": "S2",
        "address": "",
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "contact_consent": "on",
        "latitude": "39.905",
        "longitude": "116.315",
    }
    assert client.post("/appeal/new/", post).status_code == 302
    from lianxin.appeals.models import Appeal

    assert Appeal.objects.get().area == bounded.grid_b
    bad = client.post("/appeal/new/", {**post, "latitude": "north"})
    assert bad.status_code == 400
    assert "latitude 应为数字" in bad.content.decode()


def test_the_api_and_open311_route_by_coordinates(client, bounded, settings):
    from lianxin.appeals.models import Appeal
    from lianxin.org.services import api_token_create
    from tests.api.conftest import Api, appeal_body

    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    response = Api().post("/appeals", appeal_body(area="", latitude=39.905, longitude=116.315))
    assert response.status_code == 201, response.content
    assert Appeal.objects.get(tracking_number=response.json()["tracking_number"]).area == bounded.grid_b
    _token, key = api_token_create(user=bounded.operator, name="open311 app")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "CJ-LD",
            "lat": "39.905",
            "long": "116.305",
            "description": "路灯坏了一个多月，晚上很黑。",
            "phone": "13812341234",
        },
    )
    assert response.status_code == 201, response.content
    tracking = response.json()[0]["service_request_id"]
    assert Appeal.objects.get(tracking_number=tracking).area == bounded.grid_a
