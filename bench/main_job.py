"""Seconds to a working shop: the main job timed from the outside, the way a new user meets it.

Scenarios (each prints and saves JSON to bench/results/main_job-<scenario>-<time>.json):

- ``demo``: ``shopmind demo`` (installed script, empty workspace) -> the server listening
  (``/healthz``), the stages ``/readyz`` reports while the first release is built, the first answered search
  (``/v1/search`` returning hits) and the release being complete (``/readyz`` says
  ``complete``), per build stage (``releases/progress.json``); ``--hog`` runs a busy loop
  hogging one core beside it (what a shared machine looks like).
- ``online-retail``: the same with ``--dataset online-retail``.
- ``home-depot``: ``shopmind ingest`` + ``shopmind build`` of Home Depot (54,667 products, its
  judgments as the store's) from an empty vector cache, then a rebuild after changing the
  titles of 1 % of the products; ``--encoder`` picks ``[search] encoder``.

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


def _hog() -> subprocess.Popen:
    """A busy loop hogging one core for as long as it runs."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _conditions() -> dict:
    return {"loadavg_1m": os.getloadavg()[0], "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat()}


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user+system) of a live process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2 :].split()  # fields after "pid (comm)"
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK


def _proc_label(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in args if a)
    if "spawn_main" in text:
        return "spawned worker (multiprocessing)"
    for key in ("shopmind.demo.shopfiles", "shopmind.cli", " build", " ingest", "evaluate", "demo"):
        if key in text:
            return text[text.find(key.strip()) :][:60]
    return text[:60]


class ProcTree:
    """CPU seconds per process of the demo's tree, sampled from /proc (item 1 of session 15: where
    the complete release's time goes, per process). A process's CPU is its last sample, so a short
    child that ends between samples is undercounted by at most its last interval."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.procs: dict[int, dict] = {}

    def sample(self, now: float) -> None:
        stats: dict[int, tuple[int, float]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = _proc_stat(int(entry.name))
                if got is not None:
                    stats[int(entry.name)] = got
        mine = {self.root} | set(self.procs)
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _cpu) in stats.items():
                if pid not in mine and ppid in mine:
                    mine.add(pid)
                    grew = True
        for pid in mine:
            if pid not in stats:
                continue
            p = self.procs.get(pid)
            if p is None:
                p = self.procs[pid] = {"label": _proc_label(pid), "first_s": round(now, 1), "cpu_s": 0.0}
            p["cpu_s"] = round(stats[pid][1], 2)
            p["last_s"] = round(now, 1)
            p.setdefault("cpu_at", []).append((round(now, 1), p["cpu_s"]))

    def report(self, marks: dict[str, float | None]) -> list[dict]:
        """Per process: label, seen from/to, CPU seconds in all and between the run's marks."""
        out = []
        names = [k for k, v in marks.items() if v is not None]
        for pid, p in sorted(self.procs.items(), key=lambda kv: kv[1]["first_s"]):
            at = p.pop("cpu_at", [])
            row = {"pid": pid, **p}

            def cpu_by(t: float, at: list = at) -> float:
                before = [c for s, c in at if s <= round(t, 1)]  # (samples are stamped rounded)
                return before[-1] if before else 0.0

            last = 0.0
            for name in names:
                c = cpu_by(marks[name])
                row[f"cpu_to_{name}_s"] = round(c - last, 2)
                last = c
            out.append(row)
        return out


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
    hogger = _hog() if hog else None
    before = _conditions()
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
        "conditions_after": _conditions(),
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


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _build(ws: Path, config: Path) -> tuple[float, dict]:
    t0, c0 = time.monotonic(), _children_cpu()
    subprocess.run([str(EXE), "build", "--workspace", str(ws), "--config", str(config), "--force"],
                   check=True, capture_output=True)  # fmt: skip
    seconds = time.monotonic() - t0
    rel = ws / "releases"
    manifest = json.loads((rel / (rel / "CURRENT").read_text().strip() / "release.json").read_text())
    # CPU seconds of the build process and every process it waited for (encoders, children)
    manifest["_bench_cpu_s"] = round(_children_cpu() - c0, 2)
    return seconds, manifest


