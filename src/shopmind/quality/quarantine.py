"""How a quarantined row and a reader's findings are recorded: the quarantine's columns, each
row's payload (its source cells) and detail, unparsed lines, and re-decoded lines' audit.
"""

from __future__ import annotations

import json

import polars as pl

from shopmind.data.model import ROW, SOURCE_LINE, UNKNOWN_TYPE_SAID, Batch, TableName
from shopmind.quality.coerce import TS_EARLY, TS_LATE, TYPE_ERRORS, TYPE_HINTS
from shopmind.quality.repair import AUDIT_SCHEMA

QUARANTINE_SCHEMA = {
    "table_name": pl.Utf8,
    "row_no": pl.Int64,
    "line": pl.Int64,
    "codes": pl.List(pl.Utf8),
    "detail": pl.Utf8,
    "payload": pl.Utf8,
}


def encoding_audit(batch: Batch, table: TableName, frame: pl.DataFrame) -> pl.DataFrame:
    """``TEXT_ENCODING`` audit records: rows from lines a reader decoded with their own codec."""
    lines = [r for r in batch.meta.get("redecoded", []) or [] if r.get("table") == table]  # type: ignore[union-attr]
    if not lines or SOURCE_LINE not in frame.columns:
        return pl.DataFrame(schema=AUDIT_SCHEMA)
    changed = pl.DataFrame(
        {
            SOURCE_LINE: [r["line"] for r in lines],
            "old_value": [r["old"] for r in lines],
            "new_value": [r["new"] for r in lines],
            "column_name": [f"(line, {r['encoding']})" for r in lines],
        },
        schema={SOURCE_LINE: pl.Int64, "old_value": pl.Utf8, "new_value": pl.Utf8, "column_name": pl.Utf8},
    )
    return (
        frame.select(ROW, SOURCE_LINE)
        .join(changed, on=SOURCE_LINE)
        .select(
            pl.lit(table).alias("table_name"),
            pl.col(ROW),
            "column_name",
            pl.lit("TEXT_ENCODING").alias("code"),
            "old_value",
            "new_value",
        )
    )


#: Longest text kept per cell of a quarantined row's payload; longer cells keep their head
#: and say how long they were (the source file or live log still holds the whole value).
PAYLOAD_CELL_CHARS = 65_536


def payload_of(raw_bad: pl.DataFrame) -> pl.DataFrame:
    """``_row`` and the quarantined row's source cells as one JSON object per row."""
    cells = [c for c in raw_bad.columns if c not in (ROW, SOURCE_LINE)]
    if not cells:
        return raw_bad.select(pl.col(ROW), pl.lit("{}").alias("payload"))
    capped = [
        pl.when(pl.col(c).str.len_chars() > PAYLOAD_CELL_CHARS)
        .then(
            pl.col(c).str.slice(0, PAYLOAD_CELL_CHARS)
            + pl.format(" … [{} characters in all]", pl.col(c).str.len_chars())
        )
        .otherwise(pl.col(c))
        .alias(c)
        if raw_bad.schema[c] == pl.Utf8
        else pl.col(c)
        for c in cells
    ]
    return raw_bad.select(pl.col(ROW), pl.struct(capped).struct.json_encode().alias("payload"))


def malformed_rows(batch: Batch, table: TableName, start: int) -> pl.DataFrame:
    rows = [m for m in batch.meta.get("malformed", []) or [] if m.get("table") == table]  # type: ignore[union-attr]
    if not rows:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return pl.DataFrame(
        {
            "table_name": [table] * len(rows),
            "row_no": list(range(start, start + len(rows))),
            "line": [m.get("line") for m in rows],
            "codes": [["MALFORMED_LINE"]] * len(rows),
            "detail": [f"MALFORMED_LINE: {m.get('reason', '')}" for m in rows],
            "payload": [json.dumps({"raw": m.get("raw")}) for m in rows],
        },
        schema=QUARANTINE_SCHEMA,
    )


#: A quarantined row's reason after its codes, in this order: each list column with its label and the
#: separator of its items, then ``STORED_DIFFERS`` when the store holds another row under the key. One
#: definition for both engines (``quality.gate`` and ``engine.spark.gate`` each had a copy of the labels,
#: which a change to one would have let drift apart: the same row quarantined with two reasons).
DETAIL_LISTS: tuple[tuple[str, str, str], ...] = (
    (TYPE_ERRORS, " — not convertible: ", ", "),
    (TYPE_HINTS, " — ", "; "),
    (TS_EARLY, " — before the plausible window: ", ", "),
    (TS_LATE, " — after the plausible window: ", ", "),
)
STORED_DIFFERS = " — the store holds another row under this key"


def detail_expr(codes: str, stored: str, table: str = "") -> pl.Expr:
    """The reason of each quarantined row (Polars): its codes, then ``DETAIL_LISTS``, ``STORED_DIFFERS``
    and, for an event of an unknown type, the type sent and the known ones (``UNKNOWN_TYPE_SAID``)."""
    lists = [
        pl.when(pl.col(column).list.len() > 0)
        .then(pl.lit(label) + pl.col(column).list.join(sep))
        .otherwise(pl.lit(""))
        for column, label, sep in DETAIL_LISTS
    ]
    differs = pl.when(pl.col(stored) == "differs").then(pl.lit(STORED_DIFFERS)).otherwise(pl.lit(""))
    parts = [pl.col(codes).list.join(", "), *lists, differs]
    if table == "events":
        head, tail = UNKNOWN_TYPE_SAID
        said = pl.lit(" — " + head) + pl.col("type").cast(pl.Utf8).fill_null("") + pl.lit(tail)
        parts.append(
            pl.when(pl.col(codes).list.contains("EVT_TYPE_UNKNOWN")).then(said).otherwise(pl.lit(""))
        )
    return pl.concat_str(parts)


def first_reason(quarantine: pl.DataFrame | pl.LazyFrame, code: str) -> str | None:
    """``line N: <reason>`` of the first quarantined row failing ``code``, its codes left off: for the
    console, so a TYPE_ERROR count comes with the column, the value and the setting that reads it (a
    date_format, a currency_sign) instead of only in ``shopmind quarantine``."""
    rows = quarantine.lazy().filter(pl.col("codes").list.contains(code)).sort("row_no").head(1).collect()
    if not rows.height:
        return None
    detail, line = rows["detail"][0] or "", rows["line"][0]
    reason = detail.split(" — ", 1)[1] if " — " in detail else detail
    return f"line {line}: {reason}" if line is not None else reason
