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

Session 22 (issue 14: the long format's holdout, a pre-Christmas rise, under-covers for every model), judged
by bench/forecast_interval_adapt.py; each is ``pooled``'s quantile over a different score, or another level:

- ``pooled-relative``: relative (scale-free) scores, |error| / ``local_level`` (the series' mean over its
  last ``RECENT`` periods before the window's origin), widths ``q * local_level`` at the forecast origin:
  if errors grow with the level (multiplicative noise), a series whose level has risen gets a wider
  interval, where the whole-history naive MAE stays at the old level's size.
- ``pooled-fclevel``: the same with the combined forecast's own mean over the window as the level (the
  models' smoothed level, steadier than 13 raw periods); the caller passes it.
- ``pooled-level-ratio``: the whole-history unit re-scaled by ``level_ratio`` (the local level over the
  history's mean level, clipped to [1/3, 3]): keeps the naive MAE's noise-to-level shape per series but
  follows a level that has moved since.
- ``pooled-aci-online``: adaptive conformal inference (Gibbs & Candes 2021) run through the calibration
  windows' periods in calendar order: at each period of the newer windows the level is updated by that
  period's cross-sectional miss of the quantile of every earlier score, alpha_{t+1} = alpha_t + gamma *
  (alpha - miss_t), gamma = 1 / (number of updates), so the final level is moved by the average miss gap
  seen online; the pooled quantile of all scores is taken at that level.
- ``pooled-signed`` (added after the first four's validation figures, judged by the same committed rule):
  two one-sided quantiles of the signed scores (actual - forecast) / unit, at alpha/2 and 1 - alpha/2,
  pooled over steps (``signed_quantiles``): a level that keeps rising through the calibration windows
  leaves the forecasts low there, and the interval moves up with it instead of growing on both sides.
- ``pooled-step-shape`` (added after the first five's validation figures, judged by the same committed
  rule): on every validation set the per-step rule has the lowest interval (Winkler) score though it
  over-covers, i.e. ``pooled``'s one width for all steps is too wide early and too narrow late. Normalised
  conformal: each step's scores are divided by that step's median score (made non-decreasing: a steady
  order statistic, unlike the per-step 80/95 % quantiles whose running max over-covered), one quantile of
  the normalised scores is taken over all steps (``pooled``'s calibration), and the width at step k is that
  quantile x the step's median: widths grow with the horizon as errors do when a level moves.
"""

from __future__ import annotations

import numpy as np

from shopmind.forecast.metrics import naive_scale
from shopmind.forecast.series import Panel

RULES = ("step", "pooled", "pooled-recency", "pooled-aci", "pooled-recent-scale")
#: session 22's rules (bench/forecast_interval_adapt.py; the scaled ones need their caller's scale, so
#: bench/forecast_interval_select.py, which scales by the unit or recent_scale only, leaves them out);
#: ``pooled-signed`` has two quantiles per level (``signed_quantiles``), not ``rule_quantiles``' one
ADAPT_RULES = (
    "pooled-relative",
    "pooled-fclevel",
    "pooled-level-ratio",
    "pooled-aci-online",
    "pooled-step-shape",
)
#: rules that are ``pooled``'s quantile of scores the caller scales differently (see the docstring)
SCALED_POOLED = ("pooled-recent-scale", "pooled-relative", "pooled-fclevel", "pooled-level-ratio")
#: clip of ``level_ratio`` (a series whose history mean is near 0 would otherwise get any ratio)
LEVEL_RATIO_CLIP = (1 / 3, 3.0)
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
    if rule == "pooled-signed":
        raise ValueError("pooled-signed has two quantiles per level: use signed_quantiles")
    if rule not in RULES + ADAPT_RULES:
        raise ValueError(f"unknown interval rule {rule!r}; known: {', '.join(RULES + ADAPT_RULES)}")
    if not windows:
        return {lv: np.zeros(h) for lv in levels}
    allv = np.vstack(windows)
    out: dict[int, np.ndarray] = {}
    for lv in levels:
        if rule == "step":
            out[lv] = step_quantiles(allv, h, lv)
        elif rule == "pooled" or rule in SCALED_POOLED:
            out[lv] = np.full(h, pooled_quantile(allv.ravel(), lv))
        elif rule == "pooled-recency":  # whole-number weights as repeats: the same convention as pooled
            reps = [x.ravel() for i, x in enumerate(windows) for _ in range(RECENCY_REPEAT**i)]
            out[lv] = np.full(h, pooled_quantile(np.concatenate(reps), lv))
        elif rule == "pooled-step-shape":
            shape = step_shape(allv)
            out[lv] = pooled_quantile((allv / shape[None]).ravel(), lv) * shape
        elif rule == "pooled-aci-online":
            out[lv] = np.full(h, pooled_quantile(allv.ravel(), aci_online_level(windows, lv)))
        else:  # pooled-aci
            out[lv] = np.full(h, pooled_quantile(allv.ravel(), aci_level(windows, lv)))
    return out


def signed_quantiles(signed: np.ndarray, level: float) -> tuple[float, float]:
    """The lower and upper conformal quantiles of finite signed scores for a central ``level`` interval:
    at alpha/2 and 1 - alpha/2, each with the finite-sample correction toward the outside; (0, 0) when
    nothing is finite."""
    v = signed[np.isfinite(signed)]
    if v.size == 0:
        return 0.0, 0.0
    tail = (100 - level) / 2
    hi = float(np.quantile(v, conformal_rank(v.size, 100 - tail), method="higher"))
    lo = float(-np.quantile(-v, conformal_rank(v.size, 100 - tail), method="higher"))
    return lo, hi


def step_shape(scores: np.ndarray) -> np.ndarray:
    """Per step: the median of the finite scores (rows x steps), made non-decreasing; a step with no
    positive median borrows the mean of the positive ones (1 when there is none)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(scores, axis=0)
    good = np.isfinite(med) & (med > 0)
    fill = float(np.mean(med[good])) if good.any() else 1.0
    return np.maximum.accumulate(np.where(good, med, fill))


def aci_online_level(windows: list[np.ndarray], level: float) -> float:
    """The level after adaptive conformal inference through the windows' periods in calendar order.

    ``windows`` are consecutive in time (the inner backtest's, oldest first, same series in each), so their
    columns side by side are the calibration periods in order. The oldest window is the warm start; at
    each later period t the quantile of every earlier score at the current level is checked against that
    period's scores (miss_t = share above it), and alpha_{t+1} = alpha_t + gamma * (alpha - miss_t) with
    gamma = 1 / (number of updates). Returned in [50, 99.9]; ``level`` when there is one window."""
    if len(windows) < 2:
        return level
    cols = np.hstack(windows)
    start = windows[0].shape[1]
    steps = cols.shape[1] - start
    alpha = 1 - level / 100
    gamma = 1.0 / steps
    a_t = alpha
    for t in range(start, cols.shape[1]):
        now = cols[:, t][np.isfinite(cols[:, t])]
        if now.size == 0:
            continue
        lv_t = float(np.clip(100 * (1 - a_t), 50.0, 99.9))
        miss = float(np.mean(now > pooled_quantile(cols[:, :t], lv_t)))
        a_t = a_t + gamma * (alpha - miss)
    return float(np.clip(100 * (1 - a_t), 50.0, 99.9))


def local_level(panel: Panel, periods: int = RECENT) -> np.ndarray:
    """Per series: mean value over its last ``periods`` observed periods (NaN-aware); where that is not
    positive, the whole-history unit (ensemble.series_scale), so a series with no recent level keeps the
    old width."""
    import warnings

    from shopmind.forecast.ensemble import series_scale

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lvl = np.nanmean(panel.y[:, -periods:], axis=1)
    return np.where(np.isfinite(lvl) & (lvl > 0), lvl, series_scale(panel))


def level_ratio(panel: Panel, periods: int = RECENT) -> np.ndarray:
    """Per series: the mean of the last ``periods`` periods over the mean of the whole observed history,
    clipped to LEVEL_RATIO_CLIP; 1 where either mean is not positive."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        recent = np.nanmean(panel.y[:, -periods:], axis=1)
        whole = np.nanmean(panel.y, axis=1)
    ok = np.isfinite(recent) & np.isfinite(whole) & (recent > 0) & (whole > 0)
    ratio = np.where(ok, recent / np.where(ok, whole, 1.0), 1.0)
    return np.clip(ratio, *LEVEL_RATIO_CLIP)


def forecast_level(mean: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Per series: the mean of a forecast over its steps; ``fallback`` where that is not positive."""
    with np.errstate(invalid="ignore"):
        lvl = np.nanmean(np.abs(mean), axis=1) if mean.size else np.full(mean.shape[0], np.nan)
    return np.where(np.isfinite(lvl) & (lvl > 0), lvl, fallback)


def winkler(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float) -> np.ndarray:
    """The interval (Winkler) score per cell: width + (2 / alpha) x the distance outside the interval, so a
    wider interval pays for its width and a narrow one for its misses (lower is better; proper)."""
    alpha = 1 - level / 100
    return (hi - lo) + (2 / alpha) * (np.clip(lo - actual, 0, None) + np.clip(actual - hi, 0, None))


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
