"""New queries encoded off the request path (issue 18 item 10): the worker, and the engine's
"background" and "inline" modes — which thread encodes, what a first answer contains, and that
the next search of the same query is fused with the vector the worker stored."""

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from encoder_util import TrigramEncoder
from shopmind.demo import generator as G
from shopmind.search.engine import SearchConfig, SearchEngine
from shopmind.search.query_vectors import BackgroundQueryEncoder


class ThreadRecordingEncoder(TrigramEncoder):
    """Trigram vectors; records the thread of every query encoding."""

    def __init__(self) -> None:
        self.query_threads: list[str] = []

    def encode_query(self, text):
        self.query_threads.append(threading.current_thread().name)
        return super().encode_query(text)


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=11, n_products=300, n_users=80, days=10, defect_rate=0.0)


def _engine(shop, mode: str, enc: TrigramEncoder | None = None) -> SearchEngine:
    cfg = SearchConfig(encoder=None, understand=False, dense_floor=0.3, query_encoding=mode, ltr="off")
    return SearchEngine.build(shop.batch.products, None, cfg, encoder=enc or ThreadRecordingEncoder())


def test_worker_stores_each_submitted_text_once_and_survives_failures() -> None:
    stored: dict[str, np.ndarray] = {}
    gate, started = threading.Event(), threading.Event()
    calls: list[str] = []

    def encode(text: str) -> np.ndarray | None:
        started.set()
        gate.wait(5)
        calls.append(text)
        if text == "boom":
            raise RuntimeError("encoder failed")
        return None if text == "none" else np.full(3, len(text), dtype=np.float32)

    bg = BackgroundQueryEncoder(encode, stored.__setitem__, max_pending=3)
    try:
        assert bg.submit("a")
        assert started.wait(5)  # the worker holds "a"
        assert bg.submit("a") and bg.pending("a")  # still pending: not queued twice
        for t in ("boom", "none", "bbb"):
            assert bg.submit(t)
        assert not bg.submit("dropped")  # 3 waiting: full, dropped without blocking
        gate.set()
        bg.drain()
        assert calls == ["a", "boom", "none", "bbb"]
        assert set(stored) == {"a", "bbb"} and stored["bbb"].tolist() == [3.0, 3.0, 3.0]
        assert bg.stats == {"submitted": 4, "encoded": 2, "dropped": 1, "failed": 2}
        assert not bg.pending("a")
        assert bg.submit("after failure")
        bg.drain()
        assert "after failure" in stored  # a failure did not stop the worker
    finally:
        bg.close()


def test_background_answers_without_waiting_then_fuses_the_stored_vector(shop) -> None:
    enc = ThreadRecordingEncoder()
    eng = _engine(shop, "background", enc)
    inline = _engine(shop, "inline")
    lexical = SearchEngine.build(
        shop.batch.products, None, SearchConfig(encoder=None, understand=False, ltr="off")
    )
    assert eng.serve_in_background()
    try:
        q = "lether jacket warm"
        first = eng.search(q, size=20)
        assert first.dense == "pending"
        assert first.ids == lexical.search(q, size=20).ids  # the lexical answer, nothing half-fused
        eng._background.drain()
        assert enc.query_threads == ["shopmind-query-encoder"]  # never on the request thread
        second = eng.search(q, size=20)
        assert second.dense == "cached"
        ref = inline.search(q, size=20)
        assert ref.dense == "encoded" and second.ids == ref.ids
        assert inline.search(q, size=20).dense == "cached"
        assert eng.search("", size=5).dense == "none"  # browsing has no dense part
    finally:
        eng.stop_background()
    assert eng._background is None
    new = eng.search("cotton shirt blue", size=5)
    assert new.dense == "encoded" and enc.query_threads[-1] == threading.current_thread().name


def test_inline_mode_and_engines_without_vectors_never_start_a_worker(shop) -> None:
    assert not _engine(shop, "inline").serve_in_background()
    lexical = SearchEngine.build(shop.batch.products, None, SearchConfig(encoder=None, understand=False))
    assert not lexical.serve_in_background()
    assert lexical.search("jacket").dense == "none"


def test_a_saved_engine_keeps_the_mode_and_rejects_an_unknown_one(shop, tmp_path) -> None:
    eng = _engine(shop, "inline")
    eng.save(tmp_path / "e")
    loaded = SearchEngine.load(tmp_path / "e", encoder=TrigramEncoder())
    assert loaded.config.query_encoding == "inline"
    with pytest.raises(ValueError, match="query_encoding"):
        SearchConfig(query_encoding="sometimes")


