"""The current release's price suggestions as the API serves them (read once per release folder).

Money is rounded to each product's currency minor unit (``shopmind.search.money``); ratios and
elasticities are left as computed. The demand curve of one product is drawn from its constant-
elasticity model ``q(p) = q0 (p / p0)^b`` with ``b`` at the estimate and its interval ends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.pricing.release import META, SUGGESTIONS
from shopmind.search.money import round_money

MONEY = ("current_price", "suggested_price", "cost", "lower_bound", "upper_bound")


class NoPricing(LookupError):
    """The release has no suggestions (component skipped, off or absent)."""


@dataclass(frozen=True)
class ServedPricing:
    meta: dict[str, Any]
    rows: list[dict[str, Any]]  # already API-shaped, in product-id order
    by_id: dict[str, dict[str, Any]]

    def page(self, offset: int, limit: int, category: str | None, action: str | None) -> dict[str, Any]:
        """A page of suggestions (optionally one category / one action) and the total that matched."""
        rows = [
            r
            for r in self.rows
            if (category is None or r["category"] == category) and (action is None or r["action"] == action)
        ]
        return {"total": len(rows), "offset": offset, "limit": limit, "items": rows[offset : offset + limit]}


def shape(row: dict[str, Any]) -> dict[str, Any]:
    """One parquet row -> the API's suggestion (money rounded, intervals grouped)."""
    cur = row.get("currency")
    out = {k: row[k] for k in ("item_id", "category", "action", "reason")}
    out["product_id"] = out.pop("item_id")
    out["currency"] = cur
    for k in MONEY:
        out[k] = round_money(row.get(k), cur)
    out["elasticity"] = {
        "estimate": row["elasticity"],
        "lo": row["elasticity_lo"],
        "hi": row["elasticity_hi"],
    }
    for name in ("profit_change", "revenue_change"):
        out[name] = {"expected": row[name], "lo": row[f"{name}_lo"], "hi": row[f"{name}_hi"]}
    out["weekly_qty"] = row["weekly_qty"]
    out["bound_by"] = [row["binding"]] if row["binding"] else []
    out["current_price_breaks"] = [v for v in (row["violations"] or "").split(";") if v]
    return out


@lru_cache(maxsize=4)
def load_served(folder: str) -> ServedPricing:
    """The release folder's suggestions (cached: a release never changes once published)."""
    base = Path(folder) / "pricing"
    if not (base / SUGGESTIONS).exists():
        raise NoPricing(folder)
    meta = json.loads((base / META).read_text(encoding="utf-8"))
    rows = [shape(r) for r in pl.read_parquet(base / SUGGESTIONS).sort("item_id").iter_rows(named=True)]
    return ServedPricing(meta, rows, {r["product_id"]: r for r in rows})


def demand_curve(row: dict[str, Any], points: int = 41) -> list[dict[str, float]]:
    """Weekly quantity at prices from 0.7x to 1.3x the current price, with the elasticity's interval."""
    p0, q0 = row["current_price"], row["weekly_qty"]
    e = row["elasticity"]
    out = []
    for k in range(points):
        p = p0 * (0.7 + 0.6 * k / (points - 1))
        qs = [q0 * (p / p0) ** b for b in (e["estimate"], e["lo"], e["hi"])]
        out.append({"price": p, "qty": qs[0], "lo": min(qs[1:]), "hi": max(qs[1:])})
    return [c for c in out if all(math.isfinite(v) for v in c.values())]


#: what ``price_source`` says on a served item
SOURCES = ("current", "suggested")


def price_mode(rel: Any, overrides: Mapping[str, Any] | None) -> str | None:
    """``"suggested"``/``"current"`` when pricing decides this answer's prices, else None.

    The unit's experiment variant (``[pricing] apply`` in its overrides) wins over the shop's
    ``[pricing] apply`` the release was built with; a release without suggestions serves the
    catalog price (None: nothing to say)."""
    try:
        sp = load_served(str(rel.folder))
    except NoPricing:
        return None
    variant = (overrides or {}).get("pricing", {}).get("apply")
    mode = variant or sp.meta.get("settings", {}).get("apply", "current")
    return mode if (variant is not None or mode == "suggested") else None


def apply_prices(rel: Any, items: list[dict[str, Any]], mode: str | None, key: str = "product_id") -> None:
    """Set each item's ``price`` for ``mode`` in place and say where it came from (``price_source``).

    Only a suggested *change* replaces the catalog price; a kept price stays (source "current")."""
    if mode is None:
        return
    by_id = load_served(str(rel.folder)).by_id
    for it in items:
        row = by_id.get(str(it.get(key)))
        if mode == "suggested" and row is not None and row["action"] == "change":
            it["price"] = row["suggested_price"]
            it["price_source"] = "suggested"
        else:
            it["price_source"] = "current"
