"""The opinion-groups engine on small hand-built vote matrices."""

from __future__ import annotations

import random

import pytest

from lianxin.opinions import OVERALL, analyse

CAMP_A = [f"a{i}" for i in range(12)]
CAMP_B = [f"b{i}" for i in range(8)]


def two_camps(noise: float = 0.1, seed: int = 1) -> list[tuple[str, str, int]]:
    """Camp A agrees with s0..s4 and disagrees with s5..s9, camp B the other way round; everyone
    agrees with `common`; only camp A votes on `a_only`-ish `a_loves` with agree (B disagrees)."""
    rng = random.Random(seed)
    votes = []
    for camp, sign in ((CAMP_A, 1), (CAMP_B, -1)):
        for p in camp:
            for j in range(10):
                v = sign if j < 5 else -sign
                if rng.random() < noise:
                    v = 0
                votes.append((p, f"s{j}", v))
            votes.append((p, "common", 1))
            votes.append((p, "a_loves", 1 if sign == 1 else -1))
    return votes


def members(analysis) -> list[set[str]]:
    return [set(g.participants) for g in analysis.groups]


def test_two_clear_camps_make_two_groups_with_the_expected_members():
    a = analyse(two_camps())
    assert len(a.groups) == 2
    assert members(a) == [set(CAMP_A), set(CAMP_B)]  # largest first
    assert [g.id for g in a.groups] == [0, 1]
    assert set(a.participants_in) == set(CAMP_A) | set(CAMP_B)
    assert set(a.projection) == set(CAMP_A) | set(CAMP_B)
    xs_a = {round(a.projection[p][0], 6) > 0 for p in CAMP_A}
    xs_b = {round(a.projection[p][0], 6) > 0 for p in CAMP_B}
    assert len(xs_a) == 1
    assert len(xs_b) == 1
    assert xs_a != xs_b


def test_a_statement_everyone_agrees_with_is_consensus_and_a_divisive_one_is_not():
    a = analyse(two_camps())
    assert a.consensus[0] == "common"
    assert "s0" not in a.consensus
    assert "a_loves" not in a.consensus
    assert a.consensus_scores["common"] > 0.8
    assert a.consensus_scores["s0"] < 0.2


def test_a_camps_distinctive_statement_is_its_representative():
    votes = [v for v in two_camps(noise=0.0) if v[1] in ("common", "a_loves", "s0", "s5")]
    votes += [(p, f"x{j}", 0) for p in CAMP_A + CAMP_B for j in range(4)]  # enough votes to place
    a = analyse(votes)
    assert members(a) == [set(CAMP_A), set(CAMP_B)]
    reps_a = {(r.statement, r.direction) for r in a.representative[0]}
    reps_b = {(r.statement, r.direction) for r in a.representative[1]}
    assert ("a_loves", "agree") in reps_a
    assert ("a_loves", "disagree") in reps_b or ("s5", "agree") in reps_b
    assert "common" not in {s for s, _ in reps_a | reps_b}
    top = next(r for r in a.representative[0] if r.statement == "a_loves")
    assert top.ratio > 5
    assert top.p_value < 0.1
    assert top.z > 1.2816


def test_a_later_vote_replaces_the_earlier_one():
    votes = two_camps(noise=0.0)
    # b0 first votes like camp A on everything, then changes every vote to camp B's
    early = [("b0", s, v) for p, s, v in votes if p == "a0"]
    a = analyse(early + votes)
    assert "b0" in a.groups[1].participants
    stat = {s.statement: s for s in a.stats[OVERALL]}["s0"]
    assert (stat.agree, stat.disagree, stat.seen) == (12, 8, 20)


def test_too_few_votes_are_not_placed():
    votes = [*two_camps(), ("late", "s0", 1), ("late", "s1", 1), ("late", "common", 1)]
    a = analyse(votes)
    assert "late" not in a.participants_in
    assert all("late" not in g.participants for g in a.groups)
    assert "late" in a.projection  # still on the map
    assert a.stats[OVERALL][0].seen == 21  # and counted in the overall figures
    assert sum(s.seen for s in a.stats[0] if s.statement == "s0") == 12


