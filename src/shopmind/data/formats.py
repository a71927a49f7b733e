"""How an export writes numbers and dates when its values alone cannot tell: a mapping's ``[formats]``.

```toml
[formats]
decimal = "comma"          # "1.299,00" / "1,234" / "12,50": the decimal mark of every number column ("dot": 1,299.00)
currency_sign = "€"        # taken off price values ("€12,50", "1.299,00 €"); the currency is a column or [constants]
date_format = "%d/%m/%Y"   # how the date part of every timestamp is written (a time after it is read too)
```

Why declared and not guessed: ``1,234`` is a thousand in New York and one point two in Berlin, and
``03/11/2026`` is 11 March or 3 November; a wrong guess publishes wrong prices and dates without a
quarantined row to show for it. ``quality.numbers`` reads only what is certain from a value alone;
the rest is said in the quarantine reason with the setting that reads it (``coerce``'s hints).

Slash dates are the one case the *file* can settle: a column where some first number is above 12
is day first, one where some second number is above 12 is month first (``resolve_slash_dates``,
run by the adapters on the whole column on the driver, so both engines read the same order).
A column that cannot be settled, or holds two-digit years, is refused before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.data.model import SCHEMAS, UTC_DATETIME, TableName
from shopmind.data.records import InputError

DECIMALS = ("comma", "dot")
#: strftime directives a declared date format may use (one date, optionally a time)
_DIRECTIVES = set("dmbByYHMS")  # %b/%B: English month names ("2 Jan 2024", "January 2, 2024")
#: ``03/11/2026``, ``3/11/26 10:00``, ``03/11/2026T10:00:05.5``: slash dates, day and month of one or two digits
SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
#: the same with dashes (21-07-2015, Groceries' dates): every row of such a column was a TYPE_ERROR and the
#: batch held, with no word of the [formats] date_format that reads it; settled by the column the same way
DASH_DATE = SLASH_DATE.replace("/", "-")
_EXAMPLE = datetime(2026, 11, 3, 9, 5, 7)


@dataclass(frozen=True)
class Formats:
    """A table's number and date formats: declared in a mapping, or (``dates``) settled by the file."""

    decimal: str | None = None
    currency_sign: str | None = None
    date_format: str | None = None  # declared: every timestamp column
    dates: dict[str, str] = field(default_factory=dict)  # column -> format learnt from the file

    def date_format_of(self, column: str) -> str | None:
        return self.date_format or self.dates.get(column)

    def as_meta(self) -> dict[str, Any]:
        """What the run report shows (``meta.formats.<table>``) and the gates read back."""
        out: dict[str, Any] = {
            k: v for k, v in (("decimal", self.decimal), ("currency_sign", self.currency_sign),
                              ("date_format", self.date_format)) if v
        }  # fmt: skip
        if self.dates:
            out["dates"] = dict(self.dates)
        return out

    @classmethod
    def from_meta(cls, meta: object) -> Formats | None:
        if not isinstance(meta, dict) or not meta:
            return None
        return cls(
            decimal=meta.get("decimal"),
            currency_sign=meta.get("currency_sign"),
            date_format=meta.get("date_format"),
            dates=dict(meta.get("dates") or {}),
        )


def parse_formats(section: object, where: str) -> Formats:
    """The ``[formats]`` table of a mapping, each setting checked (``where`` names the file)."""
    if not isinstance(section, dict):
        raise InputError(f"{where}: [formats] must be a table (decimal, currency_sign, date_format)")
    unknown = sorted(set(section) - {"decimal", "currency_sign", "date_format"})
    if unknown:
        raise InputError(
            f"{where}: [formats] {', '.join(unknown)}: not a setting (known: decimal, currency_sign, date_format)"
        )
    decimal = section.get("decimal")
    if decimal is not None and decimal not in DECIMALS:
        raise InputError(f'{where}: [formats] decimal = {decimal!r}: "comma" (1.299,50) or "dot" (1,299.50)')
    sign = section.get("currency_sign")
    if sign is not None and not (
        isinstance(sign, str) and 0 < len(sign.strip()) <= 4 and not re.search(r"[\d.,\-+\s]", sign)
    ):
        raise InputError(
            f'{where}: [formats] currency_sign = {sign!r}: one sign or code as written in the prices, e.g. "€", "zł", "EUR"'
        )
    date_format = section.get("date_format")
    if date_format is not None:
        _check_date_format(date_format, where)
    return Formats(decimal=decimal, currency_sign=sign, date_format=date_format)


