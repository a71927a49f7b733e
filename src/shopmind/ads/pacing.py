"""Budget pacing across the day: probabilistic throttling steered by spend vs the ideal spend curve.

Each campaign enters an auction only with probability ``p``. Every ``interval`` of the day the pacer
compares what it has spent with the ideal curve ``budget x F(t)``, where ``F`` is the cumulative
share of the day's traffic expected by ``t`` (a traffic forecast: 24 hourly weights, restricted to
the campaign's serving hours). It estimates the campaign's unthrottled demand per unit of traffic
(spend / p over recent intervals, exponentially decayed) and sets ``p`` so the next interval spends
its ideal share plus half of the current gap to the curve. Spending follows traffic, so the budget
lasts the whole day instead of going in the morning rush.

The hard guarantee is separate from the controller: a campaign is eligible only when its remaining
budget covers its bid, and a click never costs more than the bid (GSP price <= bid), so the day's
spend can not pass the budget while clicks are charged as they happen. ``reserve`` extends this
to delayed clicks: pass the number of un-resolved sponsored impressions and each one holds a bid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def cumulative_shape(hourly: Sequence[float], hours: tuple[int, int] = (0, 24)) -> np.ndarray:
    """Cumulative traffic share at each hour boundary (25 values, 0 .. 1) over the serving hours."""
    w = np.asarray(hourly, dtype=float)
    if w.shape != (24,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("hourly: expected 24 finite non-negative traffic weights")
    w = w.copy()
    w[: hours[0]] = 0.0
    w[hours[1] :] = 0.0
    if w.sum() <= 0:
        w[hours[0] : hours[1]] = 1.0
    return np.concatenate([[0.0], np.cumsum(w) / w.sum()])


@dataclass
class Pacer:
    """One campaign's pacing state for one day. ``t`` is the time of day as a fraction in [0, 1)."""

    budget: float
    bid: float
    cum: np.ndarray
    interval: float = 1 / 96
    step: float = 0.25
    p: float = 0.5
    p_min: float = 0.002
    spent: float = 0.0
    gain: float = 0.5
    #: False = no throttling, only the hard budget stop (the baseline pacing is judged against).
    throttle: bool = True
    decay: float = 0.8
    _next_update: float = 0.0
    _last_spent: float = 0.0
    _num: float = 0.0
    _den: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)

    def ideal(self, t: float) -> float:
        """Ideal cumulative spend by time ``t`` (linear within an hour)."""
        h = min(max(t, 0.0), 1.0) * 24
        i = min(int(h), 23)
        share = self.cum[i] + (self.cum[i + 1] - self.cum[i]) * (h - i)
        return self.budget * float(share)

    def _share(self, a: float, b: float) -> float:
        return (self.ideal(b) - self.ideal(a)) / self.budget

    def _update(self, t: float) -> None:
        while t >= self._next_update:
            at = self._next_update
            if at > 0:
                # Demand per unit of traffic share at p = 1, decayed so it follows the day.
                self._num = self.decay * self._num + (self.spent - self._last_spent) / self.p
                self._den = self.decay * self._den + self._share(at - self.interval, at)
            nxt = self._share(at, min(at + self.interval, 1.0))
            if not self.throttle:
                self.p = 1.0
            elif nxt > 0:
                # Spend the next interval's ideal share plus part of the gap to the curve.
                target = self.budget * nxt + self.gain * (self.ideal(at) - self.spent)
                rate = self._num / self._den if self._den > 0 else 0.0
                if rate > 0:
                    self.p = min(1.0, max(self.p_min, target / (rate * nxt)))
                else:  # nothing learnt yet (or no demand seen): open up
                    self.p = min(1.0, self.p * (1 + self.step))
            self._last_spent = self.spent
            self.history.append((at, self.spent))
            self._next_update = at + self.interval

    def allow(self, t: float, u: float, reserve: int = 0) -> bool:
        """Whether the campaign enters the auction at ``t``; ``u`` is a uniform draw in [0, 1)."""
        self._update(t)
        if self.budget - self.spent < self.bid * (reserve + 1) - 1e-12:
            return False
        return u < self.p

    def charge(self, amount: float) -> None:
        """Record a click's price. Raises when a charge would pass the budget (a bug upstream)."""
        if amount < 0 or not math.isfinite(amount):
            raise ValueError(f"charge: {amount!r} is not a price")
        if self.spent + amount > self.budget + 1e-9:
            raise ValueError(f"charge: {amount} would overspend {self.spent} of {self.budget}")
        self.spent += amount


def evenness(times: Sequence[float], amounts: Sequence[float], cum: np.ndarray) -> float:
    """Largest gap over the day between the cumulative spend share and the ideal share (0 = perfectly even).

    A Kolmogorov-Smirnov distance of the spend timeline against the traffic curve; ``nan`` with no spend.
    """
    total = float(sum(amounts))
    if total <= 0:
        return float("nan")
    order = np.argsort(times, kind="stable")
    ts = np.asarray(times, dtype=float)[order]
    cs = np.cumsum(np.asarray(amounts, dtype=float)[order]) / total
    grid = np.linspace(0, 1, 24 * 12 + 1)
    ideal = np.interp(grid * 24, np.arange(25), cum)
    idx = np.searchsorted(ts, grid, side="right")
    got = np.where(idx > 0, cs[np.maximum(idx - 1, 0)], 0.0)
    return float(np.max(np.abs(got - ideal)))
