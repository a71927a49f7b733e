"""Inventory replay: run the periodic-review policy over realised demand and measure fill rate and stock.

Shared by bench/forecast_replay.py (Online Retail's last quarter, ours vs a moving-average rule) and
its tests: a rule is only a list of demand estimates per review, so two rules compare on the same
simulation (same start rule, lost sales, orders arriving after the lead time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from shopmind.forecast.inventory import PolicyConfig, policy
from shopmind.forecast.series import Panel


def replay(
    demand: np.ndarray,
    estimates: list[tuple[Any, ...]],
    review: int,
    lead: int,
    level: float,
) -> dict[str, float]:
    """Run the policy over ``demand`` (n, D days); ``estimates[k]`` = (daily mean (n, h), sigma (n,)) at
    review k (day k*review), optionally with a third element ``upper(days, level)`` (policy's quantile
    form). Orders placed at a review arrive ``lead`` days later."""
    n, days = demand.shape
    cfg = PolicyConfig(service_level=level, lead_time_days=lead, review_days=review)
    first = estimates[0]
    on_hand = policy(first[0], first[1], np.zeros(n), config=cfg, upper=_upper(first))["order_up_to"].copy()
    pipeline: dict[int, np.ndarray] = {}
    served = demanded = 0.0
    stock_sum = 0.0
    for d in range(days):
        if d in pipeline:
            on_hand += pipeline.pop(d)
        if d % review == 0 and d // review < len(estimates):
            est = estimates[d // review]
            on_order = sum(pipeline.values()) if pipeline else np.zeros(n)
            qty = policy(est[0], est[1], on_hand, on_order=on_order, config=cfg, upper=_upper(est))[
                "order_qty"
            ]
            if qty.any():
                pipeline[d + lead] = pipeline.get(d + lead, np.zeros(n)) + qty
        sold = np.minimum(on_hand, demand[:, d])
        served += sold.sum()
        demanded += demand[:, d].sum()
        on_hand -= sold
        stock_sum += on_hand.sum()
    return {"fill_rate": served / max(demanded, 1e-9), "avg_stock": stock_sum / days}


def _upper(est: tuple[Any, ...]) -> Callable[[float, float], np.ndarray] | None:
    return est[2] if len(est) > 2 else None


def moving_average(history: np.ndarray, h: int, window: int = 28) -> tuple[np.ndarray, np.ndarray]:
    w = np.nan_to_num(history[:, -window:])
    return np.repeat(w.mean(axis=1, keepdims=True), h, axis=1), w.std(axis=1)


def stock_at_fill(curve: list[dict[str, float]], fill: float) -> float:
    """Average stock a rule needs for ``fill``, read off its trade-off curve (points of ``fill_rate`` and
    ``avg_stock`` at several targets) by linear interpolation in log stock; NaN outside the curve's range.

    Why: the goal compares rules "at the same target", but two rules reach different fill rates at one
    target; at equal *fill* the stock each needs is the comparison a planner can act on."""
    frontier: list[tuple[float, float]] = []  # from the highest fill down: only points with less stock
    for f, s in sorted(((float(c["fill_rate"]), float(c["avg_stock"])) for c in curve), reverse=True):
        if not frontier or s < frontier[-1][1]:
            if frontier and f == frontier[-1][0]:
                frontier[-1] = (f, s)
            else:
                frontier.append((f, s))
    frontier.reverse()  # a point with more stock and less fill than another is dominated: dropped
    if not frontier or fill < frontier[0][0] or fill > frontier[-1][0]:
        return float("nan")
    fills = np.array([p[0] for p in frontier])
    logs = np.log(np.maximum([p[1] for p in frontier], 1e-9))
    return float(np.exp(np.interp(fill, fills, logs)))


def weekly_blocks(daily: Panel) -> Panel:
    """The daily panel summed to weeks that end on its last day (week k = the 7 days ending 7k days before
    the end), as a weekly (``freq="W"``) panel of the same series; a partial oldest week is dropped.

    Why not the store's calendar weeks (``demand_panel(freq="W")``, Monday weeks): a replay reviews every 7
    days from any weekday, and at a review the forecaster must see exactly the days up to it: blocks
    aligned to the cut give the weekly path (as a release at grain "W" fits it) that history and no more.
    A week is NaN only when all its days are (before the series starts).
    """
    if daily.freq != "D":
        raise ValueError(f"weekly_blocks needs a daily panel, got freq {daily.freq!r}")
    weeks = daily.T // 7
    if weeks < 1:
        raise ValueError(f"a daily panel of {daily.T} days holds no whole week")
    y = daily.y[:, daily.T - 7 * weeks :].reshape(daily.n, weeks, 7)
    seen = ~np.isnan(y).all(axis=2)
    with np.errstate(invalid="ignore"):
        wk = np.where(seen, np.nansum(y, axis=2), np.nan)
    dates = daily.dates[daily.T - 7 * weeks :: 7][:weeks]
    return Panel(ids=list(daily.ids), dates=dates, y=wk, freq="W", groups=dict(daily.groups))
