"""A knowledge graph of the catalog: what the shop sells, under which names, at which prices.

Query understanding needs to know the shop's own vocabulary (its brands, category names,
attribute values in every language it sells in), which of those belong together (brands of a
category, keys of a value) and what "cheap" means *here* (price quantiles per category). The
engine and recommendations can use the co-purchase links between items and categories.
Everything is read from the products and events tables; there are no dataset-specific lists.

Contents:

- the category tree (``" > "`` paths): parent, children, depth, product count of each subtree;
- category *aliases* mined from titles: a title word that (almost) only occurs in one subtree
  and covers a good part of it (``连衣裙`` for "Women > Dresses" in a catalog whose category
  names are English) -- this is what lets a query in one language hit a tree named in another;
- brand -> categories (counts), attribute key -> values (counts), normalised value -> keys;
- price quantiles (5/25/50/75/95 %) per category node and currency, plus the catalog's own;
- co-purchase links item<->item and category<->category from events: items bought in the same
  order (or the same session when there is no order id) weigh 1, items added to the cart
  together 0.5, items viewed/clicked in the same session 0.2; top ``LINKS_PER_NODE`` kept.

Persistence is one versioned JSON file (``graph.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from shopmind.data.model import CATEGORY_SEP
from shopmind.search.graph_mining import LINKS_PER_NODE, co_purchase_links, mine_aliases
from shopmind.search.graph_text import (  # re-exported: callers import them from here
    CJK_RE,
    TOKEN_RE,
    category_prefixes,
    entry_key,
    fold,
    latin_terms,
    word_term,
)

__all__ = [
    "CJK_RE",
    "FILE_NAME",
    "FORMAT_VERSION",
    "LINKS_PER_NODE",
    "QUANTILES",
    "TOKEN_RE",
    "CategoryNode",
    "KnowledgeGraph",
    "category_prefixes",
    "entry_key",
    "fold",
    "latin_terms",
    "word_term",
]

FORMAT_VERSION = 1
FILE_NAME = "graph.json"
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class CategoryNode:
    """One node of the category tree; ``count`` covers the whole subtree."""

    path: str
    name: str
    parent: str | None
    depth: int
    count: int = 0
    children: list[str] = field(default_factory=list)


@dataclass
class KnowledgeGraph:
    """The catalog's vocabulary, structure, price levels and co-purchase links (see module doc)."""

    n_products: int = 0
    categories: dict[str, CategoryNode] = field(default_factory=dict)
    category_aliases: dict[str, list[str]] = field(default_factory=dict)
    brands: dict[str, dict[str, int]] = field(default_factory=dict)
    brand_counts: dict[str, int] = field(default_factory=dict)
    attributes: dict[str, dict[str, int]] = field(default_factory=dict)
    value_keys: dict[str, dict[str, int]] = field(default_factory=dict)
    #: category path ("" = whole catalog) -> currency ("" = unknown) -> {"n", "min", "max", "q05".."q95"}
    prices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    #: product language ("" = unknown) -> its most common currency
    currency_by_language: dict[str, str] = field(default_factory=dict)
    item_links: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    category_links: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, products: pl.DataFrame, events: pl.DataFrame | None = None) -> KnowledgeGraph:
        """Build from canonical products (any optional column may be absent) and events."""
        g = cls()
        if "product_id" not in products.columns:
            raise ValueError("products need a product_id column")
        products = products.unique("product_id", keep="last", maintain_order=True)
        g.n_products = products.height
        cols = set(products.columns)
        if "category_path" in cols:
            g._build_categories(products)
        if "brand" in cols:
            g._build_brands(products, "category_path" in cols)
        if "attributes" in cols and products.schema["attributes"] == pl.List(
            pl.Struct({"key": pl.Utf8, "value": pl.Utf8})
        ):
            g._build_attributes(products)
        if "price" in cols:
            g._build_prices(products)
        if "category_path" in cols and "title" in cols and len(g.categories) > 1:
            g.category_aliases = mine_aliases(g, products)
        if events is not None and events.height and {"item_id", "type"} <= set(events.columns):
            g.item_links, g.category_links = co_purchase_links(products, events, bool(g.categories))
        return g

    def _build_categories(self, products: pl.DataFrame) -> None:
        counts = (
            products.select(pl.col("category_path").cast(pl.Utf8))
            .drop_nulls()
            .group_by("category_path")
            .len()
            .iter_rows()
        )
        for raw, n in counts:
            prefixes = category_prefixes(raw)
            for depth, path in enumerate(prefixes):
                node = self.categories.get(path)
                if node is None:
                    parent = prefixes[depth - 1] if depth else None
                    node = self.categories[path] = CategoryNode(
                        path, path.rsplit(CATEGORY_SEP, 1)[-1], parent, depth + 1
                    )
                    if parent is not None:
                        self.categories[parent].children.append(path)
                node.count += n
        for node in self.categories.values():
            node.children.sort(key=lambda c: (-self.categories[c].count, c))

    def _build_brands(self, products: pl.DataFrame, with_categories: bool) -> None:
        cols = [pl.col("brand").cast(pl.Utf8).str.strip_chars().alias("brand")]
        if with_categories:
            cols.append(pl.col("category_path").cast(pl.Utf8))
        frame = products.select(cols).filter(pl.col("brand").is_not_null() & (pl.col("brand") != ""))
        for b, n in frame.group_by("brand").len().iter_rows():
            self.brand_counts[b] = n
            self.brands.setdefault(b, {})
        if with_categories:
            per = frame.drop_nulls().group_by("brand", "category_path").len()
            for b, path, n in per.iter_rows():
                canon = CATEGORY_SEP.join(p.strip() for p in path.split(CATEGORY_SEP.strip()) if p.strip())
                if canon:
                    self.brands[b][canon] = self.brands[b].get(canon, 0) + n

    def _build_attributes(self, products: pl.DataFrame) -> None:
        pairs = (
            products.select(pl.col("attributes").explode())
            .drop_nulls()
            .unnest("attributes")
            .with_columns(pl.col("key").str.strip_chars(), pl.col("value").str.strip_chars())
            .filter(pl.col("key").is_not_null() & pl.col("value").is_not_null() & (pl.col("value") != ""))
            .group_by("key", "value")
            .len()
            .sort("key", "len", "value", descending=[False, True, False])
        )
        for k, v, n in pairs.iter_rows():
            self.attributes.setdefault(k, {})[v] = n
            nv = fold(v)
            keys = self.value_keys.setdefault(nv, {})
            keys[k] = keys.get(k, 0) + n

    def _build_prices(self, products: pl.DataFrame) -> None:
        cols = [pl.col("price").cast(pl.Float64, strict=False).alias("price")]
        cols.append(
            pl.col("currency").cast(pl.Utf8).fill_null("").alias("currency")
            if "currency" in products.columns
            else pl.lit("").alias("currency")
        )
        cols.append(
            pl.col("category_path").cast(pl.Utf8).alias("category_path")
            if "category_path" in products.columns
            else pl.lit(None, dtype=pl.Utf8).alias("category_path")
        )
        cols.append(
            pl.col("language").cast(pl.Utf8).fill_null("").alias("language")
            if "language" in products.columns
            else pl.lit("").alias("language")
        )
        frame = products.select(cols).filter(pl.col("price").is_finite() & (pl.col("price") > 0))
        if not frame.height:
            return
        lang_cur = (
            frame.group_by("language", "currency").len().sort("len", "currency", descending=[True, False])
        )
        for lang, cur, _ in lang_cur.iter_rows():
            self.currency_by_language.setdefault(lang, cur)
        paths = frame["category_path"].drop_nulls().unique().to_list()
        mapping = pl.DataFrame(
            {"category_path": paths, "node": [category_prefixes(p) for p in paths]},
            schema={"category_path": pl.Utf8, "node": pl.List(pl.Utf8)},
        ).explode("node")
        nodes = frame.join(mapping, on="category_path", how="inner").select("node", "currency", "price")
        whole = frame.select(pl.lit("").alias("node"), "currency", "price")
        aggs = [
            pl.len().alias("n"),
            pl.col("price").min().alias("min"),
            pl.col("price").max().alias("max"),
        ] + [pl.col("price").quantile(q, interpolation="linear").alias(_qname(q)) for q in QUANTILES]
        stats = pl.concat([whole, nodes]).group_by("node", "currency").agg(aggs)
        for row in stats.iter_rows(named=True):
            d = {k: float(v) for k, v in row.items() if k not in ("node", "currency")}
            self.prices.setdefault(row["node"], {})[row["currency"]] = d

    # ------------------------------------------------------------------ queries
    def children(self, path: str) -> list[str]:
        node = self.categories.get(path)
        return list(node.children) if node else []

    def parent(self, path: str) -> str | None:
        node = self.categories.get(path)
        return node.parent if node else None

    def category_count(self, path: str) -> int:
        node = self.categories.get(path)
        return node.count if node else 0

    def find_categories(self, name: str) -> list[str]:
        """Paths whose last level is ``name`` (case/accents ignored), biggest first."""
        key = fold(name)
        hits = [n for n in self.categories.values() if fold(n.name) == key or fold(n.path) == key]
        return [n.path for n in sorted(hits, key=lambda n: (-n.count, n.path))]

    def related_categories(self, category: str, k: int = 10) -> list[tuple[str, float]]:
        """Categories bought together with ``category`` (link weight), then its siblings (0.0)."""
        out = list(self.category_links.get(category, []))[:k]
        seen = {c for c, _ in out} | {category}
        parent = self.parent(category)
        siblings = self.children(parent) if parent is not None else []
        for s in siblings:
            if len(out) >= k:
                break
            if s not in seen:
                out.append((s, 0.0))
                seen.add(s)
        return out

    def brands_in(self, category: str) -> list[tuple[str, int]]:
        """Brands with products in ``category`` or below it, most products first."""
        prefix = category + CATEGORY_SEP
        out = []
        for b, cats in self.brands.items():
            n = sum(c for p, c in cats.items() if p == category or p.startswith(prefix))
            if n:
                out.append((b, n))
        return sorted(out, key=lambda x: (-x[1], x[0]))

    def categories_of_brand(self, brand: str) -> list[tuple[str, int]]:
        return sorted(self.brands.get(brand, {}).items(), key=lambda x: (-x[1], x[0]))

    def values_of(self, key: str) -> list[tuple[str, int]]:
        """Values of attribute ``key`` with product counts, most common first."""
        return sorted(self.attributes.get(key, {}).items(), key=lambda x: (-x[1], x[0]))

    def keys_of(self, value: str) -> list[tuple[str, int]]:
        """Attribute keys that take ``value`` (compared after normalisation), most common first."""
        return sorted(self.value_keys.get(fold(value), {}).items(), key=lambda x: (-x[1], x[0]))

    def co_purchased(self, item: str, k: int = 10) -> list[tuple[str, float]]:
        """Items most often bought (or, weaker, browsed) together with ``item``."""
        return list(self.item_links.get(str(item), []))[:k]

    def price_stats(self, category: str = "", currency: str | None = None) -> dict[str, float] | None:
        """Price statistics of ``category`` ("" = catalog) in ``currency`` (None = the most
        common currency of the node); None when the node has no prices."""
        per = self.prices.get(category)
        if not per:
            return None
        if currency is not None:
            return per.get(currency)
        return max(per.values(), key=lambda d: d["n"])

    def price_quantile(self, q: float, category: str = "", currency: str | None = None) -> float | None:
        """The ``q`` quantile (one of ``QUANTILES``) of prices in a category, or None."""
        stats = self.price_stats(category, currency)
        return None if stats is None else stats.get(_qname(q))

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "n_products": self.n_products,
            "categories": [
                [n.path, n.name, n.parent, n.depth, n.count, n.children] for n in self.categories.values()
            ],
            "category_aliases": self.category_aliases,
            "brands": self.brands,
            "brand_counts": self.brand_counts,
            "attributes": self.attributes,
            "value_keys": self.value_keys,
            "prices": self.prices,
            "currency_by_language": self.currency_by_language,
            "item_links": {k: [[a, w] for a, w in v] for k, v in self.item_links.items()},
            "category_links": {k: [[a, w] for a, w in v] for k, v in self.category_links.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> KnowledgeGraph:
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported knowledge graph format {d.get('format_version')!r} (expected {FORMAT_VERSION}); rebuild it"
            )
        g = cls(n_products=int(d["n_products"]))  # type: ignore[arg-type]
        for path, name, parent, depth, count, children in d["categories"]:  # type: ignore[attr-defined]
            g.categories[path] = CategoryNode(path, name, parent, int(depth), int(count), list(children))
        g.category_aliases = {k: list(v) for k, v in d["category_aliases"].items()}  # type: ignore[attr-defined]
        g.brands = {k: dict(v) for k, v in d["brands"].items()}  # type: ignore[attr-defined]
        g.brand_counts = dict(d["brand_counts"])  # type: ignore[arg-type]
        g.attributes = {k: dict(v) for k, v in d["attributes"].items()}  # type: ignore[attr-defined]
        g.value_keys = {k: dict(v) for k, v in d["value_keys"].items()}  # type: ignore[attr-defined]
        g.prices = {k: {c: dict(s) for c, s in v.items()} for k, v in d["prices"].items()}  # type: ignore[attr-defined]
        g.currency_by_language = dict(d["currency_by_language"])  # type: ignore[arg-type]
        g.item_links = {k: [(a, float(w)) for a, w in v] for k, v in d["item_links"].items()}  # type: ignore[attr-defined]
        g.category_links = {k: [(a, float(w)) for a, w in v] for k, v in d["category_links"].items()}  # type: ignore[attr-defined]
        return g

    def save(self, folder: Path | str) -> Path:
        """Write ``graph.json`` into ``folder`` (created if needed); returns the file."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / FILE_NAME
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(out)
        return out

    @classmethod
    def load(cls, folder: Path | str) -> KnowledgeGraph:
        """Read a graph written by ``save`` (a folder or the ``graph.json`` itself)."""
        path = Path(folder)
        if path.is_dir():
            path = path / FILE_NAME
        if not path.is_file():
            raise ValueError(f"no knowledge graph at {path}")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ValueError(f"{path}: not a knowledge graph file ({e})") from None
        return cls.from_dict(d)

    # ------------------------------------------------------------------ vocabulary
    def vocabulary(self) -> Iterable[tuple[str, str, str, int]]:
        """Every catalog string a query can name: ``(kind, key, canonical value, count)`` with
        kind ``brand`` / ``category`` / ``attribute``; category entries use the full path as
        value and are listed once per name and once per mined alias."""
        for b, n in self.brand_counts.items():
            yield ("brand", "brand", b, n)
        for node in self.categories.values():
            yield ("category", "category", node.path, node.count)
        for k, vals in self.attributes.items():
            for v, n in vals.items():
                yield ("attribute", k, v, n)


def _qname(q: float) -> str:
    return f"q{round(q * 100):02d}"
