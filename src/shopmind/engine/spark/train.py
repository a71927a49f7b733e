"""Recommendation training on Spark, written in the release's own format (issue 11, item 2).

What grows with the event log is counted on Spark: co-visitation pairs (one window pass over
each user's time-ordered events, ``lead`` per lag), bought-together baskets (a self-join per
basket), popularity and trending, and the factor model (Spark MLlib ALS for implicit feedback).
Each result comes back aligned to the rows and columns of the driver's ``Interactions`` and
is handed to ``RecommendationService.fit(..., trained=...)``, so the saved ``recs/`` folder is
the one ``shopmind build`` writes and servers load: plain ``CoVisitation``, ``Popularity`` and
``ALS`` objects, nothing that imports Spark when a release is loaded.

Exactness, rule by rule (``tests/test_spark_train.py`` checks each against the single-node code):

- every co-visitation term is computed with the same IEEE operations as ``CoVisitation.pair_matrix``
  (float32 ``lag_decay ** (lag-1) * weight``, then float64 factors, rounded to float32); Spark sums a
  pair's terms in float64, which is exact for these values, where scipy accumulates in float32 —
  so a pair's total can differ in the last float32 bit when it has many terms;
- bought-together and popularity are integer counts: exact;
- trending sums float64 decays in another order: equal to ~1e-12 relative before the float32 cast;
- ALS: MLlib's implicit ALS (Hu, Koren & Volinsky) is the same model as ``implicit``'s but scales
  the regularisation by each row's number of ratings and uses confidence ``1 + alpha * r``, so the
  factors differ; quality is compared instead (Recall@20 on the Online Retail time split).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.als import ALS, FittedFactors
from shopmind.recommend.base import EVENT_WEIGHTS, Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.popularity import Popularity

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

#: the column carrying each event's position in the frame handed to ``RecommendationService.fit``
ORDER = "_order"


def events_frame(spark: SparkSession, events: pl.DataFrame) -> DataFrame:
    """Driver-side canonical events as a Spark frame with their input order (``_order``), the
    tie-break ``Interactions`` uses between events of a user at the same second."""
    from shopmind.engine.spark.gate import to_spark_frame

    cols = [
        c
        for c in ("user_id", "item_id", "type", "timestamp", "session_id", "order_id")
        if c in events.columns
    ]
    frame = events.select(cols).with_row_index(ORDER).with_columns(pl.col(ORDER).cast(pl.Int64))
    return to_spark_frame(spark, frame)


def _weight(weights: Mapping[str, float]) -> Column:
    """The event type's weight as FLOAT (float32, as ``Interactions.seq_weights``); 0 if unlisted."""
    from pyspark.sql import functions as F

    expr = F.lit(0.0)
    for kind, w in weights.items():
        expr = F.when(F.col("type") == kind, F.lit(float(np.float32(w)))).otherwise(expr)
    return expr.cast("float")


def indexed(
    spark: SparkSession, events: DataFrame, data: Interactions, weights: Mapping[str, float]
) -> DataFrame:
    """Events as ``Interactions`` sees them: user row ``u``, item column ``i``, epoch second ``t``,
    float32 weight ``w`` > 0, session key ``s`` (session, else user) and ``_order``."""
    from pyspark.sql import functions as F

    from shopmind.engine.spark.gate import to_spark_frame

    items = to_spark_frame(
        spark, pl.DataFrame({"item_id": data.item_ids.astype(str), "i": np.arange(data.n_items)})
    )
    users = to_spark_frame(
        spark, pl.DataFrame({"user_id": data.user_ids.astype(str), "u": np.arange(data.n_users)})
    )
    session = F.col("session_id") if "session_id" in events.columns else F.lit(None).cast("string")
    frame = events.select(
        F.col("user_id").cast("string").alias("user_id"),
        F.col("item_id").cast("string").alias("item_id"),
        _weight(weights).alias("w"),
        F.expr("div(unix_micros(timestamp), 1000000)").alias("t"),
        F.coalesce(session.cast("string"), F.col("user_id").cast("string")).alias("s"),
        F.col(ORDER),
    ).where(F.col("user_id").isNotNull() & F.col("item_id").isNotNull() & (F.col("w") > 0))
    return frame.join(F.broadcast(items), "item_id").join(users, "user_id").drop("item_id", "user_id")


def _to_csr(rows: pl.DataFrame, n: int) -> sp.csr_matrix:
    return sp.csr_matrix(
        (rows["v"].to_numpy().astype(np.float32), (rows["r"].to_numpy(), rows["c"].to_numpy())),
        shape=(n, n),
        dtype=np.float32,
    )