def _summary(seconds: float, m: dict) -> dict:
    comps = m["components"]
    sv = comps.get("search", {}).get("search_vectors", {})
    return {
        "wall_s": round(seconds, 2),
        "cpu_s": m.get("_bench_cpu_s"),
        "cpu_by_component": {
            **{k: v.get("cpu_seconds") for k, v in comps.items()},
            "search_vectors": sv.get("cpu_seconds"),
        },
        "first_release_s": m.get("first_release_seconds"),
        "complete_release_s": m.get("seconds"),
        "search_s": comps.get("search", {}).get("seconds"),
        "search_vectors_s": sv.get("seconds"),
        "encoded": sv.get("encoded"),
        "cached": sv.get("cached"),
        "encode_s": sv.get("encode_seconds"),
        "warm_queries": sv.get("warm_queries"),
        "ltr_lexical": {
            k: comps.get("search", {}).get("ltr", {}).get(k) for k in ("ltr", "decision", "seconds")
        },
        "ltr_dense": {
            k: sv.get("ltr", {}).get(k)
            for k in (
                "ltr",
                "decision",
                "seconds",
                "heldout_ndcg10",
                "rounds",
                "train_rows",
                "early_stop_queries",
            )
        },
        "graph": {k: sv.get(k) for k in ("graph", "graph_seconds")},
        "recs": {k: comps.get("recs", {}).get(k) for k in ("decision", "seconds")},
        "recs_content": {
            k: (comps.get("recs", {}).get("recs_content") or {}).get(k)
            for k in ("encoder", "vectors", "seconds", "cpu_seconds", "seconds_content")
        },
        "rows": m["rows"],
    }


def run_home_depot(
    data: Path, encoder: str, share: float, seed_cache: Path | None = None, recs_encoder: str | None = None
) -> dict:
    """First build from an empty cache, then a rebuild after changing ``share`` of the titles.
    ``seed_cache``: the workspace's vector cache starts as a copy of that folder (a shop whose
    catalog was encoded before: the first build is then not an e5 run, and the rebuild — what
    a catalog feed update costs — is measured without waiting ~12 minutes for a first encoding)."""
    import polars as pl

    tmp = Path(tempfile.mkdtemp(prefix="main-job-hd-"))
    ws = tmp / "ws"
    if seed_cache is not None:
        shutil.copytree(seed_cache, ws / "cache")
    config = tmp / "shop.toml"
    recs = f'[recs]\nencoder = "{recs_encoder}"\n' if recs_encoder else ""  # (absent: the default)
    config.write_text(f'[search]\nencoder = "{encoder}"\n{recs}', encoding="utf-8")
    before = _conditions()
    t0 = time.monotonic()
    subprocess.run([str(EXE), "ingest", str(data / "home-depot"), "--format", "home-depot", "--workspace", str(ws),
                    "--force"], check=True, capture_output=True)  # fmt: skip
    ingest_s = time.monotonic() - t0
    first_s, m1 = _build(ws, config)
    # change the titles of 1 % of the products (a catalog feed update) and ingest them
    products = pl.read_parquet(ws / "releases" / m1["id"] / "catalog" / "products.parquet")
    n = max(1, int(products.height * share))
    changed = products.sample(n, seed=1).with_columns(pl.col("title") + pl.lit(" - 2027 model"))
    feed = tmp / "feed"
    feed.mkdir()
    changed.drop([c for c in changed.columns if c.startswith("_")]).write_parquet(feed / "products.parquet")
    subprocess.run([str(EXE), "ingest", str(feed), "--format", "canonical", "--workspace", str(ws), "--force"],
                   check=True, capture_output=True)  # fmt: skip
    again_s, m2 = _build(ws, config)
    out = {
        "scenario": "home-depot",
        "encoder": encoder,
        "recs_encoder": recs_encoder or "(default)",
        "seed_cache": None if seed_cache is None else str(seed_cache),
        "ingest_s": round(ingest_s, 2),
        "first_build": _summary(first_s, m1),
        "changed_products": n,
        "rebuild": _summary(again_s, m2),
        "code": os.environ.get("PYTHONPATH") or "the installed package",
        "conditions_before": before,
        "conditions_after": _conditions(),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    return out


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
