"""A mapping file: which canonical table a generic export feeds and how its columns are named there.

Split from ``readers`` (which reads files without losing a line) because a mapping is read and
checked on its own, before any export is opened; ``readers`` re-exports these names.
"""

from __future__ import annotations

import datetime
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from shopmind.data.formats import Formats, parse_formats
from shopmind.data.model import SCHEMAS, SOURCE_LINE, TABLES, TableName
from shopmind.data.records import InputError, not_a_file


@dataclass(frozen=True)
class Mapping:
    """Which canonical table a generic file feeds and how its columns are named there."""

    table: TableName
    columns: dict[str, str]  # source column -> canonical column
    constants: dict[str, object]  # canonical column -> fixed value
    path: Path
    #: events only: ``"negative_quantity"`` = a purchase line with a quantity below 0 is a return (an
    #: order-line export writes returns the way accounting does, as negative lines of the same kind).
    returns: str | None = None
    #: ``[formats]``: the decimal mark, a currency sign on prices, the date order (``data.formats``)
    formats: Formats | None = None
    #: a workbook's sheet to read (default: its first sheet holding a cell)
    sheet: str | None = None
    #: ``group = "Handle"``: the file's column whose lines are one record (``data.groups``)
    group: str | list[str] | None = None
    #: ``[lists] Tags = ","``: an attribute column whose cell holds several values (``pack_attributes``)
    lists: dict[str, str] | None = None
    #: ``[listed] Status = ["active"]``: rows whose column holds another value are left out (a draft
    #: product, a refunded order's lines); ``""`` among the values keeps a blank cell
    listed: dict[str, list[str]] | None = None
    #: ``[sale] price = "Sale price"``: the price while a product is on sale, within its dates (``data.sale``)
    sale: dict[str, str] | None = None
    #: ``[options] "Option1 Value" = "Option1 Name"``: a variant's options as attributes (``data.options``)
    options: dict[str, str] | None = None
    #: events only: ``item_name = "Lineitem name"``: a line without an item id is named by this column,
    #: and the gate joins the name to its product (``quality.skus``)
    item_name: str | None = None


# --- mappings ---------------------------------------------------------------------------

#: ``[columns] Cost = "attributes.cost"``: a products column kept as one key of the product's attributes
#: (the pricing guardrails read ``cost``, ``competitor_price``, ``price_floor``, ``price_ceiling`` there)
ATTRIBUTE_PREFIX = "attributes."

#: What a mapping constant may be: one TOML value that fills one cell of every row.
_SCALARS = (str, int, float, bool, datetime.date, datetime.time)


def load_mapping(path: Path) -> Mapping:
    """Parse a mapping TOML, rejecting names the canonical table does not have."""
    path = Path(path)
    if not path.is_file():
        raise not_a_file(path, "mapping file")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"mapping {path} is not valid TOML: {exc}") from exc
    table = doc.get("table")
    nested = [k for k, v in doc.items() if isinstance(v, dict) and "table" in v]
    if table is None and nested:  # `[mapping] table = ...` said "got None", which hid where it was
        raise InputError(
            f"mapping {path}: 'table' is inside [{nested[0]}]; write table = ... as the first line, before any [section]"
        )
    if table not in TABLES:
        raise InputError(f"mapping {path}: 'table' must be one of {', '.join(TABLES)}, got {table!r}")
    columns = doc.get("columns", {})
    constants = doc.get("constants", {})
    if not isinstance(columns, dict) or not isinstance(constants, dict):
        raise InputError(f"mapping {path}: [columns] and [constants] must be tables")
    known = SCHEMAS[table].columns
    for source, target in columns.items():
        if not isinstance(target, str):
            raise InputError(
                f"mapping {path}: [columns] {source} must name one canonical column as a string, "
                f"got {type(target).__name__} {target!r}"
            )
        if target.startswith(ATTRIBUTE_PREFIX) and table == "products":
            if not target[len(ATTRIBUTE_PREFIX) :].strip():
                raise InputError(
                    f'mapping {path}: [columns] {source} = {target!r}: name the attribute, e.g. "attributes.cost"'
                )
            continue
        if target not in known:
            raise InputError(
                f"mapping {path}: [columns] {source} = {target!r}: {target!r} is not a column of "
                f"{table} (known: {', '.join(known)})"
            )
    for name, value in constants.items():
        if name not in known:
            raise InputError(
                f"mapping {path}: [constants] {name!r} is not a column of {table} (known: {', '.join(known)})"
            )
        if not isinstance(value, _SCALARS):
            raise InputError(
                f"mapping {path}: [constants] {name} must be one value (text, number, true/false or a "
                f"date), got {type(value).__name__} {value!r}"
            )
        _check_constant(path, table, name, value)
    both = sorted(set(columns.values()) & set(constants))
    if both:
        raise InputError(
            f"mapping {path}: {', '.join(map(repr, both))} both mapped from a column and set constant"
        )
    returns = doc.get("returns")
    if returns is not None and (table != "events" or returns != "negative_quantity"):
        raise InputError(
            f'mapping {path}: returns = {returns!r}: the only rule is returns = "negative_quantity" '
            '(purchase lines with a quantity below 0 are returns), for table = "events"'
        )
    formats = parse_formats(doc["formats"], f"mapping {path}") if "formats" in doc else None
    sheet = doc.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise InputError(f"mapping {path}: sheet = {sheet!r} must be a sheet's name as text")
    group = doc.get("group")
    names = [group] if isinstance(group, str) else group
    if group is not None and not (
        isinstance(names, list) and names and all(isinstance(g, str) and g.strip() for g in names)
    ):
        raise InputError(
            f"mapping {path}: group = {group!r} must name a column of the file, or several (the first a line "
            'has a value in), e.g. group = "Handle" or group = ["Parent", "SKU"]'
        )
    from shopmind.data.options import parse_options

    options = parse_options(doc.get("options"), path, table)
    lists = doc.get("lists")
    if lists is not None:
        if not isinstance(lists, dict):
            raise InputError(f'mapping {path}: [lists] must be a table, e.g. [lists] Tags = ","')
        for source, sep in lists.items():
            if not str(columns.get(source, "")).startswith(ATTRIBUTE_PREFIX) and source not in (
                options or {}
            ):
                raise InputError(
                    f"mapping {path}: [lists] {source!r}: only a column mapped to an attribute "
                    "(attributes.<key> in [columns]) or an [options] value column holds a list; map it, e.g. "
                    'Tags = "attributes.tags"'
                )
            if not (isinstance(sep, str) and len(sep) == 1):
                raise InputError(
                    f'mapping {path}: [lists] {source} = {sep!r}: one separator character, e.g. ","'
                )
    listed = doc.get("listed")
    if listed is not None and not (
        table in ("products", "events")
        and isinstance(listed, dict)
        and listed
        and all(isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in listed.values())
    ):
        raise InputError(
            f"mapping {path}: [listed] names a column and the values of the rows to keep (products or events), "
            'e.g. [listed] Status = ["active"]'
        )
    item_name = doc.get("item_name")
    if item_name is not None and (
        table != "events" or not isinstance(item_name, str) or not item_name.strip()
    ):
        raise InputError(
            f"mapping {path}: item_name = {item_name!r} names the column holding an order line's item name "
            '(a line without an item id is joined to its product by it), for table = "events", e.g. '
            'item_name = "Lineitem name"'
        )
    from shopmind.data.sale import parse_sale

    sale = parse_sale(doc.get("sale"), path, table)
    return Mapping(
        table=table,
        columns=dict(columns),
        constants=dict(constants),
        path=path,
        returns=returns,
        formats=formats,
        sheet=sheet,
        group=group,
        lists=dict(lists) if lists else None,
        listed=dict(listed) if listed else None,
        sale=sale,
        options=options,
        item_name=item_name,
    )


