"""What the knowledge graph mines from the data rather than reads off it: category aliases
from titles (a word that names a subtree, in any language) and co-purchase links from events.
Kept apart from ``graph.py`` (the structure and its lookups) because these are the two costly,
tunable passes of a graph build."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import polars as pl

from shopmind.search.graph_text import CJK_RE, TOKEN_RE, category_prefixes, entry_key, fold, word_term
from shopmind.text.analysis import STOP_WORDS

if TYPE_CHECKING:
    from shopmind.search.graph import KnowledgeGraph

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


def mine_aliases(graph: KnowledgeGraph, products: pl.DataFrame) -> dict[str, list[str]]:
    """Title words that name a category node (see ``ALIAS_*``); the deepest qualifying node wins."""
    from shopmind.text.analysis import _jieba

    known: set[tuple[str, object]] = set()
    for s in list(graph.brand_counts) + [v for vals in graph.attributes.values() for v in vals]:
        k = entry_key(s)
        if k is not None:
            known.add(k)
    modifiers: set[str] = set()  # non-final words of category names: "high" of "High Heels"
    for node in graph.categories.values():
        k = entry_key(node.name)
        if k is not None:
            known.add(k)
            if k[0] == "en":
                modifiers.update(k[1][:-1])
    leaf_of: dict[str, str] = {}
    token_leaf: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    script_leaf: dict[str, Counter[str]] = {"zh": Counter(), "en": Counter()}
    rows = products.select(pl.col("title").cast(pl.Utf8), pl.col("category_path").cast(pl.Utf8)).drop_nulls()
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
            depth = graph.categories[node].depth if node in graph.categories else 0
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
    return out


def co_purchase_links(
    products: pl.DataFrame, events: pl.DataFrame, with_categories: bool
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[tuple[str, float]]]]:
    """Item<->item and category<->category co-purchase links (weights ``LINK_WEIGHTS``),
    top ``LINKS_PER_NODE`` per node; category links only ``with_categories``."""
    cols = set(events.columns)
    ev = events.select(
        pl.col("item_id").cast(pl.Utf8),
        pl.col("type").cast(pl.Utf8),
        (pl.col("session_id").cast(pl.Utf8) if "session_id" in cols else pl.lit(None, pl.Utf8)).alias("sid"),
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
        parts.append(shifted.rename({"item_id": "item_id_b", "item_id_b": "item_id"}).select(shifted.columns))
    pairs = (
        pl.concat([x.select("kind", "basket", "item_id", "item_id_b") for x in parts])
        .filter(pl.col("item_id") != pl.col("item_id_b"))
        .join(weights, on="kind")
        .group_by("item_id", "item_id_b")
        .agg(pl.col("w").sum())
    )
    item_links = _top_links(pairs.rename({"item_id": "a", "item_id_b": "b"}))
    category_links: dict[str, list[tuple[str, float]]] = {}
    if with_categories and "category_path" in products.columns:
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
        category_links = _top_links(cpairs)
    return item_links, category_links


def _top_links(pairs: pl.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """``a, b, w`` rows -> a -> top ``LINKS_PER_NODE`` (b, w), heaviest first (ties by id)."""
    top = (
        pairs.filter(pl.col("w").is_finite())
        .sort(["a", "w", "b"], descending=[False, True, False])
        .group_by("a", maintain_order=True)
        .agg(pl.col("b").head(LINKS_PER_NODE), pl.col("w").round(6).head(LINKS_PER_NODE))
    )
    return {a: list(zip(bs, ws, strict=True)) for a, bs, ws in top.iter_rows()}
