"""The search re-ranker trained at build time, persisted with the index and served.

A small demo shop (300 products, with graded judgments and search click logs) is indexed
with the USE encoder; ``fit_engine_reranker`` trains on 80 % of the judged queries and
measures NDCG@10 on the other 20 % with and without the model. The engine saved with the
model must load to the same rankings, and a release build must record both NDCG@10 values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_search
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.ltr import LTRReranker, fit_engine_reranker, fold_of
from shopmind.search.metrics import ndcg_at_k
from shopmind.store.store import Store

CFG = SearchConfig(encoder="use")


@pytest.fixture(scope="module")
def shop():
    return generate(seed=7, n_products=300, n_users=300, days=20)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture(scope="module")
def judgments(shop) -> pl.DataFrame:
    # what the quality gate keeps: grades on the demo's 0-3 scale
    return shop.batch.judgments.filter(pl.col("relevance").is_between(0, 3))


@pytest.fixture(scope="module")
def trained(shop, judgments, cache):
    engine = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, cache_dir=cache)
    reranker, facts = fit_engine_reranker(engine, judgments, shop.batch.events)
    return engine, reranker, facts


def test_held_out_ndcg_is_measured_on_the_held_out_fold(trained, judgments) -> None:
    engine, reranker, facts = trained
    assert isinstance(reranker, LTRReranker)
    assert facts["source"] == "judgments"
    queries = sorted(set(judgments["query"].to_list()))
    held = [q for q in queries if fold_of(q) == 0]
    assert facts["heldout_queries"] == len(held) > 0
    assert facts["train_queries"] == len(queries) - len(held)
    # the "without" figure is the plain engine's NDCG@10 on exactly those queries
    qrels: dict[str, dict[str, float]] = {}
    for q, p, r in judgments.group_by("query", "product_id").agg(pl.col("relevance").mean()).iter_rows():
        qrels.setdefault(q, {})[p] = r
    assert engine.reranker is None
    plain = [ndcg_at_k(engine.search(q, size=10).ids, qrels[q], 10, 0.0) for q in held]
    assert facts["heldout_ndcg10"]["without_ltr"] == pytest.approx(np.mean([v for v in plain if v is not None]), abs=1e-4)  # fmt: skip
    ndcg = facts["heldout_ndcg10"]
    assert 0.0 < ndcg["with_ltr"] <= 1.0
    assert facts["ltr"] == ("attached" if ndcg["with_ltr"] >= ndcg["without_ltr"] else "rejected")


def test_saved_engine_reloads_the_model_and_ranks_identically(trained, judgments, cache, tmp_path) -> None:
    engine, reranker, _ = trained
    queries = sorted(set(judgments["query"].to_list()))[:40]
    engine.reranker = reranker
    try:
        before = {q: engine.search(q, size=20) for q in queries}
        engine.save(tmp_path / "search")
    finally:
        engine.reranker = None
    assert (tmp_path / "search" / "ltr" / "ltr-model.txt").exists()
    assert (tmp_path / "search" / "ltr" / "event_counts.json").exists()
    loaded = SearchEngine.load(tmp_path / "search", cache_dir=cache)
    assert isinstance(loaded.reranker, LTRReranker)
    changed = 0
    for q in queries:
        got = loaded.search(q, size=20)
        assert got.ids == before[q].ids, q
        assert [h.score for h in got.hits] == [h.score for h in before[q].hits], q
        assert got.timing_ms["rerank"] > 0
        changed += got.ids != engine.search(q, size=20).ids  # the model really re-orders
    assert changed > 0
    # saving the engine without a model removes the stale one
    loaded.reranker = None
    loaded.save(tmp_path / "search")
    assert not (tmp_path / "search" / "ltr").exists()
    assert SearchEngine.load(tmp_path / "search", cache_dir=cache).reranker is None


def test_products_upserted_after_loading_are_scored(trained, cache, tmp_path) -> None:
    engine, reranker, _ = trained
    engine.reranker = reranker
    try:
        engine.save(tmp_path / "search")
    finally:
        engine.reranker = None
    loaded = SearchEngine.load(tmp_path / "search", cache_dir=cache)
    new = pl.DataFrame(
        {"product_id": ["NEW1"], "title": ["zebrawood cutting board"], "description": ["A zebrawood board."]}
    )
    loaded.upsert(new)
    scores = loaded.reranker.rerank("zebrawood board", None, ["NEW1"])
    assert np.isfinite(scores).all()
    assert loaded.search("zebrawood").ids[0] == "NEW1"
    loaded.compact()  # rows renumbered: the features follow
    assert np.isfinite(loaded.reranker.rerank("zebrawood board", None, ["NEW1"])).all()


def test_click_logs_train_when_judgments_are_too_few(trained, judgments, shop) -> None:
    engine = trained[0]
    few = judgments.filter(pl.col("query").is_in(sorted(set(judgments["query"].to_list()))[:5]))
    events = shop.batch.events
    cut = events["timestamp"].drop_nulls().sort()[events.height // 10]
    early = events.filter(pl.col("timestamp") < cut)  # the first tenth of the log: ~50 searched queries
    reranker, facts = fit_engine_reranker(engine, few, early, num_rounds=20)
    assert facts["judged_queries"] == 5
    assert facts["source"] == "clicks"
    assert facts["clicked_queries"] >= 30
    assert facts["queries"] == facts["train_queries"] + facts["heldout_queries"]
    assert set(facts["heldout_ndcg10"]) == {"without_ltr", "with_ltr"}
    assert isinstance(reranker, LTRReranker)
    none, facts = fit_engine_reranker(engine, few, early, min_queries=10**6)
    assert none is None and facts["ltr"] == "skipped" and "need 1000000" in facts["reason"]


def test_release_build_trains_and_records_held_out_ndcg(shop, cache, tmp_path) -> None:
    ws = tmp_path / "ws"
    gate = GateConfig()
    with Store(ws) as store:
        result = run_gate(shop.batch, gate, store)
        publish(result, store, gate, None, force=True)  # the demo's injected defects hold the gate
    comps = [("catalog", build_catalog), ("search", build_search)]
    manifest = build_release(ws, comps, settings={"search": {"encoder": "use"}}, force=True, cache_dir=cache)
    ltr = manifest["components"]["search"]["ltr"]
    assert ltr["source"] == "judgments" and ltr["heldout_queries"] > 0
    assert {"without_ltr", "with_ltr"} == set(ltr["heldout_ndcg10"])
    assert manifest["rows"]["judgments"] > 0
    folder = ws / "releases" / manifest["id"] / "search"
    assert (folder / "ltr").exists() == (ltr["ltr"] == "attached")
    off = build_release(
        ws, comps, settings={"search": {"encoder": "use", "ltr": "off"}}, force=True, cache_dir=cache
    )
    assert off["components"]["search"]["ltr"]["ltr"] == "off"
