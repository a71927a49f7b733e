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
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from shopmind.data.model import CATEGORY_SEP
from shopmind.text.analysis import STOP_WORDS, UNITS, normalize

FORMAT_VERSION = 1
FILE_NAME = "graph.json"
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
LINKS_PER_NODE = 20
#: Items of one order considered for pairs (first ones): bounds the quadratic blow-up.
MAX_BASKET = 50
#: In a session (browsing, cart) only items at most this many steps apart are linked, as in
#: co-visitation counting: long sessions drift, and the pair count stays linear.
SESSION_WINDOW = 5
#: Alias mining reads at most this many products (an evenly spaced sample of larger catalogs):
#: precision and coverage are shares, a sample estimates them well.
ALIAS_SAMPLE = 20_000
#: Event type -> weight of a pair of items sharing a basket of that kind.
LINK_WEIGHTS: dict[str, float] = {"order": 1.0, "cart": 0.5, "session": 0.2}
#: Alias mining: a title word becomes an alias of a category node when at least this share of
#: the products carrying it are in the node (precision), it covers at least this share of the
#: node's products written in the same script (coverage) and occurs in at least this many.
ALIAS_PRECISION = 0.9
ALIAS_COVERAGE = 0.5
ALIAS_MIN_COUNT = 3

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_RE = re.compile(f"[{_CJK}]")
#: A token of the original text: a CJK run, or a Latin/digit word (decimals kept whole, a
#: possessive 's kept on the word so "women's" and "womens" agree).
TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<w>(?:\d+(?:[.,]\d+)+|[^\W_{_CJK}])+(?:['’][sS](?![^\W_]))?)")
_NUM_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")


def fold(text: str) -> str:
    """``normalize`` plus accents removed from Latin letters ("Élan" and "elan" match)."""
    text = normalize(text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", out)


@lru_cache(maxsize=100_000)
def word_term(word: str) -> str:
    """The matching term of one Latin word: folded, possessive dropped, stemmed when alphabetic,
    ``<number><canonical unit>`` for a number glued to a unit ("500ML" -> ``500ml``)."""
    from shopmind.text.analysis import _stem  # the analyzer's cached Snowball stemmer

    w = fold(word)
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    w = w.replace(",", "") if w[:1].isdigit() else w
    if w.isascii() and w.isalpha():
        return _stem(w)
    m = _NUM_UNIT.fullmatch(w)
    if m and m.group(2) in UNITS:
        return m.group(1) + UNITS[m.group(2)]
    return w


def latin_terms(text: str) -> list[tuple[str, int, int]]:
    """``(term, start, end)`` of the Latin words of ``text`` (offsets into ``text``), stop words
    dropped and a number followed by a unit word merged into one term ("128 GB" -> ``128gb``)."""
    out: list[tuple[str, int, int]] = []
    for m in TOKEN_RE.finditer(text):
        if m.group("w") is None:
            continue
        term = word_term(m.group())
        if term in STOP_WORDS and not term.isdigit():
            continue
        if out and term in UNITS and out[-1][0].replace(".", "", 1).isdigit() and m.start() - out[-1][2] <= 1:
            prev = out.pop()
            out.append((prev[0] + UNITS[term], prev[1], m.end()))
            continue
        out.append((term, m.start(), m.end()))
    return out


def entry_key(text: str) -> tuple[str, str | tuple[str, ...]] | None:
    """How a catalog string is matched in queries: ``("zh", folded string without spaces)`` for
    text with CJK characters (substring match), ``("en", terms)`` otherwise (whole terms);
    ``None`` for strings too short or all numbers (sizes like "39/40" would match any number)."""
    if not text:
        return None
    if CJK_RE.search(text):
        s = fold(text).replace(" ", "")
        return ("zh", s) if len(s) >= 2 else None
    terms = tuple(t for t, _, _ in latin_terms(text))
    if not terms or all(t.replace(".", "", 1).isdigit() for t in terms) or len("".join(terms)) < 2:
        return None
    return ("en", terms)


def category_prefixes(path: str) -> list[str]:
    """ "A > B > C" -> ["A", "A > B", "A > B > C"] (empty levels dropped)."""
    parts = [p.strip() for p in path.split(CATEGORY_SEP.strip())]
    parts = [p for p in parts if p]
    return [CATEGORY_SEP.join(parts[: i + 1]) for i in range(len(parts))]


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
            g._mine_aliases(products)
        if events is not None and events.height and {"item_id", "type"} <= set(events.columns):
            g._build_links(products, events)
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

    def _mine_aliases(self, products: pl.DataFrame) -> None:
        """Title words that name a category node (see ``ALIAS_*``); the deepest qualifying node wins."""
        from shopmind.text.analysis import _jieba

        known: set[tuple[str, object]] = set()
        for s in list(self.brand_counts) + [v for vals in self.attributes.values() for v in vals]:
            k = entry_key(s)
            if k is not None:
                known.add(k)
        modifiers: set[str] = set()  # non-final words of category names: "high" of "High Heels"
        for node in self.categories.values():
            k = entry_key(node.name)
            if k is not None:
                known.add(k)
                if k[0] == "en":
                    modifiers.update(k[1][:-1])
        leaf_of: dict[str, str] = {}
        token_leaf: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        script_leaf: dict[str, Counter[str]] = {"zh": Counter(), "en": Counter()}
        rows = products.select(
            pl.col("title").cast(pl.Utf8), pl.col("category_path").cast(pl.Utf8)
        ).drop_nulls()
        if rows.height > ALIAS_SAMPLE:
            rows = rows.gather_every(-(-rows.height // ALIAS_SAMPLE))
        cjk_words: dict[str, list[str]] = {}
        for title, raw in rows.iter_rows():
            leaf = leaf_of.get(raw)
            if leaf is None:
                pre = category_prefixes(raw)
                leaf = leaf_of[raw] = pre[-1] if pre else ""
            if not leaf:
                continue
            toks: set[tuple[str, str]] = set()
            for m in TOKEN_RE.finditer(title):
                if m.group("cjk") is not None:
                    words = cjk_words.get(m.group())
                    if words is None:
                        cut = _jieba().cut_for_search(m.group(), HMM=False)
                        words = cjk_words[m.group()] = list({fold(w) for w in cut if len(w) >= 2})
                    toks.update(("zh", w) for w in words)
                else:
                    t = word_term(m.group())
                    if len(t) >= 3 and t.isalpha() and t not in STOP_WORDS:
                        toks.add(("en", t))
            for tok in toks:
                token_leaf[tok][leaf] += 1
            for script in {s for s, _ in toks}:
                script_leaf[script][leaf] += 1
        # products per node and script (subtree sums)
        script_node: dict[str, Counter[str]] = {}
        for script, leaves in script_leaf.items():
            c: Counter[str] = Counter()
            for leaf, n in leaves.items():
                for p in category_prefixes(leaf):
                    c[p] += n
            script_node[script] = c
        aliases: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for (script, tok), leaves in token_leaf.items():
            total = sum(leaves.values())
            if total < ALIAS_MIN_COUNT or (script, tok if script == "zh" else (tok,)) in known:
                continue
            if script == "en" and tok in modifiers:
                continue
            per_node: Counter[str] = Counter()
            for leaf, n in leaves.items():
                for p in category_prefixes(leaf):
                    per_node[p] += n
            best: tuple[int, str] | None = None
            for node, n in per_node.items():
                if n < ALIAS_MIN_COUNT or n / total < ALIAS_PRECISION:
                    continue
                if n / max(script_node[script][node], 1) < ALIAS_COVERAGE:
                    continue
                depth = self.categories[node].depth if node in self.categories else 0
                if best is None or depth > best[0]:
                    best = (depth, node)
            if best is not None:
                aliases[best[1]].append((-per_node[best[1]], tok))
        out: dict[str, list[str]] = {}
        for node, found in sorted(aliases.items()):
            words = [t for _, t in sorted(found)]
            # a Chinese fragment inside a longer alias of the same node ("连衣" of "连衣裙") is a
            # jieba sub-word, not a name of its own: substring matching would fire on other words
            keep = [w for w in words if not (CJK_RE.search(w) and any(w != o and w in o for o in words))]
            out[node] = keep
        self.category_aliases = out

    def _build_links(self, products: pl.DataFrame, events: pl.DataFrame) -> None:
        cols = set(events.columns)
        ev = events.select(
            pl.col("item_id").cast(pl.Utf8),
            pl.col("type").cast(pl.Utf8),
            (pl.col("session_id").cast(pl.Utf8) if "session_id" in cols else pl.lit(None, pl.Utf8)).alias(
                "sid"
            ),
            (pl.col("order_id").cast(pl.Utf8) if "order_id" in cols else pl.lit(None, pl.Utf8)).alias("oid"),
            (pl.col("user_id").cast(pl.Utf8) if "user_id" in cols else pl.lit(None, pl.Utf8)).alias("uid"),
            (pl.col("timestamp") if "timestamp" in cols else pl.lit(None)).alias("ts"),
        ).filter(pl.col("item_id").is_not_null())
        ev = ev.with_row_index("_i")
        if "timestamp" in cols:
            ev = ev.sort("ts", "_i", nulls_last=True)
        purchase = pl.col("type") == "purchase"
        session = pl.coalesce(pl.col("sid"), pl.col("uid"))
        baskets = pl.concat(
            [
                ev.filter(purchase & pl.col("oid").is_not_null()).select(
                    pl.lit("order").alias("kind"), pl.col("oid").alias("basket"), "item_id"
                ),
                ev.filter(purchase & pl.col("oid").is_null() & session.is_not_null()).select(
                    pl.lit("order").alias("kind"), ("s:" + session).alias("basket"), "item_id"
                ),
                ev.filter((pl.col("type") == "add_to_cart") & session.is_not_null()).select(
                    pl.lit("cart").alias("kind"), session.alias("basket"), "item_id"
                ),
                ev.filter(
                    pl.col("type").is_in(["view", "click", "add_to_cart", "purchase"]) & session.is_not_null()
                ).select(pl.lit("session").alias("kind"), session.alias("basket"), "item_id"),
            ]
        )
        baskets = baskets.unique(["kind", "basket", "item_id"], keep="first", maintain_order=True)
        weights = pl.DataFrame({"kind": list(LINK_WEIGHTS), "w": list(LINK_WEIGHTS.values())})
        orders = baskets.filter(pl.col("kind") == "order")
        orders = orders.filter(pl.int_range(pl.len()).over("basket") < MAX_BASKET)
        parts = [orders.join(orders, on=["kind", "basket"], suffix="_b")]
        sessions = baskets.filter(pl.col("kind") != "order")
        for d in range(1, SESSION_WINDOW + 1):
            shifted = sessions.with_columns(
                pl.col("item_id").shift(-d).alias("item_id_b"),
                pl.col("basket").shift(-d).alias("_nb"),
                pl.col("kind").shift(-d).alias("_nk"),
            ).filter((pl.col("_nb") == pl.col("basket")) & (pl.col("_nk") == pl.col("kind")))
            shifted = shifted.select("kind", "basket", "item_id", "item_id_b")
            parts.append(shifted)
            parts.append(
                shifted.rename({"item_id": "item_id_b", "item_id_b": "item_id"}).select(shifted.columns)
            )
        pairs = (
            pl.concat([x.select("kind", "basket", "item_id", "item_id_b") for x in parts])
            .filter(pl.col("item_id") != pl.col("item_id_b"))
            .join(weights, on="kind")
            .group_by("item_id", "item_id_b")
            .agg(pl.col("w").sum())
        )
        self.item_links = _top_links(pairs.rename({"item_id": "a", "item_id_b": "b"}))
        if self.categories and "category_path" in products.columns:
            cat = products.select(
                pl.col("product_id").cast(pl.Utf8).alias("item_id"),
                pl.col("category_path").cast(pl.Utf8).alias("cat"),
            ).drop_nulls()
            leaf = {p: (category_prefixes(p) or [""])[-1] for p in cat["cat"].unique().to_list()}
            cat = cat.with_columns(pl.col("cat").replace_strict(leaf, default=""))
            cpairs = (
                pairs.join(cat, on="item_id")
                .join(cat.rename({"item_id": "item_id_b", "cat": "cat_b"}), on="item_id_b")
                .filter((pl.col("cat") != pl.col("cat_b")) & (pl.col("cat") != "") & (pl.col("cat_b") != ""))
                .group_by("cat", "cat_b")
                .agg(pl.col("w").sum())
                .rename({"cat": "a", "cat_b": "b"})
            )
            self.category_links = _top_links(cpairs)

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


def _top_links(pairs: pl.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """``a, b, w`` rows -> a -> top ``LINKS_PER_NODE`` (b, w), heaviest first (ties by id)."""
    top = (
        pairs.filter(pl.col("w").is_finite())
        .sort(["a", "w", "b"], descending=[False, True, False])
        .group_by("a", maintain_order=True)
        .agg(pl.col("b").head(LINKS_PER_NODE), pl.col("w").round(6).head(LINKS_PER_NODE))
    )
    return {a: list(zip(bs, ws, strict=True)) for a, bs, ws in top.iter_rows()}
