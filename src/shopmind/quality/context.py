"""What the gate's rules read beyond a row's own cells: the catalog, the category tree, earlier
purchases, coercion's findings (type errors, the plausibility window) and the text limits.

The SQL checks in ``checks.py`` read these as plain columns (``_known``, ``_p_created``,
``_first_buy``, ``_cat_minority``, ``_type_error``, ``_ts_future`` ...), so they stay one SQL
text per check whatever engine evaluates them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import CATEGORY_SEP, TableName, TableSchema
from shopmind.quality.coerce import TS_EARLY, TS_LATE, TYPE_ERRORS
from shopmind.quality.plausible import EARLIEST
from shopmind.store.store import Store


def catalog_of(store: Store | None, accepted_products: pl.DataFrame | None) -> pl.DataFrame | None:
    parts = []
    if accepted_products is not None and accepted_products.height:
        parts.append(
            accepted_products.select("product_id", "created_at", "price", pl.lit(False).alias("unlisted"))
        )
    if store is not None:
        stored = store.catalog()
        if stored.height:
            parts.append(
                stored.with_columns(pl.col("created_at").dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
            )
    if not parts:
        return None
    # the batch's version of a product wins over the stored one
    return pl.concat(parts, how="vertical_relaxed").unique("product_id", keep="first", maintain_order=True)


def category_minority(frame: pl.DataFrame, store: Store | None) -> pl.Series:
    """TRUE for paths with a level placed under a parent that < 5 % of that level's uses have."""
    counts = frame.filter(pl.col("category_path").is_not_null()).group_by("category_path").len("n")
    if store is not None:
        counts = (
            pl.concat([counts, store.category_paths().cast({"n": pl.UInt32})])
            .group_by("category_path")
            .agg(pl.col("n").sum())
        )
    levels = (
        counts.with_columns(
            pl.col("category_path")
            .str.split(CATEGORY_SEP.strip())
            .list.eval(pl.element().str.strip_chars())
            .alias("lv")
        )
        .with_columns(pl.int_ranges(pl.col("lv").list.len()).alias("depth"))
        .explode("lv", "depth")
        .filter(pl.col("depth") > 0)
        .join(
            counts.with_columns(
                pl.col("category_path")
                .str.split(CATEGORY_SEP.strip())
                .list.eval(pl.element().str.strip_chars())
                .alias("all")
            ),
            on="category_path",
        )
        .with_columns(pl.col("all").list.get(pl.col("depth") - 1).alias("parent"))
    )
    edge = levels.group_by("lv", "depth", "parent").agg(pl.col("n").sum().alias("edge_n"))
    node = levels.group_by("lv", "depth").agg(pl.col("n").sum().alias("node_n"))
    odd = (
        edge.join(node, on=["lv", "depth"])
        .filter((pl.col("node_n") >= 20) & (pl.col("edge_n") < 0.05 * pl.col("node_n")))
        .join(levels.select("category_path", "lv", "depth", "parent"), on=["lv", "depth", "parent"])[
            "category_path"
        ]
        .unique()
    )
    return frame["category_path"].is_in(odd.implode()).fill_null(False)


def catalog_context(catalog: pl.DataFrame, id_col: str) -> pl.DataFrame:
    """What an event or judgment reads of its product (both engines join this): ``_known``, its
    ``_p_created`` and ``_p_price``, and ``_unlisted`` (a product the shop keeps as not for sale:
    known, so its orders are purchases, ``EVT_ITEM_UNLISTED``; it has no date or price to compare)."""
    return catalog.select(
        pl.col("product_id").alias(id_col),
        pl.lit(True).alias("_known"),
        pl.col("created_at").alias("_p_created"),
        pl.col("price").alias("_p_price"),
        (pl.col("unlisted") if "unlisted" in catalog.columns else pl.lit(False)).alias("_unlisted"),
    )


def add_context(
    table: TableName, frame: pl.DataFrame, catalog: pl.DataFrame | None, store: Store | None
) -> pl.DataFrame:
    if table == "products":
        return frame.with_columns(category_minority(frame, store).alias("_cat_minority"))
    id_col = "item_id" if table == "events" else "product_id"
    if catalog is None:
        frame = frame.with_columns(
            pl.lit(None, pl.Boolean).alias("_known"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("_p_created"),
            pl.lit(None, pl.Float64).alias("_p_price"),
            pl.lit(False).alias("_unlisted"),
        )
    else:
        frame = frame.join(catalog_context(catalog, id_col), on=id_col, how="left", maintain_order="left")
        frame = frame.with_columns(pl.col("_known").fill_null(False), pl.col("_unlisted").fill_null(False))
    if table == "events":
        first = None
        if store is not None:
            pairs = (
                frame.filter(pl.col("type") == "return").select("user_id", "item_id").drop_nulls().unique()
            )
            first = store.first_purchases(pairs)
        if first is None or first.is_empty():
            frame = frame.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("_first_buy"))
        else:
            first = first.with_columns(
                pl.col("_first_buy").dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            )
            frame = frame.join(first, on=["user_id", "item_id"], how="left", maintain_order="left")
    return frame


