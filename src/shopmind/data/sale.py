"""A mapping's ``[sale]``: the price a product sells at while it is on sale (WooCommerce's "Sale price").

A WooCommerce product export writes two prices per line, ``Regular price`` and ``Sale price``, and a
sale's dates (``Date sale price starts`` / ``ends``, blank when the sale is open-ended). Drafted as
``Regular price`` -> price alone, a product on sale was shown, filtered, sorted and suggested at its
regular price, so a shopper filtering "under 40" missed a 45 hoodie sold at 40. With::

    [sale]
    price = "Sale price"
    starts = "Date sale price starts"   # optional
    ends = "Date sale price ends"       # optional

a line whose sale price is set, and whose sale has begun and not ended (today, UTC, within the dates,
both days included: WooCommerce ends a sale at the end of its last day), has the sale price as its
price; its regular price is kept as ``attributes.compare_at_price``, the crossed-out price Shopify's
``Compare At Price`` is drafted to, so both platforms give a product on sale the same two numbers.
The catalogue has no list-price column (``data.model.PRODUCTS``), and none is made: nothing would read it.

A sale not yet begun or already over, or one whose date cannot be read, keeps the regular price; each is
counted in the note ingest prints (``read as``), so nothing changes a price without a word. The dates are
read as days (``2026-11-20``, also with a time after it); an export's dates are the shop's local days,
so at midnight UTC a sale may start a few hours early or late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from shopmind.data.records import InputError

#: the ``[sale]`` keys: the sale price's column (required) and the sale's first and last day (optional)
KEYS = ("price", "starts", "ends")
#: where a product's regular price goes while its sale price is its price (Shopify's Compare At Price too)
COMPARE_AT = "attributes.compare_at_price"
_DAY = r"^\s*(\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?\s*$"


def parse_sale(value: object, path: Path, table: str) -> dict[str, str] | None:
    """The mapping's ``[sale]`` table checked: products only, ``price`` named, each key a column name."""
    if value is None:
        return None
    example = '[sale] price = "Sale price" (optional: starts = "Date sale price starts", ends = ...)'
    if table != "products" or not isinstance(value, dict):
        raise InputError(
            f"mapping {path}: [sale] names the sale price's column of a products file, e.g. {example}"
        )
    unknown = [k for k in value if k not in KEYS]
    if unknown or "price" not in value:
        what = f"unknown key {unknown[0]!r}" if unknown else "price is missing"
        raise InputError(f"mapping {path}: [sale] {what}; the keys are {', '.join(KEYS)}, e.g. {example}")
    for key, column in value.items():
        if not (isinstance(column, str) and column.strip()):
            raise InputError(f"mapping {path}: [sale] {key} = {column!r} must name a column of the file")
    return dict(value)


def _day(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Utf8).str.extract(_DAY, 1).str.to_date("%Y-%m-%d", strict=False)


def apply_sale(
    frame: pl.DataFrame, sale: dict[str, str], columns: dict[str, str], file: Path, today: date | None = None
) -> tuple[pl.DataFrame, str | None]:
    """Each line's price while on sale (its regular price as ``attributes.compare_at_price``), the sale
    columns dropped, and the note saying how many lines were on sale and how many sales did not apply.

    ``columns``: the mapping's ``[columns]`` (the sale's columns keep their names in ``frame``)."""
    today = today or datetime.now(UTC).date()
    names = {k: columns.get(v, v) for k, v in sale.items()}
    absent = [sale[k] for k, c in names.items() if c not in frame.columns]
    if absent:
        raise InputError(f"{file}: [sale] names {absent[0]!r}, which is not a column of the file")
    text = pl.col(names["price"]).cast(pl.Utf8).str.strip_chars()
    offered = text.is_not_null() & (text != "")
    unread = pl.lit(False)
    begun, open_ = pl.lit(True), pl.lit(True)
    for key, bound in (("starts", "begun"), ("ends", "open")):
        if key not in names:
            continue
        raw = pl.col(names[key]).cast(pl.Utf8).str.strip_chars()
        given = raw.is_not_null() & (raw != "")
        unread = unread | (given & _day(names[key]).is_null())
        ok = _day(names[key]) <= pl.lit(today) if bound == "begun" else _day(names[key]) >= pl.lit(today)
        if bound == "begun":
            begun = ~given | ok.fill_null(False)
        else:
            open_ = ~given | ok.fill_null(False)
    on_sale = offered & ~unread & begun & open_
    flags = frame.select(
        on_sale.alias("on"),
        (offered & unread).alias("unread"),
        (offered & ~unread & ~begun).alias("later"),
        (offered & ~unread & begun & ~open_).alias("over"),
    )
    regular = pl.col("price").cast(pl.Utf8) if "price" in frame.columns else pl.lit(None, pl.Utf8)
    out = frame.with_columns(
        pl.when(on_sale).then(text).otherwise(regular).alias("price"),
        *(
            []
            if COMPARE_AT in frame.columns  # the file has its own compare-at column: left as mapped
            else [pl.when(on_sale).then(regular).otherwise(None).alias(COMPARE_AT)]
        ),
    ).drop(list(dict.fromkeys(names.values())))
    counts = {k: int(flags[k].sum()) for k in flags.columns}
    if not any(counts.values()):
        return out, None
    parts = [
        f"{counts['on']:,} lines on sale priced at their {sale['price']} (the regular price kept as "
        "attributes.compare_at_price)"
    ]
    if counts["later"]:
        parts.append(f"{counts['later']:,} sales not begun")
    if counts["over"]:
        parts.append(f"{counts['over']:,} sales over")
    if counts["unread"]:
        parts.append(f"{counts['unread']:,} sales with a date not read as YYYY-MM-DD")
    return out, ", ".join(parts[:1]) + (
        f"; at the regular price: {', '.join(parts[1:])}" if parts[1:] else ""
    )
