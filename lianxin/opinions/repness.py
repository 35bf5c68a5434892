"""Per-group vote counts, representative statements and group-informed consensus (Pol.is repness).

For a statement and a group, with na / nd agrees / disagrees among the ns group members who saw it
(passes count as seen), Pol.is smooths the probabilities with a pseudocount,
pa = (1 + na) / (2 + ns), compares them with the same probability outside the group
(ra = pa_in / pa_out, "how much more this group agrees than everyone else") and tests both the
in-group share (one-proportion z, pat) and the difference (two-proportion z, rat). A statement is
representative of a group when both z values are significant at 90 % (z > 1.2816) for agree, or
both for disagree; the group's list is the best few by ra * rat * pa * pat. Group-informed
consensus is the product over groups of each group's smoothed agree probability, so a statement
only scores high if every group, small ones included, agrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

Z_90 = 1.2816


@dataclass
class Counts:
    agree: np.ndarray  # (n_groups, n_statements)
    disagree: np.ndarray
    seen: np.ndarray

    @property
    def passed(self) -> np.ndarray:
        passed: np.ndarray = self.seen - self.agree - self.disagree
        return passed


def count_votes(
    rows: np.ndarray,
    cols: np.ndarray,
    data: np.ndarray,
    group_of_row: np.ndarray,
    *,
    n_groups: int,
    n_statements: int,
) -> Counts:
    """Counts per group and statement; rows whose group is -1 are left out."""
    keep = group_of_row[rows] >= 0
    cell = group_of_row[rows[keep]] * n_statements + cols[keep]
    vals = data[keep]
    size = n_groups * n_statements

    def tally(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cell[mask], minlength=size).reshape(n_groups, n_statements)

    return Counts(tally(vals > 0), tally(vals < 0), tally(np.ones(len(vals), dtype=bool)))


def prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is's one-proportion z against 1/2, with a pseudocount of 1 on both counts."""
    return 2.0 * np.sqrt(n + 1.0) * ((succ + 1.0) / (n + 1.0) - 0.5)


def two_prop_test(s_in: np.ndarray, s_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray) -> np.ndarray:
    """Two-proportion z (in-group share minus out-group share), pseudocount 1 on every count."""
    s_in, s_out, n_in, n_out = (np.asarray(x, dtype=np.float64) + 1.0 for x in (s_in, s_out, n_in, n_out))
    pi1, pi2 = s_in / n_in, s_out / n_out
    pi_hat = (s_in + s_out) / (n_in + n_out)
    var = pi_hat * (1.0 - pi_hat) * (1.0 / n_in + 1.0 / n_out)
    return np.divide(pi1 - pi2, np.sqrt(var), out=np.zeros_like(pi1), where=var > 0)


@dataclass
class RepStats:
    direction: np.ndarray  # (n_groups, n_statements) True = agree
    ratio: np.ndarray
    z: np.ndarray
    p_success: np.ndarray
    p_test: np.ndarray
    passes: np.ndarray  # significant at 90 % in both tests
    ra: np.ndarray
    rat: np.ndarray
    pa: np.ndarray
    pat: np.ndarray
    voted: np.ndarray  # someone in the group agreed or disagreed

    def metric(self) -> np.ndarray:
        metric: np.ndarray = self.ratio * self.z * self.p_success * self.p_test
        return metric


def rep_stats(c: Counts) -> RepStats:
    na, nd, ns = (x.astype(np.float64) for x in (c.agree, c.disagree, c.seen))
    na_out, nd_out, ns_out = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
    ra = pa / ((1 + na_out) / (2 + ns_out))
    rd = pd / ((1 + nd_out) / (2 + ns_out))
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)
    rat, rdt = two_prop_test(na, na_out, ns, ns_out), two_prop_test(nd, nd_out, ns, ns_out)
    agree = rat > rdt
    passes = ((rat > Z_90) & (pat > Z_90)) | ((rdt > Z_90) & (pdt > Z_90))
    return RepStats(
        direction=agree,
        ratio=np.where(agree, ra, rd),
        z=np.where(agree, rat, rdt),
        p_success=np.where(agree, pa, pd),
        p_test=np.where(agree, pat, pdt),
        passes=passes,
        ra=ra,
        rat=rat,
        pa=pa,
        pat=pat,
        voted=(na + nd) > 0,
    )


def select_representative(rs: RepStats, group: int, limit: int) -> list[tuple[int, bool]]:
    """Statement indices with their direction (True = agree) for one group, best first.

    As Pol.is: the significant statements by ra * rat * pa * pat, agrees before disagrees, with
    the group's best agree statement in front; if none is significant, the single best one."""
    best_agree = _best_agree(rs, group)
    sufficient = np.flatnonzero(rs.passes[group])
    if len(sufficient) == 0:
        if best_agree is not None:
            return [(best_agree, True)]
        if rs.z.shape[1] == 0:
            return []
        best = int(np.argmax(rs.z[group]))
        return [(best, bool(rs.direction[group, best]))]
    metric = rs.metric()[group]
    order = sorted((int(i) for i in sufficient if i != best_agree), key=lambda i: (-metric[i], i))
    picked = ([(best_agree, True)] if best_agree is not None else []) + [
        (i, bool(rs.direction[group, i])) for i in order
    ]
    picked = picked[:limit]
    return [p for p in picked if p[1]] + [p for p in picked if not p[1]]


def _best_agree(rs: RepStats, g: int) -> int | None:
    cand = np.flatnonzero(rs.voted[g])
    if len(cand) == 0:
        return None
    above = cand[rs.ra[g, cand] > 1.0]
    if len(above):
        score = rs.ra[g, above] * rs.rat[g, above] * rs.pa[g, above] * rs.pat[g, above]
        return int(above[np.argmax(score)])
    ok = cand[(rs.pat[g, cand] > Z_90) | ((rs.ra[g, cand] > 1.0) & (rs.pa[g, cand] > 0.5))]
    if len(ok) == 0:
        return None
    return int(ok[np.argmax(rs.pa[g, ok] * rs.pat[g, ok])])


def p_value(z: float) -> float:
    """One-sided p-value of a z statistic (the alternative: the group differs in that direction)."""
    return float(norm.sf(z))


def group_consensus(c: Counts) -> np.ndarray:
    """Product over groups of the smoothed agree probability (A + 1) / (S + 2), per statement."""
    probs = (c.agree + 1.0) / (c.seen + 2.0)
    consensus: np.ndarray = np.prod(probs, axis=0)
    return consensus
