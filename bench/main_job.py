"""Seconds to a working shop: the main job timed from the outside, the way a new user meets it.

Scenarios (each prints and saves JSON to bench/results/main_job-<scenario>-<time>.json):

- ``demo``: ``shopmind demo`` (installed script, empty workspace) -> the server listening
  (``/healthz``), the stages ``/readyz`` reports while the first release is built, the first answered search
  (``/v1/search`` returning hits) and the release being complete (``/readyz`` says
  ``complete``), per build stage (``releases/progress.json``); ``--hog`` runs a busy loop
  hogging one core beside it (what a shared machine looks like).
- ``online-retail``: the same with ``--dataset online-retail``.
- ``home-depot`` (``main_job_home_depot.py``): ``shopmind ingest`` + ``shopmind build`` of Home
  Depot (54,667 products, its judgments as the store's) from an empty vector cache, then a rebuild
  after changing the titles of 1 % of the products; ``--encoder`` picks ``[search] encoder``.

The per-process CPU accounting and the machine's conditions are in ``main_job_procs.py``.

Run peers side by side in one session: absolute seconds on a shared machine are noisy, and the
load average is recorded with every figure.

    python bench/main_job.py demo
    python bench/main_job.py demo --hog
    python bench/main_job.py online-retail
    python bench/main_job.py home-depot --encoder use
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from main_job_home_depot import run_home_depot
from main_job_procs import ProcTree, conditions, start_hog

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EXE = Path(sys.executable).parent / "shopmind"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:  # /readyz's 503 says what is building
        try:
            return e.code, json.loads(e.read().decode())
        except ValueError:
            return e.code, {}


def _past_queries(demo_dir: Path, n: int, seed: int = 0) -> list[str]:
    """``n`` searches drawn (seeded) from the shop's logged searches by their frequency: what
    shoppers type in the first minute after the release is complete (head queries repeat)."""
    import random

    import polars as pl

    events = pl.read_parquet(demo_dir / "events.parquet", columns=["type", "query"])
    counts = events.filter(pl.col("query").is_not_null() & (pl.col("type") == "search"))[
        "query"
    ].value_counts(sort=True)
    queries, weights = counts["query"].to_list(), counts["count"].to_list()
    return random.Random(seed).choices(queries, weights=weights, k=n)


def _first_minute(
    port: int, queries: list[str], seconds: float, t0: float, tick: Callable[[float], None] | None = None
) -> dict:
    """Search ``queries`` one after another for ``seconds`` right after the release is complete:
    latency as a client sees it and where each query's vector came from (``dense``: "cached" =
    warmed or seen before, "pending" = answered without the dense part while it is encoded)."""
    lat: list[float] = []
    sources: dict[str, int] = {}
    warm_done = None
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end and i < len(queries):
        q = queries[i]
        i += 1
        t = time.monotonic()
        status, body = _get(port, "/v1/search?" + urllib.parse.urlencode({"q": q, "size": 10}))
        lat.append((time.monotonic() - t) * 1e3)
        if status == 200:
            sources[str(body.get("dense"))] = sources.get(str(body.get("dense")), 0) + 1
        if tick is not None and i % 20 == 0:  # keep sampling CPU and the build's stages
            tick(time.monotonic() - t0)
        if warm_done is None and i % 20 == 0:
            r = _get(port, "/readyz")[1]
            if r.get("warm_up") is not None and all(v == "complete" for v in r["warm_up"].values()):
                warm_done = time.monotonic() - t0
    ordered = sorted(lat)

    def pct(p: float) -> float | None:
        return None if not ordered else round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "seconds": seconds,
        "searches": len(lat),
        "p50_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "p99_ms": pct(0.99),
        "mean_ms": None if not lat else round(sum(lat) / len(lat), 2),
        "dense_sources": sources,
        "warm_up_complete_seen_s": None if warm_done is None else round(warm_done, 2),
    }


def run_demo(
    dataset: str,
    data: Path,
    query: str,
    hog: bool,
    products: int | None,
    timeout: float,
    first_only: bool,
    after_complete: float = 0.0,
) -> dict:
    """``shopmind demo`` from an empty workspace until the release is complete."""
    tmp = Path(tempfile.mkdtemp(prefix="main-job-"))
    port = _free_port()
    cmd = [
        str(EXE),
        "demo",
        "--workspace",
        str(tmp / "ws"),
        "--demo-dir",
        str(tmp / "demo"),
        "--port",
        str(port),
    ]
    if dataset != "demo":
        cmd += ["--dataset", dataset, "--data", str(data)]
    if products:
        cmd += ["--products", str(products)]
    hogger = start_hog() if hog else None
    before = conditions()
    t0 = time.monotonic()
    log = open(tmp / "demo.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    first_search = complete = listening = None
    tree = ProcTree(proc.pid)
    last_sample = -1.0
    # the build's stages as progress.json reported them: name -> [first seen, last seen] (s), and
    # each release as it became current: (seconds, id, complete, warm-up state)
    stage_seen: dict[str, list[float]] = {}
    current_seen: list[dict] = []
    first_minute: dict | None = None
    first_body: dict = {}
    ready: dict = {}

    printed: dict[str, float] = {}  # when the demo's own lines appeared in its output

    def observe(now: float) -> None:
        nonlocal last_sample
        if now - last_sample >= 0.5:
            tree.sample(now)
            last_sample = now
            _timeline(tmp / "ws" / "releases", now, stage_seen, current_seen)
            _printed(tmp / "demo.log", now, printed)

    ready_first: dict = {}
    # what /readyz said before the first release: stage name -> [first seen, last seen] (s)
    seen: dict[str, list[float]] = {}
    try:
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"demo exited {proc.returncode}: {(tmp / 'demo.log').read_text()[-2000:]}")
            observe(time.monotonic() - t0)
            try:
                if listening is None and _get(port, "/healthz")[0] == 200:
                    listening = time.monotonic() - t0
                if first_search is None and listening is not None:
                    status, body = _get(port, "/readyz")
                    now = time.monotonic() - t0
                    for st in (body.get("building") or {}).get("stages", []) if status == 503 else []:
                        seen.setdefault(st["name"], [now, now])[1] = now
                if first_search is None:
                    status, body = _get(port, "/v1/search?" + urllib.parse.urlencode({"q": query, "size": 5}))
                    if status == 200 and body.get("hits"):
                        first_search, first_body = time.monotonic() - t0, body
                        ready_first = _get(port, "/readyz")[1]
                        if first_only:
                            break
                if first_search is not None:
                    status, ready = _get(port, "/readyz")
                    if status == 200 and ready.get("complete"):
                        complete = time.monotonic() - t0
                        if after_complete > 0 and dataset == "demo":
                            queries = _past_queries(tmp / "demo", 100_000)
                            first_minute = _first_minute(port, queries, after_complete, t0, observe)
                        break
            except OSError:
                pass
            time.sleep(0.2)
        # (the demo says "complete" within ~0.5 s of /readyz since session 16: give it that long)
        grace = time.monotonic() + 5
        while complete is not None and "complete" not in printed and time.monotonic() < grace:
            _printed(tmp / "demo.log", time.monotonic() - t0, printed)
            time.sleep(0.1)
    finally:
        end = time.monotonic() - t0
        tree.sample(end)
        _timeline(tmp / "ws" / "releases", end, stage_seen, current_seen)
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if hogger is not None:
            hogger.kill()
    ws = tmp / "ws"
    progress = json.loads((ws / "releases" / "progress.json").read_text()) if (ws / "releases" / "progress.json").exists() else {}  # fmt: skip
    build_started = progress.get("started_at")
    manifests = [json.loads(p.read_text()) for p in sorted((ws / "releases").glob("r*/release.json"))]
    final = manifests[-1] if manifests else {}
    out = {
        "scenario": dataset,
        "hog_one_core": hog,
        "command": " ".join(cmd[:2] + cmd[8:] if dataset != "demo" else cmd[:2]),
        "server_listening_s": None if listening is None else round(listening, 2),
        "first_answered_search_s": None if first_search is None else round(first_search, 2),
        "complete_s": None if complete is None else round(complete, 2),
        # the demo's own "complete" (and "warm-up done") lines, seen in its output (polled ~0.5 s)
        "printed_s": printed,
        "first_search_hits": len(first_body.get("hits", [])),
        "first_search_total": first_body.get("total"),
        "readyz_at_first_search": {k: ready_first.get(k) for k in ("complete", "parts", "building")},
        # stages /readyz reported (polled every ~0.2 s) before the first answered search
        "readyz_stages_before_first_search": {k: [round(a, 1), round(b, 1)] for k, (a, b) in seen.items()},
        "build": {
            "started_after_s": None
            if build_started is None
            else round(build_started - (time.time() - (time.monotonic() - t0)), 2),  # fmt: skip
            "first_release_s": final.get("first_release_seconds")
            if final.get("complete")
            else final.get("seconds"),
            # (a warm-up release after the complete one says when the complete one came)
            "complete_release_s": final.get("complete_seconds", final.get("seconds"))
            if final.get("complete")
            else None,
            "stages": progress.get("finished", []),
            "parts": final.get("parts"),
            "rows": final.get("rows"),
            "encoders": {
                "search": (final.get("components", {}).get("search", {}).get("search_vectors") or {}).get(
                    "encoder_name"
                ),
                "recs": (final.get("settings", {}).get("recs") or {}).get("encoder", "search (default)"),
            },
        },
        "timeline": {
            "stages_seen_s": {k: [round(a, 1), round(b, 1)] for k, (a, b) in stage_seen.items()},
            "releases_current": current_seen,
            "components_s": {k: (v or {}).get("seconds") for k, v in final.get("components", {}).items()},
            "search_vectors": {
                k: ((final.get("components", {}).get("search") or {}).get("search_vectors") or {}).get(k)
                for k in (
                    "seconds",
                    "encode_seconds",
                    "warm_queries",
                    "warm_queries_seconds",
                    "ltr_query_vectors",
                    "graph_seconds",
                    "warm_up",
                    "warm_up_queries",
                    "warm_up_seconds",
                    "warm_up_workers",
                )
            },
            "warm_up": final.get("warm_up"),
        },
        "cpu_by_process": tree.report({"first_search": first_search, "complete": complete, "end": end}),
        "first_minute_after_complete": first_minute,
        "code": os.environ.get("PYTHONPATH") or "the installed package",
        "conditions_before": before,
        "conditions_after": conditions(),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return out


#: lines ``shopmind demo`` prints, timed from the outside (session 16: "complete" was printed when
#: the build process ended, i.e. after the past-query warm-up, not when /readyz said complete)
PRINTED = {"complete": "complete (all parts)", "warm_up_done": "warm-up done"}


def _printed(log: Path, now: float, seen: dict[str, float]) -> None:
    """Note the first time each of ``PRINTED``'s lines is in the demo's output."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for key, line in PRINTED.items():
        if key not in seen and line in text:
            seen[key] = round(now, 1)


