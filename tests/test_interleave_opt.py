"""Optimized interleaving (``shopmind.experiments.interleave_opt``): the lists it may show, the
LP's unbiasedness under clicks that ignore the items (exact, by enumeration), identical rankers,
and a dominating ranker winning under a cascade."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from shopmind.experiments.interleave_opt import (
    CREDITS,
    OptInterleaved,
    is_prefix_constrained,
    item_credits,
    optimize,
    optimized_interleave,
    prefix_lists,
    session_credit,
)


def _pair(rng: random.Random, pool: int, la: int, lb: int) -> tuple[list[str], list[str]]:
    items = [f"d{i}" for i in range(pool)]
    return rng.sample(items, la), rng.sample(items, lb)


def test_prefix_lists_are_exactly_the_constrained_lists() -> None:
    """Brute force over every ordered choice of items: the enumeration finds exactly the lists whose
    every prefix is a union of prefixes of A and B."""
    rng = random.Random(1)
    for _ in range(20):
        a, b = _pair(rng, 7, rng.randint(2, 5), rng.randint(2, 5))
        k = 4
        got = set(prefix_lists(a, b, k))
        pool = sorted(set(a[:k]) | set(b[:k]))
        n = min(k, len(pool))
        brute = {p for p in itertools.permutations(pool, n) if is_prefix_constrained(p, a, b, k)}
        assert got == brute
        assert got  # never empty when either ranker has an item


def test_every_drawn_list_is_prefix_constrained_and_in_the_distribution() -> None:
    rng = random.Random(2)
    for _ in range(10):
        a, b = _pair(rng, 16, 10, 10)
        for credit in CREDITS:
            dist = optimize(a, b, 10, credit)
            assert all(is_prefix_constrained(lst, a, b, 10) for lst in dist.lists)
            assert abs(sum(dist.probs) - 1) < 1e-12 and min(dist.probs) > 0
            assert len(dist.lists) <= 11  # a basic optimum: at most k + 1 lists
            shown = optimized_interleave(a, b, 10, random.Random(7), credit, dist)
            assert shown.items in dist.lists
            assert is_prefix_constrained(shown.items, a, b, 10)


def _position_only_mean(dist, click_p: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """Exact E[credit] over the lists and every click pattern of ``click_p`` (a probability per
    pattern of positions: the clicks ignore the items)."""
    n = len(dist.lists[0])
    total = 0.0
    for pl, cred in zip(dist.probs, dist.credits, strict=True):
        for x in range(2**n):
            clicks = [i for i in range(n) if (x >> i) & 1]
            total += pl * click_p[x] * session_credit(OptInterleaved(("",) * n, cred), clicks)
    return total


@pytest.mark.parametrize("credit", sorted(CREDITS))
def test_position_only_clicks_earn_no_credit(credit: str) -> None:
    """Any click distribution over positions (here an arbitrary one over all 2^n patterns, so
    cascades are covered): the expected credit is 0 to 1e-9, also for rankings of unequal length."""
    rng = random.Random(3)
    np_rng = np.random.default_rng(3)
    for la, lb, pool in ((6, 6, 9), (6, 3, 8), (2, 6, 10), (6, 6, 6)):
        a, b = _pair(rng, pool, la, lb)
        dist = optimize(a, b, 6, credit)
        assert dist.feasible
        n = len(dist.lists[0])
        click_p = np_rng.dirichlet(np.ones(2**n))
        assert abs(_position_only_mean(dist, click_p)) < 1e-9
        assert dist.max_bias < 1e-9
        assert any(abs(c) > 0 for cred in dist.credits for c in cred)  # the rankers do differ


def test_identical_rankers_get_zero_credit() -> None:
    a = [f"d{i}" for i in range(10)]
    for credit in CREDITS:
        dist = optimize(a, list(a), 10, credit)
        assert dist.lists == (tuple(a),) and dist.probs == (1.0,)
        shown = optimized_interleave(a, a, 10, random.Random(0), credit)
        assert session_credit(shown, range(10)) == 0.0


def _cascade_mean(dist, grade: dict[str, float]) -> float:  # type: ignore[no-untyped-def]
    """Exact expected credit under a cascade: read top-down, click with prob (g / 4) ** 2, stop
    after a click with prob g / 4, else read on (with prob 0.9 after any position)."""
    total = 0.0
    for pl, items, cred in zip(dist.probs, dist.lists, dist.credits, strict=True):
        reach, mean = 1.0, 0.0
        for it, c in zip(items, cred, strict=True):
            pc = (grade[it] / 4) ** 2
            mean += reach * pc * c
            reach = reach * ((1 - pc) + pc * (1 - grade[it] / 4)) * 0.9
        total += pl * mean
    return total


@pytest.mark.parametrize("credit", sorted(CREDITS))
def test_dominating_ranker_wins_under_a_cascade(credit: str) -> None:
    """B orders the items by grade, A the reverse of a noisy order: B wins in expectation; swapped,
    A wins by the same amount."""
    rng = random.Random(4)
    items = [f"d{i}" for i in range(10)]
    grade = {it: float(4 - i // 3) for i, it in enumerate(items)}  # 4,4,4,3,3,3,2,2,2,1
    b = list(items)
    a = list(reversed(items))
    rng.shuffle(a[:5])
    dist = optimize(a, b, 10, credit)
    assert dist.feasible
    win = _cascade_mean(dist, grade)
    assert win > 0.01
    swapped = optimize(b, a, 10, credit)
    assert _cascade_mean(swapped, grade) == pytest.approx(-win, abs=1e-9)


def test_credits_signs_and_sampling_is_seeded() -> None:
    a, b = ["x", "y", "z"], ["y", "x", "w"]
    d = item_credits(a, b, 3, "linear")
    assert d == {"x": -1.0, "y": 1.0, "z": -1.0, "w": 1.0}  # absent = rank k + 1 = 4
    assert item_credits(a, b, 3, "inverse")["y"] == pytest.approx(1.0 - 0.5)
    dist = optimize(a, b, 3, "linear")
    draws = [optimized_interleave(a, b, 3, random.Random(s), dist=dist).items for s in range(4000)]
    for lst, p in zip(dist.lists, dist.probs, strict=True):
        share = sum(x == lst for x in draws) / len(draws)
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / len(draws)) + 1e-9
    again = [optimized_interleave(a, b, 3, random.Random(s), dist=dist).items for s in range(50)]
    assert again == draws[:50]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown credit"):
        optimize(["a"], ["b"], 1, "quadratic")
    with pytest.raises(ValueError, match="k must be"):
        prefix_lists(["a"], ["b"], 0)
    assert optimize([], [], 5).lists == ()