def _check_constant(path: Path, table: str, name: str, value: object) -> None:
    """A constant every row gets is checked here, once: ``type = 5`` or ``type = "order"`` in
    [constants] passed, and the gate then quarantined every row of the export as EVT_TYPE_UNKNOWN
    (published, exit 0, on a small file) - one line naming the setting says it before anything."""
    from shopmind.config import ISO_4217
    from shopmind.data.model import EVENT_TYPES

    where = f"mapping {path}: [constants] {name} = {value!r}"
    if table == "events" and name == "type" and value not in EVENT_TYPES:
        raise InputError(f"{where} is not an event type; one of: {', '.join(EVENT_TYPES)}")
    if name == "currency" and not (isinstance(value, str) and value.strip().upper() in ISO_4217):
        raise InputError(f'{where} is not an ISO 4217 currency code (e.g. "EUR", "USD")')


def pack_attributes(frame: pl.DataFrame, path: Path, lists: dict[str, str] | None = None) -> pl.DataFrame:
    """The columns a mapping sent to ``attributes.<key>`` as the ``attributes`` list (a blank cell adds no
    key). A file mapping an ``attributes`` column too is refused: its JSON and the keys are not merged.

    ``lists``: attribute column (``attributes.tags``) -> the separator of the values its cells hold
    (Shopify's Tags ``"sale, chrome"``): one entry per value, so a tag facet counts each tag; as one
    value, "sale, chrome" was a made-up tag that no filter on "sale" found."""
    from shopmind.data.model import ATTRIBUTES

    keyed = [c for c in frame.columns if c.startswith(ATTRIBUTE_PREFIX)]
    if not keyed:
        return frame
    if "attributes" in frame.columns:
        raise InputError(
            f"{path}: the mapping sends columns to both attributes and {', '.join(keyed)}: map the "
            "attribute columns one by one (attributes.<key>), or one attributes column, not both"
        )
    lists = lists or {}
    pairs = []
    for c in keyed:
        key = pl.lit(c[len(ATTRIBUTE_PREFIX) :])
        text = pl.col(c).cast(pl.Utf8).str.strip_chars()
        if c in lists:
            values = (
                text.str.split(lists[c])
                .list.eval(pl.element().str.strip_chars())
                .list.unique(maintain_order=True)
            )
            values = values.list.filter(pl.element().str.len_chars() > 0)
            pairs.append(values.list.eval(pl.struct(key=key, value=pl.element())).fill_null([]))
        else:
            pairs.append(pl.when(text.str.len_chars() > 0).then(pl.struct(key=key, value=text)))
    packed = pl.concat_list(pairs).list.drop_nulls().cast(ATTRIBUTES).alias("attributes")
    return frame.with_columns(packed).drop(keyed)


def apply_mapping(frame: pl.DataFrame, mapping: dict[str, str], path: Path) -> pl.DataFrame:
    """Rename source columns to canonical names; a missing or clashing column is an error."""
    missing = [c for c in mapping if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: mapped column(s) {', '.join(map(repr, missing))} not in the file "
            f"(columns: {', '.join(c for c in frame.columns if c != SOURCE_LINE)})"
        )
    kept = [c for c in frame.columns if c not in mapping]
    clash = sorted(set(kept) & set(mapping.values()))
    if clash:
        raise InputError(f"{path}: mapping targets {', '.join(map(repr, clash))} already exist as columns")
    return frame.rename(mapping)
