"""A Chinese query's function words are no query terms (session 32, t1f; closing31's first-hour list).

"的" counted as a Chinese query term: "红色的连衣裙" asked min-match for 的 too (in nearly every Chinese description),
and on a shop without it "的" was named in ``words_unmatched``. ``text/analysis.ZH_QUERY_STOP`` leaves such words out
of a query's terms (query side only), unless nothing else is left."""

from __future__ import annotations

import polars as pl
import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine


@pytest.fixture(scope="module")
def lexical() -> SearchEngine:
    shop = G.generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0)
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def test_de_is_no_query_term(lexical: SearchEngine) -> None:
    """ "的" counted as a Chinese query term (min-match, ``words_unmatched``): "红色的连衣裙" now matches as
    "红色连衣裙" does, and a shop without 的 does not name it as a word no product holds."""
    with_de, without = lexical.search("红色的连衣裙", size=100), lexical.search("红色连衣裙", size=100)
    assert with_de.total == without.total > 0 and with_de.ids == without.ids
    assert lexical._terms("红色的连衣裙") == lexical._terms("红色连衣裙")
    assert lexical._terms("的") == ["的"]  # a query of nothing else is searched as typed


def test_de_is_not_named_unmatched() -> None:
    products = pl.DataFrame(
        {
            "product_id": ["P1", "P2", "P3"],
            "title": ["红色连衣裙", "蓝色衬衫", "红色衬衫"],
            "category_path": ["Women > Dresses", "Men > Shirts", "Men > Shirts"],
            "price": [100.0, 80.0, 90.0],
            "currency": ["CNY"] * 3,
        }
    )
    eng = SearchEngine.build(products, None, SearchConfig(encoder=None))
    r = eng.search("红色的衬衫", size=10)
    assert r.total > 0
    assert [w for w in r.warnings if w["code"] == "words_unmatched"] == []
