"""Inventory policy from a forecast: safety stock, reorder point, order-up-to, cover, stock-out risk.

Periodic review with lead time L and review period R (days): demand over the protection interval
P = L + R is the forecast summed over the first P days, its spread ``sigma_1 * sqrt(P)`` (one-step
error sigma from the conformal backtest, errors taken as independent across days). For a target
cycle service level alpha, z = Phi^-1(alpha):

- safety stock  = z * sigma_1 * sqrt(P)
- reorder point = forecast demand over L + z * sigma_1 * sqrt(L)
- order-up-to   = forecast demand over P + safety stock
- order qty     = max(0, order-up-to - inventory position) when the position <= the reorder point
- days of cover = on hand / mean daily forecast
- stock-out risk = P(demand over L > on hand) under the normal approximation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class PolicyConfig:
    """Defaults for every product; per-product lead times override ``lead_time_days``."""

    service_level: float = 0.95
    lead_time_days: float = 7.0
    review_days: float = 7.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1.0:
            raise ValueError(f"service_level must be in [0.5, 1), got {self.service_level}")
        if self.lead_time_days < 0 or self.review_days <= 0:
            raise ValueError("lead_time_days must be >= 0 and review_days > 0")


def _sum_first(mean: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per row: the sum of the first ``days`` columns (fractional days pro rata; past the horizon at the
    horizon's mean rate)."""
    n, h = mean.shape
    cum = np.hstack([np.zeros((n, 1)), np.cumsum(mean, axis=1)])
    whole = np.minimum(np.floor(days).astype(int), h)
    frac = np.clip(days - whole, 0, None)
    base = cum[np.arange(n), whole]
    rate = cum[:, -1] / max(h, 1)
    nxt = np.where(whole < h, mean[np.arange(n), np.minimum(whole, h - 1)], rate)
    beyond = np.clip(days - h, 0, None) * rate
    return base + np.where(days > h, beyond, frac * nxt)


def policy(
    mean: np.ndarray,
    sigma: np.ndarray,
    on_hand: np.ndarray,
    on_order: np.ndarray | None = None,
    lead_time: np.ndarray | None = None,
    config: PolicyConfig | None = None,
    upper: Callable[[float, float], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Policy figures per product from daily forecasts ``mean`` (n, h) and one-step ``sigma`` (n,).

    With ``upper(days, level)`` (the demand over ``days`` not exceeded with probability ``level``, e.g.
    :meth:`Forecast.upper`), the reorder point and order-up-to level are those quantiles over L and L + R
    (one lead time for all products) instead of mean + z * sigma * sqrt(days).
    """
    cfg = config or PolicyConfig()
    n = mean.shape[0]
    L = np.full(n, cfg.lead_time_days) if lead_time is None else np.asarray(lead_time, float)
    P = L + cfg.review_days
    z = float(norm.ppf(cfg.service_level))
    on_order = np.zeros(n) if on_order is None else np.asarray(on_order, float)
    mu_l, mu_p = _sum_first(mean, L), _sum_first(mean, P)
    sd_l, sd_p = sigma * np.sqrt(L), sigma * np.sqrt(P)
    safety = z * sd_p
    rop = mu_l + z * sd_l
    out_to = mu_p + safety
    if upper is not None:
        if np.unique(L).size != 1:
            raise ValueError("upper= needs one lead time for all products")
        rop = upper(float(L[0]), cfg.service_level)
        out_to = np.maximum(upper(float(P[0]), cfg.service_level), rop)
        safety = out_to - mu_p
    position = on_hand + on_order
    order = np.where(position <= rop, np.maximum(0.0, out_to - position), 0.0)
    daily = mean.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(daily > 0, on_hand / daily, np.inf)
        risk = np.where(sd_l > 0, norm.sf((on_hand - mu_l) / sd_l), (mu_l > on_hand).astype(float))
    return {
        "safety_stock": safety,
        "reorder_point": rop,
        "order_up_to": out_to,
        "order_qty": np.ceil(order - 1e-9),
        "days_of_cover": cover,
        "stockout_risk": risk,
        "demand_lead_time": mu_l,
    }


def z_of(service_level: float) -> float:
    return float(norm.ppf(service_level)) if 0 < service_level < 1 else math.inf


def reorder_list(
    ids: list[str], figures: dict[str, np.ndarray], on_hand: np.ndarray
) -> list[dict[str, object]]:
    """Products to order now (order_qty > 0), most at risk first: one dict per product."""
    rows = []
    for i in np.flatnonzero(figures["order_qty"] > 0):
        rows.append(
            {
                "product_id": ids[i],
                "on_hand": float(on_hand[i]),
                "order_qty": int(figures["order_qty"][i]),
                "reorder_point": round(float(figures["reorder_point"][i]), 2),
                "order_up_to": round(float(figures["order_up_to"][i]), 2),
                "safety_stock": round(float(figures["safety_stock"][i]), 2),
                "days_of_cover": None
                if not np.isfinite(figures["days_of_cover"][i])
                else round(float(figures["days_of_cover"][i]), 1),
                "stockout_risk": round(float(figures["stockout_risk"][i]), 4),
            }
        )
    rows.sort(key=lambda r: (-float(r["stockout_risk"]), str(r["product_id"])))  # type: ignore[arg-type]
    return rows
