"""A mapping's ``group = "<column>"``: an export writing one record over several lines.

A Shopify product export writes a product once per variant (and once more per extra image): the
product's first line holds its title, body, vendor and tags, the next lines only the variant's own
cells (option, SKU, price, stock) under the same Handle. Read line by line, every variant line
lacked its title and was quarantined (REQUIRED_MISSING), and with the SKU as the product id each
variant became a product of its own, so search listed one product once per colour. A shopper
searches for products, not SKUs, so the lines of a group are one product here:

* ``products``: one row per group; each column takes the first non-blank value of its lines,
  except ``price`` (the lowest: the "from" price a storefront shows; numeric attributes such as the
  cost are that cheapest variant's too), ``stock`` (the units of every
  variant, an oversold variant's negative count as 0) and the attributes (each key's distinct
  values, one entry each; ``attributes.sku`` keeps every variant's SKU, which the gate reads to
  join order lines naming a SKU to their product, ``quality.skus``).
* ``events``: the lines stay events; a blank cell takes the first value of its group (Shopify's
  orders export writes the currency and payment columns on an order's first line only), except a
  line's own item, quantity and price (``LINE_COLUMNS``): a variant without a SKU stays without one.

Lines without a group value stay rows of their own, for the gate to judge. How many lines became
how many products is said on the console (``read as``) and in the run report: no line is dropped.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import polars as pl

from shopmind.data.model import SCHEMAS, SOURCE_LINE, TableName
from shopmind.data.records import InputError

_GROUP = "__group"
#: the copies of a mapping's ``[listed]`` columns (``adapters.table``): filled too, since a refunded
#: order says so on its first line only
LISTED_PREFIX = "__listed_"
_ORDER = "__order"
#: an event line's own cells, never taken from its group's first line (an order's currency, customer
#: and date are the order's; the item a line sold, how many and at what price are the line's)
LINE_COLUMNS = frozenset({"event_id", "item_id", "quantity", "price", "rating", "position", "query"})


def _blank_to_null(col: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Utf8:
        text = pl.col(col).str.strip_chars()
        return pl.when(text == "").then(None).otherwise(pl.col(col)).alias(col)
    return pl.col(col)


#: ``12,50`` / ``1.299,00``: a decimal comma the value alone makes certain (one or two digits after it, as the
#: gate's ``quality.numbers`` reads it); read as a dot number, such a price sorted after every other variant's
_COMMA_DECIMAL = r"^-?\d{1,3}(?:\.\d{3})*,\d{1,2}$|^-?\d+,\d{1,2}$"


def _number(col: str) -> pl.Expr:
    text = pl.col(col).cast(pl.Utf8).str.strip_chars()
    comma = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return (
        pl.when(text.str.contains(_COMMA_DECIMAL)).then(comma).otherwise(text).cast(pl.Float64, strict=False)
    )


def group_lines(
    frame: pl.DataFrame,
    table: TableName,
    column: str | list[str],
    path: Path,
    shown: str | None = None,
    every: Collection[str] = (),
) -> tuple[pl.DataFrame, str]:
    """The frame with each group's lines merged (products) or filled (events), and the note saying so.

    ``column`` is the group column as the frame names it (after the mapping's renames), or several:
    a line's group is the first of them it has a value in (WooCommerce: a variation's ``Parent``,
    else the line's own ``SKU``, so a variable product and its variations are one group); ``shown``
    names them as the file does; ``every``: attribute keys that keep each variant's value even when
    the values are numbers (a variant's SKU, option or tag: shoe sizes 8 and 9, SKUs 1001 and 1002)."""
    columns = [column] if isinstance(column, str) else list(column)
    shown = shown or " or ".join(columns)
    absent = [c for c in columns if c not in frame.columns]
    if absent or not columns:
        names = ", ".join(c for c in frame.columns if c != SOURCE_LINE)
        raise InputError(f"{path}: group = {shown!r} is not a column of the file (columns: {names})")
    lines = frame.height
    keys = [pl.col(c).cast(pl.Utf8).str.strip_chars() for c in columns]
    frame = frame.with_columns(
        *(_blank_to_null(c, frame.schema[c]) for c in frame.columns if c != SOURCE_LINE),
        pl.coalesce([pl.when(k == "").then(None).otherwise(k) for k in keys]).alias(_GROUP),
        pl.int_range(pl.len()).alias(_ORDER),
    )
    if table != "products":
        # the canonical columns only: the others are dropped after the mapping, and counted they
        # made the note's number of filled cells one of cells nobody reads; a line's own cells (its
        # item, quantity, price) never: a blank SKU filled from the first line was a purchase of another item
        kept = [
            c
            for c in frame.columns
            if (c in SCHEMAS[table].columns or c.startswith(LISTED_PREFIX))
            and c not in columns
            and c not in LINE_COLUMNS
        ]
        filled = frame.with_columns(
            pl.col(c).fill_null(
                pl.when(pl.col(_GROUP).is_not_null()).then(pl.col(c).drop_nulls().first().over(_GROUP))
            )
            for c in kept
        )
        cells = sum(frame[c].null_count() - filled[c].null_count() for c in kept)
        note = (
            f"{lines:,} lines grouped by {shown}: {cells:,} blank cells filled from their group's first line"
        )
        return filled.drop(_GROUP, _ORDER), note
    alone = frame.filter(pl.col(_GROUP).is_null())
    grouped = frame.filter(pl.col(_GROUP).is_not_null())
    if "price" in grouped.columns:  # each group's cheapest variant first: its numbers go with its price
        grouped = grouped.sort(pl.col(_ORDER).min().over(_GROUP), _number("price"), _ORDER, nulls_last=True)
    aggs: list[pl.Expr] = []
    for c in frame.columns:
        if c in (_GROUP, _ORDER):
            continue
        if c == "price":
            # the lowest variant price; its own text, so the gate reads "12,50" or "$3" as it would
            aggs.append(pl.col(c).drop_nulls().first().alias(c))
        elif c == "stock":
            units = _number(c)
            countable = pl.col(c).is_null() | (units.is_not_null() & (units == units.round(0)))
            total = units.clip(lower_bound=0).sum().cast(pl.Int64).cast(pl.Utf8)
            aggs.append(
                pl.when(pl.col(c).is_null().all())
                .then(None)
                .when(countable.all())
                .then(total)
                .otherwise(pl.col(c).drop_nulls().first())
                .alias(c)
            )
        elif c == "attributes":
            aggs.append(pl.col(c).drop_nulls().explode().drop_nulls().alias(c))
        else:  # in the file's order: a variation's own name ("Hoodie - Blue") is no product title
            aggs.append(pl.col(c).sort_by(_ORDER).drop_nulls().first().alias(c))
    merged = grouped.group_by(_GROUP, maintain_order=True).agg(*aggs, pl.col(_ORDER).min())
    if "attributes" in merged.columns:
        merged = merged.with_columns(_joined_attributes(merged, set(every)))
    merged = merged.with_columns(pl.col(c).cast(frame.schema[c]) for c in frame.columns if c not in (_GROUP,))
    out = pl.concat([merged.select(frame.columns), alone], how="vertical").sort(_ORDER).drop(_GROUP, _ORDER)
    note = (
        f"{lines:,} lines grouped by {shown} into {merged.height:,} products"
        + (f" and {alone.height:,} lines without a {shown}" if alone.height else "")
        + " (a product's variant and image lines are one product: lowest price, stock summed)"
    )
    return out, note


def _numbers(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return True


def _joined_attributes(merged: pl.DataFrame, every: set[str]) -> pl.Series:
    """Each key's distinct values in order, one entry each (a colour per variant: ``color`` = Black and
    ``color`` = White, so the colour facet counts the product under both and a filter on either finds
    it; joined, "Black, White" was one made-up colour); a number (a unit cost, a compare-at price) is the
    cheapest variant's only, as the price is: the pricing guardrails read ``cost`` as one number."""
    rows = []
    for attrs in merged["attributes"].to_list():
        values: dict[str, list[str]] = {}
        for a in attrs or []:
            if a is None or a["key"] is None or a["value"] is None:
                continue
            seen = values.setdefault(a["key"], [])
            if a["value"] not in seen:
                seen.append(a["value"])
        rows.append(
            [
                {"key": k, "value": x}
                for k, v in values.items()
                for x in (v[:1] if k not in every and _numbers(v) else v)
            ]
        )
    return pl.Series("attributes", rows, dtype=merged.schema["attributes"])
