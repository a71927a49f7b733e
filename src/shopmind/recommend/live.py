"""Live state updated per event between two batch trainings.

Gorse makes feedback visible immediately but only retrains every hour; a shopper who just
looked at a kettle expects the next page to know. Per accepted event this keeps, in memory:

- the visitor's last ``recent`` events (item, type, time) — drives co-visitation scoring and
  the ALS fold-in; and their purchases (excluded by the rules);
- live co-visitation counts (dict of counters), formed exactly like ``CoVisitation`` forms
  pairs (previous ``window`` events, ``lag_decay`` per step, forward/backward weights, the
  later event's type weight), so they add to the batch neighbour matrix on the same scale;
- live purchase co-occurrence per order (``order_id``, else session, else visitor);
- popularity (weighted event counts since training) and trending (exponentially decayed
  with ``half_life_days``), as dense arrays over the item index.

Everything is plain dicts, lists and numbers (``to_dict`` / ``from_dict`` round-trip through
JSON), so the HTTP layer can persist it however it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

DAY = 86400.0


class LiveState:
    """Per-event state over ``n_items`` item indices (the service maps ids to indices)."""

    def __init__(
        self,
        n_items: int,
        weights: Mapping[str, float],
        window: int = 5,
        recent: int = 20,
        lag_decay: float = 0.8,
        forward_weight: float = 1.0,
        backward_weight: float = 0.5,
        half_life_days: float = 7.0,
        now: float = 0.0,
    ) -> None:
        self.n_items = n_items
        self.weights = dict(weights)
        self.window = window
        self.recent = recent
        self.lag_decay = lag_decay
        self.forward_weight = forward_weight
        self.backward_weight = backward_weight
        self.half_life_days = half_life_days
        self.now = now
        self.events: dict[str, list[list[Any]]] = {}  # visitor -> [[item, type, t], ...]
        self.purchased: dict[str, list[int]] = {}
        self.covisit: dict[int, dict[int, float]] = {}
        self.cobought: dict[int, dict[int, float]] = {}
        self.orders: dict[str, list[int]] = {}  # open order key -> items bought in it
        self.popularity = np.zeros(n_items, dtype=np.float64)
        # trending is kept scaled to a reference time: trend[i] = sum w * 2 ** ((t - ref) / hl),
        # so reading it at any time is one scalar factor, not a power per item
        self.trend = np.zeros(n_items, dtype=np.float64)
        self.trend_ref = now
        self.version = 0  # bumped per event: lets callers cache per-visitor work

    def add(self, visitor: str, item: int, type_: str, t: float, order: str | None = None) -> None:
        """Apply one validated event (item index, known type, epoch seconds)."""
        w = float(self.weights.get(type_, 0.0))
        self.now = max(self.now, t)
        self.version += 1
        history = self.events.setdefault(visitor, [])
        if w > 0:
            prev = [h for h in history[-self.window :] if h[0] != item][::-1]
            for lag, (other, _, _) in enumerate(prev, start=1):
                pw = w * self.lag_decay ** (lag - 1)
                _bump(self.covisit, other, item, pw * self.forward_weight)
                _bump(self.covisit, item, other, pw * self.backward_weight)
            self.popularity[item] += w
            hl = self.half_life_days * DAY
            if (t - self.trend_ref) / hl > 500:  # re-base before 2 ** x overflows
                self.trend *= 2.0 ** (-(t - self.trend_ref) / hl)
                self.trend_ref = t
            self.trend[item] += w * 2.0 ** ((t - self.trend_ref) / hl)
            history.append([int(item), type_, float(t)])
            del history[: -self.recent]
        if type_ == "purchase":
            bought = self.purchased.setdefault(visitor, [])
            if item not in bought:
                bought.append(int(item))
            key = order or visitor
            basket = self.orders.setdefault(key, [])
            for other in basket:
                if other != item:
                    _bump(self.cobought, other, item, 1.0)
                    _bump(self.cobought, item, other, 1.0)
            if item not in basket:
                basket.append(int(item))

    def recent_items(self, visitor: str) -> list[tuple[int, str, float]]:
        return [(int(i), str(ty), float(t)) for i, ty, t in self.events.get(visitor, [])]

    def trending(self, at: float | None = None) -> np.ndarray:
        """Live trending scores decayed to time ``at`` (default: the latest event)."""
        at = self.now if at is None else at
        return self.trend * 2.0 ** (-(at - self.trend_ref) / (self.half_life_days * DAY))

    def to_dict(self) -> dict[str, Any]:
        nz = np.flatnonzero((self.popularity != 0) | (self.trend != 0))
        return {
            "n_items": self.n_items,
            "weights": self.weights,
            "params": {
                "window": self.window,
                "recent": self.recent,
                "lag_decay": self.lag_decay,
                "forward_weight": self.forward_weight,
                "backward_weight": self.backward_weight,
                "half_life_days": self.half_life_days,
            },
            "now": self.now,
            "trend_ref": self.trend_ref,
            "version": self.version,
            "events": self.events,
            "purchased": self.purchased,
            "covisit": {str(a): {str(b): v for b, v in row.items()} for a, row in self.covisit.items()},
            "cobought": {str(a): {str(b): v for b, v in row.items()} for a, row in self.cobought.items()},
            "orders": self.orders,
            "items": nz.tolist(),
            "popularity": self.popularity[nz].tolist(),
            "trend": self.trend[nz].tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LiveState:
        out = cls(int(d["n_items"]), d["weights"], now=float(d["now"]), **d["params"])
        out.version = int(d["version"])
        out.events = {str(k): [list(e) for e in v] for k, v in d["events"].items()}
        out.purchased = {str(k): [int(i) for i in v] for k, v in d["purchased"].items()}
        out.covisit = {int(a): {int(b): float(v) for b, v in row.items()} for a, row in d["covisit"].items()}
        out.cobought = {
            int(a): {int(b): float(v) for b, v in row.items()} for a, row in d["cobought"].items()
        }
        out.orders = {str(k): [int(i) for i in v] for k, v in d["orders"].items()}
        idx = np.asarray(d["items"], dtype=np.int64)
        out.popularity[idx] = d["popularity"]
        out.trend[idx] = d["trend"]
        out.trend_ref = float(d["trend_ref"])
        return out


def _bump(table: dict[int, dict[int, float]], a: int, b: int, w: float) -> None:
    row = table.setdefault(int(a), {})
    row[int(b)] = row.get(int(b), 0.0) + w
