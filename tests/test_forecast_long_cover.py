"""bench/forecast_long_cover.py (issue 14, session 31): the level ratio, its bins, per-series coverage, and
the holdout prediction from per-bin validation coverage are the arithmetic its docstring says."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


def test_level_ratio_and_bins() -> None:
    import forecast_long_cover as lc

    y = np.array(
        [
            [1.0] * 10 + [2.0] * 13,  # 13 periods before the origin at 2
            [5.0] * 23,
            [np.nan] * 10 + [0.0] * 13,  # nothing before: from 0
            [0.0] * 23,
        ]
    )
    actual = np.array([[4.0] * 5, [4.0] * 5, [3.0] * 5, [0.0] * 5])
    r = lc.level_ratio(y, actual, 23)
    assert r[0] == 2.0 and r[1] == 0.8 and np.isinf(r[2]) and r[3] == 1.0
    assert lc.bin_of(r).tolist() == ["2-3", "0.67-0.9", ">=3", "0.9-1.1"]
    got = lc.bin_of(np.array([0.5, 0.67, 1.1, 1.49, 1.5, 2.99, 3.0]))
    assert got.tolist() == ["<0.67", "0.67-0.9", "1.1-1.5", "1.1-1.5", "1.5-2", "2-3", ">=3"]


def test_per_series_cover_ignores_missing_actuals() -> None:
    import forecast_long_cover as lc

    a = np.array([[1.0, 2.0, 3.0, np.nan], [5.0, 5.0, 5.0, 5.0]])
    lo = {80: np.full((2, 4), 1.5), 95: np.zeros((2, 4))}
    hi = {80: np.full((2, 4), 4.0), 95: np.full((2, 4), 4.5)}
    cov = lc.per_series_cover(a, lo, hi)
    assert cov[80].tolist() == [2 / 3, 0.0]
    assert cov[95].tolist() == [1.0, 0.0]
    bins = np.array(["0.9-1.1", ">=1.5"])
    got = lc.by_bin(bins, cov)
    assert got["0.9-1.1"] == {"series": 1, "cov80": 2 / 3, "cov95": 1.0}
    assert got["<0.67"]["series"] == 0 and np.isnan(got["<0.67"]["cov80"])


def test_level_shift_is_in_units_and_binned_counts() -> None:
    import forecast_long_cover as lc

    y = np.array([[2.0] * 13, [4.0] * 13])
    actual = np.array([[5.0] * 4, [4.0] * 4])
    s = lc.level_shift(y, actual, 13, np.array([1.5, 2.0]))
    assert s.tolist() == [2.0, 0.0]
    cov = {80: np.array([0.5, 1.0]), 95: np.array([0.75, 1.0])}
    got = lc.binned(s, cov, lc.SHIFT_BINS)
    assert got["[0,0.5)"] == {"series": 1, "cov80": 1.0, "cov95": 1.0}
    assert got["[2,4)"] == {"series": 1, "cov80": 0.5, "cov95": 0.75}
    assert sum(v["series"] for v in got.values()) == 2
