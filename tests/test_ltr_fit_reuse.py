"""The re-ranker's build-time training reuses what it already computed (issue 17).

``fit_engine_reranker`` records one real search per judged query (``probe``). The held-out
NDCG@10 is computed from those recordings (``ranking_from_probe``) instead of searching each
held-out query twice more, and the judged queries' vectors are encoded in batches through the
vector cache (``QueryVectors``) instead of one encoder call per search. Both must give exactly
what the engine itself gives: the same rankings, the same vectors, the same probes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopmind.demo.generator import generate
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.ltr import fit_engine_reranker
from shopmind.search.ltr.fit import QueryVectors, engine_ranking, probe, ranking_from_probe

CFG = SearchConfig(encoder="use")


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=300, n_users=200, days=15)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture(scope="module")
def judgments(shop) -> pl.DataFrame:
    return shop.batch.judgments.filter(pl.col("relevance").is_between(0, 3))


@pytest.fixture(scope="module")
def queries(judgments) -> list[str]:
    return sorted(set(judgments["query"].to_list()))


@pytest.fixture(scope="module")
def trained(shop, judgments, cache):
    engine = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, cache_dir=cache)
    reranker, facts = fit_engine_reranker(engine, judgments, shop.batch.events, num_rounds=30)
    assert reranker is not None, facts
    return engine, reranker


def test_rankings_from_probes_equal_the_engine_s_own(trained, queries) -> None:
    engine, reranker = trained
    compared = reordered = 0
    for q in queries:
        p = probe(engine, q)
        if p is None:
            continue
        plain = engine_ranking(engine, q, None)
        assert ranking_from_probe(p, None) == plain, q
        with_ltr = engine_ranking(engine, q, reranker)
        assert ranking_from_probe(p, reranker) == with_ltr, q
        compared += 1
        reordered += with_ltr != plain
    assert compared >= 30
    assert reordered > 0  # the model really re-orders, so the second comparison means something


def test_batched_query_vectors_are_the_ones_a_search_encodes(trained, queries, cache) -> None:
    engine, _ = trained
    qv = QueryVectors(engine, queries)
    assert qv.vecs and set(qv.match) <= set(queries)
    for q in queries[:25]:
        m = qv.match[q]
        own = engine._query_vector_of(m)  # what a search without the vector would compute
        np.testing.assert_allclose(qv.vecs[m], own, rtol=0, atol=1e-5)
    # a second pass reads every vector from the cache: nothing is encoded again
    before = engine.cache.stats["encoded"]
    QueryVectors(engine, queries)
    assert engine.cache.stats["encoded"] == before


def test_a_primed_search_records_the_same_probe(shop, judgments, queries, cache) -> None:
    engine = SearchEngine.build(shop.batch.products, shop.batch.events, CFG, cache_dir=cache)
    plain = {q: probe(engine, q) for q in queries[:30]}
    engine._qvecs.clear()
    qv = QueryVectors(engine, queries[:30])
    for q in queries[:30]:
        qv.prime(q)
        got, want = probe(engine, q), plain[q]
        assert (got is None) == (want is None), q
        if got is not None:
            assert got.ids == want.ids, q
            np.testing.assert_allclose(got.qvec, want.qvec, rtol=0, atol=1e-5)


def test_early_stopping_keeps_the_best_round_on_validation_queries() -> None:
    from shopmind.search.ltr.features import FEATURES
    from shopmind.search.ltr.model import LTRModel

    rng = np.random.default_rng(5)

    def data(n_queries: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
        X = rng.normal(size=(n_queries * 20, len(FEATURES))).astype(np.float32)
        y = np.clip(np.rint(3 * X[:, 0] + rng.normal(size=len(X))), 0, 12).astype(np.int32)
        return X, y, [20] * n_queries

    X, y, g = data(200)
    valid = data(50)
    model = LTRModel(num_rounds=150).fit(X, y, g, valid, patience=10)
    info = model.train_info
    assert info["valid_queries"] == 50 and info["max_rounds"] == 150
    assert 1 <= info["rounds"] < 150  # a near-linear signal: boosting stops well before 150 rounds
    assert model.booster.best_iteration == info["rounds"]
    again = LTRModel(num_rounds=150).fit(X, y, g, valid, patience=10)
    np.testing.assert_array_equal(model.predict(valid[0]), again.predict(valid[0]))  # deterministic


def test_validation_queries_come_from_training_queries_of_big_shops_only() -> None:
    from shopmind.search.ltr.fit import EARLY_STOP_MIN_QUERIES, _valid_queries

    small = [f"query {i}" for i in range(EARLY_STOP_MIN_QUERIES - 1)]
    assert _valid_queries(small) == set()
    big = [f"query {i}" for i in range(4000)]
    chosen = _valid_queries(big)
    assert chosen <= set(big)
    assert 0.09 < len(chosen) / len(big) < 0.16  # one in eight
    assert chosen == _valid_queries(list(reversed(big)))  # by the query text, not its position


def test_titles_analysed_in_a_child_give_the_same_features(trained, queries, monkeypatch) -> None:
    from shopmind.search.ltr import title_terms
    from shopmind.search.ltr.features import FeatureExtractor, normalise_query

    engine, _ = trained
    monkeypatch.setattr(title_terms, "MIN_TITLES", 1)
    plain = FeatureExtractor.from_engine(engine)
    given = FeatureExtractor.from_engine(engine)
    raw = given.raw_titles()
    child = title_terms.TitleTerms(engine.lexical.analyzer, raw)
    terms = child.result()
    assert terms is not None and len(terms) == len(raw)
    analyzer = engine.lexical.analyzer
    assert terms == [analyzer.tokens(normalise_query(t)) for t in raw]
    given.give_title_terms(terms)
    ids = list(plain.pos)
    for q in queries[:20]:
        np.testing.assert_array_equal(given.features(q, ids[:80]), plain.features(q, ids[:80]))
    # a custom analyzer cannot be rebuilt in the child: the caller analyses the titles itself
    assert title_terms.TitleTerms(object(), raw).result() is None
