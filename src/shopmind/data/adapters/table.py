"""Any single export plus a mapping TOML naming its canonical table and columns.

The generic door for a shop whose export matches no known dataset: the mapping renames
columns and may fix constants (``currency = "EUR"``) the export does not carry; an order-line
export may say ``returns = "negative_quantity"`` (its negative lines are returns). Event
exports often have no event id; one is then made from the row's canonical content, as the
dataset adapters do, so identical rows stay detectable as duplicates.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopmind.data.adapters._common import content_id, feed_name, redecoded_meta
from shopmind.data.adapters.canonical import ignored_columns, keep_canonical, require_known_columns
from shopmind.data.formats import resolve_slash_dates
from shopmind.data.groups import LISTED_PREFIX, group_lines
from shopmind.data.mapping_file import ATTRIBUTE_PREFIX, pack_attributes
from shopmind.data.model import ATTRIBUTES, SCHEMAS, SOURCE_LINE, Batch
from shopmind.data.options import join_options, option_entries
from shopmind.data.readers import InputError, Mapping, load_mapping, read_table
from shopmind.data.records import name_list
from shopmind.data.sale import apply_sale

NAME = "table"
#: ``Batch.meta`` key: per table, the item names written into ``item_id`` of lines without one (``_named_items``)
NAMES_META = "item_names"
_NAMED = "__named_item"


def load(path: Path, mapping: Path | str | Mapping | None = None) -> Batch:
    if mapping is None:
        raise InputError(
            f"the 'table' adapter needs a mapping file (--mapping mapping.toml); "
            f"`shopmind mapping {path}` drafts one from the file's header"
        )
    spec = mapping if isinstance(mapping, Mapping) else load_mapping(Path(mapping))
    file = Path(path)
    result = read_table(file, mapping=spec.columns, sheet=spec.sheet)
    lists = {spec.columns[c]: sep for c, sep in (spec.lists or {}).items() if c in spec.columns}
    frame, grouped = result.frame, None
    names = [spec.group] if isinstance(spec.group, str) else list(spec.group or [])
    keys = [f"__group_{i}" for i in range(len(names))]
    statuses = list(spec.listed or {})
    for name in [*names, *statuses, *([spec.item_name] if spec.item_name else [])]:
        if spec.columns.get(name, name) not in frame.columns:
            raise InputError(
                f"{file}: mapping {spec.path.name} names {name!r}, which is not a column of the file"
            )
    # copied first: a group or status column may also be an attribute (WooCommerce's SKU), packed below
    frame = frame.with_columns(
        pl.col(spec.columns.get(n, n)).alias(k)
        for n, k in [*zip(names, keys, strict=True), *((s, f"{LISTED_PREFIX}{s}") for s in statuses)]
    )
    frame = _named_items(frame, spec)
    sold = None
    if spec.sale:  # a line on sale is priced at its sale price (WooCommerce), before its variants are merged
        frame, sold = apply_sale(frame, spec.sale, spec.columns, file)
    option_keys: list[str] = []
    if spec.options:  # Size = M on a variant's line, the name Size on its product's first line
        separators = {c: sep for c, sep in (spec.lists or {}).items() if c in spec.options}
        frame, option_keys = option_entries(frame, spec.options, keys, file, separators)
    frame = join_options(pack_attributes(frame, spec.path, lists))
    if names:  # a record written over several lines (a product's variants, an order's items)
        every = {"sku", *option_keys, *(c.removeprefix(ATTRIBUTE_PREFIX) for c in lists)}
        frame, grouped = group_lines(frame, spec.table, keys, file, " or ".join(names), every)
        frame = frame.drop(keys)
    frame, unlisted, left_out = _for_sale(frame, spec)
    frame, named, item_names = _names_note(frame, spec)
    grouped = "; ".join(n for n in (sold, named, grouped, unlisted) if n) or None
    frame = frame.with_columns(pl.lit(v).alias(k) for k, v in spec.constants.items())
    require_known_columns(frame, spec.table, file)
    _require_required(frame, spec, file)
    frame, integral_ids = _integral_ids(frame)
    if spec.returns == "negative_quantity" and "quantity" not in frame.columns:
        # the rule was skipped without a word: every negative line stayed a purchase
        raise InputError(
            f'mapping {spec.path}: returns = "negative_quantity" needs the quantity, but no column of '
            f"{file.name} is mapped to quantity: map it in [columns] or delete the returns line"
        )
    # refuses an order it cannot tell, naming the file's column and the mapping to edit
    formats = resolve_slash_dates(frame, spec.table, spec.formats, file, (spec.path, spec.columns))
    if spec.returns == "negative_quantity" and {"type", "quantity"} <= set(frame.columns):
        negative = pl.col("quantity").cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False) < 0
        frame = frame.with_columns(
            pl.when(negative & (pl.col("type").cast(pl.Utf8) == "purchase"))
            .then(pl.lit("return"))
            .otherwise(pl.col("type").cast(pl.Utf8))
            .alias("type")
        )
    if spec.table == "events" and "event_id" not in frame.columns:
        content = [c for c in SCHEMAS["events"].columns if c in frame.columns]
        frame = frame.with_columns(content_id(frame, content).alias("event_id"))
    # read, not ignored: [listed] (Shopify's Status, Financial Status), group and item_name columns
    # (the run report listed Status as an ignored column of a catalogue it had just filtered by it)
    read = {
        spec.columns.get(c, c) for c in [*names, *statuses, *([spec.item_name] if spec.item_name else [])]
    }
    batch = Batch(
        source=feed_name(file.name.split(".", 1)[0]),
        meta={
            "files": [str(file)],
            "mapping": str(spec.path),
            "malformed": [m.as_dict(spec.table) for m in result.malformed],
            "redecoded": redecoded_meta(spec.table, result),
            "ignored_columns": {spec.table: [c for c in ignored_columns(frame, spec.table) if c not in read]},
            **(
                {"read_as": {spec.table: "; ".join(n for n in (result.note, grouped) if n)}}
                if result.note or grouped
                else {}
            ),
            **({"integral_ids": {spec.table: integral_ids}} if integral_ids else {}),
            **({"formats": {spec.table: formats.as_meta()}} if formats else {}),
            **({NAMES_META: {spec.table: item_names}} if item_names else {}),
        },
    )
    setattr(batch, spec.table, keep_canonical(frame, spec.table))
    batch.unlisted = left_out
    return batch


def _named_items(frame: pl.DataFrame, spec: Mapping) -> pl.DataFrame:
    """A line without an item id takes the mapping's ``item_name`` column as its item (Shopify's
    ``Lineitem name`` of a custom item or of a variant without a SKU), marked ``_NAMED`` for
    :func:`_names_note`. The gate joins each name to the one product it identifies (``quality.skus``,
    the rule there); a name identifying none stays unknown (``EVT_ITEM_UNKNOWN``, the name in the
    row). Before, such a line had no item and was quarantined ``EVT_ITEM_MISSING``. Done before the
    lines are grouped: a line's item is never its order's first line's (``groups.LINE_COLUMNS``)."""
    if not spec.item_name or spec.table != "events":
        return frame
    name = pl.col(spec.columns.get(spec.item_name, spec.item_name)).cast(pl.Utf8).str.strip_chars()
    item = (
        pl.col("item_id").cast(pl.Utf8).str.strip_chars()
        if "item_id" in frame.columns
        else pl.lit(None, pl.Utf8)
    )
    named = (item.is_null() | (item == "")) & name.is_not_null() & (name != "")
    return frame.with_columns(pl.when(named).then(name).otherwise(item).alias("item_id"), named.alias(_NAMED))


