"""GlobalGBM's optional MASE-matched row weights (gbm.mase_weights; session 26, bench/forecast_weekly_base.py)."""

from __future__ import annotations

import numpy as np

from shopmind.forecast.gbm import GlobalGBM, _Prefix, mase_weights, origin_features
from shopmind.forecast.series import Panel


def _weekly(y: np.ndarray) -> Panel:
    dates = np.datetime64("2024-01-01") + np.arange(y.shape[1]) * np.timedelta64(7, "D")
    return Panel(ids=[f"s{i}" for i in range(y.shape[0])], dates=dates, y=y.astype(float), freq="W")


def test_mase_weights_are_level_over_naive_mae_and_zero_where_mase_is_undefined() -> None:
    y = np.array(
        [
            [2.0, 4.0, 2.0, 4.0, 9.0],  # level (2+4+2+4)/4 = 3, naive MAE 2 at t = 3 -> 1.5
            [0.0, 0.0, 6.0, 0.0, 0.0],  # level 1.5, naive (0+6+6)/3 = 4 -> 0.375
            [5.0, 5.0, 5.0, 5.0, 1.0],  # constant so far: naive 0, MASE undefined -> 0
            [np.nan, np.nan, 3.0, 1.0, 0.0],  # starts late: level 2, naive |1-3| = 2 -> 1
        ]
    )
    panel = _weekly(y)
    _, scale, _ = origin_features(panel, 3, _Prefix.of(panel.y))
    np.testing.assert_allclose(mase_weights(panel, 3, scale), [1.5, 0.375, 0.0, 1.0])


def test_training_rows_carry_weights_only_when_asked_and_change_the_fit() -> None:
    rng = np.random.default_rng(5)
    n, T, h = 60, 60, 13
    level = rng.uniform(0.2, 5.0, size=(n, 1))
    y = rng.poisson(level * np.ones((n, T))).astype(float)
    panel = _weekly(y)
    plain = GlobalGBM(objective="l1").training_set(panel, h)
    weighted = GlobalGBM(objective="l1", mase_weight=True).training_set(panel, h)
    assert plain is not None and weighted is not None
    assert plain[2] is None
    X, target, w = weighted
    np.testing.assert_array_equal(X, plain[0])  # same rows, same order: only the weights are added
    np.testing.assert_array_equal(target, plain[1])
    assert w is not None and w.shape == target.shape and (w >= 0).all() and w.max() > 0
    # the newest origin (T - 2: one step to learn from, every series observed) comes first: its rows'
    # weights are mase_weights of that origin, series by series
    t = T - 2
    _, scale, _ = origin_features(panel, t, _Prefix.of(panel.y))
    np.testing.assert_allclose(w[:n], mase_weights(panel, t, scale))
    a = GlobalGBM(objective="l1").forecast(panel, h)
    b = GlobalGBM(objective="l1", mase_weight=True).forecast(panel, h)
    assert a.shape == b.shape == (n, h) and (b >= 0).all()
    assert not np.allclose(a, b)
    # both follow the series' levels
    assert np.corrcoef(b.mean(axis=1), level[:, 0])[0, 1] > 0.8
