"""What query understanding reads: simplified Chinese for traditional queries (issue 18 item 5)
and vocabulary only from trusted, supported rows (item 6)."""

from __future__ import annotations

import polars as pl
import pytest

from shopmind.data.model import FLAGS
from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine, flagged_ids, is_traditional
from shopmind.search.graph import KnowledgeGraph
from shopmind.search.understand import QueryUnderstanding

CFG = SearchConfig(encoder=None)


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=7, n_products=400, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, CFG)


def _chips(r) -> list[tuple[str, str]]:
    return [(c["kind"], c["value"]) for c in r.understood["constraints"]]


# ---------------------------------------------------------------------- item 5: t2s
def test_traditional_query_is_understood_matched_and_highlighted_like_simplified(engine):
    """紅色連衣裙 gave no chips, 241 hits and highlighted only 衣裙."""
    trad, simp = engine.search("紅色連衣裙", size=20), engine.search("红色连衣裙", size=20)
    assert engine.t2s is True and engine.config.traditional_to_simplified is None  # decided: simplified
    assert _chips(trad) == _chips(simp) and ("category", "Women > Dresses") in _chips(trad)
    assert trad.total == simp.total and trad.ids == simp.ids
    assert trad.understood["query"] == "紅色連衣裙"  # spans index what was typed
    assert any("traditional" in n for n in trad.notes)
    zh_hits = [h for h in trad.hits if "连衣裙" in h.title]  # English listings come too (item 8)
    assert len(zh_hits) >= 5
    for h in zh_hits:
        assert "<mark>连衣裙</mark>" in h.highlights["title"]
    assert sum("<mark>红色</mark>" in h.highlights["title"] for h in zh_hits) >= len(zh_hits) // 2
    assert [s.text for s in engine.autocomplete("連衣")] == [s.text for s in engine.autocomplete("连衣")]


def test_conversion_can_be_turned_off_and_is_off_for_a_traditional_catalog(shop, tmp_path):
    off = SearchEngine.build(
        shop.batch.products, None, SearchConfig(encoder=None, traditional_to_simplified=False)
    )
    assert off.search("紅色連衣裙", size=5).total != off.search("红色连衣裙", size=5).total
    trad = pl.DataFrame({"product_id": ["a", "b"], "title": ["紅色連衣裙", "藍色長款連衣裙"]})
    assert is_traditional(trad) and not is_traditional(shop.batch.products)
    eng = SearchEngine.build(trad, None, SearchConfig(encoder=None))
    assert eng.t2s is False and eng.config.traditional_to_simplified is None  # the config stays as given
    assert eng.search("紅色連衣裙", size=5).ids[0] == "a"
    loaded = SearchEngine.load(eng.save(tmp_path / "e"))
    assert loaded.t2s is False
    loaded.config = SearchConfig(encoder=None, traditional_to_simplified=True)  # an explicit setting wins
    assert loaded.t2s is True


# ---------------------------------------------------------------------- item 6: flagged rows
def _with_misplaced(products: pl.DataFrame, flags: bool) -> pl.DataFrame:
    """Two red dresses the gate flagged as miscategorised (under Beauty and Toys)."""
    dresses = products.filter(pl.col("category_path").str.starts_with("Women > Dresses")).head(2)
    odd = dresses.with_columns(
        pl.Series("product_id", ["ODD1", "ODD2"]),
        pl.Series("category_path", ["Beauty > Dresses > Maxi Dresses", "Toys > Dresses > Mini Dresses"]),
    )
    out = pl.concat([products, odd], how="vertical_relaxed")
    codes = [[] for _ in range(products.height)] + (
        [["PRD_CATEGORY_INCONSISTENT"]] * 2 if flags else [[], []]
    )
    return out.with_columns(pl.Series(FLAGS, codes, dtype=pl.List(pl.Utf8)))


def test_flagged_rows_do_not_feed_understanding(shop, tmp_path):
    """Two flagged products made "red dress" show "Beauty > Dresses" and "Toys > Dresses"."""
    products = _with_misplaced(shop.batch.products, flags=True)
    assert flagged_ids(products) == {"ODD1", "ODD2"}
    eng = SearchEngine.build(products, shop.batch.events, CFG)
    for e in (eng, SearchEngine.load(eng.save(tmp_path / "e"))):
        chips = [v for k, v in _chips(e.search("red dress", size=5)) if k == "category"]
        assert chips == ["Women > Dresses"], chips
        # still a product of the shop: searchable and filterable, only not vocabulary
        assert e.search("", filters={"categories": ["Beauty > Dresses"]}).ids == ["ODD1"]
    # an upsert (incremental rebuild, live product change) brings its rows' flags along
    fixed = products.filter(pl.col("product_id") == "ODD1").with_columns(
        pl.Series(FLAGS, [[]], dtype=pl.List(pl.Utf8))
    )
    eng.upsert(fixed)
    assert eng.untrusted == {"ODD2"}


def test_one_odd_row_never_makes_a_category_of_a_name(shop):
    """Without the flag (another gate, older data) support decides: 1 row vs hundreds."""
    products = _with_misplaced(shop.batch.products, flags=False).drop(FLAGS)
    qu = QueryUnderstanding(KnowledgeGraph.build(products))
    cats = [c.value for c in qu.parse("red dress").constraints if c.kind == "category"]
    assert cats == ["Women > Dresses"]
    # comparable support keeps both readings of an ambiguous name
    two = pl.DataFrame(
        {
            "product_id": [f"p{i}" for i in range(20)],
            "title": ["lamp"] * 20,
            "category_path": ["Home > Lamps"] * 12 + ["Garden > Lamps"] * 8,
        }
    )
    got = {c.value for c in QueryUnderstanding(KnowledgeGraph.build(two)).parse("lamps").constraints}
    assert got == {"Home > Lamps", "Garden > Lamps"}
