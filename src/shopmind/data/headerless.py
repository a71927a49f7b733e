"""Is a CSV's first line its header, or its first row? A headerless export (a database dump, a
``COPY ... TO`` without ``HEADER``) had its first row drafted as column names ("1001", "2024-01-02",
"3.50") and that row was lost from the batch without a word.

The first line is taken for data when at least half of its cells are values (numbers, dates) and
each such column holds the same kind of value in the rows below (at least 90 % of them): a header
names columns with words, and a word is not the value below it. Four-digit years alone are no
evidence (a pivot export's header is ``sku,2023,2024``). A file of one line is data only when every
cell is a value (a header-only export stays a header). A headerless file of words only cannot be
told from a header by its values; the note names the rule so the user knows what was decided.
"""

from __future__ import annotations

import csv
import math
import re

import polars as pl

from shopmind.data.model import SOURCE_LINE

_NUMBER = r"^[-+]?(?:\d+(?:[.,]\d+)*|[.,]\d+)$"
_DATE = r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?$"
_YEAR = r"^(?:19|20)\d{2}$"
_SAMPLE = 200
_AGREE = 0.9


def _kind(cell: str) -> str | None:
    """The pattern a header cell matches when it is a value (None when it reads as a name)."""
    text = cell.strip()
    if re.match(_YEAR, text):
        return None
    return next((p for p in (_DATE, _NUMBER) if re.match(p, text)), None)


def first_line_is_data(text: str, sep: str, frame: pl.DataFrame) -> list[str] | None:
    """The first line's cells when they are data by the rule above, else None. ``frame`` is the file
    read with that line as its header (a sample of the rows below is all that is looked at)."""
    start = len(text) - len(text.lstrip("\r\n"))
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)].rstrip("\r")
    try:
        cells = next(csv.reader([first], delimiter=sep), [])
    except csv.Error:
        return None
    names = [c for c in frame.columns if c != SOURCE_LINE]
    if not cells or len(cells) != len(names):
        return None
    sample = frame.head(_SAMPLE)
    valued = 0
    for cell, name in zip(cells, names, strict=True):
        kind = _kind(cell)
        if kind is None:
            continue
        below = sample[name].drop_nulls().cast(pl.Utf8).str.strip_chars()
        if not below.is_empty() and below.str.contains(kind).mean() < _AGREE:  # type: ignore[operator]
            return None  # a value above a column of another kind: a header after all (or a mess)
        valued += 1
    if frame.is_empty():  # one line, nothing below to compare with: data only if every cell is a value
        return cells if valued == len(cells) else None
    return cells if valued >= max(1, math.ceil(len(cells) / 2)) else None


def column_names(width: int) -> list[str]:
    """The names a headerless file's columns get: ``column_1`` ... (a mapping maps these)."""
    return [f"column_{i}" for i in range(1, width + 1)]
