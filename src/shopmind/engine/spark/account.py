"""The row account and completeness of a table's verdict, each one Spark job (``gate.py``).

Apart from the gate's stages because both are checks over the split, not stages of it: the
account (accepted + quarantined = input, every row id once) is asserted before anything is
written, as ``quality/gate.py`` asserts it on Polars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopmind.data.model import ROW, SCHEMAS
from shopmind.quality.gate import COMPLETENESS_SCOPE, AccountError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def assert_account(
    table: str, input_rows: int, accepted: DataFrame, quarantine: DataFrame
) -> tuple[int, int]:
    """accepted + quarantined == input, every id once, ids exactly 0..input-1: one Spark job.
    Returns (accepted, quarantined)."""
    from pyspark.sql import functions as F

    ids = accepted.select(F.col(ROW).alias("id"), F.lit(1).alias("a")).unionByName(
        quarantine.select(F.col("row_no").alias("id"), F.lit(0).alias("a"))
    )
    got = ids.agg(
        F.count("*").alias("n"),
        F.sum("a").alias("acc"),
        F.countDistinct("id").alias("distinct"),
        F.min("id").alias("lo"),
        F.max("id").alias("hi"),
    ).first()
    n, acc, distinct = int(got["n"]), int(got["acc"] or 0), int(got["distinct"])
    if n != input_rows or distinct != input_rows:
        raise AccountError(
            f"{table}: account does not balance: input {input_rows}, accepted {acc}, "
            f"quarantined {n - acc}, distinct ids {distinct}"
        )
    if input_rows and (got["lo"] != 0 or got["hi"] != input_rows - 1):
        raise AccountError(f"{table}: row ids are not exactly 0..{input_rows - 1}")
    return acc, n - acc


def completeness_of(table: str, accepted: DataFrame, present: set[str]) -> dict[str, float]:
    """The gate's completeness (share of non-empty values in scope, ``COMPLETENESS_SCOPE``) in one job."""
    from pyspark.sql import functions as F

    cols = [c for c in SCHEMAS[table].columns if c in present]  # type: ignore[index]
    aggs = []
    for col in cols:
        scope = COMPLETENESS_SCOPE.get((table, col))
        inside = F.coalesce(F.expr(scope), F.lit(False)) if scope else F.lit(True)
        aggs += [
            F.sum(inside.cast("long")).alias(f"n:{col}"),
            F.sum((inside & F.col(col).isNotNull()).cast("long")).alias(f"v:{col}"),
        ]
    if not aggs:
        return {}
    got = accepted.agg(*aggs).first()
    return {col: round(float(got[f"v:{col}"]) / float(got[f"n:{col}"]), 4) for col in cols if got[f"n:{col}"]}


__all__ = ["assert_account", "completeness_of"]