def _names_note(frame: pl.DataFrame, spec: Mapping) -> tuple[pl.DataFrame, str | None, list[str]]:
    """The named lines kept (after ``[listed]``): the note saying how many, and their names."""
    if _NAMED not in frame.columns:
        return frame, None, []
    used = frame.filter(pl.col(_NAMED))["item_id"]
    frame = frame.drop(_NAMED)
    if used.is_empty():
        return frame, None, []
    column = next((src for src, dst in spec.columns.items() if dst == "item_id"), "item id")
    return (
        frame,
        f"{used.len():,} lines without a {column} named by their {spec.item_name} (the gate joins each to the "
        "one product whose title it names: EVT_ITEM_NAME)",
        used.unique(maintain_order=True).to_list(),
    )


def _for_sale(frame: pl.DataFrame, spec: Mapping) -> tuple[pl.DataFrame, str | None, pl.DataFrame | None]:
    """Products a ``[listed]`` column marks as not for sale (Shopify's Status draft or archived, or
    Published FALSE: not on its online store) left out; likewise events (the lines of a refunded or
    voided order: no purchase to learn from). With several columns a row must pass each.

    Read as products, a draft the shop had not published yet or an archived one it stopped selling
    was found by search and recommended; left out of the batch they are also not in a full
    catalogue, so ``ingest --full-catalog`` removes a stored one. Said on the console with the
    values and counts: nothing is dropped without a word. The products left out are returned too
    (id, attributes, status: ``Batch.unlisted``): the store remembers them, so the shop's orders of a
    product it archived are purchases of a known product, not unknown items (``EVT_ITEM_UNLISTED``)."""
    if not spec.listed:
        return frame, None, None
    # each row left out is told by the first column that leaves it out: a Shopify product active but
    # not published (Status active, Published FALSE) is "Published: FALSE", never "Status: active"
    columns = list(spec.listed)
    why = pl.lit(None, pl.Int32)
    for i, column in reversed(list(enumerate(columns))):
        cell = pl.col(f"{LISTED_PREFIX}{column}").cast(pl.Utf8).str.strip_chars().str.to_lowercase()
        ok = cell.fill_null("").is_in([v.strip().lower() for v in spec.listed[column]])  # "" keeps a blank
        why = pl.when(~ok).then(pl.lit(i, pl.Int32)).otherwise(why)
    value = pl.lit(None, pl.Utf8)
    for i, column in enumerate(columns):
        cell = pl.col(f"{LISTED_PREFIX}{column}").cast(pl.Utf8).str.strip_chars()
        value = pl.when(pl.col("__why") == i).then(cell).otherwise(value)
    frame = frame.with_columns(why.alias("__why")).with_columns(value.alias("__why_value"))
    left = frame.filter(pl.col("__why").is_not_null())
    frame = frame.filter(pl.col("__why").is_null()).drop(
        "__why", "__why_value", *(f"{LISTED_PREFIX}{c}" for c in columns)
    )
    if not left.height:
        return frame, None, None
    # the store's status: the value itself for the first column (draft, archived), else named by its column
    shown = pl.when(pl.col("__why") == 0).then(pl.col("__why_value"))
    shown = shown.otherwise(
        pl.concat_str(
            pl.col("__why").replace_strict(dict(enumerate(columns)), return_dtype=pl.Utf8),
            pl.lit(": "),
            pl.col("__why_value").fill_null("blank"),
        )
    )
    products = None
    if spec.table == "products" and "product_id" in left.columns:
        products = left.select(
            pl.col("product_id").cast(pl.Utf8).str.strip_chars(),
            pl.col("attributes")
            if "attributes" in left.columns
            else pl.lit(None, ATTRIBUTES).alias("attributes"),
            shown.alias("status"),
        ).filter(pl.col("product_id").str.len_chars() > 0)
    parts = []
    for i, column in enumerate(columns):
        of = left.filter(pl.col("__why") == i)
        if not of.height:
            continue
        by_value = (
            of.group_by("__why_value")
            .len()
            .sort(["len", "__why_value"], descending=[True, False], nulls_last=True)
        )
        counts = ", ".join(f"{v or 'blank'} {n:,}" for v, n in by_value.rows())
        parts.append(f"{column}: {counts}")
    told = "; ".join(parts)
    kept = ": kept as not for sale, their orders stay purchases" if products is not None else ""
    return (
        frame,
        f"{left.height:,} {'products not for sale' if spec.table == 'products' else 'lines'} left out "
        f"([listed] {told}){kept}",
        products,
    )


