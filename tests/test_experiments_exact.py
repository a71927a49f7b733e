"""bench/experiments_exact.py: the exact click-model integration agrees with the simulator's sampled
clicks (``experiments_sim.simulate_clicks``), team draft's lists are enumerated with their true
probabilities, and position-only clicks earn team draft no credit."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from experiments_exact import (  # noqa: E402
    K,
    click_params,
    evaluate,
    first_click,
    moments,
    prepare,
    propensity_nodes,
    team_draft_lists,
)
from experiments_sim import simulate_clicks  # noqa: E402
from shopmind.experiments.interleave import team_draft  # noqa: E402

ITEMS = [f"p{i}" for i in range(K)]
GRADES = dict(zip(ITEMS, [3.0, 1.0, 2.33, 1.0, 3.0, 1.67, 1.0, 2.67, 1.0, 2.0], strict=True))
CREDIT = np.array([1.0, -1.0, 0.4, -0.2, 1.0, -1.0, 0.0, 0.7, -0.5, 1.0])


@pytest.mark.parametrize("model", ["pbm", "dbn"])
@pytest.mark.parametrize("u", [1.0, 2.5])
def test_moments_match_sampled_clicks(model: str, u: float) -> None:
    """E[D], E[D^2] of a credit and the first-click metrics, exact vs 100,000 sampled sessions."""
    a, s, cont = click_params(np.array([[GRADES[p] for p in ITEMS]]), model, np.array([u]))
    e1, e2 = moments(a, s, cont, CREDIT[None])
    fc = first_click(a, cont)
    rng = random.Random(0)
    d, anyc, rr = [], [], []
    for _ in range(100_000):
        c = simulate_clicks(ITEMS, GRADES, model, rng, u)
        d.append(CREDIT[c].sum())
        anyc.append(bool(c))
        rr.append(1 / (c[0] + 1) if c else 0.0)
    _close(e1[0, 0], np.array(d))
    _close(e2[0, 0], np.square(d))
    _close(fc["any_click"][0][0, 0], np.array(anyc, dtype=float))
    _close(fc["first_click_rr"][0][0, 0], np.array(rr))
    _close(fc["first_click_rr"][1][0, 0], np.square(rr))


def _close(exact: float, sampled: np.ndarray) -> None:
    """Within 4 standard errors of the sample mean (a constant sample: equal)."""
    assert abs(exact - sampled.mean()) <= 4 * sampled.std() / np.sqrt(len(sampled)) + 1e-12


def test_team_draft_lists_are_the_merges_distribution() -> None:
    a = ["p1", "p2", "p3", "p4", "p5"]
    b = ["p3", "p6", "p1", "p7"]
    lists = team_draft_lists(a, b, 6)
    assert sum(w for _i, _c, w in lists) == pytest.approx(1.0)
    rng = random.Random(1)
    n = 40_000
    seen: dict[tuple[str, ...], int] = {}
    for _ in range(n):
        shown = team_draft(a, b, 6, rng)
        seen[shown.items] = seen.get(shown.items, 0) + 1
    exact: dict[tuple[str, ...], float] = {}
    for items, _c, w in lists:
        exact[items] = exact.get(items, 0.0) + w
    assert set(seen) == set(exact)
    for items, p in exact.items():
        assert abs(seen[items] / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_propensity_nodes_integrate_the_exponential() -> None:
    u, w = propensity_nodes("heterogeneous", 48)
    assert w.sum() == pytest.approx(1.0)
    assert (w * u).sum() == pytest.approx(1.0, abs=1e-12)
    assert (w * u * u).sum() == pytest.approx(2.0, rel=0.05)  # E[u^2] = 2; strata means lose a little
    assert propensity_nodes("same")[0].tolist() == [1.0]


@pytest.mark.parametrize("model", ["pbm", "dbn"])
def test_position_only_clicks_give_team_draft_no_credit(model: str) -> None:
    """Two different rankers, clicks that ignore the items: the exact mean credit is 0."""
    grades = [{p: 1.0 + (i % 3) for i, p in enumerate(ITEMS)}]
    ra, rb = [ITEMS], [ITEMS[::-1]]
    prep = prepare(grades, ra, rb, taus=(3.0,))
    flat = evaluate(prep, model, "heterogeneous", flat=True)
    assert flat["interleaving"]["td_diff"]["mean"] == pytest.approx(0.0, abs=1e-12)
    real = evaluate(prep, model, "same")
    # B ranks the grade-3 items p2, p5, p8 higher on average than A does; A has p0 (grade 1) first
    assert real["interleaving"]["td_diff"]["mean"] != 0.0
    assert real["interleaving"]["td_diff"]["var"] > real["interleaving"]["td_diff"]["click_noise_var"] >= 0
