"""Where a serving process's memory goes, per release component, and what the real server holds.

Two measurements of the same built workspace (its ``CURRENT`` release):

1. **In-process steps**, in the order ``shopmind serve`` performs them (import the app, the
   catalog dict, the search engine, its warm-up — query encoder, jieba —, the recommendation
   service, the first requests). Per step: the change in resident memory (``VmRSS`` from
   ``/proc/self/status``: native libraries, model weights and allocator arenas included), which
   heavy modules the step imported, and — in a second fresh run, because tracing itself costs
   RSS — the change in ``tracemalloc``'s traced Python heap (numpy buffers included). After loading, each top-level attribute of the search engine and of the
   recommendation service is sized by walking its object graph (numpy ``nbytes``, scipy
   sparse parts, containers by ``sys.getsizeof``), so a component's share is named.
2. **The real server**: ``shopmind serve`` on a free port as a subprocess; after ``/readyz``
   and a few requests (an English and a Chinese search, a product's similar items and
   bought-together, a user's recommendations) its ``VmRSS`` and ``VmHWM`` (peak) are read.

    python bench/memory.py --workspace W [--label demo] [--out bench/results/memory-demo.json]

Linux only (reads ``/proc``). Prints a table and saves JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("polars", "duckdb", "scipy.stats", "lightgbm", "implicit", "jieba", "usearch", "onnxruntime",
         "tensorflow", "tflite_runtime", "ai_edge_litert", "torch", "sklearn", "pandas", "pyarrow", "opencc")  # fmt: skip
MB = 1024 * 1024


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and VmHWM of a process in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(val.split()[0]) / 1024
    return out


def footprint(obj: Any, seen: set[int] | None = None, depth: int = 0) -> int:
    """Bytes reachable from ``obj`` that it holds in memory (shared objects counted once per ``seen``)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 60 or isinstance(obj, type | Callable) and not hasattr(obj, "__dict__"):
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj.base if isinstance(obj.base, np.ndarray) else None
        return 0 if base is not None and id(base) in seen else int(obj.nbytes)
    if hasattr(obj, "indptr") and hasattr(obj, "data") and hasattr(obj, "indices"):  # scipy sparse
        return sum(footprint(getattr(obj, k), seen, depth + 1) for k in ("data", "indices", "indptr"))
    if type(obj).__module__.startswith("polars"):
        try:
            return int(obj.estimated_size())
        except Exception:  # noqa: BLE001 - an expression or a lazy frame: no buffers of its own
            return sys.getsizeof(obj)
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(footprint(k, seen, depth + 1) + footprint(v, seen, depth + 1) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(footprint(x, seen, depth + 1) for x in obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        size += footprint(vars(obj), seen, depth + 1)
    elif hasattr(obj, "__slots__"):
        size += sum(footprint(getattr(obj, s, None), seen, depth + 1) for s in obj.__slots__)
    return size


def attribute_sizes(obj: Any) -> dict[str, float]:
    """MB per top-level attribute of ``obj`` (largest first; objects shared with an earlier
    attribute are counted there)."""
    seen: set[int] = {id(obj)}
    sizes = {k: footprint(v, seen) / MB for k, v in vars(obj).items()}
    return {k: round(v, 2) for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]) if v >= 0.01}


class Steps:
    """Runs named steps, recording RSS / traced-heap deltas and newly imported heavy modules."""

    def __init__(self, trace: bool) -> None:
        self.rows: list[dict[str, Any]] = []
        self.trace = trace

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        before_mods = {m for m in HEAVY if m in sys.modules}
        rss0 = proc_status()["VmRSS"]
        heap0 = tracemalloc.get_traced_memory()[0] if self.trace else 0
        t = time.perf_counter()
        out = fn()
        secs = time.perf_counter() - t
        gc.collect()
        row: dict[str, Any] = {"step": name}
        if self.trace:
            row["python_heap_mb"] = round((tracemalloc.get_traced_memory()[0] - heap0) / MB, 1)
        else:
            row["rss_mb"] = round(proc_status()["VmRSS"] - rss0, 1)
            row["imported"] = sorted({m for m in HEAVY if m in sys.modules} - before_mods)
            row["seconds"] = round(secs, 2)
        self.rows.append(row)
        return out


