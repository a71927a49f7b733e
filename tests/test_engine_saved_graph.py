"""The understanding's knowledge graph is saved with the engine (issue 17: rebuilding it cost
~1.5 s of every release load): a loaded engine understands queries exactly as the built one
did, without rebuilding."""

import shutil

import polars as pl
import pytest

from shopmind.demo import generator as G
from shopmind.search.engine import GRAPH_DIR, SearchConfig, SearchEngine
from shopmind.search.graph import KnowledgeGraph

CFG = SearchConfig(encoder=None, understand=True, ltr="off")
QUERIES = [
    "red dress under 50",
    "口红 100元以下",
    "northwind jacket",
    "沙发",
    "running shoes size 42",
    "蓝色 连衣裙",
]


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=5, n_products=400, n_users=150, days=20, defect_rate=0.0)


@pytest.fixture(scope="module")
def built(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, CFG)


def test_a_loaded_engine_reads_the_saved_graph_and_understands_alike(built, tmp_path, monkeypatch) -> None:
    built.save(tmp_path / "e")
    assert (tmp_path / "e" / GRAPH_DIR / "graph.json").is_file()
    calls: list[int] = []
    real = KnowledgeGraph.build.__func__
    monkeypatch.setattr(KnowledgeGraph, "build", classmethod(lambda cls, *a, **k: (calls.append(1), real(cls, *a, **k))[1]))  # fmt: skip
    loaded = SearchEngine.load(tmp_path / "e")
    assert calls == []  # read, not rebuilt
    assert loaded.parser.graph.to_dict() == built.parser.graph.to_dict()
    for q in QUERIES:
        a, b = built.search(q, size=20), loaded.search(q, size=20)
        assert a.understood == b.understood, q
        assert a.ids == b.ids and a.total == b.total, q


def test_an_engine_saved_without_a_graph_rebuilds_it(built, tmp_path, monkeypatch) -> None:
    built.save(tmp_path / "e")
    shutil.rmtree(tmp_path / "e" / GRAPH_DIR)  # as saved before graphs were
    calls: list[int] = []
    real = KnowledgeGraph.build.__func__
    monkeypatch.setattr(KnowledgeGraph, "build", classmethod(lambda cls, *a, **k: (calls.append(1), real(cls, *a, **k))[1]))  # fmt: skip
    loaded = SearchEngine.load(tmp_path / "e")
    assert calls == [1] and loaded.parser is not None
    assert loaded.search("red dress under 50").understood == built.search("red dress under 50").understood


def test_an_unreadable_graph_is_rebuilt_and_said(built, tmp_path) -> None:
    built.save(tmp_path / "e")
    (tmp_path / "e" / GRAPH_DIR / "graph.json").write_text("{not json", encoding="utf-8")
    loaded = SearchEngine.load(tmp_path / "e")
    assert loaded.parser is not None
    assert any("saved understanding unreadable" in n for n in loaded.notes)
    assert loaded.search("northwind jacket").ids == built.search("northwind jacket").ids


def test_products_changed_after_the_build_are_never_hidden_by_a_stale_graph(shop, tmp_path) -> None:
    """An engine whose catalog changed since its graph was built saves no graph (a load rebuilds
    it, so a new category is understood); ``refresh_understanding`` rebuilds it and it is saved."""
    eng = SearchEngine.build(shop.batch.products, shop.batch.events, CFG)
    new = shop.batch.products.head(3).with_columns(
        product_id=pl.Series([f"HAM{i}" for i in range(3)]),
        title=pl.Series(["Garden hammock", "Travel hammock", "Hammock stand"]),
        category_path=pl.lit("Outdoor > Hammocks"),
    )
    eng.upsert(new)
    eng.save(tmp_path / "stale")
    assert not (tmp_path / "stale" / GRAPH_DIR).exists()
    loaded = SearchEngine.load(tmp_path / "stale")
    assert "Outdoor > Hammocks" in loaded.parser.graph.categories
    eng.refresh_understanding()
    assert "Outdoor > Hammocks" in eng.parser.graph.categories
    eng.save(tmp_path / "fresh")
    again = SearchEngine.load(tmp_path / "fresh")
    assert "Outdoor > Hammocks" in again.parser.graph.categories
    assert again.parser.graph.to_dict() == eng.parser.graph.to_dict()
