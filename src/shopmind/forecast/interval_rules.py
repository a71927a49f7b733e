"""Conformal interval rules for the ensemble: how the inner backtest's scaled errors become quantiles.

The ensemble's intervals are ``forecast +- q * unit``; a rule decides ``q`` (per demand class, per horizon
step and level) from the chosen combination's |error| / unit on each inner-backtest window. Kept apart from
ensemble.py so the rules can be compared under evaluate's own protocol (bench/forecast_interval_select.py)
before one becomes a default, and so the drift-aware ones have one home. ensemble.py still computes its two
rules itself (``_conformal``: ``step``, and ``pooled`` for POOL_STEPS_FREQS); the tests check both agree.
None of the drift-aware rules is a default (BENCHMARKS, session 15: not better on the validation origins).

- ``step``: one quantile per step, made non-decreasing (uncertainty grows with the step).
- ``pooled``: one quantile of every step's scores for all steps (fewer, steadier order statistics).
- ``pooled-recency``: ``pooled`` with the newer window's scores weighted twice the older's (weighted
  conformal, Barber et al. 2023, with whole-number weights as repeats): a level or volatility that
  drifts makes old errors less like the next ones.
- ``pooled-aci``: one adaptive-conformal update (Gibbs & Candes 2021) across the windows: the level is
  moved by the miss of the older windows' quantile on the newest window (``alpha + ACI_GAMMA * (alpha -
  miss)``), then the pooled quantile of all windows is taken at that level. Under-coverage that is already visible
  inside the backtest widens the interval instead of being averaged away.
- ``pooled-recent-scale``: ``pooled``, but the caller divides scores and multiplies widths by
  ``recent_scale`` (naive MAE of the last ``RECENT`` periods) instead of the whole-history unit, so a
  width follows the series' current level.
"""

from __future__ import annotations

import numpy as np

from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.series import Panel

RULES = ("step", "pooled", "pooled-recency", "pooled-aci", "pooled-recent-scale")
#: periods of recent history ``recent_scale`` reads (a quarter of weeks)
RECENT = 13
#: weight of each inner window relative to the next older one (``pooled-recency``; whole repeats, so the
#: quantile convention is ``pooled``'s)
RECENCY_REPEAT = 2
#: step size of the one adaptive-conformal update (``pooled-aci``), fixed before any validation run: at 1 a
#: miss rate twice alpha already drives the level to 100 %; at 0.5 that miss moves 80 % to 90 % and 95 % to
#: 97.5 %
ACI_GAMMA = 0.5


def conformal_rank(n: int, level: float) -> float:
    """Quantile level with the finite-sample correction ceil((n+1)L)/n, capped at 1."""
    return min(1.0, np.ceil((n + 1) * level / 100) / n)


def step_quantiles(scores: np.ndarray, h: int, level: float) -> np.ndarray:
    """Per-step corrected quantiles of ``scores`` (rows x h), running max over steps; NaN steps borrow."""
    q = np.full(h, np.nan)
    for s in range(h):
        col = scores[:, s][np.isfinite(scores[:, s])]
        if col.size:
            q[s] = np.quantile(col, conformal_rank(col.size, level), method="higher")
    fill = np.nanmax(q) if np.isfinite(q).any() else 0.0
    return np.maximum.accumulate(np.nan_to_num(q, nan=fill))


def pooled_quantile(values: np.ndarray, level: float) -> float:
    """Corrected quantile of the finite ``values`` (0 when nothing is finite)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return 0.0
    return float(np.quantile(v, conformal_rank(v.size, level), method="higher"))


def rule_quantiles(
    windows: list[np.ndarray], h: int, levels: tuple[int, ...], rule: str
) -> dict[int, np.ndarray]:
    """Quantiles per level, shape (h,), from per-window score arrays (series x h, oldest window first)."""
    if rule not in RULES:
        raise ValueError(f"unknown interval rule {rule!r}; known: {', '.join(RULES)}")
    if not windows:
        return {lv: np.zeros(h) for lv in levels}
    allv = np.vstack(windows)
    out: dict[int, np.ndarray] = {}
    for lv in levels:
        if rule == "step":
            out[lv] = step_quantiles(allv, h, lv)
        elif rule in ("pooled", "pooled-recent-scale"):
            out[lv] = np.full(h, pooled_quantile(allv.ravel(), lv))
        elif rule == "pooled-recency":  # whole-number weights as repeats: the same convention as pooled
            reps = [x.ravel() for i, x in enumerate(windows) for _ in range(RECENCY_REPEAT**i)]
            out[lv] = np.full(h, pooled_quantile(np.concatenate(reps), lv))
        else:  # pooled-aci
            out[lv] = np.full(h, pooled_quantile(allv.ravel(), aci_level(windows, lv)))
    return out


def aci_level(windows: list[np.ndarray], level: float) -> float:
    """The level after one adaptive-conformal step: alpha' = alpha + ACI_GAMMA * (alpha - miss), miss the
    share of the newest window's finite scores above the older windows' pooled quantile; in [50, 99.9]."""
    if len(windows) < 2:
        return level
    old = np.vstack(windows[:-1]).ravel()
    new = windows[-1].ravel()
    new = new[np.isfinite(new)]
    if new.size == 0 or not np.isfinite(old).any():
        return level
    miss = float(np.mean(new > pooled_quantile(old, level)))
    alpha = 1 - level / 100
    return float(np.clip(100 * (1 - (alpha + ACI_GAMMA * (alpha - miss))), 50.0, 99.9))


def recent_scale(panel: Panel, periods: int = RECENT) -> np.ndarray:
    """Per series: mean |y_t - y_{t-1}| over its last ``periods`` periods; where that is undefined or 0,
    the whole-history unit (ensemble.series_scale's rule: naive MAE, else mean demand, else 1)."""
    import warnings

    from shopmind.forecast.ensemble import series_scale

    tail = panel.y[:, -(periods + 1) :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = naive_scale(tail, 1)
    return np.where(np.isfinite(s) & (s > 0), s, series_scale(panel))
