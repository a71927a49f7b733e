"""For a timestamp no default reading takes, the ``date_format`` that would: the quarantine reason's hint.

A date column written ``6 Dec 2026``, ``December 6, 2026`` or ``06/12/26`` was quarantined as a bare
``TYPE_ERROR — not convertible: timestamp``: the user had to find ``[formats] date_format`` in the
docs and guess its pattern. Here each failed value is tried against the patterns a mapping may
declare (``data.formats``: day, month or month name, year, then an optional time), parsed the way
``quality.timestamps`` parses a declared format, so a suggested pattern is one that reads the value
at the next ingest. Two patterns that read it (``06/12/26``: day or month first) are both named, as
the value cannot tell them apart. Values no pattern reads are told what is not read (a 12-hour
time, a number too large for a unix time) and pointed to ISO dates.
"""

from __future__ import annotations

import polars as pl

from shopmind.quality.timestamps import with_times

#: Patterns a mapping may declare, tried in this order; each is the date part (a time may follow). Only
#: what the defaults do not read: ISO, dotted four-digit years and YYYYMMDD never fail, and four-digit
#: slash and dash dates are settled per column by ``data.formats.resolve_slash_dates`` before the gate.
CANDIDATES = (
    "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y",
    "%d %b %y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y", "%m/%d/%y", "%d-%m-%y",
    "%m-%d-%y", "%d.%m.%y", "%Y.%m.%d", "%Y/%m/%d", "%Y年%m月%d日",
)  # fmt: skip
#: the years a suggested pattern may read a value into
YEARS = (1900, 2200)
_AM_PM = r"(?i)\d\s*[ap]\.?m\.?\s*$"


def date_hints(values: pl.Series, column: str, declared: str | None = None) -> pl.Series:
    """Per failed value (text), why it did not read and the ``date_format`` that reads it; null where
    the value is null. ``declared``: the mapping's own date_format, which did not read it either."""
    frame = pl.DataFrame({"v": values.cast(pl.Utf8).str.strip_chars()})
    reads = []
    for fmt in CANDIDATES:
        read = pl.coalesce(
            [pl.col("v").str.to_datetime(f, time_unit="us", strict=False) for f in with_times(fmt)]
        )
        # a year a shop's record can have: "%Y.%m.%d" read 06.12.26 as the year 6
        reads.append(pl.when(read.dt.year().is_between(*YEARS)).then(pl.lit(fmt)).otherwise(None))
    found = frame.with_columns(pl.concat_list(reads).list.drop_nulls().alias("found"))
    hints = [
        None if value is None else _hint(value, fits, column, declared)
        for value, fits in zip(found["v"].to_list(), found["found"].to_list(), strict=True)
    ]
    return pl.Series(values.name, hints, dtype=pl.Utf8)


def _hint(value: str, fits: list[str], column: str, declared: str | None) -> str:
    shown = value if len(value) <= 40 else value[:40] + "…"
    head = f"{column} {shown!r}"
    if declared:
        head += f" is not read by the mapping's date_format {declared!r}"
    fits = [f for f in fits if f.replace("%B", "%b") == f or f.replace("%B", "%b") not in fits]
    if len(fits) == 1:
        return f'{head}: it reads with [formats] date_format = "{fits[0]}": declare that in the mapping'
    if fits:
        shown_fits = " or ".join(f'"{f}"{_order(f)}' for f in fits[:2])
        return (
            f"{head}: it reads with [formats] date_format = {shown_fits}, which the value cannot tell apart: "
            "declare the export's in the mapping"
        )
    iso = "ISO dates (2026-11-03 09:05:07)"
    if pl.Series([value]).str.contains(_AM_PM)[0]:
        return f"{head}: a 12-hour time (AM/PM) is not read: export 24-hour times or {iso}"
    if value.lstrip("+-").isdigit():
        return f"{head}: a number, but too long for a unix time in seconds, ms, µs or ns: export unix seconds or {iso}"
    return (
        f"{head}: no date_format reads it (a day %d, a month %m or its name %b/%B, a year %Y/%y, then "
        f"HH:MM[:SS]): export {iso}"
    )


def _order(fmt: str) -> str:
    """`` (day first)`` / `` (month first)`` for a pattern with a numeric day and month."""
    if "%d" not in fmt or "%m" not in fmt:
        return ""
    return " (day first)" if fmt.index("%d") < fmt.index("%m") else " (month first)"
