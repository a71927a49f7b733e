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

import calendar
import re

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


def date_hints(
    values: pl.Series, column: str, declared: str | None = None, used: str | None = None
) -> pl.Series:
    """Per failed value (text), why it did not read and the ``date_format`` that reads it; null where
    the value is null. ``declared``: the mapping's own date_format, which did not read it either;
    ``used``: the format the column was read with (``declared``, or the order its other slash dates
    settled), which says how a date that does not exist (31/11/2026) was read."""
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
        None if value is None else _hint(value, fits, column, declared, used or declared)
        for value, fits in zip(found["v"].to_list(), found["found"].to_list(), strict=True)
    ]
    return pl.Series(values.name, hints, dtype=pl.Utf8)


def _hint(value: str, fits: list[str], column: str, declared: str | None, used: str | None) -> str:
    shown = value if len(value) <= 40 else value[:40] + "…"
    head = f"{column} {shown!r}"
    if not fits and (missing := _no_such_day(value, used)) is not None:
        return f"{head} {missing}: correct the date in the export"
    if declared:
        head += f" is not read by the mapping's date_format {declared!r}"
    elif used:  # the order the column's other dates settled (data.formats.resolve_slash_dates)
        head += f" is not read as {used!r}{_order(used)}, the order the column's other dates are written in"
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


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
#: what a numeric directive matches in a value
_NUMERIC = {"d": r"(?P<d>\d{1,2})", "m": r"(?P<m>\d{1,2})", "Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})"}


def _no_such_day(value: str, used: str | None) -> str | None:
    """Says "is no date: day 31 of month 11 does not exist (November has 30 days)" when the value is a day,
    month and year in range that make no calendar date, read in ``used`` or else in the one numeric
    order where day and month fit (31/11/2026 can only be day first); None otherwise. Said because the
    reason named the mapping's date_format, and a date_format the user had not set, for a wrong date."""
    formats = [used] if used else [f for f in CANDIDATES if set(re.findall(r"%(.)", f)) <= set(_NUMERIC)]
    found = set()
    for fmt in formats:
        parts = re.findall(r"%.|[^%]+", fmt)
        if not set(re.findall(r"%(.)", fmt)) <= set(_NUMERIC):
            continue
        pattern = "".join(_NUMERIC[p[1]] if p.startswith("%") else re.escape(p) for p in parts)
        hit = re.fullmatch(pattern + r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", value)
        if hit is None:
            continue
        g = hit.groupdict()
        day, month = int(g["d"]), int(g["m"])
        year = int(g["Y"]) if g.get("Y") else 2000 + int(g["y"])
        if 1 <= month <= 12 and 1 <= day <= 31 and day > calendar.monthrange(year, month)[1]:
            found.add((day, month, year))
    if len(found) != 1:
        return None
    ((day, month, year),) = found
    days = calendar.monthrange(year, month)[1]
    return (
        f"is no date: day {day} of month {month} does not exist ({_MONTHS[month - 1]} "
        f"{'of ' + str(year) + ' ' if month == 2 else ''}has {days} days)"
    )