def _timeline(releases: Path, now: float, stages: dict[str, list[float]], current: list[dict]) -> None:
    """Note the build's active stages (``progress.json``) and a newly current release."""
    try:
        snap = json.loads((releases / "progress.json").read_text())
    except (OSError, ValueError):
        snap = {}
    for st in snap.get("active", []):
        stages.setdefault(st["name"], [now, now])[1] = now
    try:
        rid = (releases / "CURRENT").read_text().strip()
    except OSError:
        return
    if rid and (not current or current[-1]["id"] != rid):
        try:
            m = json.loads((releases / rid / "release.json").read_text())
        except (OSError, ValueError):
            return  # (being written: seen on the next poll)
        current.append(
            {"at_s": round(now, 1), "id": rid, "complete": m.get("complete"), "warm_up": m.get("warm_up"),
             "build_seconds": m.get("seconds")}
        )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=["demo", "online-retail", "home-depot"])
    ap.add_argument("--hog", action="store_true", help="busy-loop one core beside the run")
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", ROOT.parent / "shared" / "data"))
    )
    ap.add_argument("--encoder", default="use", help="home-depot: [search] encoder")
    ap.add_argument("--recs-encoder", default=None, help="home-depot: [recs] encoder (default: not set)")
    ap.add_argument("--products", type=int, default=None, help="demo: number of products")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument(
        "--seed-cache",
        type=Path,
        default=None,
        help="home-depot: start the workspace's vector cache as a copy of this folder",
    )
    ap.add_argument("--first-only", action="store_true", help="demo: stop at the first answered search")
    ap.add_argument("--label", default="", help="appended to the result file's name (e.g. before/after runs)")
    ap.add_argument(
        "--after-complete",
        type=float,
        default=0.0,
        help="demo: then search the shop's past queries for this many seconds (latency, vector sources)",
    )
    args = ap.parse_args()
    if args.scenario == "home-depot":
        result = run_home_depot(args.data, args.encoder, 0.01, args.seed_cache, args.recs_encoder)
    else:
        query = "dress" if args.scenario == "demo" else "mug"
        result = run_demo(
            args.scenario,
            args.data,
            query,
            args.hog,
            args.products,
            args.timeout,
            args.first_only,
            args.after_complete,
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tag = f"{args.scenario}{'-hog' if args.hog else ''}{'-' + args.encoder if args.scenario == 'home-depot' else ''}"
    tag += "-seeded" if args.seed_cache is not None else ""
    tag += f"-{args.label}" if args.label else ""
    path = RESULTS / f"main_job-{tag}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
