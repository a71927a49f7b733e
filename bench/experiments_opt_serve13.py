"""What each optimized-interleaving design costs per search request, side by side (issue 15,
round 13).

Why: round 13's designs (``interleave_opt_sens``) change what the LP optimises and how a query's
credits are scaled; ``sensitivity`` solves up to 1 + ``SENS_STEPS`` LPs per pair of rankings where
the others solve one. The serving rule of ``experiments_opt_round13.py`` asks for a cold
per-request p99 <= 10 ms (half the search p99 goal of 20 ms). The box is shared (2 cores, other
helpers' runs), so wall time measures the run queue as much as the merge: the rule is applied to
the request's CPU time (``time.thread_time``; the merge is single-threaded numpy/HiGHS), and wall
time is reported beside it.

Method: as ``experiments_opt.py``'s round-12 cost bench (``experiments_opt_serve.py``): per real
pair, ``--queries`` queries of the rankings cache (seed 0), ``served_interleave`` at depth 10 with
an empty cache per design (cold: the LP(s) solved), then the same requests again (cached, best of
``--rounds``). The designs alternate request by request (same query, every design, then the next
query), so load swings hit them alike.

    nice -n 10 python bench/experiments_opt_serve13.py --rankings-cache /tmp/t17opt/rankings.json \
        --design insensitivity:none --design sensitivity:unit

Session 18: a design may name the solve as a third part, ``objective:scale:solve`` - ``r13``
(round 13's enumeration and ``linprog``, ``bench/interleave_opt_r13.py``, no shape cache),
``noshape`` (session 18's solve, no shape cache) or ``session18`` (the served one, with its shape
cache; the default) - so the old and new solves alternate request by request like the designs.
The rule is unchanged; the process's CPU time is reported beside the request thread's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import REAL_PAIRS, run_header  # noqa: E402
from experiments_opt_serve import _ms  # noqa: E402
from interleave_opt_r13 import optimize as optimize_r13  # noqa: E402
from shopmind.experiments.interleave_opt import SolutionCache, served_interleave  # noqa: E402
from shopmind.experiments.interleave_opt_sens import OBJECTIVES, SCALES  # noqa: E402

SOLVES = ("session18", "noshape", "r13")


def _cache(size: int, solve: str) -> SolutionCache:
    """An empty cache of the served merge with ``solve``'s LP (module docstring)."""
    if solve == "r13":
        return SolutionCache(size=size, shape_size=0, solve=optimize_r13)
    return SolutionCache(size=size, shape_size=0) if solve == "noshape" else SolutionCache(size=size)


def measure(pairs: list[tuple[list[str], list[str]]], designs: list[tuple[str, ...]], rounds: int) -> dict:
    """Cold and cached wall and CPU milliseconds per request of each design, alternating."""
    caches = {d: _cache(len(pairs) + 1, d[2] if len(d) > 2 else "session18") for d in designs}
    cold: dict[tuple[str, ...], dict[str, list[float]]] = {
        d: {"wall": [], "cpu": [], "proc": []} for d in designs
    }
    for i, (a, b) in enumerate(pairs):
        for d in designs:
            t, c, pc = time.perf_counter(), time.thread_time(), time.process_time()
            served_interleave(a, b, 10, random.Random(i), caches[d], objective=d[0], scale=d[1])
            cold[d]["cpu"].append(time.thread_time() - c)
            cold[d]["proc"].append(time.process_time() - pc)
            cold[d]["wall"].append(time.perf_counter() - t)
    hit = {d: [float("inf")] * len(pairs) for d in designs}
    for _ in range(rounds):
        for i, (a, b) in enumerate(pairs):
            for d in designs:
                t = time.perf_counter()
                served_interleave(a, b, 10, random.Random(i), caches[d], objective=d[0], scale=d[1])
                hit[d][i] = min(hit[d][i], time.perf_counter() - t)
    return {
        ":".join(d): {
            "cold_cpu_ms": _ms(cold[d]["cpu"]),
            "cold_process_cpu_ms": _ms(cold[d]["proc"]),
            "cold_wall_ms": _ms(cold[d]["wall"]),
            "cached_wall_ms": _ms(hit[d]),
            "shape_hits": caches[d].shapes.hits,
        }
        for d in designs
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rankings-cache", type=Path, required=True, help="as experiments_exact.py")
    ap.add_argument("--design", action="append", required=True, help="objective:scale[:solve] (repeatable)")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_opt_serve13.json"))
    args = ap.parse_args(argv)
    designs = []
    for spec in args.design:
        parts = spec.split(":")
        bad_solve = len(parts) == 3 and parts[2] not in SOLVES
        if len(parts) not in (2, 3) or parts[0] not in OBJECTIVES or parts[1] not in SCALES or bad_solve:
            print(
                f"error: --design {spec!r}: objective one of {OBJECTIVES}, scale one of {SCALES},"
                f" optional solve one of {SOLVES}",
                file=sys.stderr,
            )
            return 2
        designs.append(tuple(parts))
    if not args.rankings_cache.exists():
        print(f"error: {args.rankings_cache} not found (write it with experiments_sim.py)", file=sys.stderr)
        return 2
    import highspy  # noqa: F401  (session 18's solve: imported before timing too)
    import scipy.optimize  # noqa: F401  (imported before timing, as round 12)

    result: dict[str, Any] = run_header() | {"load_start": os.getloadavg()}
    ranked = json.loads(args.rankings_cache.read_text())["ranked"]
    for pair, (worse, better) in REAL_PAIRS.items():
        queries = sorted(q for q in ranked[worse] if q in ranked[better])
        pick = random.Random(0).sample(queries, min(args.queries, len(queries)))
        got = measure([(ranked[worse][q], ranked[better][q]) for q in pick], designs, args.rounds)
        result[f"{pair}_depth10"] = got
        print(pair, json.dumps(got), flush=True)
    result["load_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
