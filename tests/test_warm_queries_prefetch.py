"""Past queries warmed through a build's pool or threads are queued ahead (``warm_queries`` +
``SplitEncoder.prefetch``): tasks of ``PREFETCH_PIECE`` from one queue instead of a barrier every
64 queries; each query the cache lacks is encoded once and the vectors are the plain ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from shopmind.search.dense import VectorCache
from shopmind.search.dense_pool import PREFETCH_PIECE
from shopmind.search.dense_threads import ThreadedEncoder
from shopmind.search.engine import SearchConfig, SearchEngine
from test_dense_threads import _Recorder

WORDS = ["drill", "saw", "paint", "deck", "tile", "pipe", "lamp", "door", "grout", "hinge"]
QUERIES = [f"{WORDS[i % 10]} {WORDS[(i * 3) % 10]} {i}" for i in range(200)]


def _engine(tmp_path: Path) -> SearchEngine:
    products = pl.DataFrame({"product_id": [f"p{i}" for i in range(20)],
                             "title": [f"{WORDS[i % 10]} set {i}" for i in range(20)]})  # fmt: skip
    engine = SearchEngine.build(
        products, None, SearchConfig(encoder=None, ltr="off"), cache_dir=tmp_path / "c"
    )
    rec = _Recorder()
    engine.attach_vectors(rec.encode_passages([f"{WORDS[i % 10]} set {i}" for i in range(20)]), rec)
    return engine


def test_warm_queries_through_threads_queue_every_missing_query_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    plain = _Recorder()
    cached = QUERIES[:30]  # already in the cache: not queued, not encoded
    VectorCache(tmp_path / "c").get_or_encode(f"{plain.name}/query", plain.dim, cached, plain.encode_queries)
    engine.cache = VectorCache(tmp_path / "c")
    rec = _Recorder()
    with ThreadedEncoder(rec, 2) as enc:
        assert engine.warm_queries(encoder=enc, texts=QUERIES) == len(QUERIES)
    encoded = [t for _, texts in rec.calls for t in texts]
    assert sorted(encoded) == sorted(QUERIES[30:])  # once each, the cached ones never
    assert max(len(t) for _, t in rec.calls) == PREFETCH_PIECE  # queued tasks, not 64-query chunks
    assert len(rec.calls) == -(-len(QUERIES[30:]) // PREFETCH_PIECE)
    for q in (QUERIES[0], QUERIES[31], QUERIES[-1]):
        want = plain.encode_queries([q])[0]
        np.testing.assert_allclose(engine._qvecs[q], want / np.linalg.norm(want), atol=1e-5)
