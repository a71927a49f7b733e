"""The demo shop's knowledge for the shop assistant: orders, policy documents, labelled questions.

``assistant_data(shop)`` derives everything from an already generated :class:`DemoShop`, so the
three canonical tables stay byte-identical and the assistant's tables are consistent with them:

- **orders**: one row per ``order_id`` of the clean purchase events (same customer, items,
  quantities, prices and time). The status follows from the purchase's age at the end of the
  simulated period and from the customer's return events: ``returned`` when an item of the
  order was returned, else ``placed`` (< 1 day old), ``shipped`` (< 4 days) or ``delivered``,
  each with the dates it implies. A few defective rows (one per ``ORDER_DEFECTS`` code) are
  appended with their ground truth, so the assistant's order validation can be measured.
- **policies**: ``demo.policies`` (Markdown, English + Chinese, shared section anchors).
- **questions**: ``demo.assistant_questions`` (the labelled customer questions of the main set and
  the held-out sets 1-9, drawn from the orders above and the served catalog).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.demo.assistant_questions import labelled_questions
from shopmind.demo.generator import DemoShop
from shopmind.demo.policies import policy_files

ORDER_STATUSES: tuple[str, ...] = ("placed", "shipped", "delivered", "returned")
#: Defects injected into the demo's order table, one row each (what the validator must find).
ORDER_DEFECTS: tuple[str, ...] = (
    "ORD_DUP_ID",
    "ORD_CUSTOMER_MISSING",
    "ORD_STATUS_UNKNOWN",
    "ORD_DATES_ORDER",
    "ORD_STATUS_DATES",
    "ORD_ITEM_UNKNOWN",
    "ORD_ITEMS_EMPTY",
)
ITEM = pl.Struct({"product_id": pl.Utf8, "quantity": pl.Int64, "price": pl.Float64, "currency": pl.Utf8})
TS = pl.Datetime("us", "UTC")
ORDER_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.Utf8,
    "customer_id": pl.Utf8,
    "status": pl.Utf8,
    "placed_at": TS,
    "shipped_at": TS,
    "delivered_at": TS,
    "returned_at": TS,
    "items": pl.List(ITEM),
}


@dataclass
class AssistantData:
    """What the demo adds for the assistant (see the module docstring)."""

    orders: pl.DataFrame
    #: injected order defects: ``row`` (position in ``orders``) and ``code``
    order_defects: pl.DataFrame
    #: file name -> Markdown text (``returns.en.md``, ``returns.zh.md``, ...)
    policies: dict[str, str]
    questions: list[dict[str, object]]


def _clean_rows(shop: DemoShop, table: str) -> pl.Series:
    d = shop.defects.filter(pl.col("table") == table)
    return d["row"]


def _orders(shop: DemoShop, end: datetime) -> pl.DataFrame:
    ev = shop.batch.events
    bad = _clean_rows(shop, "events")
    ev = ev.filter(~pl.col("_row").is_in(bad.implode()))
    buys = ev.filter(
        (pl.col("type") == "purchase") & pl.col("order_id").is_not_null() & pl.col("user_id").is_not_null()
    )
    rets = ev.filter(pl.col("type") == "return").select(
        pl.col("user_id"), pl.col("item_id"), pl.col("timestamp").alias("ret_ts")
    )
    orders = (
        buys.sort("timestamp", "_row")
        .group_by("order_id", maintain_order=True)
        .agg(
            pl.col("user_id").first().alias("customer_id"),
            pl.col("timestamp").min().alias("placed_at"),
            pl.struct(
                pl.col("item_id").alias("product_id"),
                pl.col("quantity").cast(pl.Int64),
                pl.col("price"),
                pl.col("currency"),
            ).alias("items"),
        )
    )
    # first return of an item of the order by its customer after the order
    exploded = orders.select("order_id", "customer_id", "placed_at", pl.col("items").list.eval(pl.element().struct.field("product_id")).alias("pid")).explode("pid")  # fmt: skip
    first_ret = (
        exploded.join(rets, left_on=["customer_id", "pid"], right_on=["user_id", "item_id"])
        .filter(pl.col("ret_ts") > pl.col("placed_at"))
        .group_by("order_id")
        .agg(pl.col("ret_ts").min().alias("returned_at"))
    )
    orders = orders.join(first_ret, on="order_id", how="left", maintain_order="left")
    end_us = int((end - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
    rows = []
    day = 86_400_000_000
    for r in orders.iter_rows(named=True):
        placed = r["placed_at"]
        p_us = int((placed - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
        age = end_us - p_us
        shipped = delivered = None
        ret = r["returned_at"]
        if ret is not None:
            gap = ret - placed
            shipped, delivered, status = placed + min(timedelta(days=1), gap / 3), placed + min(timedelta(days=3), gap * 2 / 3), "returned"  # fmt: skip
        elif age < day:
            status = "placed"
        elif age < 4 * day:
            status, shipped = "shipped", placed + timedelta(hours=20)
        else:
            # delivery 2-5 days after shipping, from the order id (deterministic, no rng state)
            extra = 2 + sum(map(ord, r["order_id"])) % 4
            status, shipped = "delivered", placed + timedelta(hours=20)
            delivered = shipped + timedelta(days=extra)
            if delivered > end:
                delivered = end - timedelta(hours=1)
        rows.append(
            {
                "order_id": r["order_id"],
                "customer_id": r["customer_id"],
                "status": status,
                "placed_at": placed,
                "shipped_at": shipped,
                "delivered_at": delivered,
                "returned_at": ret,
                "items": r["items"],
            }
        )
    return pl.DataFrame(rows, schema=ORDER_SCHEMA)


def _inject(orders: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Append one defective copy of a random clean order per ``ORDER_DEFECTS`` code."""
    out = []
    n = orders.height
    if n == 0:  # a shop too small to have orders: nothing to copy a defect from
        return orders, pl.DataFrame(schema={"row": pl.Int64, "code": pl.Utf8})
    for k, code in enumerate(ORDER_DEFECTS):
        r = orders.row(int(rng.integers(n)), named=True)
        r = dict(r)
        if code != "ORD_DUP_ID":
            r["order_id"] = f"X{k:02d}{r['order_id']}"
        if code == "ORD_CUSTOMER_MISSING":
            r["customer_id"] = None
        elif code == "ORD_STATUS_UNKNOWN":
            r["status"] = "teleported"
        elif code == "ORD_DATES_ORDER":
            r["status"], r["shipped_at"] = "shipped", r["placed_at"] - timedelta(days=2)
            r["delivered_at"] = r["returned_at"] = None
        elif code == "ORD_STATUS_DATES":
            r["status"], r["shipped_at"], r["delivered_at"], r["returned_at"] = "delivered", None, None, None
        elif code == "ORD_ITEM_UNKNOWN":
            r["items"] = [{**r["items"][0], "product_id": "NO-SUCH-ITEM"}]
        elif code == "ORD_ITEMS_EMPTY":
            r["items"] = []
        out.append(r)
    bad = pl.DataFrame(out, schema=ORDER_SCHEMA)
    defects = pl.DataFrame(
        {"row": pl.Series(range(n, n + len(out)), dtype=pl.Int64), "code": list(ORDER_DEFECTS)}
    )
    return pl.concat([orders, bad]), defects