def _top_per_row(pairs: DataFrame, n: int, keep: int) -> sp.csr_matrix:
    """``itemknn.keep_top_per_row`` in Spark: per row ``r`` the ``keep`` largest float32 ``v``,
    ties by column ascending, collected as a CSR matrix."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from shopmind.engine.spark.gate import _from_spark

    rank = F.row_number().over(Window.partitionBy("r").orderBy(F.col("v").desc(), F.col("c").asc()))
    top = pairs.withColumn("v", F.col("v").cast("float")).withColumn("_k", rank).where(F.col("_k") <= keep)
    got = _from_spark(top.select("r", "c", "v"), {"r": pl.Int64, "c": pl.Int64, "v": pl.Float32})
    return _to_csr(got, n)


def covisit_pairs(ev: DataFrame, model: CoVisitation) -> DataFrame:
    """``CoVisitation.pair_matrix`` as (r, c, v) rows: every pair of a user's events at most
    ``window`` positions apart, weighted as there, summed per item pair."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    win = Window.partitionBy("u").orderBy("t", ORDER)
    lagged = []
    for lag in range(1, model.window + 1):
        decay = float(np.float32(model.lag_decay ** (lag - 1)))  # numpy casts the scalar to float32
        lagged.append(
            F.struct(
                F.lit(decay).cast("float").alias("d"),
                F.lead("i", lag).over(win).alias("i2"),
                F.lead("t", lag).over(win).alias("t2"),
                F.lead("s", lag).over(win).alias("s2"),
                F.lead("w", lag).over(win).alias("w2"),
            )
        )
    pairs = (
        ev.select("i", "t", "s", F.array(*lagged).alias("p"))
        .select("i", "t", "s", F.explode("p").alias("p"))
        .select("i", "t", "s", "p.*")
        .where(F.col("i2").isNotNull() & (F.col("i") != F.col("i2")))
    )
    weight = (F.col("d") * F.col("w2")).cast("double")  # float32 * float32, as numpy does
    if model.gap_half_life_s:
        gap = F.abs(F.col("t2") - F.col("t")).cast("double")
        weight = weight * F.pow(F.lit(0.5), gap / F.lit(float(model.gap_half_life_s)))
    weight = weight * F.when(F.col("s") == F.col("s2"), F.lit(1.0)).otherwise(
        F.lit(float(model.cross_session_weight))
    )
    both = pairs.select(
        F.col("i").alias("r"),
        F.col("i2").alias("c"),
        (weight * F.lit(float(model.forward_weight))).cast("float").alias("v"),
    ).unionByName(
        pairs.select(
            F.col("i2").alias("r"),
            F.col("i").alias("c"),
            (weight * F.lit(float(model.backward_weight))).cast("float").alias("v"),
        )
    )
    summed = both.groupBy("r", "c").agg(F.sum(F.col("v").cast("double")).alias("v"))
    if model.normalise:
        total = Window.partitionBy("r")
        summed = summed.withColumn("v", F.col("v") / F.greatest(F.sum("v").over(total), F.lit(1e-12)))
    return summed


def covisitation(ev: DataFrame, data: Interactions, model: CoVisitation | None = None) -> CoVisitation:
    """A fitted ``CoVisitation`` (its ``neighbours`` strongest partners per item) from Spark."""
    model = model or CoVisitation()
    model.data = data
    model.neighbours_matrix = _top_per_row(covisit_pairs(ev, model), data.n_items, model.neighbours)
    return model


def popularity(ev: DataFrame, data: Interactions, model: Popularity | None = None) -> Popularity:
    """A fitted ``Popularity``: distinct users per item, or the decayed (weighted) event sum of
    trending, whose ages are measured from the newest event as in ``Popularity.fit``."""
    from pyspark.sql import functions as F

    from shopmind.engine.spark.gate import _from_spark

    model = model or Popularity()
    if model.half_life_days:
        newest = ev.agg(F.max("t")).first()[0] or 0
        age = (F.lit(int(newest)) - F.col("t")).cast("double") / F.lit(86400.0)
        w = F.pow(F.lit(0.5), age / F.lit(float(model.half_life_days)))
        if model.weighted:
            w = w * F.col("w").cast("double")
        per_item = ev.groupBy("i").agg(F.sum(w).alias("v"))
    elif model.weighted:
        per_item = ev.groupBy("i").agg(F.sum(F.col("w").cast("double")).alias("v"))
    else:
        per_item = ev.groupBy("i").agg(F.countDistinct("u").cast("double").alias("v"))
    got = _from_spark(per_item, {"i": pl.Int64, "v": pl.Float64})
    scores = np.zeros(data.n_items, dtype=np.float64)
    scores[got["i"].to_numpy()] = got["v"].to_numpy()
    model.data = data
    model.item_scores = scores.astype(np.float32)
    return model


