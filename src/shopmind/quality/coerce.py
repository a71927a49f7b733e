"""Schema and type coercion: raw adapter values to the canonical dtypes, cell by cell.

A value that cannot be converted is never silently nulled: its column name lands in
``_type_errors`` so the gate can quarantine the row with ``TYPE_ERROR`` and say which column
and what value. Numeric timestamps get their unit guessed per value (s/ms/us/ns) because
real feeds mix them; naive timestamps are read in the source's time zone, then moved to UTC.
Timestamps are read by ``quality.timestamps``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from shopmind.data.formats import Formats
from shopmind.data.limits import too_deep
from shopmind.data.model import ATTRIBUTES, ROW, SOURCE_LINE, UTC_DATETIME, TableSchema
from shopmind.quality.numbers import declared_number, local_number, number_hint
from shopmind.quality.timestamps import blank_to_null, parse_datetime, parse_distinct

TYPE_ERRORS = "_type_errors"
#: Per row, why a failed value did not convert and the setting that reads it (``quality.numbers.number_hint``):
#: the quarantine reason carries them after the failed column names.
TYPE_HINTS = "_type_hints"
#: Timestamp columns of a row whose value lies before / after the plausibility window.
TS_EARLY = "_ts_early"
TS_LATE = "_ts_late"


@dataclass
class CoerceResult:
    frame: pl.DataFrame  # canonical dtypes, plus _row, _line, _type_errors (list of column names)
    present: set[str]  # canonical columns the input actually had
    notes: dict[str, object] = field(default_factory=dict)  # batch-level facts (units guessed, tz moves)


def _number_text(col: str, formats: Formats | None) -> pl.Expr:
    """A number column's text as plain parsing reads it: blank as null, no leading ``+``, and what the
    mapping declared applied (``[formats]``: the currency sign taken off prices, the decimal mark)."""
    text = _plain_text(pl.col(col))
    if formats is None or not (formats.decimal or formats.currency_sign):
        return text
    return declared_number(text, formats.decimal, formats.currency_sign if col == "price" else None)


def _numeric(
    col: str, dtype: pl.DataType, src: pl.DataType, formats: Formats | None
) -> tuple[pl.Expr, pl.Expr]:
    """Typed value and a 'failed' mask for Float64/Int64 targets."""
    raw = pl.col(col)
    if src == pl.Utf8:
        text = _number_text(col, formats)
        as_float = text.cast(pl.Float64, strict=False)
        present = text.is_not_null()
    elif src.is_numeric() or src == pl.Boolean:
        as_float = raw.cast(pl.Float64, strict=False)
        present = raw.is_not_null()
    else:
        as_float = pl.lit(None, dtype=pl.Float64)
        present = raw.is_not_null()
    bad = present & (as_float.is_null() | ~as_float.is_finite())
    if dtype == pl.Int64:
        bad = bad | (present & as_float.is_finite() & (as_float != as_float.round(0)))
        value = pl.when(bad).then(None).otherwise(as_float).cast(pl.Int64, strict=False)
    else:
        value = pl.when(bad).then(None).otherwise(as_float)
    return value, bad.fill_null(False)


def _attributes(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """JSON objects ('{"colour": "red"}') or key/value lists → List(Struct{key, value}).

    A value nested deeper than the readers' JSON limit is a type error, never a parse: the
    ``json`` module recurses once per level and 3,000 levels overflow it.
    """
    if series.dtype == ATTRIBUTES:
        return series, pl.Series([False] * len(series))
    values: list[list[dict[str, str]] | None] = []
    bad: list[bool] = []
    for item in series.to_list():
        if item is None or (isinstance(item, str) and not item.strip()):
            values.append(None)
            bad.append(False)
            continue
        try:
            if isinstance(item, str) and too_deep(item):
                raise ValueError("nested too deeply")
            obj = json.loads(item) if isinstance(item, str) else item
            if isinstance(obj, dict):
                pairs = [{"key": str(k), "value": _attribute_text(v)} for k, v in obj.items()]
            elif isinstance(obj, list):
                pairs = [{"key": str(p["key"]), "value": _attribute_text(p["value"])} for p in obj]
            else:
                raise ValueError("not an object")
            values.append(pairs)
            bad.append(False)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            values.append(None)
            bad.append(True)
    return pl.Series(series.name, values, dtype=ATTRIBUTES), pl.Series(bad)


def _attribute_text(value: object) -> str:
    """An attribute value as text: strings as they are, anything else as JSON (not Python repr)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _readable(src: pl.DataType) -> bool:
    """Source dtypes coercion converts; others (lists, structs, binary, durations) are type errors."""
    return src in (pl.Utf8, pl.Null, pl.Boolean) or src.is_numeric() or isinstance(src, pl.Datetime | pl.Date)


