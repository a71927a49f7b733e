"""bench/experiments_learned.py: the click-pattern enumeration reproduces round 9's exact forward
pass (``experiments_exact.moments`` and ``evaluate``) for the plain credit, and the learned credit's
figures follow from it (the bench's protocol on a small synthetic pool)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from experiments_exact import K, click_params, evaluate, moments, propensity_nodes  # noqa: E402
from experiments_learned import (  # noqa: E402
    PI,
    choose_shrink,
    pattern_features,
    pattern_probs,
    prepare_indexed,
    query_moments,
    sessions,
    stats_on,
    subset,
)


def _pool(n: int = 40, seed: int = 0) -> tuple[list[dict[str, float]], list[list[str]], list[list[str]]]:
    """Graded queries; B orders by grade + small noise, A by grade + more noise (B is better)."""
    rng = np.random.default_rng(seed)
    grades, ra, rb = [], [], []
    for q in range(n):
        items = [f"q{q}i{j}" for j in range(12)]
        g = rng.choice([1.0, 1.33, 2.0, 2.67, 3.0], size=12)
        grades.append(dict(zip(items, g.tolist(), strict=True)))
        rb.append([items[j] for j in np.argsort(-(g + rng.normal(0, 0.3, 12)))])
        ra.append([items[j] for j in np.argsort(-(g + rng.normal(0, 1.5, 12)))])
    return grades, ra, rb


@pytest.mark.parametrize("model", ["pbm", "dbn"])
def test_pattern_probabilities_reproduce_the_forward_pass(model: str) -> None:
    rng = np.random.default_rng(1)
    g = rng.choice([0.0, 1.0, 1.67, 2.33, 3.0], size=(30, K))
    c = rng.uniform(-1, 1, size=(30, K))
    u, _ = propensity_nodes("heterogeneous", 6)
    a, s, cont = click_params(g, model, u)
    p = pattern_probs(a, s, cont)
    np.testing.assert_allclose(p.sum(axis=2), 1.0, atol=1e-12)
    plain = np.einsum("lk,xk->lx", c, pattern_features()[:, :, 0])
    e1, e2 = moments(a, s, cont, c)
    np.testing.assert_allclose((p * plain[None]).sum(axis=2), e1, atol=1e-12)
    np.testing.assert_allclose((p * plain[None] ** 2).sum(axis=2), e2, atol=1e-12)


@pytest.mark.parametrize(("model", "users"), [("pbm", "same"), ("dbn", "heterogeneous")])
def test_plain_credit_equals_round9_on_a_query_subset(model: str, users: str) -> None:
    """The learned bench's plain credit (feature 0) on a test half has round 9's exact mean,
    variance and control-adjusted variance (``experiments_exact.evaluate`` on the same lists)."""
    grades, ra, rb = _pool()
    prep = prepare_indexed(grades, ra, rb, seed=0)
    test = np.arange(0, len(grades), 2)
    ref = evaluate(subset(prep, test), model, users)["interleaving"]
    feats = pattern_features()
    for group in ("td_diff", PI):
        st = stats_on(query_moments(prep[group], model, users, False, feats), test)
        assert st["mu"][0] == pytest.approx(ref[group]["mean"], abs=1e-12)
        assert st["sigma"][0, 0] == pytest.approx(ref[group]["var"], abs=1e-12)
        assert st["sigma_cv"][0, 0] == pytest.approx(ref[group]["var_cv"], abs=1e-10)


def test_learned_credit_on_held_out_queries() -> None:
    """Weights learned on one half: the credit points the right way on the other half, the
    in-sample optimum is at least as good as the plain credit there (exact unbiasedness under
    position-only clicks: ``test_interleave_learned.py``)."""
    grades, ra, rb = _pool(80, seed=2)
    prep = prepare_indexed(grades, ra, rb, seed=0)
    train, test = np.arange(0, 80, 2), np.arange(1, 80, 2)
    feats = pattern_features()
    mom = query_moments(prep[PI], "pbm", "same", False, feats)
    fit = choose_shrink(mom, train, cv=True, seed=0)
    assert fit["shrink"] in fit["cv_scores"]
    st = stats_on(mom, test)
    w, plain = fit["w"], np.eye(len(feats[0, 0]))[0]
    assert float(w @ st["mu"]) > 0
    from shopmind.experiments.interleave_learned import learn_weights

    best = learn_weights(st["mu"], st["sigma_cv"], 0.0)
    assert sessions(st, best, cv=True) <= sessions(st, plain, cv=True) + 1e-9
    assert sessions(st, best, cv=True) <= sessions(st, w, cv=True) + 1e-9


def test_query_resampling_reproduces_the_point_ratio() -> None:
    """The per-query A/B moments give evaluate's first-click-RR sessions on the same queries, and
    the resampled ratios spread around the point ratio."""
    from experiments_learned import Z2, ab_query_moments, ratio_spread

    grades, ra, rb = _pool(60, seed=3)
    prep = prepare_indexed(grades, ra, rb, seed=0)
    test = np.arange(1, 60, 2)
    ref = evaluate(subset(prep, test), "dbn", "heterogeneous")
    ab = ab_query_moments(prep, "dbn", "heterogeneous")
    (a1, a2), (b1, b2) = (ab[arm][test].mean(axis=0) for arm in ("ab_a", "ab_b"))
    rr = ref["ab"]["first_click_rr"]
    assert a1 == pytest.approx(rr["a"]["mean"], abs=1e-12) and b2 - b1 * b1 == pytest.approx(
        rr["b"]["var"], abs=1e-12
    )
    n_ab = 2 * Z2 * (a2 - a1 * a1 + b2 - b1 * b1) / (b1 - a1) ** 2
    assert rr["sessions_total_80pct"] == 2 * int(np.ceil(n_ab / 2))
    mom = query_moments(prep[PI], "dbn", "heterogeneous", False, pattern_features())
    plain = np.eye(8)[0]
    spread = ratio_spread(ab, mom, test, {"plain": plain}, seed=0, n_boot=200)
    point = n_ab / sessions(stats_on(mom, test), plain, cv=True)
    assert spread["on_the_queries"]["plain"] == pytest.approx(point, rel=1e-12)
    s = spread["plain"]
    assert s["p2.5"] < point < s["p97.5"] and s["p2.5"] < s["median"] < s["p97.5"]
