"""Session 18's cheaper cold solve of optimized interleaving gives round 13's answer: the same lists in
the same order, the same distribution, hence the same served list and logged credit (to 1e-9)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import interleave_opt_r13 as r13  # noqa: E402
from shopmind.experiments.interleave_opt import (  # noqa: E402
    SolutionCache,
    optimize,
    prefix_lists,
    served_interleave,
)
from shopmind.experiments.interleave_opt_lp import ShapeCache, solve_lp  # noqa: E402
from shopmind.experiments.interleave_opt_sens import OBJECTIVES  # noqa: E402

TOL = 1e-9
#: round 12's infeasible shape (BENCHMARKS round 12): B puts a new item first and keeps A's a place lower
A12 = [f"a{i}" for i in range(10)]
B12 = ["x", "a3", "a0", "a2", "a1", "a4", "a5", "a6", "a8", "a7"]


def _pairs(seed: int, count: int) -> list[tuple[list[str], list[str]]]:
    """Random pairs of rankings: overlaps from none to all, some shorter than 10 or empty, some
    with a repeated item (a ranking's repeat keeps its first rank)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        pool = [f"p{j}" for j in range(rng.choice([10, 12, 15, 20, 30]))]
        a = rng.sample(pool, min(len(pool), rng.choice([0, 3, 7, 10, 12])))
        b = rng.sample(pool, min(len(pool), rng.choice([1, 5, 10, 12])))
        if i % 7 == 0 and a:
            a = a + [a[0]]
        if i % 11 == 0:
            b = [f"new{j}" for j in range(10)]  # disjoint: the largest LP
        out.append((a, b))
    return out


def _same(old, new) -> None:
    assert new.lists == old.lists  # the same lists, in the same order
    assert new.candidates == old.candidates and new.feasible == old.feasible
    assert new.objective == old.objective
    np.testing.assert_allclose(new.probs, old.probs, rtol=0, atol=TOL)
    for c_new, c_old in zip(new.credits, old.credits, strict=True):
        np.testing.assert_allclose(c_new, c_old, rtol=0, atol=TOL)
    for f in ("max_bias", "prior_var", "prior_disc"):
        assert abs(getattr(new, f) - getattr(old, f)) <= TOL, f


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("credit", ["linear", "inverse"])
def test_distribution_equals_round_13s_on_random_pairs(objective: str, credit: str) -> None:
    pairs = _pairs(15 + len(objective), 40)
    for a, b in pairs:
        _same(r13.optimize(a, b, 10, credit, objective), optimize(a, b, 10, credit, objective))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_round_12s_infeasible_shape_gives_the_same_least_biased_distribution(objective: str) -> None:
    old, new = r13.optimize(A12, B12, 10, "linear", objective), optimize(A12, B12, 10, "linear", objective)
    assert not new.feasible and abs(new.max_bias - 2 / 31) < 1e-9  # round 12's least bias
    _same(old, new)


def test_prefix_lists_same_lists_same_order_and_guard() -> None:
    for a, b in _pairs(7, 60):
        for k in (1, 4, 10):
            assert prefix_lists(a, b, k) == r13.prefix_lists(a, b, k)
    assert len(prefix_lists(A12, [f"b{i}" for i in range(10)], 10)) == 1024
    with pytest.raises(ValueError, match="k=13 too large"):
        prefix_lists([f"a{i}" for i in range(13)], [f"b{i}" for i in range(13)], 13)
    with pytest.raises(ValueError, match="k must be"):
        prefix_lists(["a"], ["b"], 0)


def test_solve_lp_is_linprogs_answer() -> None:
    rng = np.random.default_rng(18)
    for trial in range(30):
        m, n = int(rng.integers(2, 8)), int(rng.integers(3, 60))
        a_eq = np.vstack([np.ones(n), rng.integers(-3, 4, size=(m - 1, n)).astype(float)])
        b_eq = np.zeros(m)
        b_eq[0] = 1.0
        c = rng.random(n) if trial % 3 else np.round(rng.random(n), 1)  # ties: degenerate optima
        want = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        got = solve_lp(c, a_eq, b_eq)
        if want.status != 0:
            assert got is None
        else:
            np.testing.assert_allclose(got, want.x, rtol=0, atol=1e-12)
    # infeasible: x >= 0 with sum 1 and sum -1
    assert solve_lp(np.ones(3), np.vstack([np.ones(3), np.ones(3)]), np.array([1.0, -1.0])) is None
    # with inequality rows: min t s.t. |x0 - x1| <= t, x0 + x1 = 1, x0 >= 0.3
    a_ub = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, 0.0, 0.0]])
    got = solve_lp(
        np.array([0.0, 0.0, 1.0]), np.array([[1.0, 1.0, 0.0]]), np.array([1.0]), a_ub, np.array([0, 0, -0.3])
    )
    np.testing.assert_allclose(got, [0.5, 0.5, 0.0], atol=1e-9)
    with pytest.raises(ValueError, match="cost has shape"):
        solve_lp(np.ones(2), np.ones((1, 3)), np.ones(1))


def test_served_lists_and_credits_equal_round_13s_with_shapes_shared() -> None:
    """The served merge (new solve, shape cache on) and round 13's (its solve, no shape cache) give
    the same list and credits for the same seed; relabelled pairs of one shape hit the shape cache."""
    rng = random.Random(5)
    pairs = _pairs(99, 30)
    for _ in range(20):  # pairs of already-seen shapes under other item names
        a, b = rng.choice(pairs)
        names = {x: f"r{rng.random()}" for x in (*a, *b)}
        pairs.append(([names[x] for x in a], [names[x] for x in b]))
    new, old = SolutionCache(), SolutionCache(shape_size=0, solve=r13.optimize)
    for i, (a, b) in enumerate(pairs):
        s_new = served_interleave(a, b, 12, random.Random(i), new)
        s_old = served_interleave(a, b, 12, random.Random(i), old)
        assert s_new.items == s_old.items and s_new.teams == s_old.teams
        np.testing.assert_allclose(s_new.credits, s_old.credits, rtol=0, atol=TOL)
        np.testing.assert_allclose(s_new.p_b, s_old.p_b, rtol=0, atol=TOL)
    assert new.shapes.hits >= 20 and old.shapes.hits == 0
    assert new.misses == old.misses == len({(tuple(a[:10]), tuple(b[:10])) for a, b in pairs})


def test_shape_cache_bounds_and_bad_size() -> None:
    cache = ShapeCache(1)
    k1, items1 = ShapeCache.key(("a", "b"), ("b", "c"), (10, "linear"))
    k2, items2 = ShapeCache.key(("x", "y"), ("y", "z"), (10, "linear"))
    assert k1 == k2 and items1 == ["a", "b", "c"] and items2 == ["x", "y", "z"]
    dist = optimize(["a", "b"], ["b", "c"], 10, "linear")
    cache.put(k1, items1, dist)
    got = cache.get(k2, items2)
    assert got is not None and got.lists == optimize(["x", "y"], ["y", "z"], 10, "linear").lists
    k3, items3 = ShapeCache.key(("a",), ("c",), (10, "linear"))
    cache.put(k3, items3, optimize(["a"], ["c"], 10, "linear"))
    assert cache.get(k1, items1) is None  # evicted: one shape kept
    with pytest.raises(ValueError, match="shape cache size"):
        ShapeCache(-1)
