"""Spelling correction never rewrites a known word and shows real spellings (issue 18, items 4, 7)."""

from __future__ import annotations

import polars as pl
import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.graph import KnowledgeGraph
from shopmind.search.lexical import LexicalIndex
from shopmind.search.understand import QueryUnderstanding
from shopmind.text.analysis import Analyzer

CFG = SearchConfig(encoder=None)


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=7, n_products=400, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, CFG)


def test_a_synonym_word_is_never_corrected_into_another_word(engine):
    """ "sofa under 500" became "soft" (teddy bears) although sofa is a synonym group word."""
    for q in ("sofa under 500", "sofa", "couch", "settee"):
        r = engine.search(q, size=10)
        assert r.corrections == {}, q
        assert not any("soft" in (h.title or "").lower() for h in r.hits), q
    r = engine.search("sofa under 500", size=10)
    # "soft under 500" is another query: no longer offered either (session 32, tests/test_search_suggestions.py)
    assert r.total == 0 and r.suggestions == []
    assert not any("did you mean" in n for n in r.notes)


def test_typos_are_still_corrected(engine):
    r = engine.search("lether jacket", size=5)
    assert r.corrections == {"lether": "leather"} and r.total > 0 and r.suggestions == []


def test_shop_synonyms_and_catalog_words_are_known(shop):
    g = KnowledgeGraph.build(shop.batch.products)
    qu = QueryUnderstanding(g, synonyms={"chesterfield": ["sofa"]})
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, parser=qu)
    assert qu.knows("chesterfield") and qu.knows("Sofa") and qu.knows("dresses") and qu.knows("under")
    assert not qu.knows("chesterfeild")
    assert eng.search("chesterfield", size=5).corrections == {}
    # the parser's own speller respects the same test
    spelled = QueryUnderstanding(g, speller=lambda w: "soft" if w == "sofa" else None)
    assert spelled.parse("sofa").corrections == ()


def _candles() -> pl.DataFrame:
    titles = ["white candle holder", "red candle", "candle set of 3", "pillar candle", "CANDL TIN 3 WICK"]
    return pl.DataFrame({"product_id": [f"p{i}" for i in range(len(titles))], "title": titles})


def test_a_correction_shows_the_usual_spelling_not_a_stem_like_one(tmp_path):
    """ "candel" was corrected to "candl": a truncated catalog word that stems like "candle"."""
    idx = LexicalIndex(Analyzer())
    idx.upsert(_candles())
    assert idx.analyze_query("candel")[1] == {"candel": "candle"}
    loaded = LexicalIndex.load(idx.save(tmp_path / "lex"))
    assert loaded.analyze_query("candel")[1] == {"candel": "candle"}
    eng = SearchEngine.build(_candles(), None, SearchConfig(encoder=None))
    r = eng.search("candel", size=10)
    assert r.corrections == {"candel": "candle"} and r.understood["corrections"] == {"candel": "candle"}
    assert r.total == 5


def test_a_common_english_word_is_a_word_not_a_typo(engine, monkeypatch):
    """ "I'm looking for a red dress": "looking" is no catalog word and was corrected to "cooking" (one edit),
    pulling the cookware of the catalog into a dress search; the language's most frequent words are real words."""
    import shopmind.search.phrasing as phrasing
    import shopmind.search.understand_vocab as uv

    r = engine.search("I'm looking for a red dress", size=10)
    assert r.corrections == {} and r.total > 0
    assert all(str(h.category_path).startswith("Women > Dresses") for h in r.hits)
    assert engine.search("lether jacket", size=5).corrections == {"lether": "leather"}  # a typo still is one
    monkeypatch.setattr(uv, "COMMON_EN", 0)  # without the common words, the old correction comes back
    monkeypatch.setattr(phrasing, "PHRASING", False)  # (and "I'm looking for" searched: search/phrasing.py)
    assert engine.search("I'm looking for a red dress", size=10).corrections == {"looking": "cooking"}
