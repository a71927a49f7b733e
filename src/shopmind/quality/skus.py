"""Order lines naming a variant's SKU joined to the product the SKU belongs to (``EVT_ITEM_SKU``).

A shop's catalogue lists products, its orders list what was sold: variants, by SKU (Shopify's
``Lineitem sku``). A product export grouped by its Handle (``data.groups``) keeps every variant's
SKU in the product's ``sku`` attribute; here an event whose ``item_id`` is no product id of the
catalogue but one product's SKU gets that product's id, each change in the audit like any repair.
Without it every purchase of a grouped product was quarantined as EVT_ITEM_UNKNOWN, and the
recommendations learnt nothing from the shop's orders. A SKU two products list is left alone
(and stays unknown), as the order line cannot tell which product was sold.
"""

from __future__ import annotations

import polars as pl

from shopmind.data.model import ROW
from shopmind.quality.repair import AUDIT_SCHEMA
from shopmind.store.store import Store

CODE = "EVT_ITEM_SKU"
#: the attribute a product's variant SKUs are kept under, one entry each (``data.groups``)
SKU_KEY = "sku"


def _from_attributes(products: pl.DataFrame) -> pl.DataFrame:
    if "attributes" not in products.columns or products.is_empty():
        return pl.DataFrame(schema={"sku": pl.Utf8, "product_id": pl.Utf8})
    return (
        products.select("product_id", "attributes")
        .explode("attributes")
        .drop_nulls("attributes")
        .unnest("attributes")
        .filter(pl.col("key") == SKU_KEY)
        .select(pl.col("value").str.strip_chars().alias("sku"), "product_id")
        .filter(pl.col("sku").str.len_chars() > 0)
    )


def sku_index(store: Store | None, accepted_products: pl.DataFrame | None) -> pl.DataFrame | None:
    """sku -> product_id over the batch's accepted products (first) and the stored ones; a SKU two
    products list, or one that is itself a product id, is left out."""
    parts = []
    known: list[pl.Series] = []
    if accepted_products is not None and accepted_products.height:
        parts.append(_from_attributes(accepted_products))
        known.append(accepted_products["product_id"].cast(pl.Utf8))
    batch_ids = set(parts[0]["product_id"].to_list()) if parts else set()
    if store is not None:
        stored = store.variant_skus(SKU_KEY)
        parts.append(_from_attributes(stored).filter(~pl.col("product_id").is_in(list(batch_ids))))
        known.append(stored["product_id"].cast(pl.Utf8))
    if not parts:
        return None
    index = pl.concat(parts).unique()
    ids = pl.concat(known) if known else pl.Series([], dtype=pl.Utf8)
    index = index.filter((pl.len().over("sku") == 1) & ~pl.col("sku").is_in(ids.implode()))
    return index if index.height else None


def resolve_skus(frame: pl.DataFrame, index: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events whose item_id is a variant SKU, given their product's id; the audit of each change."""
    empty = pl.DataFrame(schema=AUDIT_SCHEMA)
    if index is None or "item_id" not in frame.columns or frame.is_empty():
        return frame, empty
    item = pl.col("item_id").cast(pl.Utf8).str.strip_chars()
    joined = frame.with_columns(item.alias("__sku")).join(
        index.rename({"sku": "__sku", "product_id": "__product"}),
        on="__sku",
        how="left",
        maintain_order="left",
    )
    changed = joined.filter(pl.col("__product").is_not_null())
    audit = changed.select(
        pl.lit("events").alias("table_name"),
        pl.col(ROW),
        pl.lit("item_id").alias("column_name"),
        pl.lit(CODE).alias("code"),
        pl.col("item_id").cast(pl.Utf8).alias("old_value"),
        pl.col("__product").alias("new_value"),
    )
    out = joined.with_columns(
        pl.coalesce(pl.col("__product"), pl.col("item_id").cast(pl.Utf8)).alias("item_id")
    ).drop("__sku", "__product")
    return out, audit.cast(AUDIT_SCHEMA)  # type: ignore[arg-type]
