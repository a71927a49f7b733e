"""bench/forecast_weekly_cover.py (issue 14, session 27): its ``default`` rule is the product's weekly interval,
and the candidates do what their docstrings say on seeded backtests."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from shopmind.forecast.ensemble import Backtest, choose, chosen_backtest, intervals

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


def _backtest(
    rng: np.random.Generator, n: int, h: int, shift: float, unit: np.ndarray | None = None
) -> tuple[Backtest, np.ndarray]:
    """One window of four models and a partner; the actuals are the models' level plus ``shift`` x unit."""
    unit = rng.uniform(0.5, 2.0, n) if unit is None else unit
    level = rng.uniform(5.0, 10.0, (n, 1)) * np.ones((1, h))
    actual = level + (shift + rng.normal(0, 1, (n, h))) * unit[:, None]
    bt = Backtest(h=h, actual=[actual], mase_scale=[unit], unit=[unit])
    bt.preds = {"a": [level + 0.1], "b": [level - 0.1], "c": [level], "d": [level + 0.2], "p": [level - 0.2]}
    return bt, unit


def test_default_rule_is_the_products_weekly_interval() -> None:
    import forecast_weekly_cover as wc

    rng = np.random.default_rng(3)
    n, h = 60, 6
    bt, unit = _backtest(rng, n, h, 0.0)
    cls = np.array(["smooth"] * 30 + ["erratic"] * 25 + ["lumpy"] * 5, dtype=object)  # lumpy < MIN_GROUP
    ch = choose(bt, cls, pool_steps=True, partner="p")
    pa = chosen_backtest(bt, ch, cls)[0]
    pb = pa + 1.0
    _, lo, hi = wc.default(bt, pa, ch, cls, pb, unit)
    for g, key in (("smooth", "smooth"), ("erratic", "erratic"), ("lumpy", "all")):
        m = cls == g
        ref_lo, ref_hi = intervals(pb[m], unit[m], ch.quantiles[key])
        for lv in (80, 95):
            np.testing.assert_allclose(lo[lv][m], ref_lo[lv])
            np.testing.assert_allclose(hi[lv][m], ref_hi[lv])
    cov = wc._cover(bt.actual[0], lo, hi)
    for lv in (80, 95):  # every finite actual is inside, above or below
        assert cov[f"cov{lv}"] + cov[f"above{lv}"] + cov[f"below{lv}"] == pytest.approx(1.0)


def test_signed_moves_with_a_biased_point_and_bias_step_corrects_it() -> None:
    import forecast_weekly_cover as wc

    rng = np.random.default_rng(5)
    n, h = 200, 8
    bt, unit = _backtest(rng, n, h, 2.0)  # actuals two units above every model: the point is biased low
    cls = np.array(["smooth"] * n, dtype=object)
    ch = choose(bt, cls, pool_steps=True, partner="p")
    pa = chosen_backtest(bt, ch, cls)[0]
    fresh, _ = _backtest(np.random.default_rng(6), n, h, 2.0, unit)  # the next window, same series' units
    pb = chosen_backtest(fresh, ch, cls)[0]
    actual = fresh.actual[0]
    scored = {}
    for k in ("default", "signed", "bias-step"):
        point, lo, hi = wc.RULES[k](bt, pa, ch, cls, pb, unit)
        scored[k] = (point, wc._cover(actual, lo, hi), np.mean(hi[80] - lo[80]))
    # the symmetric default covers by width only: every miss is above it (the diagnosis' pattern)
    assert scored["default"][1]["below80"] < 0.01 < 0.15 < scored["default"][1]["above80"]
    # the signed interval sits above the point, misses on both sides and is narrower
    assert scored["signed"][2] < 0.8 * scored["default"][2]
    assert abs(scored["signed"][1]["cov80"] - 0.80) < 0.06
    assert scored["signed"][1]["above80"] < 0.15 and scored["signed"][1]["below80"] < 0.15
    # bias-step adds half the median signed error (about 2 units) back to the point
    lift = (scored["bias-step"][0] - pb) / unit[:, None]
    assert 0.8 < float(np.median(lift)) < 1.2


def test_class_at_origin_groups_the_calibration_rows_by_their_earlier_class() -> None:
    import forecast_weekly_cover as wc

    n, h = 60, 4
    unit = np.ones(n)
    actual = np.zeros((n, h))
    actual[:30] = 3.0  # the first 30 series erred by 3 units on the calibration window, the others by 0
    bt = Backtest(h=h, actual=[actual], mase_scale=[unit], unit=[unit])
    pa = np.zeros((n, h))
    bt.classes_at_origin = np.array(["erratic"] * 30 + ["smooth"] * 30, dtype=object)
    now = np.array(["smooth"] * 30 + ["erratic"] * 30, dtype=object)  # the classes swapped since
    pb = np.full((n, h), 10.0)
    _, lo, hi = wc.class_at_origin(bt, pa, None, now, pb, unit)
    # series now "erratic" get the width of the rows that were erratic at the origin (3), and vice versa
    np.testing.assert_allclose(hi[80][30:], 13.0)
    np.testing.assert_allclose(hi[80][:30], 10.0)
    _, lo_p, hi_p = wc.classes_pooled(bt, pa, None, now, pb, unit)
    assert np.allclose(hi_p[80], hi_p[80][0, 0])  # one width for every series
