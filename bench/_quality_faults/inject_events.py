"""Event defect classes: value defects in place, duplicates, returns and bot sessions appended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from shopmind.data.model import ITEMLESS_EVENT_TYPES, ROW

from .inject_base import BAD_CURRENCIES, BAD_TYPES, InjectorBase, NotApplicable


class EventFaults(InjectorBase):
    """The ``events_*`` classes of ``CLASSES``."""

    # events ---------------------------------------------------------------------------------

    def events_pool(self) -> pl.DataFrame:
        """Clean events that can change in place without changing the verdict on another row: no
        returns, no purchase of a (user, item) that has a return (it may be the return's link), no
        event of an (actor, item, type, query) that has a near duplicate (it may be the original)."""
        self.need("events")
        if "events:inplace" in self._pools:
            return self._pools["events:inplace"]
        typed = self.typed["events"].with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
        returns = typed.filter(pl.col("type") == "return").select("user_id", "item_id").drop_nulls().unique()
        near_keys = ["_actor", "item_id", "type", "query"]
        near_rows = pl.Series(sorted(self.base_dets.get(("events", "EVT_DUP_NEAR"), set())), dtype=pl.Int64)
        near = typed.filter(pl.col(ROW).is_in(near_rows.implode())).select(near_keys).unique()
        pool = (
            self.pool("events")
            .filter(pl.col("type").is_null() | (pl.col("type") != "return"))
            .join(returns, on=["user_id", "item_id"], how="anti", nulls_equal=False)
            .with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
            .join(near, on=near_keys, how="anti", nulls_equal=True)
            .drop("_actor")
        )
        self._pools["events:inplace"] = pool
        return pool

    def events_inplace(self, code: str, pool: pl.DataFrame, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> int:  # fmt: skip
        rows = []
        for r in self.pick("events", pool, self.n):
            values = change(r)
            if values is None:
                continue
            self.edit("events", r[ROW], **values)
            rows.append(r[ROW])
        return self.record(("events", code), rows)

    def purchases(self) -> pl.DataFrame:
        return self.events_pool().filter(pl.col("type") == "purchase")

    def events_required_missing(self) -> int:
        cols = [c for c in ("event_id", "type", "timestamp") if self.has("events", c)]
        return self.events_inplace(
            "REQUIRED_MISSING",
            self.events_pool(),
            lambda r: {(c := self.choice(cols)): self.blank("events", c)},
        )

    def events_type_error(self) -> int:
        self.need("events")
        return self.type_error(
            "events", lambda change: self.events_inplace("TYPE_ERROR", self.events_pool(), change)
        )

    def events_type_unknown(self) -> int:
        self.need("events", "type")
        if not self.string_col("events", "type"):
            raise NotApplicable("type column is not text")
        return self.events_inplace(
            "EVT_TYPE_UNKNOWN", self.events_pool(), lambda r: {"type": self.choice(BAD_TYPES)}
        )

    def events_item_missing(self) -> int:
        self.need("events", "item_id")
        pool = self.events_pool().filter(
            pl.col("item_id").is_not_null() & ~pl.col("type").is_in(sorted(ITEMLESS_EVENT_TYPES))
        )
        return self.events_inplace(
            "EVT_ITEM_MISSING", pool, lambda r: {"item_id": self.blank("events", "item_id")}
        )

    def events_user_missing(self) -> int:
        self.need("events", "user_id")
        types = [t for t in self.cfg.require_user_types if t != "return"]
        pool = self.events_pool().filter(pl.col("user_id").is_not_null() & pl.col("type").is_in(types))
        return self.events_inplace(
            "EVT_USER_MISSING", pool, lambda r: {"user_id": self.blank("events", "user_id")}
        )

    def events_dup_exact(self) -> int:
        rows = [self.append("events", r[ROW]) for r in self.pick("events", self.events_pool(), self.n)]
        return self.record(("events", "EVT_DUP_EXACT"), rows)

    def events_id_conflict(self) -> int:
        """An event id reused by a later, different event: the later row is the defect."""
        self.need("events", "event_id")
        picked = self.pick("events", self.events_pool(), 2 * self.n)
        rows = []
        for a, b in zip(picked[::2], picked[1::2], strict=False):
            first, later = sorted((a, b), key=lambda r: r[ROW])
            self.edits["events"]["event_id"][later[ROW]] = self.raw["events"]["event_id"][first[ROW]]
            rows.append(later[ROW])
        return self.record(("events", "EVT_ID_CONFLICT"), rows)

    def events_dup_near(self) -> int:
        """A copy of a browsing event with a new id, 1 s later (the copy is the defect); only events
        whose next same (actor, item, type, query) event is > window + 1.5 s away, so the copy
        does not become a near duplicate's predecessor."""
        self.need("events", "timestamp")
        types = list(self.cfg.near_duplicate_types)
        ev = self.typed["events"].with_columns(pl.coalesce("user_id", "session_id").alias("_actor"))
        keys = ["_actor", "item_id", "type", "query"]
        nxt = (
            ev.sort([*keys, "timestamp", ROW], nulls_last=True)
            .with_columns(pl.col("timestamp").shift(-1).over(keys).alias("_next"))
            .select(ROW, "_next")
        )
        window = timedelta(seconds=self.cfg.near_duplicate_seconds + 1.5)
        pool = (
            self.events_pool()
            .filter(pl.col("type").is_in(types) & pl.coalesce("user_id", "session_id").is_not_null())
            .join(nxt, on=ROW, how="left")
            .filter(pl.col("_next").is_null() | (pl.col("_next") - pl.col("timestamp") > window))
        )
        if pool.is_empty():
            raise NotApplicable(f"no browsing events ({', '.join(types)}) to duplicate")
        rows = []
        for r in self.pick("events", pool, self.n):
            ts = r["timestamp"] + timedelta(seconds=1)
            if not self.ts_ok("events", "timestamp", ts):
                continue
            rows.append(self.append("events", r[ROW], event_id=self.new_id("bench-near-"), timestamp=ts))
        return self.record(("events", "EVT_DUP_NEAR"), rows)

    def events_ts_future(self) -> int:
        self.need("events", "timestamp")

        def change(r: dict[str, Any]) -> dict[str, Any] | None:
            ts = r["timestamp"]
            try:
                later = ts.replace(year=ts.year + 5)
            except ValueError:  # 29 February
                later = ts.replace(year=ts.year + 5, day=28)
            return {"timestamp": later} if self.ts_ok("events", "timestamp", later) else None

        pool = self.events_pool().filter(pl.col("timestamp").is_not_null())
        return self.events_inplace("EVT_TS_FUTURE", pool, change)

    def events_qty_sign(self) -> int:
        self.need("events", "quantity")
        pool = self.purchases().filter(pl.col("quantity") > 0)
        return self.events_inplace("EVT_QTY_SIGN", pool, lambda r: {"quantity": -r["quantity"]})

    def events_qty_outlier(self) -> int:
        # A x1000 slip on a typical order: x1000 of max(row, item median). A slip on a row far below
        # the median (1 -> 1000 where 900-unit orders are real) lands inside the item's own range and
        # is not an outlier by any statistic, so it would measure nothing about the check.
        self.need("events", "quantity")
        pool = self.purchases().filter(pl.col("quantity") > 0)
        pool = pool.with_columns(pl.col("quantity").median().over("item_id").alias("_item_median"))
        return self.events_inplace(
            "EVT_QTY_OUTLIER",
            pool,
            lambda r: {"quantity": int(max(r["quantity"], round(r["_item_median"]))) * 1000},
        )

    def events_price_nonpositive(self) -> int:
        self.need("events", "price")
        pool = self.purchases().filter(pl.col("price") > 0)
        return self.events_inplace(
            "EVT_PRICE_NONPOSITIVE",
            pool,
            lambda r: {"price": 0.0 if self.rng.random() < 0.5 else -r["price"]},
        )

    def events_price_unit(self) -> int:
        """x100 or /100 of a purchase priced at its item's reference (the catalog price, else the
        item's median price here), which is what the check compares against."""
        self.need("events", "price")
        ev = self.typed["events"]
        median = (
            ev.filter(pl.col("price") > 0).group_by("item_id").agg(pl.col("price").median().alias("_median"))
        )
        pool = self.purchases().filter(pl.col("price") > 0).join(median, on="item_id", how="left")
        if self.catalog is not None:
            cat = self.catalog.select(pl.col("product_id").alias("item_id"), pl.col("price").alias("_cat"))
            pool = pool.join(cat, on="item_id", how="left")
        else:
            pool = pool.with_columns(pl.lit(None, pl.Float64).alias("_cat"))
        pool = pool.with_columns(pl.coalesce("_cat", "_median").alias("_ref")).filter(
            (pl.col("price") / pl.col("_ref")).log10().abs() < 0.01
        )
        self.notes["events/EVT_PRICE_UNIT"] = (
            "half x100, half /100, of purchases priced within 2.3 % of the reference"
        )
        return self.events_inplace(
            "EVT_PRICE_UNIT",
            pool,
            lambda r: {"price": r["price"] * (100.0 if self.rng.random() < 0.5 else 0.01)},
        )

    def events_currency_unknown(self) -> int:
        self.need("events", "currency")
        pool = self.events_pool().filter(pl.col("currency").is_not_null())
        return self.events_inplace(
            "EVT_CURRENCY_UNKNOWN", pool, lambda r: {"currency": self.choice(BAD_CURRENCIES)}
        )

    def events_rating_range(self) -> int:
        self.need("events", "rating")
        pool = self.events_pool().filter(pl.col("rating").is_not_null())
        if pool.is_empty():
            raise NotApplicable("no rated events")
        return self.events_inplace(
            "EVT_RATING_RANGE", pool, lambda r: {"rating": self.out_of_scale(self.rating_scale)}
        )

    def known_pool(self) -> pl.DataFrame:
        if self.catalog is None:
            raise NotApplicable("no products table: nothing is known or unknown")
        known = self.catalog.select(
            pl.col("product_id").alias("item_id"), pl.col("created_at").alias("_created")
        )
        return self.events_pool().join(known, on="item_id", how="inner")

    def events_item_unknown(self) -> int:
        return self.events_inplace(
            "EVT_ITEM_UNKNOWN", self.known_pool(), lambda r: {"item_id": self.new_id("BENCH-UNKNOWN-")}
        )

    def events_before_product(self) -> int:
        self.need("events", "timestamp")
        pool = self.known_pool().filter(pl.col("_created").is_not_null() & pl.col("timestamp").is_not_null())
        if pool.is_empty():
            raise NotApplicable("no product creation times")

        def change(r: dict[str, Any]) -> dict[str, Any] | None:
            ts = (r["_created"] - timedelta(days=float(self.rng.uniform(1, 30)))).replace(microsecond=0)
            return {"timestamp": ts} if self.ts_ok("events", "timestamp", ts) else None

        return self.events_inplace("EVT_BEFORE_PRODUCT", pool, change)

    def events_return_unlinked(self) -> int:
        """A return of an item by a customer who never bought it (appended; the return is the defect)."""
        self.need("events", "user_id", "item_id", "type")
        ev = self.typed["events"]
        users = ev["user_id"].drop_nulls().unique().sort().to_list()
        bought = set(
            ev.filter(pl.col("type") == "purchase").select("user_id", "item_id").drop_nulls().iter_rows()
        )
        pool = self.purchases().filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null())
        if pool.is_empty() or len(users) < 2:
            raise NotApplicable("no purchases by known customers")
        rows = []
        for r in self.pick("events", pool, self.n):
            user = next(
                (u for u in (self.choice(users) for _ in range(50)) if (u, r["item_id"]) not in bought), None
            )
            if user is None:
                continue
            values: dict[str, Any] = {
                "type": "return",
                "user_id": user,
                "event_id": self.new_id("bench-ret-"),
            }
            if self.has("events", "quantity") and r["quantity"] is not None:
                values["quantity"] = -abs(r["quantity"])
            if self.has("events", "session_id"):
                values["session_id"] = values["event_id"]
            if self.has("events", "order_id") and r["order_id"] is not None:
                values["order_id"] = f"C{r['order_id']}"
            rows.append(self.append("events", r[ROW], **values))
        return self.record(("events", "EVT_RETURN_UNLINKED"), rows)

    def events_bot_session(self) -> int:
        """New sessions of views of distinct existing products, each tripping the bot rules:
        all of them (brief), the rate rule only, the regular-timing rule only, the breadth rule only."""
        self.need("events", "timestamp", "item_id", "type")
        bot = self.cfg.bot
        latest = self.pool("events")["timestamp"].max()  # clean rows: a future-dated defect is no guide
        if latest is None:
            raise NotApplicable("no timestamps")
        end = min(latest, self.now - timedelta(days=1))  # type: ignore[type-var]
        start = (end - timedelta(days=3)).replace(second=0, microsecond=0)
        if self.catalog is not None:
            old = pl.col("created_at").is_null() | (pl.col("created_at") < start - timedelta(hours=1))
            items = self.catalog.filter(old)["product_id"].drop_nulls()
        else:
            items = self.pool("events")["item_id"].drop_nulls()
        items = items.unique().sort().to_list()
        shapes = {  # name: (events, gap sampler in seconds)
            "all rules": (bot.max_distinct_items + 100, lambda k: np.ones(k)),
            "rate": (bot.min_events + 10, lambda k: self.rng.integers(0, 3, k).astype(float)),
            "regular": (bot.regular_min_events + 5, lambda k: np.full(k, 45.0)),
            "breadth": (bot.max_distinct_items + 20, lambda k: self.rng.integers(4, 21, k).astype(float)),
        }
        need = max(n for n, _ in shapes.values())
        if len(items) < need:
            raise NotApplicable(f"needs {need} distinct products, the catalog has {len(items)}")
        rows: list[int] = []
        t0 = start
        described = []
        for name, (n, gaps) in shapes.items():
            session = self.new_id("bench-bot-")
            chosen = [items[i] for i in self.rng.choice(len(items), n, replace=False)]
            offsets = np.concatenate([[0.0], np.cumsum(gaps(n - 1))])
            times = [t0 + timedelta(seconds=float(s)) for s in offsets]
            if not all(self.ts_ok("events", "timestamp", t) for t in times):
                raise NotApplicable("session times not representable in the source's time zone")
            for i, (item, ts) in enumerate(zip(chosen, times, strict=True)):
                values = {"event_id": f"{session}-{i:04d}", "type": "view", "timestamp": ts, "item_id": item}
                if self.has("events", "session_id"):
                    values["session_id"] = session
                elif self.has("events", "user_id"):
                    values["user_id"] = session
                rows.append(self.append("events", None, **values))
            g = np.diff(offsets)
            described.append(
                f"{name}: {n} views, {(n - 1) / max(offsets[-1], 1e-9):.2f}/s, gap cv {g.std(ddof=1) / g.mean():.2f}"
            )
            t0 = times[-1] + timedelta(minutes=10)
        self.notes["events/EVT_BOT_SESSION"] = "; ".join(described) + " (size fixed, not --per-class)"
        return self.record(("events", "EVT_BOT_SESSION"), rows)
