"""Facet counts over a hand-made catalog: values, other/missing, price buckets, attributes."""

import numpy as np
import polars as pl
import pytest

from shopmind.search.catalog import Catalog
from shopmind.search.facets import compute_facets, nice_number, price_edges
from shopmind.search.query import Filters


def _catalog() -> Catalog:
    rows = [
        ("p1", "Acme", "Tools > Drills", 10.0, [("colour", "red"), ("colour", "black")]),
        ("p2", "acme", "Tools > Drills > Cordless", 25.0, [("colour", "Red")]),
        ("p3", "Bolt", "Tools > Saws", 99.0, [("material", "steel")]),
        ("p4", None, "Garden", None, []),
        ("p5", "Bolt", None, 250.0, [("colour", "blue")]),
        ("p6", "Cobra", "Tools > Saws", 40.0, []),
    ]
    frame = pl.DataFrame(
        {
            "product_id": [r[0] for r in rows],
            "title": [f"item {r[0]}" for r in rows],
            "brand": [r[1] for r in rows],
            "category_path": [r[2] for r in rows],
            "price": [r[3] for r in rows],
            "attributes": [[{"key": k, "value": v} for k, v in r[4]] for r in rows],
        }
    )
    cat = Catalog()
    cat.upsert(frame)
    return cat


def test_brand_facet_folds_case_and_adds_up():
    cat = _catalog()
    rows = np.flatnonzero(cat.live)
    f = compute_facets(cat, rows, ["brand"])["brand"]
    assert f.counts() == {"Acme": 2, "Bolt": 2, "Cobra": 1}
    assert f.missing == 1 and f.other == 0
    assert sum(f.counts().values()) + f.other + f.missing == len(rows)


def test_facet_size_cut_goes_to_other():
    cat = _catalog()
    f = compute_facets(cat, np.flatnonzero(cat.live), ["brand"], size=1)["brand"]
    assert list(f.counts()) == ["Acme"]  # ties (2, 2) broken by name
    assert f.other == 3 and f.missing == 1


def test_category_levels_use_prefix_paths():
    cat = _catalog()
    out = compute_facets(cat, np.flatnonzero(cat.live), ["category"])
    assert out["category.lvl0"].counts() == {"Tools": 4, "Garden": 1}
    assert out["category.lvl0"].missing == 1
    assert out["category.lvl1"].counts() == {"Tools > Saws": 2, "Tools > Drills": 2}
    assert out["category.lvl2"].counts() == {"Tools > Drills > Cordless": 1}
    assert out["category.lvl2"].missing == 5


def test_price_buckets_cover_known_prices():
    cat = _catalog()
    rows = np.flatnonzero(cat.live)
    f = compute_facets(cat, rows, ["price"], price_buckets=3)["price"]
    assert f.missing == 1
    assert sum(c for _, _, c in f.buckets) == 5
    assert f.buckets[0][0] is None and f.buckets[-1][1] is None
    prices = [10.0, 25.0, 99.0, 250.0, 40.0]
    for lo, hi, c in f.buckets:
        assert c == sum(1 for p in prices if (lo is None or p >= lo) and (hi is None or p < hi))


def test_attribute_facets_count_products_per_value():
    cat = _catalog()
    rows = np.flatnonzero(cat.live)
    out = compute_facets(cat, rows, ["attributes"])
    colour = out["attr.colour"]
    assert colour.counts() == {"red": 2, "black": 1, "blue": 1}  # "Red" folds into "red"
    assert colour.missing == 3  # p3, p4, p6 have no colour
    assert out["attr.material"].counts() == {"steel": 1}
    # explicit key, unknown key
    out = compute_facets(cat, rows, ["colour", "nope"])
    assert out["attr.colour"].counts()["red"] == 2
    assert out["attr.nope"].counts() == {} and out["attr.nope"].missing == len(rows)


def test_facets_of_a_subset_and_after_delete():
    cat = _catalog()
    sub = cat.rows_of(["p1", "p3"])
    assert compute_facets(cat, sub, ["brand"])["brand"].counts() == {"Acme": 1, "Bolt": 1}
    cat.delete(["p3"])
    rows = np.flatnonzero(cat.live)
    assert compute_facets(cat, rows, ["brand"])["brand"].counts() == {"Acme": 2, "Bolt": 1, "Cobra": 1}
    empty = compute_facets(cat, np.zeros(0, dtype=np.int64))
    assert empty["brand"].counts() == {} and empty["price"].buckets == []


def test_filters_mask():
    cat = _catalog()

    def ids(f):
        return sorted(cat.ids[r] for r in np.flatnonzero(cat.mask(f)))

    assert ids(Filters(categories=("tools > drills",))) == ["p1", "p2"]
    assert ids(Filters(categories=("Tools",))) == ["p1", "p2", "p3", "p6"]
    assert ids(Filters(categories=("Tool",))) == []  # a prefix must end at a level boundary
    assert ids(Filters(brands=("ACME",))) == ["p1", "p2"]
    assert ids(Filters(price_min=25, price_max=99)) == ["p2", "p3", "p6"]
    assert ids(Filters(attributes=(("Colour", ("RED", "blue")),))) == ["p1", "p2", "p5"]


@pytest.mark.parametrize(
    "x,expected", [(1.0, 1.0), (7.3, 5.0), (23.0, 20.0), (260.0, 250.0), (0.04, 0.025), (99.99, 50.0)]
)
def test_nice_number(x, expected):
    assert nice_number(x) == pytest.approx(expected)


def test_price_edges_are_inside_the_range_and_sorted():
    rng = np.random.default_rng(0)
    prices = rng.lognormal(3, 1, 500)
    edges = price_edges(prices, 5)
    assert edges == sorted(edges) and len(set(edges)) == len(edges)
    assert all(prices.min() < e <= prices.max() for e in edges)
    assert 2 <= len(edges) <= 4
