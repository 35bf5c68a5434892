"""The per-process organisation snapshot: reused without queries, reloaded when the organisation
changes (signals, another process's token, age)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from lianxin.org import directory
from lianxin.org.models import Area, AreaLevel, Category, Unit
from tests.factories import AreaFactory, CategoryFactory, UnitFactory

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_snapshot_is_reused_without_queries(django_assert_num_queries):
    area = AreaFactory(name="东湖街道")
    first = directory.current()
    assert first.areas[area.pk].name == "东湖街道"
    with django_assert_num_queries(0):
        assert directory.current() is first


@pytest.mark.parametrize("model", ["area", "category", "unit"])
def test_saving_or_deleting_reference_data_reloads_it(model):
    factory = {"area": AreaFactory, "category": CategoryFactory, "unit": UnitFactory}[model]
    row: Any = factory(name="旧名")  # an Area, a Category or a Unit

    def name_of(d: directory.Directory) -> str | None:
        table = {"area": d.area_names(), "category": d.category_names, "unit": d.unit_names}[model]
        return table.get(row.pk)

    assert name_of(directory.current()) == "旧名"
    row.name = "新名"
    row.save()
    assert name_of(directory.current()) == "新名"
    pk = row.pk
    if model == "unit":
        row.delete()
        assert pk not in directory.current().unit_names


def test_another_process_changing_the_token_reloads_this_one():
    area = AreaFactory(name="甲")
    first = directory.current()
    Area.objects.filter(pk=area.pk).update(name="乙")  # no signal
    assert directory.current().areas[area.pk].name == "甲"
    cache.set(directory.memo.version_key, "token-from-another-process", None)
    assert directory.current().areas[area.pk].name == "乙"
    assert directory.current() is not first


def test_a_cleared_cache_reloads(django_assert_num_queries):
    unit = UnitFactory(name="城管局")
    directory.current()
    Unit.objects.filter(pk=unit.pk).update(name="城市管理局")
    cache.clear()
    assert directory.current().unit_names[unit.pk] == "城市管理局"


def test_old_snapshots_expire(monkeypatch):
    category = CategoryFactory(name="噪声")
    directory.current()
    Category.objects.filter(pk=category.pk).update(name="噪声扰民")
    assert directory.current().category_names[category.pk] == "噪声"
    monkeypatch.setattr(directory.memo, "max_age", 0)
    assert directory.current().category_names[category.pk] == "噪声扰民"


def test_grid_shapes_keep_only_usable_boundaries():
    street = AreaFactory(code="S1", level=AreaLevel.STREET)
    kept = AreaFactory(
        code="S1G1", level=AreaLevel.GRID, parent=street, boundary={"type": "Feature", "geometry": SQUARE}
    )
    bare = AreaFactory(code="S1G2", level=AreaLevel.GRID, parent=street, boundary=SQUARE)
    AreaFactory(code="S1G3", level=AreaLevel.GRID, parent=street, boundary={"type": "Feature"})
    AreaFactory(code="S1G4", level=AreaLevel.GRID, parent=street, boundary=None)
    shapes = directory.current().grid_shapes
    assert [(pk, geometry) for pk, _name, geometry in shapes] == [(kept.pk, SQUARE), (bare.pk, SQUARE)]
    assert "boundary" not in directory.current().areas[kept.pk].__dict__  # the snapshot leaves boundaries out