def test_min_votes_is_capped_by_the_number_of_statements():
    votes = [(p, s, v) for p, s, v in two_camps(noise=0.0) if s in ("s0", "s5", "common")]
    a = analyse(votes)
    assert len(a.participants_in) == 20
    assert members(a) == [set(CAMP_A), set(CAMP_B)]


def test_empty_input_gives_no_groups_and_no_crash():
    a = analyse([])
    assert a.groups == ()
    assert a.consensus == ()
    assert a.participants_in == ()
    assert a.representative == {}
    assert a.projection == {}


def test_one_voter_or_unanimous_votes_do_not_crash():
    one = analyse([("p", f"s{j}", 1) for j in range(8)])
    assert [g.participants for g in one.groups] == [("p",)]
    same = analyse([(f"p{i}", f"s{j}", 1) for i in range(10) for j in range(8)])
    assert len(same.groups) == 1
    assert len(same.groups[0].participants) == 10
    assert same.consensus == ("s0", "s1", "s2", "s3", "s4")  # all tie: the first five
    assert same.representative == {0: ()}


def test_statistics_per_group_add_up():
    a = analyse(two_camps())
    for g in a.groups:
        for s in a.stats[g.id]:
            assert s.agree + s.disagree + s.passed == s.seen
            assert s.seen <= len(g.participants)
            if s.seen:
                assert s.agree_share == pytest.approx(s.agree / s.seen)
    common_a = {s.statement: s for s in a.stats[0]}["common"]
    assert (common_a.agree, common_a.agree_share) == (12, 1.0)


def test_deterministic_for_a_seed_and_bad_votes_refused():
    votes = two_camps(noise=0.3, seed=5)
    assert analyse(votes, seed=3) == analyse(votes, seed=3)
    with pytest.raises(ValueError, match="vote must be"):
        analyse([("p", "s", 2)])
    with pytest.raises(ValueError, match="max_groups"):
        analyse(votes, max_groups=1)
    with pytest.raises(ValueError, match="seed"):
        analyse(votes, seed=-1)


def test_moderated_out_statements_count_for_placement_only():
    votes = [*two_camps(noise=0.0), ("b0", "hidden", 1), ("a0", "hidden", -1)]
    few = [("late", "s0", 1), ("late", "s1", 1), ("late", "s2", 1)]
    hidden_votes = [("late", f"h{j}", 1) for j in range(5)]
    a = analyse(votes + few + hidden_votes, moderated_out=["hidden", *(f"h{j}" for j in range(5))])
    assert "late" in a.participants_in  # 3 visible + 5 hidden votes >= 7
    statements = {s.statement for s in a.stats[OVERALL]}
    assert "hidden" not in statements
    assert "h0" not in statements
    assert "hidden" not in a.consensus_scores
    assert all(r.statement != "hidden" for reps in a.representative.values() for r in reps)
    plain = analyse(votes + few)
    assert "late" not in plain.participants_in


def test_degenerate_large_matrices_take_the_sparse_path_without_crashing():
    unanimous = analyse([(f"p{i}", f"s{j}", 1) for i in range(100) for j in range(60)])
    assert len(unanimous.groups) == 1
    assert len(unanimous.consensus) == 5
    halves = analyse([(f"p{i}", f"s{j}", 1 if i % 2 else -1) for i in range(100) for j in range(60)])
    assert sorted(len(g.participants) for g in halves.groups) == [50, 50]
    assert {p[1:] for p in halves.groups[0].participants} in (
        {str(i) for i in range(1, 100, 2)},
        {str(i) for i in range(0, 100, 2)},
    )
    nobody = analyse([(f"p{i}", f"s{i % 500}", 1) for i in range(3000)])
    assert nobody.groups == ()
    assert nobody.consensus == ()
    assert len(nobody.projection) == 3000
