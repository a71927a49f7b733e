"""Sensitivity by design for optimized interleaving (issue 15, round 13): the LP's objectives and
the per-query credit scales keep exact unbiasedness, and each does what it says."""

from __future__ import annotations

import random

import numpy as np
import pytest

from shopmind.experiments.interleave_opt import (
    SolutionCache,
    is_prefix_constrained,
    optimize,
    scaled,
    served_interleave,
)
from shopmind.experiments.interleave_opt_sens import (
    OBJECTIVES,
    PRIOR_CTR,
    SCALES,
    discrimination,
    null_second_moment,
    prior_clicks,
    query_scale,
)

A = [f"a{i}" for i in range(10)]
B_INFEASIBLE = ["x", "a3", "a0", "a2", "a1", "a4", "a5", "a6", "a8", "a7"]


def _pairs() -> list[tuple[list[str], list[str]]]:
    """Seeded random pairs of top 10s (some of unequal length) and round 12's infeasible shape."""
    rng = random.Random(13)
    items = [f"d{i}" for i in range(15)]
    out = [(A, B_INFEASIBLE)]
    for i in range(8):
        a, b = rng.sample(items, 10), rng.sample(items, 10)
        if i % 3 == 0:
            b = b[:7]
        out.append((a, b))
    return out


def _exact_mean(dist, pattern_p: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """E[session credit] over the lists and every click pattern of the positions (``pattern_p``
    over 2^n patterns: cascades and any dependence between positions allowed)."""
    n = len(dist.lists[0])
    bits = np.array([[(x >> i) & 1 for i in range(n)] for x in range(2**n)], dtype=float)
    marg = pattern_p @ bits  # a linear credit's mean reads each position's click probability only
    return float(np.array(dist.probs) @ (np.array(dist.credits) @ marg))


def test_prior_quantities_by_hand() -> None:
    assert np.allclose(prior_clicks(3), [PRIOR_CTR, PRIOR_CTR / 2, PRIOR_CTR / 3])
    # d = (2, -1), c = (0.3, 0.15): 4 * 0.21 + 1 * 0.1275 + (0.6 - 0.15) ** 2 = 1.17
    assert null_second_moment(np.array([[2.0, -1.0]]))[0] == pytest.approx(1.17)
    # inverse credits (0.5, -0.25): 2 * 0.5 * 0.3 + 0.25 * 0.15 = 0.3375
    assert discrimination(np.array([[2.0, -1.0]]), np.array([[0.5, -0.25]]))[0] == pytest.approx(0.3375)
    assert query_scale(4.0, 1.0, "none") == 1.0
    assert query_scale(4.0, 1.0, "unit") == pytest.approx(0.5)
    assert query_scale(4.0, 1.0, "prior_optimal") == pytest.approx(0.25)
    assert query_scale(0.0, 0.0, "unit") == 1.0  # only zero credits: nothing to scale


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("scale", SCALES)
def test_every_design_is_exactly_unbiased(objective: str, scale: str) -> None:
    rng = np.random.default_rng(7)
    for a, b in _pairs():
        dist = scaled(optimize(a, b, 10, "linear", objective), scale)
        assert dist.objective == objective
        assert abs(sum(dist.probs) - 1.0) < 1e-12 and min(dist.probs) > 0
        assert all(is_prefix_constrained(lst, a, b, 10) for lst in dist.lists)
        n = len(dist.lists[0])
        assert np.abs(np.array(dist.probs) @ np.array(dist.credits)).max() < 1e-9  # every position
        for _ in range(2):
            assert abs(_exact_mean(dist, rng.dirichlet(np.ones(2**n)))) < 1e-9
        top_only = np.zeros(2**n)
        top_only[1] = 1.0
        assert abs(_exact_mean(dist, top_only)) < 1e-12


def test_objectives_optimise_what_they_say() -> None:
    """``null_variance`` has the smallest prior second moment of the three; ``sensitivity`` starts
    from it and never ends with a smaller S^2 / V; ``unit`` makes the prior variance 1."""
    checked = 0
    for a, b in _pairs():
        d = {o: optimize(a, b, 10, "linear", o) for o in OBJECTIVES}
        if not d["insensitivity"].feasible:
            continue
        checked += 1
        assert d["null_variance"].prior_var <= d["insensitivity"].prior_var + 1e-9
        assert d["null_variance"].prior_var <= d["sensitivity"].prior_var + 1e-9

        def ratio(x):  # type: ignore[no-untyped-def]
            return x.prior_disc**2 / x.prior_var

        assert ratio(d["sensitivity"]) >= ratio(d["null_variance"]) * (1 - 1e-9)
        assert d["sensitivity"].prior_disc > 0  # every list discriminates >= 0 (same signs)
        unit = scaled(d["insensitivity"], "unit")
        assert unit.prior_var == pytest.approx(1.0)
        s = d["insensitivity"].prior_disc / d["insensitivity"].prior_var
        opt = scaled(d["insensitivity"], "prior_optimal")
        assert np.allclose(np.array(opt.credits), s * np.array(d["insensitivity"].credits))
    assert checked >= 5


def test_identical_rankings_and_bad_names() -> None:
    dist = scaled(optimize(A, A, 10, "linear", "sensitivity"), "unit")
    assert dist.lists == (tuple(A),) and all(c == 0.0 for c in dist.credits[0])
    with pytest.raises(ValueError, match="unknown objective"):
        optimize(A, A, 10, "linear", "fastest")
    with pytest.raises(ValueError, match="unknown scale"):
        scaled(dist, "z")
    with pytest.raises(ValueError, match="n must be"):
        prior_clicks(-1)


def test_served_merge_keys_the_cache_by_design() -> None:
    cache = SolutionCache(8)
    b = ["a1", "a0", "a2", "a3", "a5", "a4", "a6", "a7", "a9", "a8"]
    one = served_interleave(A, b, 12, random.Random(3), cache, objective="insensitivity", scale="none")
    two = served_interleave(A, b, 12, random.Random(3), cache, objective="insensitivity", scale="unit")
    assert cache.misses == 2 and one.items == two.items  # same lists, same seed
    base = optimize(A, b, 10, "linear")
    s = 1 / np.sqrt(base.prior_var)
    assert np.allclose(np.array(two.credits[:10]), s * np.array(one.credits[:10]))
    assert len(two.items) == 10  # the union of the two top 10s: nothing deeper to fill
    again = served_interleave(A, b, 12, random.Random(3), cache, objective="insensitivity", scale="unit")
    assert cache.hits == 1 and again == two
