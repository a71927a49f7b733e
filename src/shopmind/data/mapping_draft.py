"""A first mapping TOML for a shop's own export, drafted from its header (`shopmind mapping FILE`).

The ``table`` format needs a mapping from the export's column names to the canonical ones;
writing it by hand from `docs/DATA_MODEL.md` is the first-hour step where a new user stops.
Most exports name their columns in a handful of ways (Shopify, WooCommerce, Magento, an
order-line export, a Chinese, German, French or Spanish back office), so the draft matches
normalised header names against those spellings, picks the table whose columns match best,
and says in comments what it could not place. It is a draft: the user reads it, fixes it and passes it to
``--mapping``; nothing is ingested from a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from shopmind.data.draft_formats import price_formats
from shopmind.data.mapping_aliases import ALIASES, _key
from shopmind.data.model import EVENT_TYPES, SCHEMAS, SOURCE_LINE, TABLES, TableName
from shopmind.data.recbole import atomic_kind, header_types
from shopmind.data.records import name_list, repeat_of


@dataclass
class Draft:
    """The drafted mapping and what the user must look at before using it."""

    table: TableName
    columns: dict[str, str]  # source column -> canonical column
    constants: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)  # source columns the draft did not map
    returns: str | None = None  # "negative_quantity": the export's negative lines are returns
    group: str | list[str] | None = None  # a column whose lines are one record (data.groups), or several
    lists: dict[str, str] = field(default_factory=dict)  # attribute column -> separator of its values
    listed: dict[str, list[str]] = field(default_factory=dict)  # column -> values of products for sale
    sale: dict[str, str] = field(default_factory=dict)  # [sale]: price/starts/ends -> column (data.sale)
    options: dict[str, str] = field(default_factory=dict)  # [options]: value column -> name column
    item_name: str | None = None  # events: the column naming a line's item when it has no id (SKU)
    missing: list[str] = field(default_factory=list)  # required canonical columns not found
    #: a header name given more than once -> (name read, 1-based column number) of each copy; the
    #: reader names the later copies ``<name>_duplicated_<n>``, a workbook's ``<name>_<n>``, pandas ``<name>.<n>``
    repeated: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: headers that differ but read as one name (``Цена`` / ``ЦЕНА``, ``Preis`` / ``preis``) where one is mapped
    same_name: list[list[str]] = field(default_factory=list)
    #: what the draft chose that the user should check, one comment line each
    notes: list[str] = field(default_factory=list)
    #: ``[formats]`` read from the sample prices: currency_sign, decimal (``draft_formats``)
    formats: dict[str, str] = field(default_factory=dict)

    @property
    def needs_currency(self) -> bool:
        """Prices without a currency column or constant: products are quarantined (PRD_CURRENCY_UNKNOWN),
        events accepted with no currency (EVT_CURRENCY_UNKNOWN judges only a currency that is given)."""
        mapped = set(self.columns.values())
        return "price" in mapped and "currency" not in mapped and "currency" not in self.constants

    @property
    def currency_note(self) -> str:
        """What a missing currency does to this table's rows, as the draft and the CLI say it."""
        if self.table == "products":
            return "a product price without its ISO 4217 currency is quarantined (PRD_CURRENCY_UNKNOWN)"
        return "purchases are accepted without a currency, but their revenue is then in no known currency"

    def toml(self, source: str) -> str:
        """The draft as a mapping TOML with comments; loads with ``readers.load_mapping``."""
        lines = [
            f"# Draft mapping for {_toml_key(source)}, made by `shopmind mapping` from its header: check every line,",
            "# then: shopmind ingest <file> --format table --mapping <this file>",
            f'table = "{self.table}"',
        ]
        if self.returns:
            lines.append(
                f'returns = "{self.returns}"  # purchase lines with a quantity below 0 are returns '
                "(delete this line if your export writes returns another way)"
            )
        if self.group:
            lines.append(
                f"group = {_group_value(self.group)}  # lines sharing this column are one "
                + (
                    "product (its variants)"
                    if self.table == "products"
                    else "record: blanks filled from its first line"
                )
            )
        if self.item_name:
            lines.append(
                f"item_name = {_toml_string(self.item_name)}  # a line without an item id (a custom item, a "
                "variant without a SKU) is joined to the product its name names; one naming none is quarantined"
            )
        lines += [
            "",
            "[columns]  # column in the file = canonical column (docs/DATA_MODEL.md)",
        ]
        lines += [f'{_toml_key(src)} = "{dst}"' for src, dst in self.columns.items()]
        if self.constants or self.needs_currency:
            lines += ["", "[constants]  # canonical column = the value every row gets"]
            lines += [f'{k} = "{v}"' for k, v in self.constants.items()]
        if self.needs_currency:
            lines.append(
                f'# currency = "EUR"  # the file has prices but no currency column: {self.currency_note}; '
                "uncomment with the shop's currency"
            )
        if self.formats:
            lines += ["", "[formats]  # how the file writes its prices, read from its first rows: check them"]
            lines += [f"{k} = {_toml_string(v)}" for k, v in self.formats.items()]
        if self.lists:
            lines += ["", "[lists]  # a column whose cells hold several values, and their separator"]
            lines += [f'{_toml_key(c)} = "{sep}"' for c, sep in self.lists.items()]
        if self.listed:
            lines += [
                "",
                "[listed]  # the rows to keep: a line with another value here is left out (said at ingest); "
                '"" keeps a blank cell',
            ]
            lines += [
                f"{_toml_key(c)} = [{', '.join(_toml_string(v) for v in values)}]"
                for c, values in self.listed.items()
            ]
        if self.sale:
            lines += [
                "",
                "[sale]  # a line whose sale price is set (and today within its dates) sells at it; "
                "its regular price is kept as attributes.compare_at_price",
            ]
            lines += [f"{k} = {_toml_string(v)}" for k, v in self.sale.items()]
        if self.options:
            lines += [
                "",
                "[options]  # a variant option's value column = the column naming the option (Size, Color): "
                "each a facet of the product, every variant's value kept",
            ]
            lines += [f"{_toml_key(v)} = {_toml_string(n)}" for v, n in self.options.items()]
        for group in self.same_name:
            kept = next(h for h in group if h in self.columns)
            lines.append(
                f"# {', '.join(_toml_key(h) for h in group)} read as one name once case, accents and spaces are "
                f"folded: {_toml_key(kept)} (the first) is mapped, the others are not; map another if it is the one"
            )
        for name, copies in self.repeated.items():
            kept = "mapped" if name in self.columns else "kept (not mapped)"
            others = ", ".join(f"{_toml_key(read)} (column {n})" for read, n in copies[1:])
            lines.append(
                f"# {_toml_key(name)} is {len(copies)} columns of the header: the first (column {copies[0][1]}) is "
                f"{kept} under its name; the later are read as {others} and ignored unless mapped. The header "
                "cannot tell which holds the values you want: check them, and map that name instead if needed"
            )
        lines += [f"# {note}" for note in self.notes]
        for col in self.missing:
            lines.append(
                f"# required {col}: no column of the file looks like it; map one or set it in [constants]"
                + (f' (e.g. type = "view"; one of {", ".join(EVENT_TYPES)})' if col == "type" else "")
            )
        if self.unplaced:
            lines.append(
                "# not mapped (ignored at ingest): " + name_list([_toml_key(u) for u in self.unplaced])
            )
        return "\n".join(lines) + "\n"


