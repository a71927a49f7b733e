"""Order levels for a fill-rate target (shopmind.forecast.fillrate)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast import fillrate
from shopmind.forecast.replay import replay


def _nb(rng: np.random.Generator, mu: np.ndarray, alpha: float, size: tuple[int, ...]) -> np.ndarray:
    n = 1 / alpha
    return rng.negative_binomial(n, n / (n + mu), size=size).astype(float)


@pytest.mark.parametrize(("mu", "alpha"), [(5.0, 0.8), (40.0, 2.0), (3.0, 0.0)])
def test_shortage_curve_matches_simulation(mu: float, alpha: float) -> None:
    rng = np.random.default_rng(41)
    d = rng.poisson(mu, 400_000) if alpha == 0 else _nb(rng, np.full(400_000, mu), alpha, (400_000,))
    curve = fillrate.nb_shortage_curve(mu, alpha)
    assert curve[0] == pytest.approx(mu)
    assert np.all(np.diff(curve) <= 1e-12)  # more stock, less shortage
    for s in (1, int(mu), int(3 * mu)):
        assert curve[s] == pytest.approx(np.mean(np.maximum(d - s, 0)), abs=0.02 * mu + 0.01)


def test_nb_fill_levels_meet_the_fill_target_on_fresh_demand() -> None:
    rng = np.random.default_rng(42)
    n, h, review, alpha = 300, 14, 7, 1.5
    mu = np.repeat(rng.uniform(0.2, 5.0, size=(n, 1)), h, axis=1)
    classes = np.array(["lumpy"] * n, dtype=object)
    # 8 windows (2,400 sums): with 2 the moment dispersion of the sums is off by up to ~20 %, which at a
    # 98 % fill moves the shortage by ~30 % (seeded check, 2026-12-04) - the estimate's noise, not the rule's
    backtest = [_nb(rng, mu, alpha, mu.shape) for _ in range(8)]
    upper = fillrate.nb_fill_upper([mu] * 8, backtest, classes, mu, review)
    levels = {f: upper(14, f) for f in (0.8, 0.9, 0.98)}
    assert np.all(levels[0.8] <= levels[0.9]) and np.all(levels[0.9] <= levels[0.98])
    assert upper(14, 0.9) is levels[0.9]  # cached
    fresh = _nb(rng, mu, alpha, (200, n, h)).sum(axis=2)  # 200 draws of each product's 14-day demand
    for f, s in levels.items():
        short = np.maximum(fresh - s[None, :], 0).mean()
        allowed = (1 - f) * mu[:, :review].sum(axis=1).mean()
        assert short <= allowed * 1.15  # the dispersion is estimated: near, not exact
        assert short >= allowed * 0.3  # and not far more stock than the target needs (integer levels)
    # a cycle-service-level quantile at the same target holds more stock than the fill-rate level
    from shopmind.forecast import counts

    csl = counts.quantile(0.98, mu.sum(axis=1), np.full(n, alpha / h))  # a sum of h iid days: alpha / h
    assert np.mean(csl) > np.mean(levels[0.98])


def test_normal_fill_level_solves_the_loss_equation() -> None:
    m, sd, review = np.array([2.0, 10.0, 3.0]), np.array([1.5, 4.0, 0.0]), 7
    upper = fillrate.normal_fill_upper(m, sd, review)
    s = upper(14, 0.95)
    spread = sd * np.sqrt(14)
    z = (s[:2] - m[:2] * 14) / spread[:2]
    assert spread[:2] * fillrate.normal_loss(z) == pytest.approx(0.05 * m[:2] * review, rel=1e-3)
    assert s[2] == pytest.approx(42.0)  # no spread: the mean, no safety stock
    assert np.all(upper(14, 0.99) >= s)


def test_replay_with_fill_rate_levels_serves_more_at_a_higher_target() -> None:
    rng = np.random.default_rng(43)
    n, days, h = 60, 56, 14
    mu = np.repeat(rng.uniform(0.5, 4.0, size=(n, 1)), h, axis=1)
    demand = _nb(rng, np.repeat(mu[:, :1], days, axis=1), 1.0, (n, days))
    backtest = [_nb(rng, mu, 1.0, mu.shape) for _ in range(2)]
    classes = np.array(["erratic"] * n, dtype=object)
    est = [(mu, np.ones(n), fillrate.nb_fill_upper([mu, mu], backtest, classes, mu, 7))] * (days // 7)
    low, high = replay(demand, est, 7, 7, 0.8), replay(demand, est, 7, 7, 0.98)
    assert low["fill_rate"] < high["fill_rate"] and low["avg_stock"] < high["avg_stock"]
    assert high["fill_rate"] > 0.9


def test_calibrated_fill_levels_meet_the_target_on_the_backtest_and_fresh_demand() -> None:
    """Lumpy demand: a few large orders on top of small ones. The moment dispersion of 2 windows' sums
    understates that tail; the calibrated rule meets the fill target on the backtest by construction and
    holds it on fresh draws of the same process."""
    rng = np.random.default_rng(44)
    n, h, review = 200, 14, 7
    mu = np.repeat(rng.uniform(0.3, 3.0, size=(n, 1)), h, axis=1)

    def draw(size: tuple[int, ...]) -> np.ndarray:
        small = rng.poisson(np.broadcast_to(mu * 0.7, size))
        big = (rng.random(size) < 0.3 / 40) * rng.integers(20, 60, size)  # ~0.3 units/day in wholesale orders
        return (small + big).astype(float)

    backtest = [draw(mu.shape) for _ in range(2)]
    classes = np.array(["lumpy"] * n, dtype=object)
    cal = fillrate.calibrated_fill_upper([mu, mu], backtest, classes, mu, review)
    raw = fillrate.nb_fill_upper([mu, mu], backtest, classes, mu, review)
    fresh = draw((400, n, h)).sum(axis=2)
    demand_r = mu[:, :review].sum(axis=1).sum()
    for f in (0.9, 0.98):
        s_cal, s_raw = cal(14, f), raw(14, f)
        bt_short = sum(np.maximum(w.sum(axis=1) - s_cal, 0).sum() for w in backtest)
        bt_demand = sum(w[:, :review].sum() for w in backtest)
        assert bt_short <= (1 - f) * bt_demand + 1e-9  # met on the backtest, by construction
        short_cal = np.maximum(fresh - s_cal[None, :], 0).sum(axis=1).mean()
        assert short_cal <= (1 - f) * demand_r * 1.5  # and near it on new demand (2 windows: noisy)
        assert np.mean(s_cal) >= np.mean(s_raw)  # the calibrated tail is not thinner than the moments'
    assert cal(14, 0.98) is cal(14, 0.98)