def _require_required(frame: pl.DataFrame, spec: Mapping, file: Path) -> None:
    """A required column the mapping gives no source is the mapping's mistake, not the rows': said
    once, naming the mapping and the file's columns. It ran the gate and held the batch with every
    row quarantined REQUIRED_MISSING (a products draft of an order-line file, which has no title).
    An events file's id is made from the row's content, so it is never missing."""
    made = {"event_id"} if spec.table == "events" else set()
    missing = [c for c in SCHEMAS[spec.table].required if c not in frame.columns and c not in made]
    if missing:
        found = name_list(
            [c for c in frame.columns if c != SOURCE_LINE and c not in SCHEMAS[spec.table].columns]
        )
        raise InputError(
            f"mapping {spec.path}: {spec.table} need {', '.join(missing)}, which no column of {file.name} is "
            f"mapped to: map one in [columns] (unmapped columns: {found or 'none'}) or set it in [constants]"
        )


#: id columns an export may have written through a float (pandas with a missing value, a spreadsheet)
ID_COLUMNS = ("product_id", "user_id", "item_id", "session_id", "order_id")
_FLOAT_FORM = r"^\s*-?\d+\.0+\s*$"


def _integral_ids(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """``"17850.0"`` -> ``"17850"`` in an id column every one of whose values has that form.

    A pandas export writes an integer id column with a missing value as floats (Online Retail's
    CustomerID): stored as "17850.0", the shop's own id 17850 then matched nobody, and its
    recommendations were a silent cold start. Only a column wholly in float form is changed (a
    catalogue whose ids are "1.0", "1.5" keeps them); the dataset adapters do the same per column.
    """
    changed: list[str] = []
    for col in ID_COLUMNS:
        if col not in frame.columns:
            continue
        values = frame[col].drop_nulls()
        if values.is_empty():
            continue
        if values.dtype.is_float():
            if not bool((values == values.floor()).all()):
                continue
            frame = frame.with_columns(pl.col(col).cast(pl.Int64).cast(pl.Utf8))
        elif values.dtype == pl.Utf8 and bool(values.str.contains(_FLOAT_FORM).all()):
            frame = frame.with_columns(pl.col(col).str.strip_chars().str.replace(r"\.0+$", ""))
        else:
            continue
        changed.append(col)
    return frame, changed
