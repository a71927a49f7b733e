"""The drafted mapping (``Draft``) and how it is written: the mapping TOML with its comments (`shopmind mapping`).

Split out of ``mapping_draft.py`` (which drafts it from a header and re-exports these names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shopmind.data.model import EVENT_TYPES, TableName
from shopmind.data.records import name_list


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
