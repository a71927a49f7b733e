"""The catalog side of an assistant turn: products by id, the titles a message may name them by,
their colours in any language, and the product slots of a message.

Split from ``core`` (the turn's routing) in round 12 so each module stays one job and under the
project's module size; the behaviour is the one ``core`` had (checked answer for answer on the
dev sets, docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

from shopmind.assistant.slots import (
    COLOUR_KEYS,
    Slots,
    find_ids,
    order_ids,
    read_ceilings,
    refers_to_page,
    understood_slots,
)
from shopmind.search.engine import SearchEngine

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: catalog columns an answer may state (the rest of a product row is not kept)
COLUMNS = ("product_id", "title", "price", "currency", "stock", "category_path", "attributes")


class ShopCatalog:
    """Products by id with the lookups a turn needs: ``slots`` (ids, titles, "this one", prices
    and attributes through the engine's query understanding) and ``colour``."""

    def __init__(self, engine: SearchEngine, products: pl.DataFrame, options: Mapping[str, bool] | None = None) -> None:  # fmt: skip
        self.engine = engine
        #: the assistant's named switches (``Assistant.options``; "price_ceiling": ``read_ceilings``)
        self.options: Mapping[str, bool] = options if options is not None else {}
        cols = [c for c in COLUMNS if c in products.columns]
        self.products: dict[str, dict] = {r["product_id"]: r for r in products.select(cols).iter_rows(named=True)}  # fmt: skip
        titles = products.group_by(pl.col("title").str.to_lowercase().alias("t")).agg(pl.col("product_id"))
        # unique titles grouped by their first word: a message is checked only against the
        # titles whose first word it contains (3,000 titles: ~50 first words, not 3,000 scans)
        self.titles: dict[str, list[tuple[str, str]]] = {}
        for t, ids in titles.iter_rows():
            if t and len(ids) == 1 and len(t) >= 4:
                self.titles.setdefault(t.split()[0], []).append((t, ids[0]))
        for group in self.titles.values():
            group.sort(key=lambda x: -len(x[0]))
        self.categories: list[str] = products["category_path"].unique().to_list() if "category_path" in products.columns else []  # fmt: skip
        self.colour_of = self._colour_map()
        self.currencies = frozenset(
            str(p.get("currency")) for p in self.products.values() if p.get("currency")
        )

    def _colour_map(self) -> dict[str, str]:
        """Catalog colour values in any language -> the English value the graph links."""
        out: dict[str, str] = {}
        parser = self.engine.parser
        for p in self.products.values():
            for a in p.get("attributes") or []:
                k, v = a["key"], a["value"]
                if k in COLOUR_KEYS:
                    out[v] = v.lower()
                elif v not in out and not v.isascii() and parser is not None:
                    for c in parser.parse(v).constraints:
                        alt = dict(c.alternatives)
                        hit = next((alt[x] for x in COLOUR_KEYS if x in alt), None)
                        if hit:
                            out[v] = hit.lower()
                            break
        return out

    def colour(self, p: dict) -> str | None:
        """A product's colour (English when the graph links its value to one), or None."""
        for a in p.get("attributes") or []:
            if a["key"] in COLOUR_KEYS or a["value"] in self.colour_of:
                return self.colour_of.get(a["value"], a["value"].lower())
        return None

    def slots(self, text: str, page_product: str | None, orders: Mapping[str, object]) -> Slots:
        """The message's order id (``orders``: the known ones), products (ids, else the longest
        title it contains, else the page's product for "this one" or a message naming no order)
        and, in the rest of the text, prices and attributes."""
        s = Slots()
        oids = order_ids(
            text,
            orders,
            bool(self.options.get("order_forms")),
            bool(self.options.get("order_lookalike")),
            bool(self.options.get("id_sep")),  # round 25's candidate (``slots._SEP_LOOKALIKE``)
            bool(self.options.get("id_split")),  # round 28's (``slots.grouped_ids``)
            bool(self.options.get("id_digits")),  # round 30's (``slots.digit_group_ids``)
            bool(self.options.get("pay_amount")),  # round 30's (``slots._UNIT_AFTER``)
        )
        s.order_id = oids[0] if oids else None
        ids = [tok for tok, _ in find_ids(text) if tok in self.products]
        low, rest = text.lower(), text
        if not ids:
            named = [
                (t, pid)
                for first, group in self.titles.items()
                if first in low
                for t, pid in group
                if t in low
            ]
            if named:  # a product named by its title (the longest); its words are not search slots
                t, pid = max(named, key=lambda x: len(x[0]))
                at = low.find(t)
                ids, rest = [pid], text[:at] + " " + text[at + len(t) :]
        if not ids and page_product in self.products and (refers_to_page(text) or not s.order_id):
            ids, s.from_page = [page_product], True  # type: ignore[list-item]
        s.product_ids = list(dict.fromkeys(ids))
        if self.engine.parser is not None:
            u = self.engine.parser.parse(rest)
            understood_slots(u, self.colour_of, s)
            if self.options.get("price_ceiling"):
                read_ceilings(
                    u, s, bool(self.options.get("ceiling_words")), bool(self.options.get("ceiling_most"))
                )
        # round 28's "zh_yuan": a bare amount in a Chinese message ("价钱别超 630", "1160 以内") is yuan
        # when the shop sells in yuan - held-out-27's searches listed dollar products under it
        bound = s.price_min is not None or s.price_max is not None
        if self.options.get("zh_yuan") and bound and s.currency is None and "CNY" in self.currencies and _CJK.search(text):  # fmt: skip
            s.currency = "CNY"
        return s
