"""A global LightGBM trained on a base forecaster's residuals (a boosted correction of, e.g., THieF).

Why: a local model (ADIDA, ETS; THieF reconciles their temporal levels) sees one series; a global
model sees what the series have in common (the shop's level, the step), but on 28-41 weeks of weekly
history it is high-variance on its own (BENCHMARKS, issue 14, the weekly LightGBM variants). Learning
only the *correction* of a good local forecast lets the tree spend its few rows on what the local model
misses — the hybrid form of the M4 winner (Smyl's ES-RNN) and of the "residual boosting" entries of M5.

Construction, leak-free like gbm.GlobalGBM: at each training origin ``t`` (gbm.training_origins) the
base model is fitted on the panel cut at ``t + 1`` and forecasts steps 1..h; a row's target is
(y[t+s] - base[t, s]) / scale, its features gbm's origin/step features plus base[t, s] / scale, all read
at or before ``t`` (the base forecast is itself made from periods <= t). The final forecast is the base
forecast at the panel's end plus the predicted correction x scale, floored at 0. Squared-error loss:
residuals are signed and the policy uses a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.forecast.gbm import GlobalGBM, _Prefix, lgb_params, training_origins
from shopmind.forecast.models import MIN_OBS, Forecaster
from shopmind.forecast.series import Panel


@dataclass
class ResidualGBM:
    """``base`` plus a global LightGBM of its scaled residuals (module docstring)."""

    base: Forecaster
    name: str = ""
    n_origins: int = 12
    n_estimators: int = 200
    learning_rate: float = 0.05
    num_leaves: int = 15
    seed: int = 0

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.base.name}+GBMres"

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        import lightgbm as lgb

        base_now = self.base.forecast(panel, h)
        gbm = GlobalGBM(objective="regression", seed=self.seed)
        prefix = _Prefix.of(panel.y)
        Xs, ys = [], []
        for t in training_origins(panel.T, h, panel.freq, self.n_origins):
            if t + 1 < MIN_OBS:  # the base model needs a few periods of history
                continue
            hh = min(h, panel.T - 1 - t)
            past = self.base.forecast(panel.cut(t + 1), hh)
            X, scale, _ = gbm.rows(panel, t, hh, prefix)
            b = past.T.reshape(-1) / scale
            target = panel.y[:, t + 1 : t + 1 + hh].T.reshape(-1) / scale - b
            keep = np.isfinite(target) & np.tile(~np.isnan(panel.y[:, t]), hh)
            Xs.append(np.hstack([X, b[:, None]])[keep])
            ys.append(target[keep])
        if not Xs or sum(y.size for y in ys) < 50:
            return base_now
        params = lgb_params("regression", self.learning_rate, self.num_leaves, self.seed, 1)
        model = lgb.train(params, lgb.Dataset(np.vstack(Xs), np.concatenate(ys)), self.n_estimators)
        X, scale, _ = gbm.rows(panel, panel.T - 1, h, prefix)
        b = base_now.T.reshape(-1) / scale
        corr = model.predict(np.hstack([X, b[:, None]])) * scale
        return np.clip(base_now + corr.reshape(h, panel.n).T, 0.0, None)
