"""The statsforecast models' *own* prediction intervals, for the peer rows of `evaluate forecast`.

evaluate gives every model the same conformal intervals from its inner backtest, so their coverage
compares the models' points. A user of statsforecast alone would take the library's intervals instead:
model-based for AutoETS, AutoTheta, AutoARIMA and SeasonalNaive (the model's error variance, normal),
and statsforecast's own ``ConformalIntervals`` (2 windows of ``h`` per series) for Croston, TSB and
ADIDA, which have no error model. Those are the peers' coverage figures reported beside ours.
Each series is refitted here (the points equal the ensemble's final fit; only the intervals are new).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from shopmind.forecast.models import MIN_OBS, STATS_MODELS, _season_ok
from shopmind.forecast.series import Panel

#: models whose intervals come from their own error model
MODEL_BASED = ("AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive")
#: models without one: statsforecast's per-series conformal intervals
CONFORMAL = ("CrostonOptimized", "TSB", "ADIDA")
SUPPORTED = MODEL_BASED + CONFORMAL


def _model(name: str, season: int, h: int) -> Any:
    import statsforecast.models as sfm
    from statsforecast.utils import ConformalIntervals

    if name == "SeasonalNaive":
        return sfm.SeasonalNaive(season_length=_season_ok(season))
    model = STATS_MODELS[name](season)
    if name in CONFORMAL:
        model.prediction_intervals = ConformalIntervals(n_windows=2, h=h)
    return model


def own_intervals(
    name: str, panel: Panel, h: int, levels: Sequence[int]
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Per level, (n, h) lower and upper bounds from statsforecast itself; NaN rows where it gives none
    (history shorter than the model or its conformal windows need, all zeros, or the model raising)."""
    if name not in SUPPORTED:
        raise ValueError(f"no statsforecast intervals for {name!r}; supported: {', '.join(SUPPORTED)}")
    model = _model(name, panel.season, h)
    starts = panel.starts()
    lo = {lv: np.full((panel.n, h), np.nan) for lv in levels}
    hi = {lv: np.full((panel.n, h), np.nan) for lv in levels}
    need = max(MIN_OBS, 2 * h + 1) if name in CONFORMAL else MIN_OBS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(panel.n):
            y = panel.y[i, int(starts[i]) :]
            if y.size < need or not np.any(y):
                continue
            try:
                out = model.forecast(y=y.astype(np.float64), h=h, level=list(levels))
            except Exception:  # one series failing must not lose the others; counted as no interval
                continue
            for lv in levels:
                lo_i = np.asarray(out.get(f"lo-{lv}", np.full(h, np.nan)), float)
                hi_i = np.asarray(out.get(f"hi-{lv}", np.full(h, np.nan)), float)
                if np.all(np.isfinite(lo_i)) and np.all(np.isfinite(hi_i)):
                    lo[lv][i], hi[lv][i] = lo_i, hi_i
    return lo, hi


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per series: share of observed points inside [lo, hi]; NaN for a series without intervals."""
    ok = np.isfinite(actual) & np.isfinite(lo) & np.isfinite(hi)
    inside = ok & (actual >= lo) & (actual <= hi)
    n = ok.sum(axis=1)
    return np.where(n > 0, inside.sum(axis=1) / np.maximum(n, 1), np.nan)