def _normalise_sources(frame: pl.DataFrame, present: set[str]) -> tuple[pl.DataFrame, set[str]]:
    """Categoricals and UTF-8 binary become text; columns of other dtypes are reported unreadable."""
    unreadable: set[str] = set()
    for col in present - {"attributes"}:
        src = frame.schema[col]
        if isinstance(src, pl.Categorical | pl.Enum):
            frame = frame.with_columns(pl.col(col).cast(pl.Utf8))
        elif src == pl.Binary:
            try:
                frame = frame.with_columns(pl.col(col).cast(pl.Utf8))
            except pl.exceptions.PolarsError:
                unreadable.add(col)
        elif not _readable(src):
            unreadable.add(col)
    return frame, unreadable


def coerce(
    frame: pl.DataFrame,
    schema: TableSchema,
    timezone: str = "UTC",
    window: tuple[datetime, datetime] | None = None,
    formats: Formats | None = None,
) -> CoerceResult:
    """Convert ``frame`` to ``schema``'s dtypes; unknown columns are dropped, absent ones added as nulls.

    ``window`` is the plausibility window (earliest, latest) of every timestamp column: the
    columns of a row whose value falls before or after it are listed in ``_ts_early`` and
    ``_ts_late``, whatever the value's format or unit was (ISO text, epoch s/ms/us/ns, native).
    ``formats``: the table's declared number and date formats (``data.formats``).
    """
    present = {c for c in schema.columns if c in frame.columns}
    frame, unreadable = _normalise_sources(frame, present)
    exprs: list[pl.Expr] = [pl.col(ROW)]
    exprs.append(
        pl.col(SOURCE_LINE).cast(pl.Int64)
        if SOURCE_LINE in frame.columns
        else pl.lit(None, pl.Int64).alias(SOURCE_LINE)
    )
    error_masks: list[pl.Expr] = []
    units: list[pl.Expr] = []
    moved: list[pl.Expr] = []
    early: list[pl.Expr] = []
    late: list[pl.Expr] = []
    reread: list[str] = []  # numeric columns given as text: failed values are read again
    date_hints: list[pl.Expr] = []  # text timestamp columns: the date_format that reads a failed value
    attr_result: tuple[pl.Series, pl.Series] | None = None
    for col, dtype in schema.columns.items():
        if col not in present:
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
            continue
        src = frame.schema[col]
        if col in unreadable:
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
            error_masks.append(pl.when(pl.col(col).is_not_null()).then(pl.lit(col)).otherwise(None))
        elif dtype == pl.Utf8:
            exprs.append(blank_to_null(pl.col(col).cast(pl.Utf8)).alias(col))
        elif dtype in (pl.Float64, pl.Int64):
            value, bad = _numeric(col, dtype, src, formats)
            exprs.append(value.alias(col))
            error_masks.append(pl.when(bad).then(pl.lit(col)).otherwise(None))
            if src == pl.Utf8:
                reread.append(col)
        elif dtype == UTC_DATETIME and src == pl.Utf8:
            # text timestamps repeat a lot (one per order line): parse each distinct value once
            date_format = formats.date_format_of(col) if formats else None
            declared = formats.date_format if formats else None  # the mapping's own, not one the file settled
            parsed = parse_distinct(
                frame[col], timezone, f"__{col}", date_format, column=col, declared=declared
            )
            frame = frame.hstack(parsed)
            value = pl.col(f"__{col}_v")
            exprs.append(value.alias(col))
            error_masks.append(pl.when(pl.col(f"__{col}_bad")).then(pl.lit(col)).otherwise(None))
            date_hints.append(pl.col(f"__{col}_hint"))
            units.append(pl.col(f"__{col}_unit").alias(f"_unit_{col}"))
            moved.append(pl.col(f"__{col}_moved").fill_null(False).alias(f"_moved_{col}"))
            _outside(value, col, window, early, late)
        elif dtype == UTC_DATETIME:
            date_format = formats.date_format_of(col) if formats else None
            value, bad, unit, was_moved = parse_datetime(col, src, timezone, date_format)
            exprs.append(value.alias(col))
            error_masks.append(pl.when(bad).then(pl.lit(col)).otherwise(None))
            units.append(unit.alias(f"_unit_{col}"))
            moved.append(was_moved.fill_null(False).alias(f"_moved_{col}"))
            _outside(value, col, window, early, late)
        elif dtype == ATTRIBUTES:
            attr_result = _attributes(frame[col])
            exprs.append(pl.lit(None, dtype=ATTRIBUTES).alias(col))
        else:  # pragma: no cover - the model has no other dtypes
            raise TypeError(f"unsupported canonical dtype {dtype}")
    out = frame.select(
        [
            *exprs,
            _names(error_masks).alias(TYPE_ERRORS),
            _names(early).alias(TS_EARLY),
            _names(late).alias(TS_LATE),
            _names(date_hints).alias(TYPE_HINTS),
            *units,
            *moved,
        ]
    )
    if attr_result is not None:
        values, bad = attr_result
        out = out.with_columns(
            values.alias("attributes"),
            pl.when(pl.Series(bad))
            .then(pl.col(TYPE_ERRORS).list.concat(pl.lit(["attributes"])))
            .otherwise(pl.col(TYPE_ERRORS))
            .alias(TYPE_ERRORS),
        )
    notes: dict[str, object] = {}
    if reread and out[TYPE_ERRORS].list.len().sum():
        for col in reread:
            out, read = _local_numbers(out, frame, col, schema.columns[col], formats)
            if read:
                notes[f"number_formats.{col}"] = read
            out = _hints(out, frame, col)
    for expr in units:
        name = expr.meta.output_name()
        counts = out[name].drop_nulls().value_counts()
        if counts.height:
            notes[f"timestamp_units.{name.removeprefix('_unit_')}"] = dict(
                zip(counts[name].to_list(), counts["count"].to_list(), strict=True)
            )
    for expr in moved:
        name = expr.meta.output_name()
        n = int(out[name].sum())
        if n:
            notes[f"timezone_moved.{name.removeprefix('_moved_')}"] = {"from": timezone, "rows": n}
    helper_cols = [e.meta.output_name() for e in (*units, *moved)]
    return CoerceResult(frame=out.drop(helper_cols), present=present, notes=notes)


