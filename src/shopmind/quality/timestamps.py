"""Timestamps from any form an export writes them in: native datetimes, epoch numbers of any unit
(s/ms/µs/ns, guessed per value), ISO text, day-first dotted dates, ``YYYYMMDD`` keys, and a
declared ``date_format`` (``data.formats``); naive values are read in the batch's time zone.

Split from ``coerce`` (which converts every canonical column) because reading a timestamp is one
job of its own, and so is saying, for a value none of these reads, which ``date_format`` would
(``date_hint``): a bare TYPE_ERROR on ``6 Dec 2026`` left the user to find the setting.
"""

from __future__ import annotations

import re

import polars as pl

#: Magnitude limits that decide the unit of a numeric timestamp (values above the limit of a
# unit are read as the next finer unit): 1e11 s is year 5138, 1e14 ms is year 5138, ...
_UNIT_LIMITS = (("s", 1e11, 1_000_000), ("ms", 1e14, 1_000), ("us", 1e17, 1), ("ns", float("inf"), 0.001))

_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%#z",
    "%Y-%m-%d %H:%M:%S%#z",
)
_NAIVE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
#: Day-first dotted dates (DE/AT/CH/RU/PL exports: ``01.11.2026 10:00``, ``1.11.2026``), see ``_dotted``.
_DOTTED_FORMATS = (
    "%d.%m.%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_DOTTED_SHAPE = r"^\d{1,2}\.\d{1,2}\.\d{4}(?:[ T]|$)"

#: the times that may follow a declared date format, as ``with_times`` tries them
_TIMES = ("%H:%M:%S%.f", "%H:%M:%S", "%H:%M")


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Text stripped, and blank text null: a blank cell is a missing value, not a failed one."""
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def with_times(date_format: str) -> list[str]:
    """A declared date format followed by a time (space or ``T``), then alone: what it reads."""
    return [f"{date_format}{sep}{t}" for sep in (" ", "T") for t in _TIMES] + [date_format]


def _epoch_to_datetime(seconds_like: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Numeric timestamps of any unit → UTC datetime, and the guessed unit per value."""
    mag = seconds_like.abs()
    unit = pl.lit(None, dtype=pl.Utf8)
    micros = pl.lit(None, dtype=pl.Float64)
    for name, limit, factor in reversed(_UNIT_LIMITS):
        unit = pl.when(mag < limit).then(pl.lit(name)).otherwise(unit)
        micros = pl.when(mag < limit).then(seconds_like * factor).otherwise(micros)
    value = micros.round(0).cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return value, unit


def parse_datetime(
    col: str, src: pl.DataType, tz: str, date_format: str | None = None
) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """Typed UTC datetime, failed mask, guessed unit (numeric inputs) and 'moved from local tz'.

    ``date_format`` (declared in a mapping or settled by the file, ``data.formats``) is tried first,
    alone and followed by a time."""
    raw = pl.col(col)
    no_unit = pl.lit(None, dtype=pl.Utf8)
    if isinstance(src, pl.Datetime):
        if src.time_zone is None:
            value = raw.dt.cast_time_unit("us").dt.replace_time_zone(
                tz, ambiguous="earliest", non_existent="null"
            )
            value = value.dt.convert_time_zone("UTC")
            moved = raw.is_not_null() & pl.lit(tz != "UTC")
        else:
            value = raw.dt.cast_time_unit("us").dt.convert_time_zone("UTC")
            moved = raw.is_not_null() & pl.lit(src.time_zone != "UTC")
        return value, (raw.is_not_null() & value.is_null()), no_unit, moved
    if isinstance(src, pl.Date):
        value = raw.cast(pl.Datetime("us")).dt.replace_time_zone(tz).dt.convert_time_zone("UTC")
        return value, pl.lit(False), no_unit, raw.is_not_null() & pl.lit(tz != "UTC")
    if src.is_numeric():
        compact = (
            _compact_date(raw.cast(pl.Utf8)) if src.is_integer() else pl.lit(None, dtype=pl.Datetime("us"))
        )
        epoch, unit = _epoch_to_datetime(pl.when(compact.is_null()).then(raw.cast(pl.Float64)))
        local = compact.dt.replace_time_zone(
            tz, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")
        value = pl.coalesce([local, epoch])
        unit = pl.when(compact.is_null()).then(unit)
        return value, (raw.is_not_null() & value.is_null()), unit, compact.is_not_null() & pl.lit(tz != "UTC")
    text = blank_to_null(raw.cast(pl.Utf8))
    compact = _compact_date(text.str.strip_chars())
    as_number = pl.when(compact.is_null()).then(text.cast(pl.Float64, strict=False))
    numeric_value, unit = _epoch_to_datetime(as_number)
    # every default format starts with a four-digit year: "06/12/26" was read by %Y/%m/%d as the year 6
    year_first = pl.when(text.str.contains(_YEAR_FIRST)).then(text)
    aware = pl.coalesce(
        [
            year_first.str.to_datetime(f, time_unit="us", strict=False).dt.convert_time_zone("UTC")
            for f in _DATETIME_FORMATS
        ]
    )
    declared = with_times(date_format) if date_format else []
    shaped = _with_year_shape(text, date_format) if date_format else text
    naive = pl.coalesce(
        [
            *(shaped.str.to_datetime(f, time_unit="us", strict=False) for f in declared),
            *(year_first.str.to_datetime(f, time_unit="us", strict=False) for f in _NAIVE_FORMATS),
            _dotted(text),
            compact,
        ]
    )
    naive_utc = naive.dt.replace_time_zone(
        tz, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
    value = pl.coalesce([numeric_value, aware, naive_utc])
    unit = pl.when(as_number.is_not_null()).then(unit).otherwise(None)
    moved = as_number.is_null() & aware.is_null() & naive.is_not_null() & pl.lit(tz != "UTC")
    return value, (text.is_not_null() & value.is_null()), unit, moved


#: what every default text format starts with: a year of four digits and a separator
_YEAR_FIRST = r"^\d{4}\D"
#: a declared format's directives before its ``%Y``, as the text they read (``%b``: a month's name)
_BEFORE_YEAR = {"d": r"\d{1,2}", "m": r"\d{1,2}", "H": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}",
                "y": r"\d{2}", "b": r"[^\W\d_]+", "B": r"[^\W\d_]+"}  # fmt: skip


def _with_year_shape(text: pl.Expr, date_format: str) -> pl.Expr:
    """``text`` where a declared format's ``%Y`` meets four digits, else null.

    Chrono's ``%Y`` reads any number of digits, so a declared ``%d/%m/%Y`` read ``06/12/26`` as the
    year 26 and the row was quarantined as TS_IMPLAUSIBLE ("before the plausible window"), a reason
    hiding the two-digit year and its fix; unread, it is a type error whose hint names ``%d/%m/%y``."""
    if "%Y" not in date_format:
        return text
    head = date_format[: date_format.index("%Y")]
    pattern = "".join(
        _BEFORE_YEAR.get(part[1:], re.escape(part)) if part.startswith("%") else re.escape(part)
        for part in re.findall(r"%.|[^%]+", head)
    )
    return pl.when(text.str.contains(f"^{pattern}\\d{{4}}(?:\\D|$)")).then(text)


#: a date written as one 8-digit number (``20240106``, a warehouse date key, ``date +%Y%m%d``)
_COMPACT_DATE = r"^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$"


def _compact_date(text: pl.Expr) -> pl.Expr:
    """``YYYYMMDD`` as a naive datetime, else null. As epoch seconds 20240106 was 1970-08-23, inside the
    plausible window, stored without a word; an 8-digit epoch (1970-73) is no shop's record."""
    return (
        pl.when(text.str.contains(_COMPACT_DATE))
        .then(text)
        .str.to_datetime("%Y%m%d", time_unit="us", strict=False)
    )


def _dotted(text: pl.Expr) -> pl.Expr:
    """A day-first dotted date (``DD.MM.YYYY``, one- or two-digit day and month, optional
    ``HH:MM[:SS[.fff]]``) as a naive datetime; null for any other shape.

    Dotted dates are always read **day first**: ``01.02.2026`` is 1 February 2026, never
    2 January. Every locale that writes the dot separator (German, Austrian, Swiss, Russian,
    Polish, Czech, ...) puts the day first, and the month-first US style uses slashes, so a dot
    decides the order without guessing from the data. Only a four-digit year is read:
    ``01.11.26`` stays a type error rather than becoming the year 26 or a guessed century.
    Values of any other shape skip the dotted formats entirely (null in, null out), so an ISO
    batch pays one regex test per distinct value, not four more parse passes.
    """
    dotted = pl.when(text.str.contains(_DOTTED_SHAPE)).then(text)
    return pl.coalesce([dotted.str.to_datetime(f, time_unit="us", strict=False) for f in _DOTTED_FORMATS])


def parse_distinct(
    series: pl.Series,
    tz: str,
    prefix: str,
    date_format: str | None,
    column: str | None = None,
    declared: str | None = None,
) -> pl.DataFrame:
    """Parse the distinct values of a text timestamp column, then map them back to the rows; with
    ``column``, ``<prefix>_hint`` says for each failed value which date_format reads it (``date_hints``).
    ``declared``: the mapping's own date_format; ``date_format`` may be one the file settled instead,
    which the hint must not call the mapping's."""
    from shopmind.quality.date_hints import date_hints

    distinct = pl.DataFrame({"raw": series.unique()})
    value, bad, unit, moved = parse_datetime("raw", pl.Utf8, tz, date_format)
    parsed = distinct.with_columns(
        value.alias(f"{prefix}_v"),
        bad.fill_null(False).alias(f"{prefix}_bad"),
        unit.alias(f"{prefix}_unit"),
        moved.alias(f"{prefix}_moved"),
    )
    if column is not None:
        failed = parsed.filter(pl.col(f"{prefix}_bad"))
        hints = failed.select(
            "raw", date_hints(failed["raw"], column, declared, date_format).alias(f"{prefix}_hint")
        )
        parsed = parsed.join(hints, on="raw", how="left", maintain_order="left")
    return (
        pl.DataFrame({"raw": series})
        .join(parsed, on="raw", how="left", maintain_order="left", nulls_equal=True)
        .drop("raw")
    )
