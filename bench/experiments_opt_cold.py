"""Session 18's cold solve of optimized interleaving against round 13's on every real query (issue 15).

Why: the solve was made cheaper (``interleave_opt_lp``: lists as an id array, HiGHS through
``highspy``, solutions shared by shape) on the promise that nothing a shopper sees or the readout
reads changes. ``tests/test_interleave_opt_lp.py`` checks it on seeded random pairs; this checks it on
every query of the search evaluation's two real ranker pairs (``experiments_exact.REAL_PAIRS``, the
rankings cache of rounds 11-13):

- ``optimize`` (the served design: linear credit, insensitivity objective, k = 10): the same lists in
  the same order, the same number of candidate lists and feasibility, probabilities, credits and
  ``max_bias`` within 1e-9 of round 13's (``bench/interleave_opt_r13.py``);
- the served merge (``served_interleave`` at depth 10 with the default ``SolutionCache``, shape cache
  on, queries in a seeded order) against round 13's solve without one: the same items and teams,
  credits within 1e-9, for the same seed.

The per-request cost is ``experiments_opt_serve13.py``'s (its rule unchanged: cold CPU p99 <= 10 ms),
with ``--design insensitivity:none:r13 --design insensitivity:none:noshape --design
insensitivity:none`` alternating request by request. Decided before its run: the rule reads the
served configuration (``insensitivity:none``, the default ``SolutionCache`` with its shape cache,
empty at the start of each pair as the request cache is); ``noshape`` is reported beside it.

    nice -n 10 python bench/experiments_opt_cold.py --rankings-cache /tmp/t17opt/rankings.json
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import REAL_PAIRS, run_header  # noqa: E402
from interleave_opt_r13 import optimize as optimize_r13  # noqa: E402
from shopmind.experiments.interleave_opt import (  # noqa: E402
    SERVE_CREDIT,
    SERVE_K,
    SolutionCache,
    optimize,
    served_interleave,
)

TOL = 1e-9


def _diff(old: Any, new: Any) -> float:
    """Largest difference between two distributions' numbers; inf when their lists differ."""
    if old.lists != new.lists or old.candidates != new.candidates or old.feasible != new.feasible:
        return float("inf")
    if not old.probs:
        return 0.0
    return float(
        max(
            np.abs(np.subtract(old.probs, new.probs)).max(),
            np.abs(np.subtract(old.credits, new.credits)).max(),
            abs(old.max_bias - new.max_bias),
        )
    )


def compare(pairs: list[tuple[list[str], list[str]]]) -> dict[str, Any]:
    """Distribution and served-list differences over ``pairs`` (module docstring)."""
    worst, differ, infeasible = 0.0, 0, 0
    t_old = t_new = 0.0
    for a, b in pairs:
        t = time.thread_time()
        old = optimize_r13(a, b, SERVE_K, SERVE_CREDIT)
        t_old += time.thread_time() - t
        t = time.thread_time()
        new = optimize(a, b, SERVE_K, SERVE_CREDIT)
        t_new += time.thread_time() - t
        d = _diff(old, new)
        worst = max(worst, d)
        differ += d > TOL
        infeasible += not new.feasible
    order = list(range(len(pairs)))
    random.Random(18).shuffle(order)
    new_cache, old_cache = SolutionCache(), SolutionCache(shape_size=0, solve=optimize_r13)
    served_differ, served_worst = 0, 0.0
    for i in order:
        a, b = pairs[i]
        s_new = served_interleave(a, b, 10, random.Random(i), new_cache)
        s_old = served_interleave(a, b, 10, random.Random(i), old_cache)
        if s_new.items != s_old.items or s_new.teams != s_old.teams:
            served_differ += 1
            continue
        gap = float(np.abs(np.subtract(s_new.credits, s_old.credits)).max()) if s_new.credits else 0.0
        served_worst = max(served_worst, gap)
        served_differ += gap > TOL
    return {
        "queries": len(pairs),
        "distributions_differing": differ,
        "max_abs_difference": worst,
        "infeasible_queries": infeasible,
        "served_lists_differing": served_differ,
        "served_max_credit_difference": served_worst,
        "shape_hits": new_cache.shapes.hits,
        "solve_cpu_s": {"r13": round(t_old, 2), "session18_no_shape_cache": round(t_new, 2)},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rankings-cache", type=Path, required=True, help="as experiments_exact.py")
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_opt_cold.json"))
    args = ap.parse_args(argv)
    if not args.rankings_cache.exists():
        print(f"error: {args.rankings_cache} not found (write it with experiments_sim.py)", file=sys.stderr)
        return 2
    result: dict[str, Any] = run_header() | {"load_start": os.getloadavg()}
    ranked = json.loads(args.rankings_cache.read_text())["ranked"]
    ok = True
    for pair, (worse, better) in REAL_PAIRS.items():
        queries = sorted(q for q in ranked[worse] if q in ranked[better])
        got = compare([(ranked[worse][q], ranked[better][q]) for q in queries])
        ok &= got["distributions_differing"] == 0 and got["served_lists_differing"] == 0
        result[pair] = got
        print(pair, json.dumps(got), flush=True)
    result["load_end"] = os.getloadavg()
    result["equal"] = ok
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}; equal to round 13's: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
