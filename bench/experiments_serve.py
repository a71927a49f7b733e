"""What a served interleaving experiment costs per ``/v1/search`` request (issue 15 item 1).

A demo-shop release (lexical search, no encoder, no re-ranker) loaded by the real app (FastAPI
TestClient; one interleaved request goes through HTTP to check the answer). Timed: the search
handler's work after parameter parsing (assignment, variant engines, the search(es), the merge, the
log appends), in process, because the TestClient's thread hand-offs cost ~40 ms per request on this
box and drown the difference. Three kinds of request, side by side in one run, round-robin over the
same queries so load changes hit all three alike:

- ``plain``: no user id (no experiment: the defaults);
- ``ab``: a user in an A/B experiment (one variant's engine);
- ``interleaved``: a user in an interleaving experiment (both variants' rankings, team-draft merge,
  the list logged to the interleaving log's in-memory buffer).

Reported: median and p95 wall time per request of each, the ratio to ``plain``, and the engine's own
stage times (analysis, lexical, fusion, ...) of the first and the second ranker of the interleaved
requests, i.e. what running the second ranker repeats. ``--method`` picks the interleave experiment's
merge (team draft by default: the recorded figures are team draft's). ``--merge-only``: the merge
alone, team draft beside probabilistic interleaving, on two overlapping id rankings (depth 10 and
100, best of 5 x 2,000 merges each), without building a release.

    python bench/experiments_serve.py --out bench/results/experiments_serve.json
    python bench/experiments_serve.py --merge-only --out bench/results/experiments_merge.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

DEFS = {
    "experiment": [
        {"name": "ab", "layer": "search", "status": "running", "traffic": 0.5,
         "variant": [{"name": "control"}, {"name": "raw", "overrides": {"search": {"understand": False}}}]},
        {"name": "il", "layer": "search", "status": "running", "kind": "interleave", "traffic": 0.5,
         "variant": [{"name": "plain", "overrides": {"search": {"understand": False}}}, {"name": "understood"}]},
    ]
}  # fmt: skip


def merge_cost(reps: int = 2000) -> dict[str, Any]:
    """Microseconds per merge, team draft beside probabilistic interleaving, side by side: two
    rankings of ``depth`` ids sharing every other id's neighbourhood (a half-overlapping pair)."""
    import random

    from shopmind.experiments.interleave import team_draft
    from shopmind.experiments.interleave_prob import probabilistic_interleave

    out: dict[str, Any] = {}
    for depth in (10, 100):
        a = [f"p{i}" for i in range(depth)]
        b = [f"p{i + (i % 2) * depth}" for i in range(depth)]  # every other id its own
        best = {"team_draft_us": float("inf"), "probabilistic_us": float("inf")}
        for _ in range(5):
            for key, merge in (("team_draft_us", team_draft), ("probabilistic_us", probabilistic_interleave)):
                rng = random.Random(0)
                t0 = time.perf_counter()
                for _ in range(reps):
                    merge(a, b, depth, rng)
                best[key] = min(best[key], (time.perf_counter() - t0) / reps * 1e6)
        out[f"depth_{depth}"] = best | {"ratio": best["probabilistic_us"] / best["team_draft_us"]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_serve.json"))
    ap.add_argument("--method", choices=("team-draft", "probabilistic"), default="team-draft")
    ap.add_argument("--merge-only", action="store_true", help="time the two merges alone (no release)")
    args = ap.parse_args(argv)
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python " + " ".join(sys.argv),
        "python": platform.python_version(),
    }
    if args.merge_only:
        result = meta | {"merge": merge_cost()}
        print(json.dumps(result, indent=2))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
        return 0
    DEFS["experiment"][1]["method"] = args.method

    from fastapi.testclient import TestClient
    from starlette.requests import Request

    from shopmind.config import GateConfig
    from shopmind.demo.generator import generate
    from shopmind.experiments import registry
    from shopmind.experiments.assign import Assigner
    from shopmind.experiments.definition import parse_experiments
    from shopmind.quality.gate import publish, run_gate
    from shopmind.release.build import build_release
    from shopmind.release.components import build_catalog, build_search
    from shopmind.serve.app import create_app
    from shopmind.serve.routes.experiments import interleaved_search, log_exposures, search_variant
    from shopmind.store.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shop = generate(seed=7, n_products=2000, n_users=500, days=30)
        with Store(ws) as store:
            gate = GateConfig()
            publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
        settings = {"search": {"encoder": None, "ltr": "off"}}
        build_release(
            ws, [("catalog", build_catalog), ("search", build_search)], settings=settings, force=True
        )
        registry.save(ws, parse_experiments(DEFS))
        titles = shop.batch.products["title"].drop_nulls().to_list()
        rng = np.random.default_rng(0)
        queries = [" ".join(t.split()[:2]) for t in rng.choice(titles, args.queries, replace=False)]
        times: dict[str, list[float]] = {"plain": [], "ab": [], "interleaved": []}
        stages_a: list[dict[str, float]] = []
        second_total: list[float] = []
        with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
            # one layer, so each user is in one experiment: the first user of each
            assigner = Assigner(registry.load(ws))
            users = {}
            for i in range(1000):
                got = assigner.assign(f"bench-{i}")
                if got:
                    users.setdefault(got[0].experiment, f"bench-{i}")
            # end to end once through HTTP: the interleaved answer says so
            body = c.get("/v1/search", params={"q": queries[0], "user_id": users["il"]}).json()
            assert body["experiments"] == [{"experiment": "il", "variant": "interleaved"}], body
            engine = c.app.state.shop.current.engine

            def route(q: str, user: str | None) -> Any:
                """What the /v1/search handler does after parameter parsing (HTTP excluded: the
                TestClient's thread hand-offs cost ~40 ms here and would drown the difference)."""
                request = Request({"type": "http", "app": c.app, "state": {}, "headers": []})
                e, assigned, unit = search_variant(request, engine, user, None)

                def run(x: Any, pg: int = 1, sz: int = 10) -> Any:
                    u = True if x is engine else x.config.understand
                    return x.search(q, sort="relevance", page=pg, size=sz, apply_understood=u)

                il = interleaved_search(request, engine, run, q, "relevance", 1, 10, unit, None)
                resp = il[0] if il else run(e)
                if assigned:
                    log_exposures(request, assigned, unit, None, "search", resp.total)
                return resp

            kinds = {"plain": None, "ab": users["ab"], "interleaved": users["il"]}
            for q in queries[:20]:  # warm-up
                for user in kinds.values():
                    route(q, user)
            for _ in range(args.rounds):
                for q in queries:
                    for kind, user in kinds.items():
                        t0 = time.perf_counter()
                        resp = route(q, user)
                        times[kind].append((time.perf_counter() - t0) * 1e3)
                        if kind == "interleaved":
                            stages_a.append(resp.timing_ms)
                            second_total.append(resp.timing_ms.get("second_ranker_total", 0.0))
    result: dict[str, Any] = meta | {
        "method": args.method,
        "requests_per_kind": len(times["plain"]),
        "products": 2000,
    }
    base = float(np.median(times["plain"]))
    for kind, ts in times.items():
        result[kind] = {
            "median_ms": float(np.median(ts)),
            "p95_ms": float(np.percentile(ts, 95)),
            "ratio_to_plain_median": float(np.median(ts)) / base,
        }
    keys = [k for k in stages_a[0] if k != "second_ranker_total"]
    result["interleaved_first_ranker_stages_median_ms"] = {
        k: float(np.median([s[k] for s in stages_a])) for k in keys
    }
    result["interleaved_second_ranker_total_median_ms"] = float(np.median(second_total))
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
