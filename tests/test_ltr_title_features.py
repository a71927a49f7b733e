"""The re-ranker's title features computed as array operations (``ltr.title_features``, issue 17
session 28) equal the per-candidate set arithmetic they replace, value for value; and a probe
that stops the search at the re-rank stage records what a whole search hands the re-ranker."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shopmind.demo.generator import generate
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.ltr.features import F, FeatureExtractor
from shopmind.search.ltr.fit import Probe, _parses_once, probe
from shopmind.search.ltr.folds import normalise_query

TITLE = ("title_phrase", "title_bigrams", "title_char3", "title_head", "title_first_pos")


@pytest.fixture(scope="module")
def shop():
    return generate(seed=5, n_products=400, n_users=150, days=10)


@pytest.fixture(scope="module")
def engine(shop) -> SearchEngine:
    return SearchEngine.build(shop.batch.products, shop.batch.events, SearchConfig(encoder=None))


def _char3(text: str) -> frozenset[str]:
    t = f" {text} "
    return frozenset(t[i : i + 3] for i in range(len(t) - 2))


def _reference(ex: FeatureExtractor, query: str, tokens: list[str], rows: list[int]) -> np.ndarray:
    """The per-candidate loop of session 27's ``FeatureExtractor._title_text``."""
    phrase = normalise_query(query or "")
    qpairs = set(zip(tokens, tokens[1:], strict=False))
    head = tokens[-1] if tokens else None
    first_terms = set(tokens)
    q3 = _char3(phrase)
    out = []
    for i in rows:
        title = normalise_query(ex.raw_titles()[i])
        terms = ex.index.analyzer.tokens(title)
        first: dict[str, int] = {}
        for p, t in enumerate(terms):
            first.setdefault(t, p)
        pairs = set(zip(terms, terms[1:], strict=False))
        t3 = _char3(title)
        inter = len(q3 & t3)
        union = len(q3) + len(t3) - inter
        pos = min((first[t] for t in first_terms if t in first), default=None)
        out.append(
            [
                bool(phrase) and phrase in title,
                len(qpairs & pairs) / len(qpairs) if qpairs else np.nan,
                inter / union if union else 0.0,
                head is not None and head in first,
                1.0 if pos is None else pos / max(len(terms), 1),
            ]
        )
    return np.array(out, dtype=np.float64).astype(np.float32)


def test_title_features_equal_the_per_candidate_sets(shop, engine) -> None:
    ex = FeatureExtractor.from_engine(engine)
    ids = list(ex.pos)
    rng = np.random.default_rng(3)
    titles = ex.raw_titles()
    queries = sorted(set(shop.batch.judgments["query"].to_list()))[:40]
    # queries made of title words (phrases, pairs, repeats, a head in the title), odd ones too
    for r in rng.choice(len(titles), 30, replace=False).tolist():
        words = titles[r].split()
        a = int(rng.integers(0, max(len(words) - 1, 1)))
        queries.append(" ".join(words[a : a + 3]))
        queries.append(" ".join(words[a : a + 2] * 2))
    queries += ["", "   ", "zzqx unknownword", "a", "the the the"]
    seen = 0
    for q in queries:
        rows = rng.choice(len(ids), 60, replace=False).tolist()
        cands = [ids[r] for r in rows]
        X = ex.features(q, cands)
        tokens, _ = ex.index.analyze_query(q or "")
        ref = _reference(ex, q, tokens, [ex.pos[c] for c in cands])
        got = X[:, [F[n] for n in TITLE]]
        np.testing.assert_array_equal(got, ref, err_msg=q)
        seen += int(np.nansum(got[:, 1]) > 0) + int(got[:, 0].sum() > 0)
    assert seen > 10  # the phrase and bigram features were exercised, not all zero


def test_an_empty_candidate_list_and_repeated_rows(engine) -> None:
    ex = FeatureExtractor.from_engine(engine)
    ids = list(ex.pos)
    assert ex.features("red shirt", []).shape == (0, len(F))
    twice = [ids[0], ids[1], ids[0]]
    X = ex.features(ex.raw_titles()[0], twice)[:, [F[n] for n in TITLE]]
    np.testing.assert_array_equal(X[0], X[2])
    assert X[0, 0] == 1.0


def test_a_stopped_probe_records_what_a_whole_search_hands_the_reranker(shop, engine) -> None:
    class Keep:
        def __init__(self) -> None:
            self.got: Probe | None = None

        def rerank(self, query, understood, candidate_ids, qvec=None):  # noqa: ANN001
            self.got = Probe(query, understood, list(candidate_ids), qvec)
            return np.zeros(len(candidate_ids))

    queries = sorted(set(shop.batch.judgments["query"].to_list()))[:60]
    with _parses_once(engine):
        stopped = {q: probe(engine, q) for q in queries}
    whole = {}
    for q in queries:
        engine.reranker = keep = Keep()
        try:
            engine.search(q, size=1, facets=(), highlight=False)
        finally:
            engine.reranker = None
        whole[q] = keep.got
    assert sum(p is not None for p in stopped.values()) > 40
    for q in queries:
        a, b = stopped[q], whole[q]
        assert (a is None) == (b is None), q
        if a is not None:
            assert (a.query, a.understood, a.ids) == (b.query, b.understood, b.ids), q
    # the engine answers as before once the probes are done (its own parser back)
    assert not type(engine.parser).__name__.startswith("_Parse")
    assert engine.search(queries[0], size=5).total >= 0
    assert isinstance(shop.batch.judgments, pl.DataFrame)
