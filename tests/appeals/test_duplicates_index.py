"""The per-process index of recent appeals follows reclassifications (改分类) made by any process."""

from __future__ import annotations

import pytest

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.duplicate_index import AppealsIndex, recent_index
from lianxin.appeals.duplicates import RecentAppealsIndex
from lianxin.appeals.models import Appeal

from .helpers import submit

# each test with an embedded index and with the shared index server
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("duplicate_index_mode")]

GARBAGE = "和平社区3号楼前的垃圾站三天没人清运了，气味很大，苍蝇很多。"
GARBAGE_AGAIN = "和平社区3号楼前的垃圾站已经三天没人清运了，气味很大，苍蝇很多！"


def hints(index: AppealsIndex, area) -> set[str]:
    # Another phone: what is found is found by its text and area, not as a repeat appellant.
    return {h.tracking_number for h in index.check(GARBAGE_AGAIN, area_path=area.path, phone="13600003333")}


def move_to_grid_b(district, appeal: Appeal) -> None:
    services.appeal_reclassify(
        appeal=appeal, actor=Actor.staff(district.dispatcher), area="G2", reason="实际在和平社区"
    )


def test_a_reclassified_appeal_is_found_in_its_new_area_and_no_longer_in_its_old_one(district, settings):
    first = submit(district, settings=settings, text=GARBAGE)  # filed under 幸福一网格 (G1)
    index = recent_index()
    # `check` keeps candidates of the same area, an ancestor or a descendant of the query's area
    assert first.tracking_number in hints(index, district.grid_a)
    assert first.tracking_number in hints(index, district.street_a)
    assert first.tracking_number not in hints(index, district.grid_b)
    move_to_grid_b(district, first)
    assert first.tracking_number in hints(index, district.grid_b)
    assert first.tracking_number in hints(index, district.community_b)
    assert first.tracking_number not in hints(index, district.grid_a)
    assert first.tracking_number not in hints(index, district.street_a)
    # the whole district still covers both
    assert first.tracking_number in hints(index, district.district)


def test_intake_in_the_new_area_gets_the_reclassified_appeal_as_a_duplicate_hint(district, settings):
    first = submit(district, settings=settings, text=GARBAGE)
    recent_index().refresh()  # this process already holds the appeal under G1
    move_to_grid_b(district, first)
    in_new = submit(
        district, settings=settings, text=GARBAGE_AGAIN, area_code="G2", contact_phone="13600003333"
    )
    in_old = submit(
        district, settings=settings, text=GARBAGE_AGAIN, area_code="G1", contact_phone="13700004444"
    )
    assert first.tracking_number in {d["tracking_number"] for d in in_new.suggestion["duplicates"]}
    old_hints = {d["tracking_number"] for d in in_old.suggestion["duplicates"]}
    assert first.tracking_number not in old_hints
    assert in_new.tracking_number not in old_hints  # G2 and G1 are apart; the new G2 appeal neither


def test_another_process_follows_on_its_next_refresh(district, settings):
    first = submit(district, settings=settings, text=GARBAGE)
    other = RecentAppealsIndex()  # as another web worker keeps its own
    other.refresh()
    assert first.tracking_number in hints(other, district.grid_a)
    move_to_grid_b(district, first)  # done through this process; `other` only sees the database
    assert first.tracking_number in hints(other, district.grid_b)
    assert first.tracking_number not in hints(other, district.grid_a)
    # and a process that starts afterwards reads the current area with the appeal itself
    fresh = RecentAppealsIndex()
    assert first.tracking_number in hints(fresh, district.grid_b)
    assert first.tracking_number not in hints(fresh, district.grid_a)


def test_moving_back_is_followed_too(district, settings):
    first = submit(district, settings=settings, text=GARBAGE)
    index = RecentAppealsIndex()
    index.refresh()
    move_to_grid_b(district, first)
    index.refresh()
    services.appeal_reclassify(
        appeal=first, actor=Actor.staff(district.dispatcher), area="G1", reason="核实后仍在幸福社区"
    )
    assert first.tracking_number in hints(index, district.grid_a)
    assert first.tracking_number not in hints(index, district.grid_b)


def test_a_refresh_costs_one_query_for_new_appeals_and_one_for_reclassifications(
    district, settings, django_assert_num_queries
):
    first = submit(district, settings=settings, text=GARBAGE)
    index = RecentAppealsIndex()
    index.refresh()
    with django_assert_num_queries(2):
        index.refresh()
    move_to_grid_b(district, first)
    submit(district, settings=settings, text="东街道的路灯晚上不亮，希望修一修。")
    with django_assert_num_queries(2):
        index.refresh()
    assert first.tracking_number in hints(index, district.grid_b)


def test_the_first_load_does_not_replay_earlier_reclassifications(district, settings):
    first = submit(district, settings=settings, text=GARBAGE)
    move_to_grid_b(district, first)
    index = RecentAppealsIndex()
    index.refresh()
    assert first.tracking_number in hints(index, district.grid_b)
    # Had the first load replayed history, this earlier event would move the appeal again now:
    # put it back in G1 behind the index's back; the index keeps what it loaded.
    Appeal.objects.filter(pk=first.pk).update(area=district.grid_a)
    index.refresh()
    assert first.tracking_number in hints(index, district.grid_b)
    assert first.tracking_number not in hints(index, district.grid_a)


def test_a_merged_appeal_is_named_by_its_survivor_and_a_withdrawn_one_not_at_all(district, settings):
    survivor = submit(district, settings=settings, text=GARBAGE)
    duplicate = submit(district, settings=settings, text=GARBAGE_AGAIN, phone="13700001111")
    index = recent_index()
    assert hints(index, district.grid_a) == {survivor.tracking_number, duplicate.tracking_number}

    services.appeal_merge(
        appeal=duplicate, actor=Actor.staff(district.dispatcher), into=survivor, note="同一垃圾站"
    )
    found = index.check(GARBAGE_AGAIN, area_path=district.grid_a.path, phone="13600003333")
    # the merged appeal's match points at the appeal it was merged into, named once
    assert [h.tracking_number for h in found] == [survivor.tracking_number]

    services.appeal_withdraw(appeal=survivor, actor=Actor.staff(district.operator), reason="已自行解决")
    assert hints(index, district.grid_a) == set()  # nothing left to merge a new appeal into