def in_process(release: Path, trace: bool) -> dict[str, Any]:
    """Load ``release`` step by step as the server does (see the module docstring); with
    ``trace`` the traced Python heap per step instead of RSS."""
    if trace:
        tracemalloc.start()
    steps = Steps(trace)
    start = proc_status()["VmRSS"]
    steps.run("import the web stack (fastapi, pydantic)", lambda: __import__("fastapi"))
    steps.run("import shopmind.serve.app (rest of the app)", lambda: __import__("shopmind.serve.app"))

    def catalog() -> Any:
        import polars as pl

        from shopmind.serve import state

        return state._products_dict(pl.read_parquet(release / "catalog" / "products.parquet"))

    products = steps.run("catalog dict (state.products)", catalog)
    engine = recs = None
    if (release / "search").exists():
        from shopmind.search.engine import SearchEngine

        engine = steps.run("search engine load", lambda: SearchEngine.load(release / "search"))
        steps.run("search warm-up (query encoder, analyzers)", lambda: engine.search("warm up"))
    if (release / "recs").exists():
        from shopmind.recommend.service import RecommendationService

        recs = steps.run("recommendation service load", lambda: RecommendationService.load(release / "recs"))

    def requests() -> None:
        if engine is not None:
            engine.search("red dress")
            engine.search("红色连衣裙")
        if recs is not None:
            item = str(recs.catalog.ids[0])
            recs.similar_items(item, 10)
            recs.bought_together(item, 10)
            recs.for_user(str(recs.data.user_ids[0]) if len(recs.data.user_ids) else "nobody", 10)

    steps.run("first requests (search en + zh, recs)", requests)
    total = proc_status()
    if trace:
        tracemalloc.stop()
        return {"steps": steps.rows}
    out: dict[str, Any] = {
        "start_rss_mb": round(start, 1),
        "end_rss_mb": round(total["VmRSS"], 1),
        "peak_rss_mb": round(total["VmHWM"], 1),
        "steps": steps.rows,
        "products": len(products),
        "modules_loaded": sorted(m for m in HEAVY if m in sys.modules),
    }
    if engine is not None:
        out["search_engine_attributes_mb"] = attribute_sizes(engine)
    if recs is not None:
        out["recs_attributes_mb"] = attribute_sizes(recs)
        out["recs_data_attributes_mb"] = attribute_sizes(recs.data)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def served(workspace: Path, item: str | None, user: str | None, timeout: float = 600) -> dict[str, Any]:
    """RSS of a real ``shopmind serve`` after it is ready and has answered a few requests."""
    port = free_port()
    log = open(workspace / f"memory-bench-{port}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "shopmind.cli", "serve", "--workspace", str(workspace),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not become ready (see {log.name})")
            time.sleep(0.5)
        ready = proc_status(proc.pid)
        paths = ["/v1/search?q=red%20dress", "/v1/search?q=%E7%BA%A2%E8%89%B2%E8%BF%9E%E8%A1%A3%E8%A3%99"]
        if item:
            paths += [f"/v1/items/{item}/similar?k=8", f"/v1/items/{item}/bought-together?k=8"]
        if user:
            paths.append(f"/v1/users/{user}/recommendations?k=10")
        codes = []
        for p in paths:
            try:
                with urllib.request.urlopen(base + p, timeout=60) as r:
                    codes.append(r.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        after = proc_status(proc.pid)
        return {
            "ready_rss_mb": round(ready["VmRSS"], 1),
            "after_requests_rss_mb": round(after["VmRSS"], 1),
            "peak_rss_mb": round(after["VmHWM"], 1),
            "requests": dict(zip(paths, codes, strict=True)),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, required=True, help="a built workspace (its CURRENT release)")
    ap.add_argument("--label", default=None, help="name in the output (default: the workspace folder)")
    ap.add_argument(
        "--out", type=Path, default=None, help="JSON path (default bench/results/memory-<label>.json)"
    )
    ap.add_argument("--no-server", action="store_true", help="only the in-process steps")
    ap.add_argument(
        "--server-only", action="store_true", help="only the real server (kept: earlier steps in --out)"
    )
    ap.add_argument("--inner", choices=["rss", "heap"], default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    ws = args.workspace.resolve()
    label = args.label or ws.name
    current = (ws / "releases" / "CURRENT").read_text().strip()
    release = ws / "releases" / current
    if args.inner:  # the in-process part runs in a fresh interpreter (nothing imported before)
        print(json.dumps(in_process(release, trace=args.inner == "heap")))
        return
    print(f"{label}: release {current}")
    out = args.out or ROOT / "bench" / "results" / f"memory-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.server_only:
        result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"label": label}
        result["server"] = served(ws, *_ids(release))
        result["server_date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"  server: {result['server']}\nsaved {out}")
        return
    runs = {}
    for kind in ("rss", "heap"):
        inner = subprocess.run([sys.executable, __file__, "--workspace", str(ws), "--inner", kind],
                               capture_output=True, text=True)  # fmt: skip
        if inner.returncode:
            raise SystemExit(f"the {kind} run failed:\n{inner.stderr[-3000:]}")
        runs[kind] = json.loads(inner.stdout.strip().splitlines()[-1])
    ip = runs["rss"]
    for row, traced in zip(ip["steps"], runs["heap"]["steps"], strict=True):
        row["python_heap_mb"] = traced["python_heap_mb"]
        print(f"  {row['step']:<44} RSS {row['rss_mb']:+8.1f} MB  heap {row['python_heap_mb']:+7.1f} MB  "
              f"{' '.join(row['imported'])}")  # fmt: skip
    result: dict[str, Any] = {
        "label": label,
        "workspace": str(ws),
        "release": current,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/memory.py " + " ".join(sys.argv[1:]),
        "in_process": ip,
    }
    print(f"  in-process end RSS {ip['end_rss_mb']} MB (peak {ip['peak_rss_mb']} MB); heavy modules: "
          f"{', '.join(ip['modules_loaded'])}")  # fmt: skip
    for key in ("search_engine_attributes_mb", "recs_attributes_mb"):
        if key in ip:
            top = list(ip[key].items())[:8]
            print(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in top))
    out.write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )  # kept if the server fails
    if not args.no_server:
        recs_ids = _ids(release)
        result["server"] = served(ws, *recs_ids)
        s = result["server"]
        print(f"  server: ready {s['ready_rss_mb']} MB, after requests {s['after_requests_rss_mb']} MB, "
              f"peak {s['peak_rss_mb']} MB")  # fmt: skip
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"saved {out}")


def _ids(release: Path) -> tuple[str | None, str | None]:
    """A product id and a user id of the release, for the server's requests."""
    import polars as pl

    products = pl.read_parquet(release / "catalog" / "products.parquet", columns=["product_id"])
    item = str(products["product_id"][0]) if products.height else None
    user = None
    live = release / "recs" / "config.json"
    if live.exists():
        from shopmind.recommend.service import RecommendationService

        user_ids = RecommendationService.load(release / "recs").data.user_ids
        user = str(user_ids[0]) if len(user_ids) else None
    return item, user


if __name__ == "__main__":
    main()
