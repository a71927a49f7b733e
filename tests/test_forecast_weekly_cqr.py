"""bench/forecast_weekly_cqr.py (issue 14, session 30): GlobalGBM's quantile objective, and the conformalized
quantile bounds doing what the bench's docstring says on seeded data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from shopmind.forecast.gbm import GlobalGBM
from shopmind.forecast.series import Panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


def test_quantile_objective_fits_the_asked_quantile() -> None:
    rng = np.random.default_rng(0)
    n, T, h = 120, 60, 13
    level = rng.lognormal(1.5, 0.6, n)[:, None]
    y = rng.poisson(level * np.ones((n, T))).astype(float)
    dates = np.datetime64("2024-01-01") + np.arange(T) * np.timedelta64(7, "D")
    panel = Panel(ids=[f"s{i}" for i in range(n)], dates=dates, y=y, freq="W")
    train = panel.cut(T - h)
    lo = GlobalGBM(objective="quantile", alpha=0.1).forecast(train, h)
    hi = GlobalGBM(objective="quantile", alpha=0.9).forecast(train, h)
    actual = y[:, T - h :]
    assert (hi - lo).mean() > 0.5 * level.mean()  # two different quantiles, not one point
    assert (actual < lo).mean() < 0.2 and (actual > hi).mean() < 0.2
    assert 0.6 < ((actual >= lo) & (actual <= hi)).mean() < 0.95


def _z(rng: np.random.Generator, n: int, h: int, shift: float, narrow: float) -> dict[str, np.ndarray]:
    """Two windows (cuts a = 20, b = 20 + h) of series with level 10 and noise sd = unit; the quantile models'
    bounds are the true ones shrunk by ``narrow`` about the level and moved by ``shift`` units."""
    import forecast_weekly_cqr as wq

    T = 20 + 2 * h
    unit = rng.uniform(0.5, 2.0, n)
    y = 10.0 + rng.normal(0, 1, (n, T)) * unit[:, None]
    z: dict[str, np.ndarray] = {"y": y, "h": np.array(h), "cuts": np.array([20, 20 + h])}
    zq = {2.5: -1.96, 10.0: -1.2816, 90.0: 1.2816, 97.5: 1.96}
    for c in (20, 20 + h):
        z[f"scale_{c}"] = unit
        for q, name in wq.QMODELS.items():
            z[f"pred_{c}_{name}"] = np.repeat((10.0 + (narrow * zq[q] + shift) * unit)[:, None], h, axis=1)
    return z


@pytest.mark.parametrize("how", ["cqr", "cqr-pooled", "cqr-asym"])
def test_cqr_widens_too_narrow_bounds_to_the_nominal_coverage(how: str) -> None:
    import forecast_weekly_cqr as wq
    from forecast_weekly_cover import _cover

    rng = np.random.default_rng(7)
    n, h = 400, 8
    z = _z(rng, n, h, 0.0, 0.5)
    keys = np.array(["smooth"] * 200 + ["erratic"] * 190 + ["all"] * 10, dtype=object)
    pb = np.full((n, h), 10.0)
    lo, hi = wq.cqr(z, 20, 20 + h, keys, pb, z["scale_20"], how)
    cov = _cover(z["y"][:, 20 + h :], lo, hi)
    raw = {lv: wq._bounds(z, 20 + h, lv) for lv in (80, 95)}
    raw_cov = _cover(
        z["y"][:, 20 + h :], {k: v[0] for k, v in raw.items()}, {k: v[1] for k, v in raw.items()}
    )
    assert raw_cov["cov80"] < 0.55  # the bounds alone under-cover
    assert cov["cov80"] == pytest.approx(0.80, abs=0.03)
    assert cov["cov95"] == pytest.approx(0.95, abs=0.02)
    for lv in (80, 95):  # every interval holds the point and is floored at 0
        assert (lo[lv] <= pb).all() and (hi[lv] >= pb).all() and (lo[lv] >= 0).all()


def test_asymmetric_cqr_moves_each_side_by_its_own_misses() -> None:
    import forecast_weekly_cqr as wq
    from forecast_weekly_cover import _cover

    rng = np.random.default_rng(9)
    n, h = 400, 8
    z = _z(rng, n, h, -1.0, 1.0)  # right widths, one unit low: misses fall above
    keys = np.array(["smooth"] * n, dtype=object)
    pb = np.full((n, h), 10.0)
    a_b = z["y"][:, 20 + h :]
    lo_s, hi_s = wq.cqr(z, 20, 20 + h, keys, pb, z["scale_20"], "cqr")
    lo_a, hi_a = wq.cqr(z, 20, 20 + h, keys, pb, z["scale_20"], "cqr-asym")
    sym, asym = _cover(a_b, lo_s, hi_s), _cover(a_b, lo_a, hi_a)
    assert asym["cov80"] == pytest.approx(0.80, abs=0.03)
    assert abs(asym["above80"] - asym["below80"]) < abs(sym["above80"] - sym["below80"])
    # the asymmetric interval lifts its lower bound where the symmetric one widens both sides
    assert np.mean(lo_a[80]) > np.mean(lo_s[80])


def test_winkler_is_width_plus_the_penalty_outside() -> None:
    import forecast_weekly_cqr as wq

    a = np.array([[1.0, 5.0]])
    lo = {80: np.array([[0.0, 0.0]]), 95: np.array([[0.0, 0.0]])}
    hi = {80: np.array([[2.0, 2.0]]), 95: np.array([[2.0, 2.0]])}
    # 80: widths 2, 2 + (2 / 0.2) * 3 = 32 -> 17; 95: 2, 2 + 40 * 3 = 122 -> 62; mean 39.5
    assert wq.winkler(a, lo, hi, np.array([1.0])) == pytest.approx(39.5)


def test_top_down_moves_each_groups_total_to_its_aggregate_forecast() -> None:
    import forecast_weekly_cqr as wq

    rng = np.random.default_rng(11)
    n, t, h = 60, 40, 13
    y = rng.poisson(20.0, (n, t)).astype(float)  # a flat level of 20 per series
    point = np.full((n, h), 10.0)  # every point half the level
    point[30:] = 30.0  # the second group 1.5x the level
    groups = np.array(["a"] * 30 + ["b"] * 30, dtype=object)
    out = wq.top_down(y, point, groups)
    assert out[:30].sum() == pytest.approx(20.0 * 30 * h, rel=0.05)  # factor ~2 (the clip's top)
    assert out[30:].sum() == pytest.approx(20.0 * 30 * h, rel=0.05)  # factor ~2/3
    assert np.allclose(out[:30] / point[:30], out[0, 0] / point[0, 0])  # one factor per group
    tiny = np.array(["a"] * 50 + ["b"] * 10, dtype=object)  # b under MIN_GROUP: the factor of all
    out2 = wq.top_down(y, point, tiny)
    f_all = wq.top_down(y, point, np.zeros(n, dtype=object))[50, 0] / point[50, 0]
    assert out2[50, 0] / point[50, 0] == pytest.approx(f_all)
    low = wq.top_down(y, point * 100, groups)  # points 50-150x the aggregate: clipped at 0.5
    assert np.allclose(low, point * 50)