def _toml_key(name: str) -> str:
    """A bare key when TOML allows one, else a basic string with every character TOML forbids
    there escaped (quotes, backslashes, control characters: headers can hold anything)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    body = "".join(
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in name
    )
    return f'"{body}"'


def _toml_string(name: str) -> str:
    """A header as a TOML basic string (a value, where a bare key is not allowed)."""
    key = _toml_key(name)
    return key if key.startswith('"') else f'"{key}"'


def _group_value(group: str | list[str]) -> str:
    if isinstance(group, str):
        return _toml_string(group)
    return "[" + ", ".join(_toml_string(g) for g in group) + "]"


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


def _draft_sale(result: Draft, headers: list[str]) -> None:
    """WooCommerce's ``Sale price`` beside the ``Regular price`` drafted as price: the ``[sale]`` that
    prices a product on sale at its sale price within the sale's dates (``data.sale``); left unplaced, a
    product on sale was sold at its regular price in search, filters and recommendations."""
    price = next((src for src, dst in result.columns.items() if dst == "price"), None)
    sale = next((h for h in headers if _key(h) == "saleprice" and h not in result.columns), None)
    if price is None or sale is None:
        return
    result.sale["price"] = sale
    for key, spelling in (("starts", "datesalepricestarts"), ("ends", "datesalepriceends")):
        column = next((h for h in headers if _key(h) == spelling and h not in result.columns), None)
        if column is not None:
            result.sale[key] = column


def _draft_options(result: Draft, headers: list[str]) -> None:
    """Shopify's ``Option1 Name`` / ``Option1 Value`` (to Option3) and WooCommerce's ``Attribute 1 name`` /
    ``Attribute 1 value(s)`` as ``[options]`` (``data.options``): unmapped, the sizes and colours a shop
    sells were in no facet and no filter. WooCommerce's value cell lists a variable product's values
    (``S, M, L``): a ``[lists]`` entry splits it."""
    keys = {_key(h): h for h in reversed(headers) if h not in result.columns}
    for n in range(1, 10):
        for name_key, value_key, sep in ((f"option{n}name", f"option{n}value", None),
                                         (f"attribute{n}name", f"attribute{n}values", ",")):  # fmt: skip
            name, value = keys.get(name_key), keys.get(value_key)
            if name is not None and value is not None:
                result.options[value] = name
                if sep:
                    result.lists[value] = sep


def _draft_formats(result: Draft, frame: pl.DataFrame) -> None:
    """``[formats]`` from the sample prices ("$24.99", "7,50 €"), and the currency a sign names when
    the file has none: without them the first ingest quarantined every price (``draft_formats``)."""
    found = price_formats(frame, result.columns, [result.sale["price"]] if "price" in result.sale else [])
    result.formats = found.formats
    if found.currency is not None and result.needs_currency:
        result.constants["currency"] = found.currency
        result.notes.append(
            f'currency = "{found.currency}": the prices are written with '
            f'"{found.formats["currency_sign"]}" and the file has no currency column'
        )
    result.notes += found.notes


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
    result = draft(
        [c for c in head.frame.columns if c != SOURCE_LINE], table or ATOMIC_TABLES.get(kind or "")
    )
    if kind is not None:
        _recbole_lists(result, header_types(path))
    _draft_formats(result, head.frame)
    if head.note:  # how the file was read (a workbook's header row, a JSON key, no header line)
        result.notes.insert(0, f"read as: {head.note}")
    return result


#: the canonical table each RecBole atomic file feeds (``.user``, ``.kg``, ``.link``, ``.net``: none)
ATOMIC_TABLES: dict[str, TableName] = {"inter": "events", "item": "products"}
#: canonical text columns a RecBole ``token_seq`` (words separated by spaces) fits as it is
_TEXT_COLUMNS = ("title", "description", "query")


def _recbole_lists(result: Draft, types: dict[str, str]) -> None:
    """A RecBole ``token_seq``/``float_seq`` column is a space-separated list (``class``: "Animation
    Children's Comedy"): read as one category, brand or id it would be one made-up value, so it is
    drafted only into a text column and otherwise listed with what it is."""
    for column, kind in types.items():
        if not kind.endswith("_seq") or result.columns.get(column) in _TEXT_COLUMNS:
            continue
        target = result.columns.pop(column, None)
        if column not in result.unplaced:
            result.unplaced.append(column)
        result.notes.append(
            f"{_toml_key(column)} is a RecBole {kind} (a list separated by spaces)"
            + (f": not drafted as {target}, which takes one value" if target else "")
            + "; a list read as one value would be one made-up "
            + ("category (e.g. genres joined)" if result.table == "products" else "value")
            + ": map it only if each row holds one value"
        )
    result.missing = [c for c in SCHEMAS[result.table].required
                      if c not in set(result.columns.values()) | set(result.constants) | {"event_id"}]  # fmt: skip
