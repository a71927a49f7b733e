"""The gate's context stage in Spark (``quality.context.add_context``) and the stored-row status.

The catalog and earlier purchases (small, from the driver's store) are broadcast-joined; the category
tree's minority paths come from path counts computed in Spark; ``_stored`` marks each row 'same' /
'differs' / NULL against the store's rows (``Store.stored_status``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from shopmind.data.model import ROW, SCHEMAS, TableName
from shopmind.engine.spark.frames import _from_spark, to_spark_frame
from shopmind.quality.context import catalog_context, category_minority
from shopmind.store.store import STORED, Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _context(
    spark: SparkSession,
    table: TableName,
    frame: DataFrame,
    catalog: pl.DataFrame | None,
    store: Store | None,
) -> DataFrame:
    """``quality.context.add_context`` in Spark: the same columns, the same joins."""
    from pyspark.sql import functions as F

    if table == "products":
        counts = frame.where(F.col("category_path").isNotNull()).groupBy("category_path").count()
        paths = _from_spark(counts, {"category_path": pl.Utf8, "count": pl.Int64})
        # the tree is judged on path counts: each path repeated by its count, one column on the driver
        expanded = paths.select(pl.col("category_path").repeat_by("count").explode())
        minority = expanded.filter(category_minority(expanded, store))["category_path"].unique()
        odd = to_spark_frame(
            spark,
            pl.DataFrame(
                {"category_path": minority, "_cat_minority": [True] * minority.len()},
                schema={"category_path": pl.Utf8, "_cat_minority": pl.Boolean},
            ),
        )
        return frame.join(F.broadcast(odd), "category_path", "left").withColumn(
            "_cat_minority", F.coalesce(F.col("_cat_minority"), F.lit(False))
        )
    id_col = "item_id" if table == "events" else "product_id"
    if catalog is None:
        frame = frame.select(
            "*",
            F.lit(None).cast("boolean").alias("_known"),
            F.lit(None).cast("timestamp").alias("_p_created"),
            F.lit(None).cast("double").alias("_p_price"),
            F.lit(False).alias("_unlisted"),
        )
    else:
        cat = to_spark_frame(spark, catalog_context(catalog, id_col))
        frame = (
            frame.join(F.broadcast(cat), id_col, "left")
            .withColumn("_known", F.coalesce(F.col("_known"), F.lit(False)))
            .withColumn("_unlisted", F.coalesce(F.col("_unlisted"), F.lit(False)))
        )
    if table == "events":
        first = None
        if store is not None:
            returns = frame.where(F.col("type") == "return").select("user_id", "item_id").dropna().distinct()
            pairs = _from_spark(returns, {"user_id": pl.Utf8, "item_id": pl.Utf8})
            first = store.first_purchases(pairs) if pairs.height else None
        if first is None or first.is_empty():
            frame = frame.withColumn("_first_buy", F.lit(None).cast("timestamp"))
        else:
            first = first.with_columns(
                pl.col("_first_buy").dt.convert_time_zone("UTC").dt.cast_time_unit("us")
            )
            frame = frame.join(F.broadcast(to_spark_frame(spark, first)), ["user_id", "item_id"], "left")
    return frame


def _stored(spark: SparkSession, table: TableName, frame: DataFrame, store: Store | None) -> DataFrame:
    """``Store.stored_status`` in Spark: 'same' / 'differs' / NULL per row, against the store's rows."""
    from pyspark.sql import functions as F

    if store is None or store.count(table) == 0:
        return frame.withColumn(STORED, F.lit(None).cast("string"))
    schema = SCHEMAS[table]
    cols = list(schema.columns)
    stored = store.con.execute(f"SELECT {', '.join(cols)} FROM {table}").arrow()
    right = to_spark_frame(spark, pl.from_arrow(stored)).select([F.col(c).alias(f"__s_{c}") for c in cols])  # type: ignore[arg-type]
    on = [F.col(k) == F.col(f"__s_{k}") for k in schema.key]
    same = [F.col(c).eqNullSafe(F.col(f"__s_{c}")) for c in cols]
    cond = same[0]
    for c in same[1:]:
        cond = cond & c
    status = (
        frame.select(ROW, *cols)
        .join(right, on, "inner")
        .groupBy(ROW)
        .agg(F.max(cond.cast("int")).alias("_same"))
        .select(ROW, F.when(F.col("_same") == 1, "same").otherwise("differs").alias(STORED))
    )
    return frame.join(status, ROW, "left")
