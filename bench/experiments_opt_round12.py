"""Optimized interleaving with the recentred credit, exactly unbiased on every query, beside A/B and
the served probabilistic interleaving (issue 15, round 12).

Why: round 11 (``bench/experiments_opt.py``, BENCHMARKS "Optimized interleaving (issue 15, round
11)") found optimized interleaving with the linear credit needing fewer sessions than the served
method in 8 of 8 real settings, but did not serve it: its pre-set bias rule (position-only mean
credit < 1e-9 in every setting) failed, 1.6e-6 - 4.2e-6, from one query per real pair (of 4,693)
with no exactly unbiased distribution over prefix-constrained lists. ``interleave_opt.optimize``
now recentres the credit on every query (``delta(L_i) - b_i``, ``b_i`` the chosen distribution's
mean ``delta`` at position ``i``: 0 to rounding where the LP is feasible, the least bias where it is
not), so every position's expected credit is 0 on every query and the lists stay prefix-constrained.

Method: ``experiments_opt.run_pair`` unchanged (round 9's exact machinery, its A/B, team-draft and
probabilistic groups, plus the optimized group built from ``optimize``'s lists, credits and
probabilities, exactly enumerated; controls = the shown list's per-position credits, mean 0).

Protocol (written and committed before this round's run; nothing is chosen in it):
- the same 12 settings as rounds 9 and 11: the synthetic noise-ranker pair and the two real pairs
  (BM25F vs BM25F + LTR, bm25s vs tantivy, from round 11's rankings cache, not refitted) x 4 click
  models (PBM / DBN x alike / Gamma(1, 1) shoppers); every judged query once; k = 10; seed 0;
- the credit is round 11's choice, ``linear`` (chosen there on the synthetic pair); it is not
  re-chosen, ``inverse`` is not run;
- reported per setting: sessions for 80 % power with and without controls and the ratio to A/B's
  best metric, beside the served method (probabilistic, tau 3, + controls) in the same run; the
  exact mean credit under position-only clicks; the LP's statistics (queries without an exactly
  unbiased distribution and their largest bias before recentring);
- serving rule (round 11's, unchanged): served only if, on the 8 real settings, its sessions with
  controls are fewer than the served method's in at least 5 of 8 settings and in total, and its
  position-only mean credit is below 1e-9 in every setting (``experiments_opt.decide``);
- run once; reported as it comes.

    nice -n 10 python bench/experiments_opt_round12.py --data ../shared/data \
        --rankings-cache /tmp/t17opt/rankings.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import PI_LISTS, U_NODES, K, cache_ok, real_pairs, run_header, write_result  # noqa: E402
from experiments_opt import decide, run_pair  # noqa: E402
from experiments_sim import mean_ndcg, synthetic_rankers  # noqa: E402

CREDIT = "linear"  # round 11's choice on the synthetic pair (not re-chosen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--rankings-cache", type=Path, default=None, help="as experiments_exact.py")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_opt_round12.json"))
    ap.add_argument("--synthetic-only", action="store_true", help="only the synthetic pair (a smoke run)")
    args = ap.parse_args(argv)
    if not cache_ok(args):
        return 2
    result: dict[str, Any] = run_header() | {
        "k": K,
        "pi_lists_per_query": PI_LISTS,
        "propensity_nodes": U_NODES,
        "credit": CREDIT,
        "credit_recentred": True,
    }
    t0 = time.perf_counter()
    queries, rank_a, rank_b = synthetic_rankers(args.data)
    print("synthetic", flush=True)
    result["synthetic"] = {
        "ndcg10_a": mean_ndcg(queries, rank_a),
        "ndcg10_b": mean_ndcg(queries, rank_b),
        **run_pair(queries, rank_a, rank_b, [CREDIT], args.seed),
    }
    result["real"] = {}
    for pair, rp in ({} if args.synthetic_only else real_pairs(args.rankings_cache)).items():
        print(pair, flush=True)
        result["real"][pair] = {
            "a": rp["a"],
            "b": rp["b"],
            "queries": len(rp["grades"]),
            "ndcg10_a": rp["ndcg10_a"],
            "ndcg10_b": rp["ndcg10_b"],
            **run_pair(rp["grades"], rp["rank_a"], rp["rank_b"], [CREDIT], args.seed),
        }
    if result["real"]:
        result["decision"] = decide(result["real"], CREDIT)
        print(f"decision: {result['decision']}", flush=True)
    return write_result(result, args.out, t0)


if __name__ == "__main__":
    raise SystemExit(main())
