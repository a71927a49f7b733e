"""The gate's SKU join (``quality.skus``, code ``EVT_ITEM_SKU``) on Spark.

Why: a shop whose orders name variants by SKU (a Shopify export grouped by Handle) had every
purchase joined to its product by the Polars gate but quarantined as ``EVT_ITEM_UNKNOWN`` by the
Spark one, so the two engines' accounts differed for the same batch. The index is what the Polars
gate builds (``quality.skus.sku_index``, one row per SKU that exactly one product lists: small,
made on the driver); the events stay on the executors and meet it in a broadcast join. Order lines
without a SKU named by their item name (``EVT_ITEM_NAME``) meet the name index the same way (names
resolved to products on the driver: the batch's few distinct names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.data.adapters.table import NAMES_META
from shopmind.data.model import ROW, Batch
from shopmind.quality.gate import eager
from shopmind.quality.skus import CODE, NAME_CODE, name_index, sku_index
from shopmind.store.store import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: the audit step of the join: after the text repairs (their steps count from 0), before the value
#: repairs (1,000,000 + their place) — where the Polars gate puts it
STEP = 999_999


def sku_lookup(
    store: Store | None, accepted_products: Any, batch: Batch | None = None
) -> list[tuple[pl.DataFrame, str]] | None:
    """The SKU index over the batch's accepted products (only their ids, titles and attributes are
    read) and the stored ones, and the name index of the batch's named lines (``batch.meta``), each
    with its audit code; None when neither has a row. Products without an attributes column list no
    SKU: their ids alone are read (they still keep a SKU equal to a product id out)."""
    names = dict((batch.meta if batch is not None else {}).get(NAMES_META) or {}).get("events", [])
    products = None
    if accepted_products is not None:
        lazy = accepted_products.lazy()
        wanted = ("product_id", "attributes", "title") if names else ("product_id", "attributes")
        products = eager(lazy.select([c for c in wanted if c in lazy.collect_schema().names()]))
    found = [(sku_index(store, products), CODE), (name_index(names, store, products), NAME_CODE)]
    return [(index, code) for index, code in found if index is not None] or None


def resolve_skus_spark(
    spark: SparkSession, table: str, frame: DataFrame, indexes: list[tuple[pl.DataFrame, str]] | None
) -> tuple[DataFrame, DataFrame | None]:
    """Events whose ``item_id`` (trimmed) is a SKU of the index (then a name of the name index),
    given their product's id; the audit records of the changes (None when nothing can change)."""
    if table != "events" or not indexes or "item_id" not in frame.columns:
        return frame, None
    audits = []
    for index, code in indexes:
        frame, audit = _resolve(spark, frame, index, code)
        audits.append(audit)
    out = audits[0]
    for audit in audits[1:]:
        out = out.unionByName(audit)
    return frame, out


def _resolve(
    spark: SparkSession, frame: DataFrame, index: pl.DataFrame, code: str
) -> tuple[DataFrame, DataFrame]:
    from pyspark.sql import functions as F

    from shopmind.engine.spark.frames import to_spark_frame

    lookup = to_spark_frame(spark, index.rename({"sku": "__sku", "product_id": "__product"}))
    item = F.regexp_replace(F.col("item_id").cast("string"), r"^\s+|\s+$", "")
    joined = frame.join(F.broadcast(lookup), item == F.col("__sku"), "left")
    audit = joined.where(F.col("__product").isNotNull()).select(
        F.lit("events").alias("table_name"),
        F.col(ROW),
        F.lit(STEP).cast("long").alias("_step"),
        F.lit("item_id").alias("column_name"),
        F.lit(code).alias("code"),
        F.col("item_id").cast("string").alias("old_value"),
        F.col("__product").alias("new_value"),
    )
    out = joined.withColumn("item_id", F.coalesce(F.col("__product"), F.col("item_id").cast("string")))
    return out.drop("__sku", "__product"), audit
