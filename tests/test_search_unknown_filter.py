"""A filter no product matches is said, not papered over (session 32, t1f; closing31's first-hour list).

A search with a category filter no product is in ("Women > Dressez") answered 0 results with the note "the
constraints read from the query matched nothing; searched without them": untrue - leaving out what the query was
read as ("colour: red") changed nothing, the request's own filter matched nothing. A filter stays a filter (an API
client filtering by category must not get other categories' products); the answer now says that no product matches
the request's filters, and the warning names the category with the catalog's nearest ones."""

from __future__ import annotations

import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.request_warnings import close_names


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    shop = G.generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0)
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


@pytest.mark.parametrize("query", ["red dress", "dress", ""])
def test_an_unknown_category_says_so_with_the_close_ones(engine: SearchEngine, query: str) -> None:
    r = engine.search(query, filters={"categories": ["Women > Dressez"]}, size=10)
    assert r.total == 0
    assert not any("searched without" in n for n in r.notes), r.notes
    if query:
        assert "no product matches the request's filters, so nothing was searched (see warnings)" in r.notes
    (w,) = [w for w in r.warnings if w["code"] == "unknown_category"]
    assert w["message"] == (
        "category: no product of the catalog is in category 'Women > Dressez', so the filter matches nothing"
        " - did you mean 'Women > Dresses'?"
    )


def test_an_unknown_brand_too(engine: SearchEngine) -> None:
    brand = next(b for b in engine.catalog.brands if b.isascii() and len(b) >= 6)
    r = engine.search("red dress", filters={"brands": [brand[:-1] + "x"]}, size=10)
    assert r.total == 0 and not any("searched without" in n for n in r.notes)
    (w,) = [w for w in r.warnings if w["code"] == "unknown_brand"]
    assert f"did you mean {brand!r}" in w["message"]


def test_a_known_filter_still_gives_way_to_the_query(engine: SearchEngine) -> None:
    """The relaxation itself is unchanged: a known category with no red in it drops "colour: red"."""
    r = engine.search("red dress", filters={"categories": ["Women > Dresses"]}, size=10)
    assert r.total > 0 and not any("nothing was searched" in n for n in r.notes)


def test_close_names() -> None:
    paths = ["Home", "Home > Furniture", "Home > Lighting", "Women > Dresses", "Women > Tops"]
    assert close_names("Furnitur", paths) == ["Home > Furniture"]
    assert close_names("women > dressez", paths) == ["Women > Dresses"]
    assert close_names("Garden", paths) == []