def _check_date_format(value: object, where: str) -> None:
    """A date format names a day, a month and a year with known directives, and reads back what it writes."""
    bad = f"{where}: [formats] date_format = {value!r}"
    if not isinstance(value, str):
        raise InputError(
            f'{bad}: a strftime pattern such as "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first)'
        )
    used = re.findall(r"%(.)", value)
    if (
        "d" not in used
        or not {"m", "b", "B"} & set(used)
        or not {"Y", "y"} & set(used)
        or set(used) - _DIRECTIVES
    ):
        raise InputError(
            f"{bad}: needs %d, %m (or a month name: %b Jan, %B January) and %Y (or %y) and no directive but "
            "%d %m %b %B %Y %y %H %M %S, "
            'e.g. "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first)'
        )
    text = _EXAMPLE.strftime(value)
    back = pl.Series([text]).str.to_datetime(value, time_unit="us", strict=False)[0]
    if back is None or back.date() != _EXAMPLE.date():
        raise InputError(f"{bad}: {_EXAMPLE:%Y-%m-%d} written with it ({text!r}) does not read back")


def resolve_slash_dates(
    frame: pl.DataFrame,
    table: TableName,
    formats: Formats | None,
    path: Path,
    mapping: tuple[Path, dict[str, str]] | None = None,
    unclear: str | None = None,
) -> Formats | None:
    """``formats`` plus the order of each text timestamp column written with slashes, from the column
    itself; an ``InputError`` naming the column, an example and the setting when it cannot tell.

    ``mapping``: the mapping file and its [columns] (file column -> canonical), so the error names
    the column as the file does (``Datum``) and the mapping to edit. ``unclear``: ``"day"`` or
    ``"month"``, the order a dataset format documents (UCI's Online Retail writes ``12/1/2010 8:26``),
    taken when no number above 12 tells (a held-out cut of a few days) instead of refusing."""
    names = {canonical: source for source, canonical in mapping[1].items()} if mapping else {}
    where = (
        f"the mapping {mapping[0].name}"
        if mapping
        else f"a mapping (`shopmind mapping {path.name}` drafts one)"
    )

    def fix(y: str, sep: str = "/") -> str:
        return (
            f'declare the order in {where}: [formats] date_format = "%d{sep}%m{sep}{y}" (day first) or '
            f'"%m{sep}%d{sep}{y}" (month first), or write ISO dates (2026-11-03)'
        )

    declared = formats.date_format if formats else None
    found: dict[str, str] = {}
    for col, dtype in SCHEMAS[table].columns.items():
        if dtype != UTC_DATETIME or col not in frame.columns or frame.schema[col] != pl.Utf8 or declared:
            continue
        sep, pattern = "/", SLASH_DATE
        parts = frame[col].drop_nulls().unique().str.extract_groups(SLASH_DATE).struct.unnest().drop_nulls()
        if not parts.height:
            sep, pattern = "-", DASH_DATE
            parts = (
                frame[col].drop_nulls().unique().str.extract_groups(DASH_DATE).struct.unnest().drop_nulls()
            )
        if not parts.height:
            continue
        first, second, year = (parts[c] for c in parts.columns)
        example = frame[col].filter(frame[col].str.contains(pattern)).item(0).strip()

        shown = f"{names[col]!r} ({col})" if col in names else repr(col)
        if (year.str.len_chars() == 2).any():
            short = parts.filter(pl.col(parts.columns[2]).str.len_chars() == 2).row(0)
            raise InputError(
                f"{path}: column {shown} has dates with a two-digit year ({sep.join(short)}): neither the century "
                f"nor the order of day and month is read from a guess; " + fix("%y", sep)
            )
        day_first = bool((first.cast(pl.Int64) > 12).any())
        month_first = bool((second.cast(pl.Int64) > 12).any())
        if day_first and month_first:
            raise InputError(
                f"{path}: column {shown} mixes day-first and month-first dates (e.g. {example!r}): some have a "
                "first number above 12, some a second; fix the export: write ISO dates (2026-11-03)"
            )
        if not (day_first or month_first) and unclear in ("day", "month"):
            day_first = unclear == "day"
        elif not (day_first or month_first):
            raise InputError(
                f"{path}: column {shown} has dates like {example!r} that are day first or month first (no "
                "number above 12 tells); " + fix("%Y", sep)
            )
        found[col] = ("%d/%m/%Y" if day_first else "%m/%d/%Y").replace("/", sep)
    if not found:
        return formats
    base = formats or Formats()
    return Formats(base.decimal, base.currency_sign, base.date_format, {**base.dates, **found})
