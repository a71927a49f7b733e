"""Sections of a drafted mapping read from particular columns: ``[sale]`` and ``[options]`` (WooCommerce,
Shopify), ``[formats]`` from the sample prices, and a RecBole atomic file's list columns.

Split out of ``mapping_draft.py``: each takes the ``Draft`` made from the header and adds its section.
"""

from __future__ import annotations

import polars as pl

from shopmind.data.draft_formats import price_formats
from shopmind.data.draft_toml import Draft, _toml_key
from shopmind.data.mapping_aliases import _key
from shopmind.data.model import SCHEMAS, TableName


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
