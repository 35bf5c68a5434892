"""How the number of groups is chosen: fewer unless more are clearly and consistently better."""

from __future__ import annotations

import numpy as np

from lianxin.opinions import analyse
from lianxin.opinions.clustering import K_MARGIN, base_clusters, choose_groups, pick_k, silhouette


def test_a_larger_k_needs_to_win_by_the_margin_on_every_restart():
    assert pick_k({2: [0.40, 0.41], 3: [0.43, 0.44]}) == 2  # better, but not by the margin
    assert pick_k({2: [0.40, 0.40], 3: [0.50, 0.50]}) == 3  # clearly better
    assert pick_k({2: [0.40, 0.40], 3: [0.50, 0.42]}) == 2  # not on every restart
    assert pick_k({2: [0.4], 3: [0.5], 4: [0.52]}) == 3  # 4 must beat 3, not 2
    assert pick_k({2: [0.4], 3: [0.42], 4: [0.46]}) == 4  # 4 beats 2 by the margin
    assert pick_k({2: [0.3], 3: [0.3 + K_MARGIN]}) == 3


def test_silhouette_of_two_far_apart_groups_is_near_one_and_weighted_by_size():
    centers = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0]])
    dist = np.abs(centers[:, None, 0] - centers[None, :, 0])
    labels = np.array([0, 0, 1, 1])
    assert silhouette(dist, labels, np.ones(4)) > 0.98
    wrong = np.array([0, 1, 0, 1])
    assert silhouette(dist, wrong, np.ones(4)) < 0
    # a singleton group scores 0 for its member; weight makes that member count more
    single = np.array([0, 0, 0, 1])
    light = silhouette(dist, single, np.array([1.0, 1.0, 1.0, 1.0]))
    heavy = silhouette(dist, single, np.array([1.0, 1.0, 1.0, 50.0]))
    assert heavy < light


def test_three_clearly_separate_camps_make_three_groups():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(c, 0.3, size=(60, 2)) for c in ((0, 0), (8, 0), (4, 7))])
    base = base_clusters(points, seed=0)
    choice = choose_groups(base, max_groups=5, seed=0)
    assert choice.k == 3
    groups = choice.labels[base.labels]
    assert [len(set(groups[i * 60 : (i + 1) * 60])) for i in range(3)] == [1, 1, 1]


def test_one_blob_stays_two_groups_not_more():
    rng = np.random.default_rng(1)
    points = rng.normal(0, 1, size=(400, 2))
    choice = choose_groups(base_clusters(points, seed=0), max_groups=5, seed=0)
    assert choice.k == 2


def test_three_camps_of_voters_end_up_in_three_groups():
    votes = []
    for camp in range(3):
        for i in range(15):
            for j in range(12):
                v = 1 if j // 4 == camp else -1
                votes.append((f"c{camp}-{i}", f"s{j}", v if (i + j) % 7 else 0))
    a = analyse(votes)
    assert len(a.groups) == 3
    assert sorted(sorted({p.split("-")[0] for p in g.participants}) for g in a.groups) == [
        ["c0"],
        ["c1"],
        ["c2"],
    ]
