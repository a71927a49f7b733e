"""The events a server logged (``POST /v1/events``, the workspace's live log) as an experiment readout's
event frame, with amounts: what an A/B readout reads when no ``--events`` file is given.

Why amounts need filling: storefront events rarely carry a price or a quantity (a cart button knows
the product, not the invoice line), so revenue per user would read 0 for every unit. An event without
a price takes the product's *served* price: the current release's catalog with the live log's product
changes after it applied (the last change wins, as the server applies them); a deleted product keeps its
last price (it was sold at one). An event without a quantity counts as 1. Both are counted, and the
readout says so (``LiveEvents.notes``), so a shop knows how much of its revenue is its own logging and
how much is this filling. Prices are today's, not the price at the event's time; a price change during
the experiment moves both variants alike. A purchase without a currency takes its product's served
currency (an event's own currency is kept), so a catalog in two currencies (the demo shop: USD and
CNY) gives a readout with revenue per currency, never a sum of both (``metrics`` module docstring).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

SCHEMA = {
    "type": pl.Utf8,
    "timestamp": pl.Datetime("us", "UTC"),
    "user_id": pl.Utf8,
    "session_id": pl.Utf8,
    "item_id": pl.Utf8,
    "request_id": pl.Utf8,
    "price": pl.Float64,
    "quantity": pl.Int64,
    "currency": pl.Utf8,
}
#: event types whose amount a readout sums (revenue counts purchases; carts are counted, not summed)
AMOUNT_TYPES = ("purchase",)


@dataclass(frozen=True)
class LiveEvents:
    """The live log as an event frame (``SCHEMA``) and what was filled in."""

    frame: pl.DataFrame
    purchases: int
    priced_from_catalog: int  # purchases without a price that took the served catalog's
    unpriced: int  # purchases without a price whose product the catalog never had: revenue 0
    quantity_defaulted: int  # purchases without a quantity, counted as 1

    def notes(self) -> list[str]:
        """One line per filling that happened, for the readout to show beside revenue."""
        out = []
        if self.priced_from_catalog:
            out.append(
                f"revenue: {self.priced_from_catalog} of {self.purchases} purchase event(s) had no price; "
                "the served catalog's current price was used"
            )
        if self.unpriced:
            out.append(
                f"revenue: {self.unpriced} of {self.purchases} purchase event(s) had no price and a product "
                "the catalog does not have; they count 0"
            )
        if self.quantity_defaulted:
            out.append(
                f"revenue: {self.quantity_defaulted} of {self.purchases} purchase event(s) had no quantity; "
                "counted as 1"
            )
        return out


def served_prices(workspace: Path | str) -> dict[str, float]:
    """Product id -> price as the server serves it: the current release's catalog, then the live
    log's product changes after the release's drain watermark (empty without a release)."""
    return {pid: price for pid, (price, _cur) in served_amounts(workspace).items()}


def served_amounts(workspace: Path | str) -> dict[str, tuple[float, str | None]]:
    """Product id -> (price, currency) as the server serves them (``served_prices``)."""
    from shopmind.release.releases import Releases
    from shopmind.store.livelog import LOG_FILE, EventLog, net_product_changes

    prices: dict[str, tuple[float, str | None]] = {}
    drained = 0
    folder = Releases(workspace).current()
    if folder is not None and (folder / "catalog" / "products.parquet").exists():
        cat = pl.read_parquet(folder / "catalog" / "products.parquet")
        if {"product_id", "price"} <= set(cat.columns):
            cur = pl.col("currency") if "currency" in cat.columns else pl.lit(None, dtype=pl.Utf8)
            for pid, price, code in cat.select("product_id", "price", cur.cast(pl.Utf8)).iter_rows():
                if price is not None:
                    prices[str(pid)] = (float(price), code)
        manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
        drained = int(manifest.get("log_drained", {}).get("products", 0))
    if (Path(workspace) / LOG_FILE).exists():
        log = EventLog(workspace)
        try:
            changes = log.products_after(drained)
        finally:
            log.close()
        upserts, _deleted = net_product_changes([(pid, op, p) for _s, pid, op, p in changes])
        for p in upserts:
            if p.get("price") is not None and p.get("product_id") is not None:
                pid = str(p["product_id"])  # a change without a currency keeps the product's
                prices[pid] = (float(p["price"]), p.get("currency") or prices.get(pid, (0.0, None))[1])
    return prices


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    ts = datetime.fromisoformat(str(value))
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def read_live_events(workspace: Path | str, *, fill_amounts: bool = True) -> LiveEvents:
    """The workspace's logged events (ids as the log holds them: pseudonyms when the shop
    pseudonymises, like the exposures), with purchase prices and quantities filled (module docstring)
    unless ``fill_amounts`` is False."""
    from shopmind.store.livelog import LOG_FILE, EventLog

    if not (Path(workspace) / LOG_FILE).exists():
        return LiveEvents(pl.DataFrame(schema=SCHEMA), 0, 0, 0, 0)
    log = EventLog(workspace)
    try:
        rows = log.events_after(0)
    finally:
        log.close()
    prices = served_amounts(workspace) if fill_amounts else {}
    purchases = from_catalog = unpriced = no_qty = 0
    out = []
    for _seq, e in rows:
        price, qty, currency = e.get("price"), e.get("quantity"), e.get("currency")
        if fill_amounts and e.get("type") in AMOUNT_TYPES:
            purchases += 1
            served_price, served_currency = prices.get(str(e.get("item_id")), (None, None))
            currency = currency or served_currency  # a price is in its product's currency
            if price is None:
                price = served_price
                from_catalog += price is not None
                unpriced += price is None
            if qty is None:
                qty, no_qty = 1, no_qty + 1
        out.append(
            (e.get("type"), _ts(e.get("timestamp")), e.get("user_id"), e.get("session_id"), e.get("item_id"),
             e.get("request_id"), None if price is None else float(price), None if qty is None else int(qty),
             currency or None)
        )  # fmt: skip
    frame = pl.DataFrame(out, schema=SCHEMA, orient="row")
    return LiveEvents(frame, purchases, from_catalog, unpriced, no_qty)
