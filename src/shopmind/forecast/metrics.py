"""Forecast accuracy: MASE (M4), RMSSE (M5), bias and interval coverage, per series then averaged.

Scales come from each series' own training history (from its first observation), so a metric never
reads the test window to normalise itself; a series whose scale is 0 (constant history) is left out
of the scaled metrics (its MASE is undefined), and counted in ``undefined``.
"""

from __future__ import annotations

import numpy as np


def naive_scale(history: np.ndarray, season: int, power: int = 1) -> np.ndarray:
    """Per series: mean |y_t - y_{t-m}|^power over the observed history (NaN-aware)."""
    m = season if history.shape[1] > season else 1
    d = np.abs(history[:, m:] - history[:, :-m]) ** power
    with np.errstate(invalid="ignore"):
        out = (
            np.nanmean(np.where(np.isnan(d), np.nan, d), axis=1)
            if d.size
            else np.full(history.shape[0], np.nan)
        )
    return out


def scores(
    history: np.ndarray,
    actual: np.ndarray,
    mean: np.ndarray,
    season: int,
    lo: dict[int, np.ndarray] | None = None,
    hi: dict[int, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Per-series metric arrays for one forecast window (shape (n,)); NaN where undefined.

    MASE: mean absolute error / in-sample seasonal-naive MAE (M4). RMSSE: RMSE / in-sample
    one-step naive RMS (M5). Bias: sum(forecast - actual); coverage_L: share of points inside.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s1 = naive_scale(history, season)
        s2 = naive_scale(history, 1, power=2)
        err = mean - actual
        out = {
            "mase": np.where(s1 > 0, np.nanmean(np.abs(err), axis=1) / s1, np.nan),
            "rmsse": np.where(s2 > 0, np.sqrt(np.nanmean(err**2, axis=1) / s2), np.nan),
            "error_sum": np.nansum(err, axis=1),
            "actual_sum": np.nansum(actual, axis=1),
        }
    for level in lo or {}:
        inside = (actual >= lo[level]) & (actual <= hi[level])  # type: ignore[index]
        out[f"coverage_{level}"] = inside.mean(axis=1)
    return out


def summarise(per_series: list[dict[str, np.ndarray]]) -> dict[str, float]:
    """Pool per-window, per-series arrays into the reported figures.

    MASE and RMSSE: mean over (series, window) pairs where defined; bias: total error / total actual
    (relative, signed: > 0 means over-forecast); coverage: mean share of points inside, over the series
    that have the interval.
    """
    cat = {k: np.concatenate([p[k] for p in per_series]) for k in per_series[0]}
    out: dict[str, float] = {
        "mase": float(np.nanmean(cat["mase"])),
        "rmsse": float(np.nanmean(cat["rmsse"])),
        "bias": float(cat["error_sum"].sum() / max(cat["actual_sum"].sum(), 1e-12)),
        "series_windows": int(cat["mase"].size),
        "undefined": int(np.isnan(cat["mase"]).sum()),
    }
    for k in cat:
        if k.startswith("coverage_"):  # NaN: a series without that interval (statsforecast gave none)
            v = cat[k][np.isfinite(cat[k])]
            out[k] = float(v.mean()) if v.size else float("nan")
    return out
