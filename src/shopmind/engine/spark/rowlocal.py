"""The gate's row-local stages on Spark executors, with the very functions the Polars engine runs.

Coercion (``quality.coerce.coerce``), text repairs (``quality.repair.repair_text``, once per
distinct value of a partition) and coercion's flags (``quality.context.coercion_flags``) look at
one row at a time, so each Arrow batch of a partition goes through them as a Polars frame
(``mapInArrow``): one definition, vectorised, run in parallel. What a batch learns for the
report rides along in two columns: ``_audit`` (the row's repair records) and ``_notes`` (the
batch's coercion notes as JSON, on its first row only), gathered by the driver.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from shopmind.data.formats import Formats
from shopmind.data.model import ROW, SCHEMAS, TableName
from shopmind.quality.coerce import coerce
from shopmind.quality.context import coercion_flags
from shopmind.quality.repair import AUDIT_SCHEMA, repair_text

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

AUDIT = "_audit"
NOTES = "_notes"
_AUDIT_ITEM = pl.Struct({"column_name": pl.Utf8, "code": pl.Utf8, "old_value": pl.Utf8, "new_value": pl.Utf8})


def row_local(
    table: TableName,
    tz: str,
    window: tuple[datetime, datetime],
    t2s: bool,
    max_chars: dict[str, int],
    formats: Formats | None = None,
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """coerce → repair text → coercion flags, as the Polars gate runs them, for one frame."""
    schema = SCHEMAS[table]

    def run(raw: pl.DataFrame) -> pl.DataFrame:
        co = coerce(raw, schema, tz, window=window, formats=formats)
        frame, audit = repair_text(co.frame, table, t2s=t2s, max_chars=max_chars)
        frame = frame.with_columns(coercion_flags(schema))
        per_row = (
            audit.group_by(ROW, maintain_order=True).agg(
                pl.struct("column_name", "code", "old_value", "new_value").alias(AUDIT)
            )
            if audit.height
            else pl.DataFrame(schema={ROW: pl.Int64, AUDIT: pl.List(_AUDIT_ITEM)})
        )
        frame = frame.join(per_row, on=ROW, how="left", maintain_order="left")
        notes = [json.dumps(co.notes)] + [None] * (frame.height - 1) if frame.height else []
        return frame.with_columns(pl.Series(NOTES, notes, dtype=pl.Utf8))

    return run


def output_schema(sample: pl.DataFrame, run: Callable[[pl.DataFrame], pl.DataFrame]) -> pa.Schema:
    """The stage's Arrow output schema, from running it on the input's first row (an empty
    frame would do, but ``coerce`` of zero rows with attributes fails in Polars)."""
    return run(sample.head(1)).to_arrow().schema


def apply(frame: DataFrame, sample: pl.DataFrame, run: Callable[[pl.DataFrame], pl.DataFrame]) -> DataFrame:
    """``run`` over every Arrow batch of ``frame`` on the executors (``sample``: the raw schema)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    target = _plain(output_schema(sample, run))
    spark_schema = from_arrow_schema(target)

    def batches(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for rb in it:
            if rb.num_rows == 0:
                continue
            out = run(pl.from_arrow(rb)).to_arrow()  # type: ignore[arg-type]
            yield from out.cast(target).to_batches()

    return frame.mapInArrow(batches, spark_schema)


def _plain(schema: pa.Schema) -> pa.Schema:
    """Polars writes string views and large lists; Spark reads plain strings and lists."""

    def fix(t: pa.DataType) -> pa.DataType:
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            return pa.string()
        if pa.types.is_large_list(t) or pa.types.is_list(t) or pa.types.is_list_view(t):
            return pa.list_(fix(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, fix(f.type)) for f in t])
        if pa.types.is_null(t):
            return pa.string()
        if pa.types.is_unsigned_integer(t):  # Spark has no unsigned types (Polars' row index is u32)
            return pa.int64()
        return t

    return pa.schema([pa.field(f.name, fix(f.type)) for f in schema])


def merge_notes(parts: list[str]) -> dict[str, Any]:
    """The batch's coercion notes from its partitions' notes: unit and number-format counts and moved rows add up."""
    merged: dict[str, Any] = {}
    for text in parts:
        for key, value in json.loads(text).items():
            if key.startswith(("timestamp_units.", "number_formats.")):
                into = merged.setdefault(key, {})
                for unit, n in value.items():
                    into[unit] = into.get(unit, 0) + n
            elif key.startswith("timezone_moved."):
                into = merged.setdefault(key, {"from": value["from"], "rows": 0})
                into["rows"] += value["rows"]
            else:
                merged[key] = value
    return merged


__all__ = ["AUDIT", "AUDIT_SCHEMA", "NOTES", "apply", "merge_notes", "row_local"]
