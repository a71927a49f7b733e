"""Where a request's time goes without HTTP: cProfile over search and recs calls in-process."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from .runner import _pct
from .traffic import traffic_model


def profile(ws: Path, n: int, seed: int) -> dict[str, Any]:
    """Where a request's time goes, without HTTP: cProfile over ``n`` search and ``n`` recs calls
    on the loaded release (the same objects the server uses)."""
    from shopmind.serve.state import load_release

    model = traffic_model(ws, seed, "profile")
    rel = load_release(Path(ws) / "releases" / model.stats["release"])
    out: dict[str, Any] = {}
    calls = {
        "search": lambda q: rel.engine.search(q),
        "recs_user": lambda u: rel.recs.for_user(u, k=10),
        "recs_similar": lambda i: rel.recs.similar_items(i, k=10),
    }
    rng = random.Random(seed)
    for name, fn in calls.items():
        args = [
            model.queries[int(np.searchsorted(model.query_weights, rng.random()))]
            if name == "search"
            else rng.choice(model.users if name == "recs_user" else model.items)
            for _ in range(n)
        ]
        for a in args[:20]:
            fn(a)  # warm caches as the server would have
        pr = cProfile.Profile()
        times = []
        for a in args:
            t = time.perf_counter()
            pr.enable()
            fn(a)
            pr.disable()
            times.append((time.perf_counter() - t) * 1e3)
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(25)
        out[name] = {"calls": n, "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99), "top": buf.getvalue()}
        print(f"== {name}: p50 {out[name]['p50_ms']} ms p99 {out[name]['p99_ms']} ms (under cProfile)")
        print(buf.getvalue())
    return out
