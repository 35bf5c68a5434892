"""`in_area_subtree` is `area_subtree_q` in Python: the area itself or anything inside it."""

from lianxin.org.selectors import in_area_subtree


def test_an_area_is_in_its_own_subtree_and_its_descendants_are_too():
    assert in_area_subtree("D1/S1", ["D1/S1"])
    assert in_area_subtree("D1/S1/C1/G1", ("D1/S2", "D1/S1"))


def test_a_sibling_with_a_common_prefix_is_not_inside():
    assert not in_area_subtree("D1/S10", ("D1/S1",))
    assert not in_area_subtree("D1", ("D1/S1",))  # an ancestor is not inside


def test_no_area_is_inside_nothing():
    assert not in_area_subtree(None, ("D1",))
    assert not in_area_subtree("D1/S1", ())
