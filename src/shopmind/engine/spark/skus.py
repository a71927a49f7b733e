"""The gate's SKU join (``quality.skus``, code ``EVT_ITEM_SKU``) on Spark.

Why: a shop whose orders name variants by SKU (a Shopify export grouped by Handle) had every
purchase joined to its product by the Polars gate but quarantined as ``EVT_ITEM_UNKNOWN`` by the
Spark one, so the two engines' accounts differed for the same batch. The index is what the Polars
gate builds (``quality.skus.sku_index``, one row per SKU that exactly one product lists: small,
made on the driver); the events stay on the executors and meet it in a broadcast join.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.data.model import ROW
from shopmind.quality.gate import eager
from shopmind.quality.skus import CODE, sku_index
from shopmind.store.store import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: the audit step of the join: after the text repairs (their steps count from 0), before the value
#: repairs (1,000,000 + their place) — where the Polars gate puts it
STEP = 999_999


def sku_lookup(store: Store | None, accepted_products: Any) -> pl.DataFrame | None:
    """The SKU index over the batch's accepted products (only their ids and attributes are read)
    and the stored ones; None when no product lists a SKU. Products without an attributes column
    list no SKU: their ids alone are read (they still keep a SKU equal to a product id out)."""
    products = None
    if accepted_products is not None:
        lazy = accepted_products.lazy()
        kept = [c for c in ("product_id", "attributes") if c in lazy.collect_schema().names()]
        products = eager(lazy.select(kept))
    return sku_index(store, products)


def resolve_skus_spark(
    spark: SparkSession, table: str, frame: DataFrame, index: pl.DataFrame | None
) -> tuple[DataFrame, DataFrame | None]:
    """Events whose ``item_id`` (trimmed) is a SKU of the index, given their product's id; the
    audit records of the changes (None when nothing can change)."""
    from pyspark.sql import functions as F

    from shopmind.engine.spark.frames import to_spark_frame

    if table != "events" or index is None or "item_id" not in frame.columns:
        return frame, None
    lookup = to_spark_frame(spark, index.rename({"sku": "__sku", "product_id": "__product"}))
    item = F.regexp_replace(F.col("item_id").cast("string"), r"^\s+|\s+$", "")
    joined = frame.join(F.broadcast(lookup), item == F.col("__sku"), "left")
    audit = joined.where(F.col("__product").isNotNull()).select(
        F.lit("events").alias("table_name"),
        F.col(ROW),
        F.lit(STEP).cast("long").alias("_step"),
        F.lit("item_id").alias("column_name"),
        F.lit(CODE).alias("code"),
        F.col("item_id").cast("string").alias("old_value"),
        F.col("__product").alias("new_value"),
    )
    out = joined.withColumn("item_id", F.coalesce(F.col("__product"), F.col("item_id").cast("string")))
    return out.drop("__sku", "__product"), audit
