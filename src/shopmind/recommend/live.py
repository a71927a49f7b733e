"""Live state updated per event between two batch trainings.

Gorse makes feedback visible immediately but only retrains every hour; a shopper who just
looked at a kettle expects the next page to know. Per accepted event this keeps, in memory:

- the visitor's last ``recent`` events (item, type, time) — drives co-visitation scoring and
  the ALS fold-in; and their purchases (excluded by the rules);
- live co-visitation counts (a ``PairTable``), formed exactly like ``CoVisitation`` forms
  pairs (previous ``window`` events, ``lag_decay`` per step, forward/backward weights, the
  later event's type weight), so they add to the batch neighbour matrix on the same scale;
- live purchase co-occurrence per order (``order_id``, else session, else visitor);
- popularity (weighted event counts since training) and trending (exponentially decayed
  with ``half_life_days``), as dense arrays over the item index.

``to_dict`` / ``from_dict`` round-trip through JSON, so the HTTP layer can persist it however
it likes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

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
        self.covisit = PairTable(n_items)
        self.cobought = PairTable(n_items)
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
                self.covisit.bump(other, item, pw * self.forward_weight)
                self.covisit.bump(item, other, pw * self.backward_weight)
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
                    self.cobought.bump(other, item, 1.0)
                    self.cobought.bump(item, other, 1.0)
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
            "covisit": self.covisit.to_json(),
            "cobought": self.cobought.to_json(),
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
        out.covisit = PairTable.from_json(out.n_items, d["covisit"])
        out.cobought = PairTable.from_json(out.n_items, d["cobought"])
        out.orders = {str(k): [int(i) for i in v] for k, v in d["orders"].items()}
        idx = np.asarray(d["items"], dtype=np.int64)
        out.popularity[idx] = d["popularity"]
        out.trend[idx] = d["trend"]
        out.trend_ref = float(d["trend_ref"])
        return out


class PairTable:
    """Sums per (item, item) pair, added to one event at a time and read a row at a time.

    Why not a dict of dicts (the first version): a Python dict entry costs ~70 bytes, and at
    400 requests/s of uniformly random demo traffic the live co-visitation pairs grew a
    server by ~45 MB per worker in 10 minutes. New bumps go to a small dict buffer; every
    ``fold_every`` new pairs the buffer is folded into a CSR matrix (int32 index + float64
    value = 12 bytes per pair). Reading a row merges the two, so callers see one mapping.
    """

    def __init__(self, n_items: int, fold_every: int = 20_000) -> None:
        self.n_items = n_items
        self.fold_every = fold_every
        self._csr = sp.csr_matrix((n_items, n_items), dtype=np.float64)
        self._buf: dict[int, dict[int, float]] = {}
        self._buffered = 0

    def bump(self, a: int, b: int, w: float) -> None:
        row = self._buf.setdefault(int(a), {})
        b = int(b)
        if b not in row:
            self._buffered += 1
        row[b] = row.get(b, 0.0) + w
        if self._buffered >= self.fold_every:
            self.fold()

    def fold(self) -> None:
        """Move the buffered pairs into the CSR matrix (duplicates summed)."""
        if not self._buf:
            return
        rows = [a for a, r in self._buf.items() for _ in r]
        cols = [b for r in self._buf.values() for b in r]
        vals = [v for r in self._buf.values() for v in r.values()]
        add = sp.csr_matrix((vals, (rows, cols)), shape=self._csr.shape, dtype=np.float64)
        self._csr = (self._csr + add).tocsr()
        self._csr.sort_indices()  # row_arrays merges the buffer by binary search
        self._csr.indices = self._csr.indices.astype(np.int32, copy=False)
        self._buf, self._buffered = {}, 0

    def row_arrays(self, a: int) -> tuple[np.ndarray, np.ndarray]:
        """Row ``a`` as (columns, sums) arrays — what request-time scoring reads, without
        building a dict per row (the CSR slice is a view; only buffered bumps are merged)."""
        a = int(a)
        if not 0 <= a < self.n_items:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        lo, hi = self._csr.indptr[a], self._csr.indptr[a + 1]
        cols, vals = self._csr.indices[lo:hi], self._csr.data[lo:hi]
        extra = self._buf.get(a)
        if not extra:
            return cols, vals
        bc = np.fromiter(extra, dtype=np.int64, count=len(extra))
        bv = np.fromiter(extra.values(), dtype=np.float64, count=len(extra))
        pos = np.searchsorted(cols, bc)
        hit = pos < len(cols)
        hit[hit] = cols[pos[hit]] == bc[hit]
        vals = vals.copy()
        vals[pos[hit]] += bv[hit]
        return np.concatenate([cols, bc[~hit]]), np.concatenate([vals, bv[~hit]])

    def get(self, a: int, default: Any = None) -> dict[int, float] | Any:
        """Row ``a`` as ``{b: sum}`` (``default`` when the row is empty)."""
        cols, vals = self.row_arrays(a)
        return dict(zip(cols.tolist(), vals.tolist(), strict=True)) if len(cols) else default

    def _rows(self) -> list[int]:
        """Indices of the non-empty rows, ascending."""
        return sorted(set(np.flatnonzero(np.diff(self._csr.indptr)).tolist()) | set(self._buf))

    def items(self) -> list[tuple[int, dict[int, float]]]:
        """Every non-empty row, ascending."""
        return [(a, self.get(a)) for a in self._rows()]

    def as_dict(self) -> dict[int, dict[int, float]]:
        return dict(self.items())

    def __len__(self) -> int:
        return len(self._rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PairTable):
            return self.as_dict() == other.as_dict()
        if isinstance(other, Mapping):
            return self.as_dict() == {int(a): dict(r) for a, r in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def to_json(self) -> dict[str, dict[str, float]]:
        return {str(a): {str(b): v for b, v in row.items()} for a, row in self.items()}

    @classmethod
    def from_json(cls, n_items: int, d: Mapping[str, Mapping[str, float]]) -> PairTable:
        out = cls(n_items)
        for a, row in d.items():
            for b, v in row.items():
                out.bump(int(a), int(b), float(v))
        out.fold()
        return out
