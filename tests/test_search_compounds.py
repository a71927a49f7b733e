"""A query word no product holds is matched by the catalog's compounds ending in it (session 32, t1f).

"lether bag" on the demo shop ranked leather phone cases and shoes above the leather handbags: "lether" is corrected to
"leather", but no title holds "bag" (the bags are "Handbag"s), so min-match asked for "leather" alone. A term no live
product holds now stands also for the catalog's compounds that are a known word followed by it ("hand" + "bag"),
split on surface words (``search/compounds.py``)."""

from __future__ import annotations

import json

import polars as pl
import pytest

import shopmind.search.compounds as cp
from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine


@pytest.fixture(scope="module")
def demo() -> SearchEngine:
    shop = G.generate(seed=42, n_products=300, n_users=150, days=20, defect_rate=0.0)
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def _categories(engine: SearchEngine, query: str) -> list[str]:
    return [h.category_path for h in engine.search(query, size=5, facets=()).hits]


@pytest.mark.parametrize("query", ["lether bag", "leather bag"])
def test_leather_bag_finds_the_leather_handbags(demo: SearchEngine, query: str, monkeypatch) -> None:
    top = _categories(demo, query)
    assert top and all(c.endswith("Handbags") for c in top), top
    hits = demo.search(query, size=5, facets=()).hits
    assert all("leather" in h.title.lower() or "真皮" in h.title for h in hits)  # 真皮: leather in Chinese
    assert not [w for w in demo.search(query, size=5).warnings if w["code"] == "words_unmatched"]
    monkeypatch.setattr(cp, "COMPOUNDS", False)  # before: "bag" matched nothing
    assert not all(c.endswith("Handbags") for c in _categories(demo, query))


def test_compounds_split_on_words_not_stems() -> None:
    products = pl.DataFrame(
        {
            "product_id": ["P1", "P2", "P3", "P4"],
            "title": [
                "Chrome Rainshower Showerhead",
                "Red Leather Handbag",
                "Nylon String",
                "Blue Phone Case",
            ],
            "price": [50.0, 80.0, 3.0, 12.0],
            "currency": ["USD"] * 4,
        }
    )
    eng = SearchEngine.build(products, None, SearchConfig(encoder=None))
    assert cp.compound_terms(eng.lexical, "bag") == ["handbag"]
    assert (
        cp.compound_terms(eng.lexical, "show") == []
    )  # "rainshower" stems to "rainshow": no compound of "show"
    assert cp.compound_terms(eng.lexical, "ring") == []  # "st" is no word
    assert [h.product_id for h in eng.search("bag", size=5, facets=()).hits] == ["P2"]
    assert "P1" not in {h.product_id for h in eng.search("show", size=5, facets=()).hits}
    # a matched word never reaches a compound: "case" of "phone case" is not "bookcase"'s
    assert [h.product_id for h in eng.search("case", size=5, facets=()).hits] == ["P4"]


def _no_build(*_a, **_k):
    raise AssertionError("compound heads built at request time")


def test_heads_are_built_with_the_index_not_by_a_request(demo: SearchEngine, tmp_path, monkeypatch) -> None:
    """Session 33: the heads were built inside the first request with an unmatched word (the first shopper paid
    for them). Now build, save/load, upsert and delete make them; a request only reads them."""
    assert cp.saved_heads(demo.lexical) is not None  # built by SearchEngine.build
    demo.save(tmp_path / "eng")
    saved = json.loads((tmp_path / "eng" / "lexical" / "index.json").read_text(encoding="utf-8"))
    assert "handbag" in saved["compound_heads"]["heads"]["bag"]
    monkeypatch.setattr(cp, "_heads", _no_build)
    loaded = SearchEngine.load(tmp_path / "eng")  # read with the lexical part: not built again
    for eng in (demo, loaded):
        top = _categories(eng, "lether bag")
        assert top and all(c.endswith("Handbags") for c in top), top
    assert cp.compound_terms(loaded.lexical, "shelf") == []
    monkeypatch.undo()
    loaded.upsert(pl.DataFrame({"product_id": ["NEW1"], "title": ["Oak Bookshelf"], "price": [30.0]}))
    monkeypatch.setattr(cp, "_heads", _no_build)
    assert cp.compound_terms(loaded.lexical, "shelf") == ["bookshelf"]  # made by the upsert
    assert [h.product_id for h in loaded.search("shelf", size=5, facets=()).hits] == ["NEW1"]
    monkeypatch.undo()
    loaded.delete(["NEW1"])
    monkeypatch.setattr(cp, "_heads", _no_build)
    assert cp.compound_terms(loaded.lexical, "shelf") == []
