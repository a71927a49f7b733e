"""Live events into the recommendation service: validation, parsing, and the live state update.

``record`` is how a shop's events change the very next response: each event is checked (type,
visitor, timestamp in seconds/ms/us or ISO 8601, known item), applied to ``LiveState`` and, for
positive interactions, credited to the exploration bandit. Why a module of its own: it is the
service's one write path at request time, separate from training and from the read-only
contexts. Problems are reported per event in ``last_record_errors``, never raised (a batch of
events from a storefront must not fail on one bad row). ``EventIntake`` is the mixin of
``RecommendationService``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from shopmind.data.model import EVENT_TYPES, ITEMLESS_EVENT_TYPES

__all__ = ["POSITIVE_TYPES", "EventIntake"]

POSITIVE_TYPES = frozenset({"view", "click", "add_to_cart", "wishlist", "purchase"})


class EventIntake:
    """Event methods of ``RecommendationService`` (see the module docstring)."""

    def record(self, events: pl.DataFrame | Iterable[Mapping[str, Any]]) -> int:
        """Apply events to the live state now; returns how many were applied.

        Problems (unknown type or item, no user/session, bad timestamp) are listed per event
        in ``last_record_errors`` as ``{"index", "error", ...}``; they never raise.
        """
        self.last_record_errors = []
        applied = 0
        for pos, ev in enumerate(_rows(events)):
            problem, parsed = self._parse_event(ev)
            if problem:
                self.last_record_errors.append({"index": pos, "error": problem, "item_id": ev.get("item_id")
                                                if isinstance(ev, Mapping) else None})  # fmt: skip
                continue
            if parsed is None:  # valid but nothing to learn (a search)
                applied += 1
                continue
            visitor, item, type_, t, order = parsed
            self.live.add(visitor, item, type_, t, order)
            if type_ in POSITIVE_TYPES:
                self.explorer.click(str(self.catalog.ids[item]))
            applied += 1
        return applied

    def _parse_event(self, ev: Any) -> tuple[str | None, tuple[str, int, str, float, str | None] | None]:
        if not isinstance(ev, Mapping):
            return f"expected a mapping, got {type(ev).__name__}", None
        type_ = ev.get("type")
        if type_ not in EVENT_TYPES:
            return f"unknown event type {type_!r}", None
        user, session = ev.get("user_id"), ev.get("session_id")
        if not user and not session:
            return "needs user_id or session_id", None
        visitor = str(user) if user else f"session:{session}"
        ts = ev.get("timestamp")
        if ts is None:
            t = self.live.now
        elif isinstance(ts, datetime):
            t = ts.timestamp()
        elif isinstance(ts, int | float) and not isinstance(ts, bool) and np.isfinite(ts):
            t = float(ts) / (1e6 if ts > 1e14 else 1e3 if ts > 1e11 else 1.0)
        elif isinstance(ts, str):  # ISO 8601, as the live log stores it (naive = UTC)
            try:
                dt = datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
            except ValueError:
                return f"bad timestamp {ts!r}", None
            t = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
        else:
            return f"bad timestamp {ts!r}", None
        item = ev.get("item_id")
        if type_ in ITEMLESS_EVENT_TYPES and item is None:
            return None, None
        if item is None or str(item) not in self.catalog.index:
            return f"unknown item {item!r}", None
        order = ev.get("order_id") or ev.get("session_id")
        return None, (visitor, self.catalog.index[str(item)], str(type_), t, str(order) if order else None)


def _rows(events: Any) -> Iterable[Any]:
    if isinstance(events, pl.DataFrame):
        return events.iter_rows(named=True)
    if isinstance(events, Mapping):
        return [events]
    return events