def bought_together(spark: SparkSession, events: DataFrame, data: Interactions, keep: int) -> sp.csr_matrix:
    """``RecommendationService._cobought`` in Spark: items in one basket (the order, else the
    session, else the user's day) counted per pair, the ``keep`` most frequent partners per item."""
    from pyspark.sql import functions as F

    from shopmind.engine.spark.gate import to_spark_frame

    keys = [F.col(c).cast("string") for c in ("order_id", "session_id") if c in events.columns]
    day = F.date_format(F.to_date("timestamp"), "yyyy-MM-dd")
    keys.append(F.concat_ws("|", F.coalesce(F.col("user_id").cast("string"), F.lit("")), day))
    items = to_spark_frame(
        spark, pl.DataFrame({"item_id": data.item_ids.astype(str), "i": np.arange(data.n_items)})
    )
    baskets = (
        events.where((F.col("type") == "purchase") & F.col("item_id").isNotNull())
        .select(F.coalesce(*keys).alias("b"), F.col("item_id").cast("string").alias("item_id"))
        .distinct()
        .join(F.broadcast(items), "item_id")
        .select("b", "i")
    )
    other = baskets.select(F.col("b"), F.col("i").alias("c"))
    pairs = (
        baskets.join(other, "b")
        .where(F.col("i") != F.col("c"))
        .groupBy(F.col("i").alias("r"), "c")
        .agg(F.count("*").cast("double").alias("v"))
    )
    return _top_per_row(pairs, data.n_items, keep)


def als(ev: DataFrame, data: Interactions, model: ALS | None = None, reg_param: float | None = None) -> ALS:
    """An ``ALS`` generator whose factors were trained by Spark MLlib's implicit ALS on the
    users x items matrix of summed event weights (the ``Interactions.matrix`` cells).

    ``reg_param`` is MLlib's ``regParam``; MLlib multiplies it by each user's (item's) number of
    ratings, so the default divides ``implicit``'s regularisation by the mean ratings per row."""
    from pyspark.ml.recommendation import ALS as SparkALS
    from pyspark.sql import functions as F

    from shopmind.engine.spark.gate import _from_spark

    model = model or ALS()
    params = model.params
    cells = ev.groupBy("u", "i").agg(F.sum(F.col("w").cast("double")).alias("r")).persist()
    if reg_param is None:
        n_cells = cells.count()
        reg_param = float(params["regularization"]) * data.n_users / max(n_cells, 1)
    sc = cells.sparkSession.sparkContext
    blocks = max(2, sc.defaultParallelism)  # MLlib's 10 is for big clusters
    if sc.getCheckpointDir() is None and sc.master.startswith("local"):
        # without a checkpoint folder MLlib never cuts ALS's lineage: 15 iterations made task
        # serialisation overflow the JVM stack now and then (a cluster sets spark.checkpoint.dir)
        import tempfile

        sc.setCheckpointDir(tempfile.mkdtemp(prefix="shopmind-als-"))
    spark_als = SparkALS(
        numUserBlocks=blocks,
        numItemBlocks=blocks,
        rank=int(params["factors"]),
        maxIter=int(params["iterations"]),
        regParam=reg_param,
        alpha=float(params["alpha"]),
        implicitPrefs=True,
        userCol="u",
        itemCol="i",
        ratingCol="r",
        seed=42,
        nonnegative=False,
        coldStartStrategy="nan",
    )
    fitted = spark_als.fit(cells)
    cells.unpersist()
    rank = int(params["factors"])

    def factors(frame: DataFrame, n: int) -> np.ndarray:
        got = _from_spark(frame, {"id": pl.Int64, "features": pl.List(pl.Float32)})
        out = np.zeros((n, rank), dtype=np.float32)  # a row MLlib never saw scores 0 everywhere
        if got.height:
            out[got["id"].to_numpy()] = np.vstack(got["features"].to_numpy())
        return out

    model.model = FittedFactors(
        factors(fitted.userFactors, data.n_users), factors(fitted.itemFactors, data.n_items)
    )
    model.data = data
    return model


def trained_parts(
    spark: SparkSession,
    events: DataFrame,
    generators: Mapping[str, Mapping[str, Any]],
    weights: Mapping[str, float] = EVENT_WEIGHTS,
    bought_neighbours: int = 50,
) -> Any:
    """The ``trained`` callable for ``RecommendationService.fit``: given the driver's indexed
    interactions, train on Spark every generator it can (co-visitation, popularity, trending,
    ALS) plus bought-together, aligned to those interactions."""
    from pyspark import StorageLevel

    from shopmind.recommend.service import MAKERS

    def train(data: Interactions) -> dict[str, Any]:
        ev = indexed(spark, events, data, weights).persist(StorageLevel.MEMORY_AND_DISK)
        out: dict[str, Any] = {}
        try:
            for name, params in generators.items():
                fresh = MAKERS[name](**params)
                if isinstance(fresh, CoVisitation):
                    out[name] = covisitation(ev, data, fresh)
                elif isinstance(fresh, Popularity):
                    out[name] = popularity(ev, data, fresh)
                elif isinstance(fresh, ALS):
                    out[name] = als(ev, data, fresh)
            out["bought-together"] = bought_together(spark, events, data, bought_neighbours)
        finally:
            ev.unpersist()
        return out

    return train


__all__ = [
    "als",
    "bought_together",
    "covisit_pairs",
    "covisitation",
    "events_frame",
    "indexed",
    "popularity",
    "trained_parts",
]