def test_a_served_release_encodes_new_queries_in_the_background(shop, tmp_path, monkeypatch) -> None:
    """``serve.state.load_release`` (what a server runs on every release) starts the worker."""
    import json

    from shopmind.search import dense, engine
    from shopmind.serve.state import load_release

    monkeypatch.setitem(dense.ENCODERS, "trigram", ThreadRecordingEncoder)
    monkeypatch.setitem(engine.ENCODERS, "trigram", ThreadRecordingEncoder)
    cfg = SearchConfig(encoder="trigram", understand=False, dense_floor=0.3, ltr="off")
    eng = SearchEngine.build(shop.batch.products, None, cfg, encoder=ThreadRecordingEncoder())
    rel = tmp_path / "r1"
    eng.save(rel / "search")
    (rel / "catalog").mkdir()
    shop.batch.products.write_parquet(rel / "catalog" / "products.parquet")
    (rel / "release.json").write_text(json.dumps({"id": "r1", "components": {}}), encoding="utf-8")
    served = load_release(rel).engine
    try:
        assert served._background is not None
        assert served.search("leather jacket warm").dense == "pending"
        served._background.drain()
        assert served.search("leather jacket warm").dense == "cached"
    finally:
        served.stop_background()


def test_a_query_nothing_matches_lexically_waits_for_its_vector_ahead_of_the_backlog(shop) -> None:
    """The vector is the whole answer then (a Chinese query over English titles): a first
    answer of "no results" would be wrong, so the request waits for the worker — its text
    goes ahead of queries already queued."""
    enc = ThreadRecordingEncoder()
    eng = _engine(shop, "background", enc)
    eng.config = replace(eng.config, no_match_wait_ms=10_000.0)  # generous: a loaded CI box
    assert eng.serve_in_background()
    try:
        r = eng.search("xqjacketsx", size=10)
        assert r.dense == "encoded" and r.total > 0
        assert enc.query_threads == ["shopmind-query-encoder"]  # the worker, not the request
        assert eng.search("jacket", size=10).dense == "pending"  # matches lexically: not waited for
    finally:
        eng.stop_background()


def test_urgent_texts_jump_the_queue() -> None:
    gate, started = threading.Event(), threading.Event()
    order: list[str] = []

    def encode(text: str) -> np.ndarray:
        started.set()
        gate.wait(5)
        order.append(text)
        return np.ones(2, dtype=np.float32)

    bg = BackgroundQueryEncoder(encode, lambda t, v: None)
    try:
        bg.submit("held")
        assert started.wait(5)
        for t in ("b1", "b2", "b3"):
            bg.submit(t)
        done = bg.submit("b3", urgent=True)  # already queued: moved ahead, encoded once
        bg.submit("u", urgent=True)
        gate.set()
        assert done is not None and done.wait(5)
        bg.drain()
        assert order == ["held", "b3", "u", "b1", "b2"]
        assert bg.stats["submitted"] == 5 and bg.stats["encoded"] == 5
    finally:
        bg.close()


def test_a_slow_encoder_costs_a_no_match_query_at_most_the_wait_budget(shop) -> None:
    """Issue 18 item 10: one slow encoding must not set the tail latency. Past the budget the
    answer is empty, says "pending" and why; the next search of it has the vector."""
    gate = threading.Event()

    class SlowEncoder(ThreadRecordingEncoder):
        def encode_query(self, text):
            gate.wait(10)
            return super().encode_query(text)

    eng = _engine(shop, "background", SlowEncoder())
    eng.config = replace(eng.config, no_match_wait_ms=30.0)
    assert eng.serve_in_background()
    try:
        t = time.perf_counter()
        r = eng.search("xqjacketsx", size=10)
        took = (time.perf_counter() - t) * 1e3
        assert r.dense == "pending" and r.total == 0
        assert any("search again" in n for n in r.notes)
        assert 30.0 <= took < 2_000  # waited the budget, not the encoder (held for 10 s)
        gate.set()
        eng._background.drain()
        again = eng.search("xqjacketsx", size=10)
        assert again.dense == "cached" and again.total > 0
    finally:
        gate.set()
        eng.stop_background()


def test_the_wait_budget_is_validated() -> None:
    with pytest.raises(ValueError, match="no_match_wait_ms"):
        SearchConfig(no_match_wait_ms=-1.0)
