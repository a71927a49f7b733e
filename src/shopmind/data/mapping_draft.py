"""A first mapping TOML for a shop's own export, drafted from its header (`shopmind mapping FILE`).

The ``table`` format needs a mapping from the export's column names to the canonical ones;
writing it by hand from `docs/DATA_MODEL.md` is the first-hour step where a new user stops.
Most exports name their columns in a handful of ways (Shopify, WooCommerce, Magento, an
order-line export, a Chinese, German, French or Spanish back office), so the draft matches
normalised header names against those spellings, picks the table whose columns match best,
and says in comments what it could not place. It is a draft: the user reads it, fixes it and passes it to
``--mapping``; nothing is ingested from a guess.

Here the drafting from a header (``draft``) and from a file's head (``draft_for_file``); the ``Draft`` and
its TOML are ``draft_toml.py``, the sections read from particular columns ``draft_sections.py``.
"""

from __future__ import annotations

from pathlib import Path

from shopmind.data.draft_sections import (
    ATOMIC_TABLES,
    _draft_formats,
    _draft_options,
    _draft_sale,
    _recbole_lists,
)
from shopmind.data.draft_toml import Draft, _group_value, _toml_key, _toml_string
from shopmind.data.mapping_aliases import ALIASES, _key
from shopmind.data.model import SCHEMAS, SOURCE_LINE, TABLES, TableName
from shopmind.data.recbole import atomic_kind, header_types
from shopmind.data.records import repeat_of


def _match(headers: list[str], table: TableName) -> dict[str, str]:
    """Source column -> canonical column, each used once, in the aliases' order of preference.

    A repeated header's later copies (``price_duplicated_0``, named so by the reader; ``price_1`` from
    a workbook, ``price.1`` from pandas) are never matched: the first copy is the column under the
    name the file gives (``price.1`` was listed as an unplaced column, with no word that it is a
    second ``price``)."""
    headers = [h for h in headers if not repeat_of(h, headers)]
    keys = {h: _key(h) for h in headers}
    out: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        for alias in aliases:  # the list is ordered by how surely a spelling means the column
            hit = next((h for h in headers if keys[h] == alias and h not in out), None)
            if hit is not None:
                out[hit] = canonical
                break
    return out