def coercion_flags(schema: TableSchema) -> list[pl.Expr]:
    """Coercion's findings as columns the SQL checks read: ``_type_error`` (a value failed
    conversion), ``_null_required`` (a required column is empty, and not because its value
    failed conversion — that is already the type error), and the plausibility window:
    ``_ts_future`` (an event's own timestamp after now + tolerance, ``EVT_TS_FUTURE``) and
    ``_ts_implausible`` (any other timestamp outside the window, ``TS_IMPLAUSIBLE``)."""
    own = "timestamp" if schema.name == "events" else None
    late_other = pl.col(TS_LATE).list.set_difference(pl.lit([own] if own else [], dtype=pl.List(pl.Utf8)))
    return [
        (pl.col(TYPE_ERRORS).list.len() > 0).alias("_type_error"),
        pl.any_horizontal(
            [pl.col(c).is_null() & ~pl.col(TYPE_ERRORS).list.contains(c) for c in schema.required]
        ).alias("_null_required"),
        (pl.col(TS_LATE).list.contains(own) if own else pl.lit(False)).alias("_ts_future"),
        ((pl.col(TS_EARLY).list.len() > 0) | (late_other.list.len() > 0)).alias("_ts_implausible"),
        *(price_bounds() if schema.name == "products" else []),
    ]


#: The catalog attributes that bound a product's price (``pricing.release.product_terms``).
PRICE_BOUNDS = ("price_floor", "price_ceiling")


def attribute_number(key: str) -> pl.Expr:
    """A product's attribute ``key`` (any case) as a positive number, or null: read as
    ``pricing.release.product_terms`` reads it (spaces and thousands commas dropped; zero,
    negative or unreadable is no bound)."""
    value = (
        pl.col("attributes")
        .list.eval(
            pl.element()
            .filter(pl.element().struct.field("key").str.to_lowercase() == key)
            .struct.field("value")
        )
        .list.first()
        .str.strip_chars()
        .str.replace_all(",", "", literal=True)
        .cast(pl.Float64, strict=False)
    )
    return pl.when(value.is_finite() & (value > 0)).then(value)


def price_bounds() -> list[pl.Expr]:
    """``_price_floor`` and ``_price_ceiling`` for ``PRD_PRICE_BOUNDS``: a floor above the ceiling
    leaves pricing no price, and it said only "guardrails conflict" per product; the gate flags
    the row. Row-local, so both engines compute it in the same coercion stage."""
    return [attribute_number(k).alias(f"_{k}") for k in PRICE_BOUNDS]


def timestamp_window(cfg: GateConfig, now: datetime) -> tuple[datetime, datetime]:
    """The one plausibility window (``shopmind.quality.plausible``): the API checks the same."""
    return EARLIEST, now + timedelta(seconds=cfg.future_tolerance_seconds)


def text_limits(cfg: GateConfig, table: str) -> dict[str, int]:
    """The longest text each free-text column may hold (``TEXT_TOO_LONG``)."""
    if table == "products":
        return {
            "title": cfg.max_title_chars,
            "brand": cfg.max_title_chars,
            "category_path": cfg.max_title_chars,
            "description": cfg.max_description_chars,
        }
    return {"query": cfg.max_query_chars}


def price_bounds_reason(attributes: list[dict[str, object]] | None) -> str:
    """``PRD_PRICE_BOUNDS``' reason for one flagged row, naming both attributes and their values."""
    values = {str(a.get("key", "")).lower(): a.get("value") for a in attributes or []}
    return (
        f"attribute price_floor {values.get('price_floor')} is above attribute price_ceiling "
        f"{values.get('price_ceiling')}: no price satisfies both, so pricing keeps this product's price"
    )


#: Flag codes whose report examples say the row's own values (the code's summary cannot).
FLAG_REASONS = {"PRD_PRICE_BOUNDS": lambda row: price_bounds_reason(row.get("attributes"))}