def _plain_text(raw: pl.Expr) -> pl.Expr:
    return blank_to_null(raw).str.replace_all(r"^\+", "")


def _local_numbers(
    out: pl.DataFrame, raw: pl.DataFrame, col: str, dtype: pl.DataType, formats: Formats | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Read the values of ``col`` that plain parsing failed on in a certain local format
    (``quality.numbers``): their value is set and ``col`` leaves their type errors; returns the
    count per format. Only the failed rows are read again: a clean batch costs one pass."""
    failed = "_failed_text"
    pending = out.filter(pl.col(TYPE_ERRORS).list.contains(col)).select(ROW, TYPE_ERRORS)
    if not pending.height:
        return out, {}
    texts = raw.filter(pl.col(ROW).is_in(pending[ROW].implode())).select(
        ROW, _number_text(col, formats).alias(failed)
    )
    pending = pending.join(texts, on=ROW, how="left", maintain_order="left")  # text of the failed rows only
    text = pl.col(failed)
    value, form = local_number(text, text.cast(pl.Float64, strict=False))
    read = pending.with_columns(value.alias("_v"), form.alias("_form")).filter(
        pl.col("_v").is_not_null() & pl.col("_v").is_finite()
    )
    if dtype == pl.Int64:
        read = read.filter(pl.col("_v") == pl.col("_v").round(0))
    if not read.height:
        return out, {}
    patch = read.select(
        ROW,
        pl.col("_v").cast(dtype).alias(col),
        pl.col(TYPE_ERRORS).list.eval(pl.element().filter(pl.element() != col)).alias(TYPE_ERRORS),
    )
    out = out.update(patch, on=ROW, how="left")
    counts = read["_form"].value_counts()
    return out, dict(zip(counts["_form"].to_list(), counts["count"].to_list(), strict=True))


def _hints(out: pl.DataFrame, raw: pl.DataFrame, col: str) -> pl.DataFrame:
    """Add to ``_type_hints`` of each row whose ``col`` still failed the likely cause and its fix
    (``quality.numbers.number_hint``): read from the value as written, before any declared format."""
    pending = out.filter(pl.col(TYPE_ERRORS).list.contains(col)).select(ROW, TYPE_HINTS)
    if not pending.height:
        return out
    texts = raw.filter(pl.col(ROW).is_in(pending[ROW].implode())).select(
        ROW, number_hint(col, _plain_text(pl.col(col))).alias("_hint")
    )
    patch = (
        pending.join(texts, on=ROW, how="left", maintain_order="left")
        .filter(pl.col("_hint").is_not_null())
        .select(ROW, pl.concat_list([TYPE_HINTS, "_hint"]).alias(TYPE_HINTS))
    )
    return out.update(patch, on=ROW, how="left") if patch.height else out


def _names(masks: list[pl.Expr]) -> pl.Expr:
    """Per row, the column names the masks produced (empty list when none)."""
    return pl.concat_list(masks).list.drop_nulls() if masks else pl.lit([], dtype=pl.List(pl.Utf8))


def _outside(
    value: pl.Expr,
    col: str,
    window: tuple[datetime, datetime] | None,
    early: list[pl.Expr],
    late: list[pl.Expr],
) -> None:
    """Add ``col``'s before/after-the-window masks. Compared as datetimes (64-bit microseconds,
    ±292,000 years), not epoch seconds, so no year is out of reach of the check."""
    if window is None:
        return
    lo = pl.lit(window[0]).cast(UTC_DATETIME)
    hi = pl.lit(window[1]).cast(UTC_DATETIME)
    early.append(pl.when(value < lo).then(pl.lit(col)).otherwise(None))
    late.append(pl.when(value > hi).then(pl.lit(col)).otherwise(None))


def typed_products(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Canonical, typed products frame from logged JSON rows (the gate's coercion, no checks)."""
    from shopmind.data.model import PRODUCTS

    def text(v: Any) -> str | None:
        if v is None:
            return None
        return json.dumps(v) if isinstance(v, list | dict) else str(v)

    cols = [c for c in PRODUCTS.columns if any(c in r for r in rows)]
    raw = pl.DataFrame({c: [text(r.get(c)) for r in rows] for c in cols}, schema=dict.fromkeys(cols, pl.Utf8))
    raw = raw.with_row_index(ROW).with_columns(
        pl.col(ROW).cast(pl.Int64), pl.lit(None, pl.Int64).alias(SOURCE_LINE)
    )
    frame = coerce(raw, PRODUCTS).frame
    return frame.drop(
        [c for c in (ROW, SOURCE_LINE, TYPE_ERRORS, TS_EARLY, TS_LATE, TYPE_HINTS) if c in frame.columns]
    )