def draft(headers: list[str], table: TableName | None = None) -> Draft:
    """The mapping for a file with these column names; ``table`` forces the canonical table,
    else the one whose required columns are best covered (then the most columns) wins."""
    headers = [h for h in headers if h != SOURCE_LINE]
    if table is not None and table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    candidates: list[TableName] = [table] if table else list(TABLES)
    scored = []
    for t in candidates:
        m = _match(headers, t)
        required = SCHEMAS[t].required
        covered = {c for c in m.values() if c in required}
        if t == "events" and m:
            # an event id is made from the row's content when the file has none, so it is always
            # covered: uncounted, a view log (session_id, user_id, item_id, eventdate: Diginetica,
            # YooChoose) scored below products on its item id alone and was drafted as a catalogue
            covered |= {"event_id"}
        if t == "events" and _looks_like_order_lines(m):
            # an order-line export's type ("purchase") is made too: uncounted, a file naming its
            # products (``Bezeichnung``) beside the order columns was drafted as a products file
            covered |= {"type"}
        scored.append((len(covered) / len(required), len(m), t, m))
    _, _, best, columns = max(scored, key=lambda s: (s[0], s[1], -TABLES.index(s[2])))
    result = Draft(best, columns)
    mapped = set(columns.values())
    if best == "events":
        if "type" not in mapped and _looks_like_order_lines(columns):
            result.constants["type"] = "purchase"
            if "quantity" in mapped:
                result.returns = "negative_quantity"  # else those lines are quarantined (EVT_QTY_SIGN)
            plain_id = next(
                (src for src, dst in columns.items() if dst == "event_id" and _key(src) == "id"), None
            )
            name = next((h for h in headers if _key(h) == "name" and h not in columns), None)
            line_items = any(_key(h).startswith("lineitem") for h in headers)
            if name is not None and line_items and "order_id" not in mapped:
                # Shopify's orders_export: one line per item, "Name" (#1001) on every line, the order's
                # "Id", currency, payment on its first line only; the lines are grouped by Name
                if plain_id is not None:
                    del columns[plain_id]
                columns[name] = "order_id"
                result.group = name
                result.notes.append(
                    f"{_toml_key(name)} -> order_id and group: each line is one item of the order it names, and "
                    "the order's own cells (currency, id, payment) are on its first line only: "
                    "group fills the other lines' blank cells from it"
                )
                mapped = set(columns.values())
            elif plain_id is not None and "order_id" not in mapped:
                # an order export's bare "Id" is the order's (Shopify's orders_export): as event ids, the
                # lines of one order shared one id and all but one were dropped as duplicates
                columns[plain_id] = "order_id"
                result.notes.append(
                    f"{_toml_key(plain_id)} -> order_id: in an order-line export it is the order's id, which every "
                    "line of an order repeats; each line's event id is made from its content"
                )
        elif "type" not in mapped and "rating" in mapped:
            # explicit ratings are "rate" events carrying their rating (docs/DATA_MODEL.md): without a
            # type every row of a ratings log (RecBole's .inter, a reviews export) was left to the user
            result.constants["type"] = "rate"
            result.notes.append(
                'type = "rate": each row gives a rating, so each is a rate event with its rating '
                "(change it if the rows are purchases or views that carry a score)"
            )
        mapped |= {"event_id"}  # made from each row's content when the file has none
    if best == "products" and "title" not in mapped and "description" in mapped:
        # an order-line or stock export names its products in a "Description" column (Online
        # Retail, many ERPs) and has no other name: without this every row lacked its title
        column = next(src for src, dst in columns.items() if dst == "description")
        columns[column] = "title"
        result.notes.append(
            f"{_toml_key(column)} is the only text naming the products: drafted as their title "
            "(map it to description instead if it is a long text and map the name column to title)"
        )
        mapped = set(columns.values())
    # Shopify's Handle; its product export since 2025 writes "URL handle" (and "SKU", "Price", "Product image URL")
    handle = next((h for h in headers if _key(h) in ("handle", "urlhandle")), None)
    sku = next((src for src, dst in columns.items() if dst == "product_id" and "sku" in _key(src)), None)
    if best == "products" and handle is not None and sku is not None and handle not in columns:
        # a product written once per variant under its Handle (Shopify): one product per Handle, the
        # variants' SKUs kept so order lines naming a SKU join their product (quality.skus)
        columns[handle] = "product_id"
        columns[sku] = "attributes.sku"
        result.group = handle
        result.notes.append(
            f"group = {_toml_key(handle)}: a product's variant and image lines share its {_toml_key(handle)} and only "
            "the first has its title; they are one product (lowest price, stock summed, each variant's "
            f"{_toml_key(sku)} kept in attributes.sku, which order lines naming a SKU are joined by)"
        )
        mapped = set(columns.values())
    parent = next((h for h in headers if _key(h) == "parent" and h not in columns), None)
    own_sku = next((h for h in headers if _key(h) == "sku" and columns.get(h) != "product_id"), None)
    if best == "products" and result.group is None and parent is not None and own_sku is not None:
        # WooCommerce: a variable product's line, then its variations' lines naming it in Parent
        # (by its SKU); a line's group is its Parent, else its own SKU: the product and its variations
        columns[own_sku] = "attributes.sku"
        result.group = [parent, own_sku]
        result.notes.append(
            f"group = [{_toml_string(parent)}, {_toml_string(own_sku)}]: a variation's line names its product in "
            f"{_toml_key(parent)}; the product and its variations are one product (its first line's id and "
            "name, lowest price, stock summed); a Parent written as id:123 is not matched: check the file"
        )
        mapped = set(columns.values())
    if best == "products" and "stock" in mapped and _looks_like_order_lines(_match(headers, "events")):
        # an order line's quantity is what was sold, not what is on the shelf
        column = next(src for src, dst in columns.items() if dst == "stock")
        del columns[column]
        result.notes.append(
            f"{_toml_key(column)} not drafted as stock: the file looks like order lines (date, item, order or "
            "quantity), where it is the quantity sold; each product repeats once per line (PRD_DUP_ID keeps one)"
        )
        mapped = set(columns.values())
    kind = next((h for h in headers if _key(h) in ("type", "producttype") and h not in columns), None)
    category = next((src for src, dst in columns.items() if dst == "category_path"), None)
    if (
        best == "products"
        and kind is not None
        and category is not None
        and _key(category) == "productcategory"
    ):
        # Shopify's Type beside its Product Category: the merchant's own grouping, kept as a facet
        columns[kind] = "attributes.type"
    status = next((h for h in headers if _key(h) == "status" and h not in columns), None)
    published = next((h for h in headers if _key(h) in _PUBLISHED and h not in columns), None)
    if best == "products" and status is not None:  # Shopify: active, draft, archived
        result.listed[status] = ["active"]
        if published is not None and handle is not None:
            # Shopify's Published (TRUE/FALSE): an active product the shop has not published on its
            # online store is not on sale there; read as listed, search found it and recs named it
            result.listed[published] = ["true", ""]  # a blank cell (a hand-made file) is no FALSE
    elif best == "products" and published is not None and parent is not None:  # WooCommerce: 1, 0, -1
        result.listed[published] = ["1"]
    if best == "products":
        _draft_sale(result, headers)
        _draft_options(result, headers)
    line_name = next((h for h in headers if _key(h) in _LINE_NAMES and h not in columns), None)
    if best == "events" and line_name is not None and "item_id" in mapped:
        # Shopify writes a custom item's line, or a variant's without a SKU, with a blank Lineitem sku
        result.item_name = line_name
    paid = next((h for h in headers if _key(h) == "financialstatus" and h not in columns), None)
    if best == "events" and paid is not None and result.constants.get("type") == "purchase":
        # Shopify's orders: a refunded or voided order's lines are no purchase to learn from
        result.listed[paid] = ["paid", "partially_paid", "partially_refunded", "authorized", "pending"]
    tags = next((src for src, dst in columns.items() if dst == "attributes.tags"), None)
    if tags is not None:  # "sale, chrome": each tag its own value of the tags facet
        result.lists[tags] = ","
    cost = next((src for src, dst in columns.items() if dst == "attributes.cost"), None)
    if cost is not None:
        result.notes.append(
            f"{_toml_key(cost)} -> attributes.cost: each product's unit cost, which the pricing guardrails read "
            "(the minimum margin is over it); kept apart from the selling price"
        )
    result.missing = [c for c in SCHEMAS[best].required if c not in mapped and c not in result.constants]
    placed = {
        *columns,
        *result.listed,
        *result.sale.values(),
        *(c for p in result.options.items() for c in p),
        *([result.item_name] if result.item_name else []),
    }
    result.unplaced = [h for h in headers if h not in placed]
    groups: dict[str, list[str]] = {}
    for h in headers:
        if not repeat_of(h, headers) and _key(h):
            groups.setdefault(_key(h), []).append(h)
    result.same_name = [g for g in groups.values() if len(g) > 1 and any(h in columns for h in g)]
    for i, h in enumerate(headers, 1):
        base = repeat_of(h, headers)
        if base is not None:
            result.repeated.setdefault(base, [(base, headers.index(base) + 1)]).append((h, i))
    return result


