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
