"""The ads ledger's per-campaign report, with attributed sales per currency.

Money across currencies: a campaign's bid, budget and spend are in the shop's currency (a click is
charged the campaign's own numbers). Its attributed sales are purchase events, which carry their own
currency (``POST /v1/events``: ``currency``), and a shop that sells in EUR and USD records both. The
report never adds two currencies: ``sales_by_currency`` lists each (``{"currency", "orders",
"amount"}``, most orders first; ``currency`` None for purchases logged without one, read as the
shop's), and ``sales`` is their amount only when the sales name at most one currency (sales without a
currency count in it), else None. Nothing is converted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from typing import Any


def by_currency(rows: Iterable[tuple[str | None, int, float]]) -> list[dict[str, Any]]:
    """``(currency, orders, amount)`` rows merged per currency (codes upper-cased), most orders first."""
    out: dict[str | None, dict[str, Any]] = {}
    for cur, n, amount in rows:
        code = str(cur).strip().upper() or None if cur is not None else None
        entry = out.setdefault(code, {"currency": code, "orders": 0, "amount": 0.0})
        entry["orders"] += int(n)
        entry["amount"] = round(entry["amount"] + float(amount or 0.0), 6)
    return sorted(out.values(), key=lambda e: (-e["orders"], e["currency"] or ""))


def one_sum(entries: list[dict[str, Any]]) -> float | None:
    """The amount of ``entries`` when they name at most one currency (those without one count in
    it), else None: two currencies are never added."""
    if len({e["currency"] for e in entries if e["currency"] is not None}) > 1:
        return None
    return round(sum(e["amount"] for e in entries), 6)


def campaign_rows(con: sqlite3.Connection, day: date) -> list[dict[str, Any]]:
    """Per campaign (current and deleted): impressions, clicks, CTR, spend, attributed sales per
    currency, and ``day``'s spend against the budget."""
    imps = dict(con.execute("SELECT campaign_id, count(*) FROM impressions GROUP BY 1").fetchall())
    clicks = {
        c: (n, s)
        for c, n, s in con.execute("SELECT campaign_id, count(*), sum(charged) FROM clicks GROUP BY 1")
    }
    sales: dict[str, list[tuple[str | None, int, float]]] = {}
    for c, cur, n, s in con.execute(
        "SELECT campaign_id, currency, count(*), sum(amount) FROM sales GROUP BY 1, 2"
    ):
        sales.setdefault(c, []).append((cur, n, s))
    today = dict(
        con.execute("SELECT campaign_id, spent FROM spend WHERE day = ?", (day.isoformat(),)).fetchall()
    )
    live = {cid: json.loads(b) for cid, b in con.execute("SELECT id, body FROM campaigns")}
    out = []
    for cid in sorted(set(imps) | set(clicks) | set(live)):
        n_imp = int(imps.get(cid, 0))
        n_click, spend = clicks.get(cid, (0, 0.0))
        per = by_currency(sales.get(cid, []))
        c = live.get(cid)
        out.append(
            {
                "campaign_id": cid,
                "advertiser": c["advertiser"] if c else None,
                "status": c["status"] if c else "deleted",
                "daily_budget": c["daily_budget"] if c else None,
                "bid": c["bid"] if c else None,
                "impressions": n_imp,
                "clicks": int(n_click),
                "ctr": (n_click / n_imp) if n_imp else None,
                "spend": round(float(spend or 0.0), 6),
                "spend_today": round(float(today.get(cid, 0.0)), 6),
                "orders": sum(e["orders"] for e in per),
                "sales": one_sum(per),
                "sales_by_currency": per,
            }
        )
    return out