#: Shopify's column saying whether a product is on the online store ("Published" until its 2025 export,
#: "Published on online store" since), as ``_key`` spells them
_PUBLISHED = ("published", "publishedononlinestore")

#: an order line's item name beside its item id (Shopify's ``Lineitem name``), as ``_key`` spells it
_LINE_NAMES = ("lineitemname", "itemname", "productname", "producttitle")


def _looks_like_order_lines(columns: dict[str, str]) -> bool:
    """An order-line export (invoice, item, quantity, date) is a file of purchases; so is one naming a
    customer, an item and a quantity without a date (``customer,sku,qty`` was drafted as a catalogue,
    its quantity as stock: the date is then a required column the draft asks for)."""
    mapped = set(columns.values())
    dated = "timestamp" in mapped and bool(mapped & {"order_id", "quantity"})
    return "item_id" in mapped and (dated or {"user_id", "quantity"} <= mapped)


def draft_for_file(path: Path, table: TableName | None = None) -> Draft:
    """Read the file's head the way ingest reads it (any encoding, delimiter, Parquet, JSON Lines) and draft."""
    from shopmind.data.readers import InputError, read_head

    kind = atomic_kind(path)
    if kind is not None and kind not in ATOMIC_TABLES:
        raise InputError(
            f"{path}: a RecBole .{kind} file holds no table shopmind keeps (customer attributes, a knowledge "
            "graph or links); draft the mappings of the .inter file (events) and the .item file (products)"
        )
    head = read_head(path)
    columns = [c for c in head.frame.columns if c != SOURCE_LINE]
    if not columns and head.malformed:  # e.g. a .json cut off: a draft of no column says nothing of it
        bad = head.malformed[0]
        raise InputError(
            f"{path}: no line could be read, so there is no column to map "
            f"({len(head.malformed):,} unreadable; line {bad.line}: {bad.reason})"
        )
    result = draft(columns, table or ATOMIC_TABLES.get(kind or ""))
    if kind is not None:
        _recbole_lists(result, header_types(path))
    _draft_formats(result, head.frame)
    if head.note:  # how the file was read (a workbook's header row, a JSON key, no header line)
        result.notes.insert(0, f"read as: {head.note}")
    return result


__all__ = [
    "ALIASES",
    "ATOMIC_TABLES",
    "Draft",
    "_group_value",
    "_key",
    "_toml_key",
    "_toml_string",
    "draft",
    "draft_for_file",
]
