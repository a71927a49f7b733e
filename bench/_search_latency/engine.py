"""``SearchEngine`` end to end, and its first-seen queries on a freshly loaded release (child processes)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.search.evaluate import EvalData

from .common import ENCODER_KEYS, rss_mb, stats, timed

#: The entry script: a first-seen child runs as ``search_latency.py --first-seen-child`` (a fresh process).
SCRIPT = Path(__file__).resolve().parents[1] / "search_latency.py"


def engine_section(
    data: EvalData,
    measured: list[str],
    warm: list[str],
    encoder: str,
    vectors: Path,
    reranker: object,
    out: dict,
    first_seen_queries: Sequence[str] = (),
) -> None:
    try:
        from shopmind.search.engine import SearchConfig, SearchEngine
    except ImportError as e:
        out["engine"] = {"skipped": f"shopmind.search.engine not importable: {e}"}
        return
    cfg = SearchConfig(encoder=ENCODER_KEYS.get(encoder))
    rss0 = rss_mb()
    eng, secs = timed(lambda: SearchEngine.build(data.products, None, cfg, vectors, reranker=reranker))
    out["build"]["engine"] = {
        "seconds": round(secs, 2),
        "rss_delta_mb": round(rss_mb() - rss0, 1),
        "config": {
            "encoder": cfg.encoder,
            "fusion": cfg.fusion,
            "alpha": cfg.alpha,
            "understand": cfg.understand,
        },
        "reranker": type(reranker).__name__ if reranker is not None else None,
        "parser": type(eng.parser).__name__ if eng.parser is not None else None,
        "note": "passage vectors from the vector cache when present",
    }
    for q in warm:
        eng.search(q, size=10)
    wall: list[int] = []
    per_stage: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    for q in measured:
        s = time.perf_counter_ns()
        r = eng.search(q, size=10)
        wall.append(time.perf_counter_ns() - s)
        for k, v in r.timing_ms.items():
            per_stage.setdefault(k, []).append(v * 1e6)
    elapsed = time.perf_counter() - t0
    out["engine"] = {
        "end_to_end": stats(wall),
        "queries_per_second": round(len(measured) / elapsed, 1),
        "stages": {k: stats(v) for k, v in per_stage.items()},
        "note": "SearchEngine.search(q, size=10) with default facets and highlighting; stages from timing_ms",
    }
    if first_seen_queries:
        out["engine"]["first_seen"] = first_seen_section(eng, first_seen_queries, data)


def first_seen_section(eng: Any, queries: list[str], data: EvalData | None = None) -> dict[str, Any]:
    """The first searches a freshly loaded release answers (issue 18 item 10): the engine is
    saved, then loaded in a new Python process — as a server loads a release — and the first
    ``queries`` (never searched before) are timed one by one. ``warm_up``: the load calls
    ``SearchEngine.warm_up()`` and new queries are encoded in the request (``query_encoding =
    "inline"``); ``background``: what ``serve`` does — ``warm_up()``, then
    ``serve_in_background()``, so a new query is answered without the dense part while the
    worker encodes it; its ``second_search`` is the same queries searched again once the worker
    is done; ``cold``: no warm-up, inline (where the old 0.1-5 s first searches came from: lazy
    model, jieba and parser loads). With ``data``, each answer's NDCG@10 is computed against the
    judgments (the quality a first-seen query gets in that mode)."""
    import subprocess
    import tempfile

    res: dict[str, Any] = {}
    cached = set(getattr(eng, "_qvecs", {}))
    res["cached_before"] = sum(q in cached for q in queries)  # must be 0: none was searched before
    with tempfile.TemporaryDirectory() as tmp:
        eng.save(Path(tmp) / "engine")
        qfile = Path(tmp) / "queries.json"
        qrels = {q: data.qrels[q] for q in queries} if data is not None else {}
        payload = {"queries": queries, "qrels": qrels, "min_grade": data.min_grade if data else 0.0}
        qfile.write_text(json.dumps(payload), encoding="utf-8")
        for mode in ("warm_up", "background", "cold"):
            cmd = [
                sys.executable,
                str(SCRIPT),
                "--first-seen-child",
                str(Path(tmp) / "engine"),
                mode,
                str(qfile),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            res[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    res["note"] = (
        "a new process loads the saved engine (as serve loads a release), then times its first "
        f"{len(queries)} searches, each a query it never saw; p99 of these is the first-seen-query p99"
    )
    return res


def first_seen_child(engine_dir: str, mode: str, queries_file: str) -> int:
    """Child process of ``first_seen_section``: prints one JSON line."""
    from shopmind.search.engine import SearchEngine

    t0 = time.perf_counter()
    eng = SearchEngine.load(engine_dir)
    load_s = time.perf_counter() - t0
    from shopmind.search.metrics import ndcg_at_k

    steps = eng.warm_up() if mode in ("warm_up", "background") else {}
    if mode == "background":
        eng.serve_in_background()
    warm_s = time.perf_counter() - t0 - load_s
    payload = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    queries, qrels, min_grade = payload["queries"], payload["qrels"], payload["min_grade"]

    def run() -> tuple[list[int], list[float], dict[str, int]]:
        ns, gains, sources = [], [], {}
        for q in queries:
            s = time.perf_counter_ns()
            r = eng.search(q, size=10)
            ns.append(time.perf_counter_ns() - s)
            sources[r.dense] = sources.get(r.dense, 0) + 1
            if q in qrels:
                g = ndcg_at_k(r.ids, qrels[q], 10, min_grade)
                if g is not None:
                    gains.append(g)
        return ns, gains, sources

    ns, gains, sources = run()
    enc = eng.encoder
    res: dict[str, Any] = {
        "load_seconds": round(load_s, 3),
        "warm_up_seconds": round(warm_s, 3),
        "warm_up_steps": {k: round(v, 3) for k, v in steps.items()},
        "first_query_ms": round(ns[0] / 1e6, 3),
        "queries": stats(ns),
        "dense": sources,
        "ndcg@10": round(float(np.mean(gains)), 4) if gains else None,
        "ndcg@10_queries": len(gains),
        "teacher_words": getattr(enc, "stats", {}).get("teacher_words"),
    }
    if mode == "background" and eng._background is not None:  # noqa: SLF001
        eng._background.drain()  # noqa: SLF001
        res["worker"] = dict(eng._background.stats)  # noqa: SLF001
        ns2, gains2, sources2 = run()
        res["second_search"] = {
            "queries": stats(ns2),
            "dense": sources2,
            "ndcg@10": round(float(np.mean(gains2)), 4) if gains2 else None,
        }
        eng.stop_background()
    print(json.dumps(res))
    return 0
