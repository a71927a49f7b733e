"""A mapping's ``[options]``: a variant's options (Shopify's ``Option1 Name`` / ``Option1 Value``) as facets.

A Shopify product export names each option once, on the product's first line (``Option1 Name`` =
``Size``), and gives every variant line its own value (``Option1 Value`` = ``M``). Left unmapped, the
sizes and colours a shop sells were in no attribute: a shopper could not filter by size, and search
did not know that a hoodie comes in blue. With::

    [options]  # a variant option's value column = the column naming the option
    "Option1 Value" = "Option1 Name"
    "Option2 Value" = "Option2 Name"

each line gets the attribute ``<name>`` = ``<value>`` (the name in lower case, ``size`` = ``M``, as the
other drafted keys are), the name taken from the line, else from its group's first line (``group``);
grouped, a product keeps every variant's value, one entry each (``data.groups``: a list facet, so a
filter on either size finds it; numbers too: shoe sizes 8 and 9 are two values, not the cheapest's one).
Shopify's placeholder for a product without options (``Title`` = ``Default Title``) is no option.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.model import ATTRIBUTES
from shopmind.data.records import InputError

#: the column holding the options' attribute entries until they join ``attributes``
OPTIONS = "__options"
_LINE = "__option_line"
#: Shopify's name/value of the one variant of a product without options
_PLACEHOLDER = ("title", "default title")


def parse_options(value: object, path: Path, table: str) -> dict[str, str] | None:
    """The mapping's ``[options]`` checked: products only, value column -> name column, both text."""
    if value is None:
        return None
    example = '[options] "Option1 Value" = "Option1 Name"'
    if table != "products" or not isinstance(value, dict) or not value:
        raise InputError(f"mapping {path}: [options] names a products file's option columns, e.g. {example}")
    for column, name in value.items():
        if not (isinstance(name, str) and name.strip()):
            raise InputError(
                f"mapping {path}: [options] {column} = {name!r} must name the column holding the option's name, "
                f"e.g. {example}"
            )
    return dict(value)


def option_entries(
    frame: pl.DataFrame,
    options: dict[str, str],
    group: list[str],
    file: Path,
    separators: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """The frame with ``OPTIONS`` (one attribute entry per option value the line has) and the option
    columns dropped; the option keys found. ``group``: the frame's group key columns (the name is
    on a product's first line only), empty when the mapping has none; ``separators``: value column ->
    the separator of the several values its cells hold (a mapping's ``[lists]``: WooCommerce's
    ``Attribute 1 value(s)`` lists every value of a variable product on its own line, ``S, M, L``)."""
    absent = [c for pair in options.items() for c in pair if c not in frame.columns]
    if absent:
        raise InputError(f"{file}: [options] names {absent[0]!r}, which is not a column of the file")
    separators = separators or {}
    keys = [pl.col(c).cast(pl.Utf8).str.strip_chars() for c in group]
    owner = pl.coalesce([pl.when(k == "").then(None).otherwise(k) for k in keys]) if keys else None
    parts = []
    for value_col, name_col in options.items():
        name = pl.col(name_col).cast(pl.Utf8).str.strip_chars()
        name = pl.when(name == "").then(None).otherwise(name)
        if owner is not None:  # a variant line's name is its product's first line's
            name = name.fill_null(pl.when(owner.is_not_null()).then(name.drop_nulls().first().over(owner)))
        text = pl.col(value_col).cast(pl.Utf8)
        values = text.str.split(separators[value_col]) if value_col in separators else pl.concat_list(text)
        parts.append(frame.select(pl.int_range(pl.len()).alias(_LINE), name.str.to_lowercase().alias("key"),
                                  values.alias("value")).explode("value"))  # fmt: skip
    long = pl.concat(parts).with_columns(pl.col("value").str.strip_chars())
    placeholder = (pl.col("key") == _PLACEHOLDER[0]) & (pl.col("value").str.to_lowercase() == _PLACEHOLDER[1])
    long = long.filter(pl.col("key").is_not_null() & (pl.col("value").str.len_chars() > 0) & ~placeholder)
    entries = long.group_by(_LINE, maintain_order=True).agg(pl.struct("key", "value").alias(OPTIONS))
    out = (
        frame.with_columns(pl.int_range(pl.len()).alias(_LINE))
        .join(entries, on=_LINE, how="left", maintain_order="left")
        .with_columns(pl.col(OPTIONS).fill_null([]).cast(ATTRIBUTES))
        .drop(_LINE)
    )
    found = long["key"].unique(maintain_order=True).to_list()
    return out.drop(list(dict.fromkeys(c for pair in options.items() for c in pair))), found


def join_options(frame: pl.DataFrame) -> pl.DataFrame:
    """``OPTIONS`` appended to the line's ``attributes`` (made when the mapping packed none)."""
    if OPTIONS not in frame.columns:
        return frame
    if "attributes" not in frame.columns:
        return frame.rename({OPTIONS: "attributes"})
    both = pl.concat_list(pl.col("attributes").fill_null([]), pl.col(OPTIONS))
    return frame.with_columns(both.cast(ATTRIBUTES).alias("attributes")).drop(OPTIONS)
