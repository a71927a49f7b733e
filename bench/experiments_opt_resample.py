"""How much round 11's ratios depend on the query sample (issue 15, round 11, diagnostic).

Why: ``experiments_opt.py`` found optimized interleaving (linear credit, chosen on the synthetic
pair) at 10.3x - 13.1x of A/B's sessions in 3 of the 8 real settings, on one set of queries. Round
10 showed the ratio moves 0.6x - 2x over resamples of the queries. This diagnostic, written after
that run and choosing nothing, resamples the judged queries of each real pair with replacement
(``BOOTSTRAP`` times, seed 0) and recomputes, exactly per resample, A/B's first-click RR sessions
and the sessions with controls of optimized interleaving and of the served probabilistic merge
(the same lists as ``experiments_opt.py``: the LP's for OI, ``prepare``'s 16 sampled lists per query
for the served method). It reuses round 10's per-query moments (``experiments_learned``) with the
plain per-click credit as the only feature.

    python bench/experiments_opt_resample.py --data ../shared/data --rankings-cache /tmp/t17opt/rankings.json
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import K, _pad, cache_ok, pi_lists, real_pairs, run_header, write_result  # noqa: E402
from experiments_learned import ab_query_moments, query_moments, ratio_spread  # noqa: E402
from experiments_opt import PI, SETTINGS  # noqa: E402
from shopmind.experiments.interleave_opt import optimize  # noqa: E402
from shopmind.experiments.interleave_prob import TAU  # noqa: E402

BOOTSTRAP = 500
CREDIT = "linear"  # experiments_opt.py's choice on the synthetic pair (bench/results/experiments_opt.json)


def indexed_groups(
    grades: list[dict[str, float]], rank_a: list[list[str]], rank_b: list[list[str]], seed: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """A/B's two lists, the served merge's sampled lists (the same stream as ``prepare``) and the
    LP's lists, each with its query index and its probability within the query."""
    rng = random.Random(seed)
    rows: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[float], list[int]]] = {}
    for q, (g, ra, rb) in enumerate(zip(grades, rank_a, rank_b, strict=True)):
        dist = optimize(ra, rb, K, CREDIT)
        groups = {
            "ab_a": [(tuple(ra[:K]), np.ones(min(K, len(ra))), 1.0)],
            "ab_b": [(tuple(rb[:K]), np.ones(min(K, len(rb))), 1.0)],
            PI: pi_lists(ra[:K], rb[:K], rng, TAU),
            f"opt_{CREDIT}": [
                (items, np.array(c), p)
                for items, c, p in zip(dist.lists, dist.credits, dist.probs, strict=True)
            ],
        }
        for name, lists in groups.items():
            gs, cs, ws, qs = rows.setdefault(name, ([], [], [], []))
            for items, c, w in lists:
                gs.append(_pad(np.array([g[it] for it in items])))
                cs.append(_pad(c))
                ws.append(w)
                qs.append(q)
    return {k: (np.array(g), np.array(c), np.array(w), np.array(q)) for k, (g, c, w, q) in rows.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--rankings-cache", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_opt_resample.json"))
    args = ap.parse_args(argv)
    args.synthetic_only = False
    if not cache_ok(args):
        return 2
    feats = np.array([[[float((x >> i) & 1)] for i in range(K)] for x in range(2**K)])  # the plain credit
    result: dict[str, Any] = run_header() | {"credit": CREDIT, "resamples": BOOTSTRAP, "real": {}}
    t0 = time.perf_counter()
    for pair, rp in real_pairs(args.rankings_cache).items():
        prep = indexed_groups(rp["grades"], rp["rank_a"], rp["rank_b"], args.seed)
        queries = np.arange(len(rp["grades"]))
        result["real"][pair] = {}
        for model, users in SETTINGS:
            ab = ab_query_moments(prep, model, users)
            res = {}
            for name in (PI, f"opt_{CREDIT}"):
                mom = query_moments(prep[name], model, users, False, feats)
                res[name] = ratio_spread(ab, mom, queries, {name: np.ones(1)}, args.seed, BOOTSTRAP)
            result["real"][pair][f"{model}_{users}_users"] = res
            print(pair, model, users, {k: (v["on_the_queries"], v[k]) for k, v in res.items()}, flush=True)
    return write_result(result, args.out, t0)


if __name__ == "__main__":
    raise SystemExit(main())
