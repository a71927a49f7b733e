"""Probabilistic interleaving with marginalised credit (``experiments.interleave_prob``).

The unbiasedness argument is checked exactly on small rankings (every list enumerated with its
probability, computed here independently of the module), then by sampling; identical rankers give
no credit at all; hypothesis checks the merge's invariants on arbitrary rankings.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.experiments.interleave_prob import marginal_credit, probabilistic_interleave


def _dist(ranking: list[str], left: set[str], tau: int = 3) -> dict[str, Fraction]:
    w = {d: Fraction(1, (r + 1) ** tau) for r, d in enumerate(ranking) if d in left}
    total = sum(w.values())
    return {d: x / total for d, x in w.items()}


def _lists(a: list[str], b: list[str], k: int):
    """Every list the merge can show, with its probability and each position's posterior P(B placed it)."""

    def rec(prefix: list[str], prob: Fraction, post: list[Fraction]):
        left = (set(a) | set(b)) - set(prefix)
        if len(prefix) == k or not left:
            yield prefix, prob, post
            return
        pa, pb = _dist(a, left), _dist(b, left)
        pa, pb = (pa or pb), (pb or pa)  # an exhausted ranker's side draws from the other's
        for d in sorted(left):
            x, y = pa.get(d, Fraction(0)), pb.get(d, Fraction(0))
            if x + y == 0:
                continue
            yield from rec(prefix + [d], prob * (x + y) / 2, post + [y / (x + y)])

    yield from rec([], Fraction(1), [])


def test_random_clicks_earn_no_credit_in_expectation_exactly():
    a, b = ["p1", "p2", "p3", "p4"], ["p3", "p5", "p1"]
    lists = list(_lists(a, b, 4))
    assert sum(p for _l, p, _q in lists) == 1
    for i in range(4):  # a click on position i whatever is there: expected credit 2 E[p_B(i)] - 1 = 0
        assert sum(p * (2 * q[i] - 1) for _l, p, q in lists if len(q) > i) == 0


def test_the_module_samples_that_distribution_with_those_posteriors():
    a, b = ["p1", "p2", "p3", "p4"], ["p3", "p5", "p1"]
    exact = {tuple(lst): (p, q) for lst, p, q in _lists(a, b, 4)}
    rng = random.Random(0)
    n = 40_000
    seen: dict[tuple[str, ...], int] = {}
    for _ in range(n):
        s = probabilistic_interleave(a, b, 4, rng)
        assert s.p_b == pytest.approx([float(x) for x in exact[s.items][1]], abs=1e-12)
        seen[s.items] = seen.get(s.items, 0) + 1
    for items, (p, _q) in exact.items():  # frequencies within 4.5 standard errors
        sd = (float(p) * (1 - float(p)) / n) ** 0.5
        assert abs(seen.get(items, 0) / n - float(p)) <= 4.5 * sd + 1e-9, items


def test_identical_rankers_give_zero_credit():
    ranking = [f"p{i}" for i in range(15)]
    rng = random.Random(1)
    for _ in range(200):
        s = probabilistic_interleave(ranking, ranking, 10, rng)
        assert set(s.p_b) == {0.5}
        ca, cb = marginal_credit(s, range(10))
        assert ca == cb == 5.0


def test_position_only_clicks_earn_no_credit_on_average_with_different_rankers():
    a = [f"p{i}" for i in range(12)]
    b = [f"p{i}" for i in (5, 0, 13, 14, 2, 15, 1, 16, 17, 3, 18, 19)]
    rng = random.Random(2)
    click = np.random.default_rng(3)
    d = []
    for _ in range(20_000):
        s = probabilistic_interleave(a, b, 10, rng)
        clicked = [i for i in range(10) if click.random() < 0.5 / (i + 1)]
        ca, cb = marginal_credit(s, clicked)
        d.append(cb - ca)
    z = np.mean(d) / (np.std(d, ddof=1) / len(d) ** 0.5)
    assert abs(z) < 4


def test_items_only_one_ranker_has_are_credited_to_it_in_full():
    """Disjoint rankings: each item is its ranker's for sure, so a click credits it fully."""
    a, b = [f"x{i}" for i in range(10)], ["g1", "g2", "g3"]
    rng = random.Random(4)
    for _ in range(50):
        s = probabilistic_interleave(a, b, 3, rng)  # neither side runs out within 3 positions
        assert s.p_b == tuple(1.0 if it.startswith("g") else 0.0 for it in s.items)
        ca, cb = marginal_credit(s, [i for i, it in enumerate(s.items) if it.startswith("g")])
        assert (ca, cb) == (0.0, float(sum(it.startswith("g") for it in s.items)))


def test_bad_tau_is_refused():
    with pytest.raises(ValueError, match="tau"):
        probabilistic_interleave(["a"], ["b"], 1, random.Random(0), tau=0)


rankings = st.lists(st.sampled_from([f"p{i}" for i in range(20)]), max_size=15, unique=True)


@given(
    a=rankings,
    b=rankings,
    k=st.integers(0, 25),
    seed=st.integers(0, 2**16),
    tau=st.sampled_from([1.0, 3.0, 8.0]),
)
@settings(max_examples=200, deadline=None)
def test_merge_invariants(a, b, k, seed, tau):
    s = probabilistic_interleave(a, b, k, random.Random(seed), tau=tau)
    union = set(a) | set(b)
    assert len(s.items) == min(k, len(union)) and len(set(s.items)) == len(s.items)
    assert set(s.items) <= union and len(s.teams) == len(s.p_b) == len(s.items)
    assert all(0.0 <= p <= 1.0 for p in s.p_b)
    for i, (item, p) in enumerate(zip(s.items, s.p_b, strict=True)):
        a_left = set(a) - set(s.items[:i])
        b_left = set(b) - set(s.items[:i])
        if a_left and b_left:  # both rankers still drawing: an item one of them lacks is the other's
            if item not in a:
                assert p == 1.0
            if item not in b:
                assert p == 0.0
    ca, cb = marginal_credit(s, range(len(s.items)))
    assert ca + cb == pytest.approx(len(s.items))