def assistant_data(shop: DemoShop, seed: int = 42, extra: Sequence[tuple[str, object]] = ()) -> AssistantData:
    """Orders (with injected defects), policies and labelled questions for ``shop``; ``extra``: question
    sets read from files (``demo.assistant_question_file``), filled after the built-in ones."""
    end = datetime.fromisoformat(str(shop.batch.meta["generator"]["end"]))  # type: ignore[index]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    clean = _orders(shop, end)
    orders, defects = _inject(clean, rng)
    return AssistantData(orders, defects, policy_files(), labelled_questions(rng, shop, clean, seed, extra))


def write_assistant(data: AssistantData, out_dir: Path) -> dict[str, Path]:
    """Write ``orders.parquet``, ``order_defects.parquet``, ``policies/*.md`` and
    ``assistant_questions.jsonl`` into ``out_dir`` (new files beside the demo's tables)."""
    out_dir = Path(out_dir)
    (out_dir / "policies").mkdir(parents=True, exist_ok=True)
    paths = {"orders": out_dir / "orders.parquet", "order_defects": out_dir / "order_defects.parquet"}
    data.orders.write_parquet(paths["orders"])
    data.order_defects.write_parquet(paths["order_defects"])
    for name, text in data.policies.items():
        (out_dir / "policies" / name).write_text(text, encoding="utf-8")
    paths["policies"] = out_dir / "policies"
    paths["questions"] = out_dir / "assistant_questions.jsonl"
    with paths["questions"].open("w", encoding="utf-8") as f:
        for q in data.questions:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    return paths
