"""The ensemble's inner rolling-origin backtest: each model forecasts cuts of the training window.

The backtest cuts the panel it is given at ``T - k*h`` for k = 1..windows, forecasts each cut with every
model and keeps the actuals with two scales per series: MASE's (in-sample seasonal-naive MAE of the cut)
and the conformal unit (``series_scale``). ``demand_class`` groups series by demand pattern
(Syntetos-Boylan: smooth / erratic / intermittent / lumpy) for the choice made from it (choice.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.models import Forecaster
from shopmind.forecast.series import Panel


def demand_class(panel: Panel) -> np.ndarray:
    """Syntetos-Boylan class per series from its observed history: ADI > 1.32 and/or CV² > 0.49."""
    starts = panel.starts()
    out = np.empty(panel.n, dtype=object)
    for i in range(panel.n):
        y = panel.y[i, starts[i] :]
        nz = y[y > 0]
        adi = y.size / max(nz.size, 1)
        cv2 = (nz.std() / nz.mean()) ** 2 if nz.size > 1 else 0.0
        out[i] = (
            ("lumpy" if cv2 > 0.49 else "intermittent")
            if adi > 1.32
            else ("erratic" if cv2 > 0.49 else "smooth")
        )
    return out


def series_scale(panel: Panel) -> np.ndarray:
    """The unit of conformal scores: in-sample seasonal-naive MAE, else mean demand, else 1."""
    with np.errstate(invalid="ignore"):
        s = naive_scale(panel.y, panel.season)
        mean = np.nanmean(np.where(np.isnan(panel.y), np.nan, panel.y), axis=1)
    s = np.where(np.isfinite(s) & (s > 0), s, mean)
    return np.where(np.isfinite(s) & (s > 0), s, 1.0)


@dataclass
class Backtest:
    """Forecasts of each model at each inner cut, with the actuals and scales they are scored on."""

    h: int
    preds: dict[str, list[np.ndarray]] = field(default_factory=dict)  # model -> per window (n, h)
    actual: list[np.ndarray] = field(default_factory=list)
    mase_scale: list[np.ndarray] = field(default_factory=list)
    unit: list[np.ndarray] = field(default_factory=list)  # conformal scale per window
    seconds: dict[str, float] = field(default_factory=dict)

    def mase(self, pred: list[np.ndarray]) -> np.ndarray:
        """Per series mean over windows of MAE / scale (NaN where the scale is 0)."""
        vals = []
        for p, a, s in zip(pred, self.actual, self.mase_scale, strict=True):
            with np.errstate(invalid="ignore", divide="ignore"):
                vals.append(np.where(s > 0, np.mean(np.abs(p - a), axis=1) / s, np.nan))
        with np.errstate(invalid="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.nanmean(np.stack(vals), axis=0)


def backtest(panel: Panel, models: list[Forecaster], h: int, windows: int) -> Backtest:
    """Forecast each inner cut ``T - k*h`` (k = windows..1) with every model; cuts too short are skipped."""
    bt = Backtest(h=h)
    for k in range(windows, 0, -1):
        end = panel.T - k * h
        if end < max(2 * panel.season, 8):
            continue
        train = panel.cut(end)
        bt.actual.append(panel.y[:, end : end + h])
        bt.mase_scale.append(naive_scale(train.y, panel.season))
        bt.unit.append(series_scale(train))
        for m in models:
            t0 = time.perf_counter()
            bt.preds.setdefault(m.name, []).append(m.forecast(train, h))
            bt.seconds[m.name] = bt.seconds.get(m.name, 0.0) + time.perf_counter() - t0
    return bt
