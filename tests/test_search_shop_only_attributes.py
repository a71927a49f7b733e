"""The shop's own terms (unit cost, a competitor's price, floor, ceiling) are not searchable.

A Shopify import maps 'Cost per item' to the ``cost`` attribute, which the pricing guardrails read;
search indexed it like a colour, so ``facets=attr.cost`` listed every product's cost to any shopper,
a filter ``attr=cost:…`` probed it, and a query of the number found the product by it.
"""

from __future__ import annotations

import polars as pl
import pytest

from shopmind.data.model import SHOP_ONLY_ATTRIBUTES
from shopmind.demo import generator as G
from shopmind.pricing.release import TERM_ATTRIBUTES, product_terms
from shopmind.search.engine import SearchConfig, SearchEngine

COST = "73137"  # one token no title, description or other attribute of the seed-7 shop holds


@pytest.fixture(scope="module")
def products() -> pl.DataFrame:
    shop = G.generate(seed=7, n_products=120, n_users=30, days=5, defect_rate=0.0)
    p = shop.batch.products
    extra = pl.Series(
        "extra",
        [[{"key": " Cost ", "value": COST}, {"key": "competitor_price", "value": "9.99"}]] * p.height,
        dtype=pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8})),
    )
    return p.with_columns(pl.concat_list(pl.col("attributes").fill_null([]), extra).alias("attributes"))


def test_costs_are_not_facets_filters_or_words(products: pl.DataFrame) -> None:
    engine = SearchEngine.build(products, None, SearchConfig(encoder=None))
    r = engine.search("", size=5, facets=("attr.cost", "attr.competitor_price", "attr.colour"))
    assert not r.facets.get("attr.cost") or not r.facets["attr.cost"].values
    assert not r.facets.get("attr.competitor_price") or not r.facets["attr.competitor_price"].values
    assert r.facets["attr.colour"].values  # a shopper's attribute is still a facet
    assert engine.search("", size=5, filters={"attributes": {"cost": [COST]}}).total == 0
    assert engine.search(COST, size=5).total == 0
    # ... while the pricing guardrails still read the cost from the same products
    terms, bad = product_terms(products)
    assert bad == 0 and len(terms) == products.height
    assert {t.cost for t in terms.values()} == {73137.0}


def test_one_list_of_the_shops_own_keys() -> None:
    assert TERM_ATTRIBUTES == SHOP_ONLY_ATTRIBUTES
