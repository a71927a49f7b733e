"""KnowledgeGraph: category tree, vocabulary indexes, price quantiles, co-purchase links, persistence."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.demo.generator import generate
from shopmind.search.graph import KnowledgeGraph, category_prefixes, entry_key, fold

DATA = Path(os.environ.get("SHOPMIND_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@pytest.fixture(scope="module")
def shop():
    return generate(seed=7, n_products=600, n_users=100, days=20, defect_rate=0.0).batch


@pytest.fixture(scope="module")
def graph(shop) -> KnowledgeGraph:
    return KnowledgeGraph.build(shop.products, shop.events)


def test_category_tree_counts_match_the_catalog(shop, graph):
    paths = shop.products["category_path"].drop_nulls().to_list()
    for node in graph.categories.values():
        expected = sum(1 for p in paths if p == node.path or p.startswith(node.path + " > "))
        assert node.count == expected, node.path
        if node.parent is not None:
            assert node.path in graph.categories[node.parent].children
            assert node.depth == graph.categories[node.parent].depth + 1
    tops = [n for n in graph.categories.values() if n.parent is None]
    assert sum(n.count for n in tops) == len(paths)
    dresses = graph.children("Women > Dresses")
    assert set(dresses) == {p for p in set(paths) if p.startswith("Women > Dresses > ")}
    counts = [graph.category_count(c) for c in dresses]
    assert counts == sorted(counts, reverse=True)  # biggest child first
    assert graph.find_categories("maxi dresses") == ["Women > Dresses > Maxi Dresses"]


def test_brands_attributes_and_reverse_index(shop, graph):
    p = shop.products
    in_dresses = p.filter(pl.col("category_path").str.starts_with("Women > Dresses"))
    expected = in_dresses.group_by("brand").len().sort("len", "brand", descending=[True, False])
    assert graph.brands_in("Women > Dresses") == list(expected.iter_rows())
    colours = (
        p.select(pl.col("attributes").explode())
        .unnest("attributes")
        .filter(pl.col("key") == "colour")
        .group_by("value")
        .len()
    )
    assert dict(graph.values_of("colour")) == dict(colours.iter_rows())
    n_red = dict(colours.iter_rows())["red"]
    assert graph.keys_of("RED") == [("colour", n_red)]  # normalised lookup
    assert graph.keys_of("红色")[0][0] == "颜色"
    assert graph.keys_of("no such value") == []


def test_price_quantiles_per_category_and_currency(shop, graph):
    prices = (
        shop.products.filter(
            pl.col("category_path").str.starts_with("Women > Dresses") & (pl.col("currency") == "USD")
        )["price"]
        .drop_nulls()
        .to_numpy()
    )
    for q in (0.25, 0.5, 0.75):
        assert graph.price_quantile(q, "Women > Dresses", "USD") == pytest.approx(np.quantile(prices, q))
    whole = shop.products.filter(pl.col("currency") == "CNY")["price"].to_numpy()
    assert graph.price_quantile(0.25, "", "CNY") == pytest.approx(np.quantile(whole, 0.25))
    assert graph.currency_by_language == {"en": "USD", "zh": "CNY"}
    assert graph.price_quantile(0.25, "No > Such") is None


def test_aliases_are_mined_from_titles():
    """A title word that only one subtree uses and most of it carries names that subtree;
    words shared across subtrees (colours) never do."""
    rows = []
    for i in range(6):
        rows.append((f"d{i}", f"云裳 红色 连衣裙 {i}", "Women > Dresses"))
        rows.append((f"s{i}", f"步履 {'红色' if i % 2 else '黑色'} 皮鞋 {i}", "Shoes > Leather"))
    products = pl.DataFrame(rows, schema=["product_id", "title", "category_path"], orient="row")
    g = KnowledgeGraph.build(products)
    assert g.category_aliases["Women > Dresses"][:1] == ["连衣裙"]
    assert "皮鞋" in g.category_aliases["Shoes > Leather"]
    assert not any("红色" in v for v in g.category_aliases.values())


def _events(rows):
    ts0 = datetime(2026, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        [
            {
                "event_id": f"e{i}",
                "type": t,
                "session_id": s,
                "order_id": o,
                "item_id": it,
                "timestamp": ts0.replace(minute=i),
            }
            for i, (t, s, o, it) in enumerate(rows)
        ]
    )


def test_co_purchase_links_from_a_tiny_event_log():
    products = pl.DataFrame(
        {
            "product_id": ["A", "B", "C", "D"],
            "title": ["drill", "bit", "bit set", "hose"],
            "category_path": ["Tools > Drills", "Tools > Bits", "Tools > Bits", "Garden"],
        }
    )
    events = _events(
        [
            ("purchase", "S1", "O1", "A"),
            ("purchase", "S1", "O1", "B"),
            ("purchase", "S2", "O2", "A"),
            ("purchase", "S2", "O2", "B"),
            ("purchase", "S2", "O2", "C"),
            ("view", "S3", None, "A"),
            ("view", "S3", None, "D"),
            ("search", "S3", None, None),
        ]
    )
    g = KnowledgeGraph.build(products, events)
    # orders weigh 1 per shared order, sessions 0.2 per shared session (purchases are also browsing)
    assert g.co_purchased("A") == [
        ("B", pytest.approx(2.4)),
        ("C", pytest.approx(1.2)),
        ("D", pytest.approx(0.2)),
    ]
    assert g.co_purchased("D") == [("A", pytest.approx(0.2))]
    assert g.co_purchased("A", k=1) == [("B", pytest.approx(2.4))]
    assert g.co_purchased("nope") == []
    # B and C share a category: no self link; Drills <-> Bits gets A-B and A-C
    assert g.related_categories("Tools > Drills") == [
        ("Tools > Bits", pytest.approx(3.6)),
        ("Garden", pytest.approx(0.2)),
    ]
    assert g.related_categories("Tools > Bits", k=1) == [("Tools > Drills", pytest.approx(3.6))]


def test_related_categories_fall_back_to_siblings():
    products = pl.DataFrame(
        {"product_id": list("abc"), "title": list("xyz"), "category_path": ["T > A", "T > B", "T > B"]}
    )
    g = KnowledgeGraph.build(products)
    assert g.related_categories("T > A") == [("T > B", 0.0)]


def test_round_trip(tmp_path, graph):
    path = graph.save(tmp_path / "kg")
    back = KnowledgeGraph.load(tmp_path / "kg")
    assert back.to_dict() == graph.to_dict()
    assert back.brands_in("Women > Dresses") == graph.brands_in("Women > Dresses")
    item = next(iter(graph.item_links))
    assert back.co_purchased(item, 5) == graph.co_purchased(item, 5)
    assert back.price_quantile(0.25, "Women > Dresses", "USD") == graph.price_quantile(
        0.25, "Women > Dresses", "USD"
    )
    d = json.loads(path.read_text(encoding="utf-8"))
    d["format_version"] = 999
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported knowledge graph format 999"):
        KnowledgeGraph.load(path)
    with pytest.raises(ValueError, match="no knowledge graph"):
        KnowledgeGraph.load(tmp_path / "missing")


def test_minimal_products_give_an_empty_but_usable_graph():
    g = KnowledgeGraph.build(pl.DataFrame({"product_id": ["1", "2"], "title": ["a", "b"]}))
    assert g.n_products == 2 and not g.categories and not g.brands and not g.prices
    assert g.related_categories("x") == [] and g.brands_in("x") == [] and g.price_quantile(0.5) is None
    with pytest.raises(ValueError, match="product_id"):
        KnowledgeGraph.build(pl.DataFrame({"title": ["a"]}))


def test_matching_keys():
    assert fold("Élan") == "elan"
    assert entry_key("Women's Shoes") == entry_key("womens shoe")
    assert entry_key("256 GB") == entry_key("256GB") == ("en", ("256gb",))
    assert entry_key("39/40") is None and entry_key("M") is None
    assert entry_key("红色") == ("zh", "红色")
    assert category_prefixes("A >  B > C") == ["A", "A > B", "A > B > C"]


@pytest.mark.skipif(not (DATA / "home-depot").is_dir(), reason="shared data folder absent")
def test_home_depot_builds():
    """The graph of Home Depot's whole catalog: every product in it once. Its build time is a
    figure of ``bench/main_job.py`` (per stage), not a timed assertion here: the machine is shared."""
    from shopmind.data.adapters import get_adapter

    products = get_adapter("home-depot").load(DATA / "home-depot").products
    g = KnowledgeGraph.build(products)
    assert g.n_products == products["product_id"].n_unique() == 54_667
