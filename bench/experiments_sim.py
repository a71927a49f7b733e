"""Experiment simulator on real behaviour (issue 15): where the true effect of a variant is known.

Parts (each prints a line and lands in the JSON):

1. ``assignment``: time per request of ``Assigner.assign`` (2 layers, 3 experiments, 5 % holdout)
   beside an assigner with no experiments (the peer: what a request pays when nothing runs).
2. ``aa``: 1,000 A/A experiments on Online Retail customers. Each customer is assigned with our own
   hashing (a salt per experiment) and "exposed" on the day of their first purchase in a 28-day
   window; every day the cumulative revenue and orders per exposed customer are compared. Reported:
   false-positive rate of the always-valid mSPRT read daily (goal <= 5 %), of a fixed-horizon t-test
   read once at the end, and of that t-test peeked at daily (the error mSPRT prevents).
3. ``cuped``: revenue per customer in the window with the customer's revenue in the 9 months before
   as covariate: variance of the effect over the 1,000 A/A splits with and without CUPED (goal: cut
   >= 30 %), beside rho^2; plus agreement with tea-tasting on the first 20 splits (goal 1e-6).
4. ``power``: customers known before the window "convert" if they buy in it (Online Retail logs
   purchases, not browsing sessions, so the unit is a customer). Units per variant for 80 % power at a
   true +2 % relative conversion lift: closed form, checked by simulating 2,000 experiments at that
   size with the lift injected (known truth), tea-tasting's power solver beside it, and with CUPED.
5. ``interleaving``: Home Depot graded judgments (queries with >= 8 judged products). Two rankers
   order each query's judged products by grade + Gaussian noise (fixed per product), the noise of A
   chosen so NDCG@10 differs by ~0.02 (synthetic rankers over real graded lists: the issue asks for
   rankers from the search evaluation; noise rankers make the NDCG gap exactly 0.02). Sessions needed for 80 % power:
   A/B on clicks per session (Welch) vs team-draft interleaving (sign test), each closed form from
   simulated per-session outcome rates and checked by simulation at that size; under two click
   models, position-based (PBM) and a cascade with satisfaction (DBN). Beside the sign test, other
   per-session credit statistics (``CREDIT_STATISTICS``: click difference - the served readout's
   test -, click share, position-debiased, learned per-position weights), each with its sessions,
   simulated power and A/A false-positive rate (identical rankers); and probabilistic interleaving
   (``interleave_prob``, ``pi``: its own lists, marginalised credit, ``--pi-tau``), with team draft's
   click difference checked beside it under position-only clicks of the two different rankers.
5b. ``interleaving-real`` (only with ``--parts interleaving-real``): the same comparison with two
   rankers *from the search evaluation* (``REAL_PAIRS``: BM25F vs BM25F + LTR, bm25s vs tantivy, each
   ~0.02 apart in retrieval NDCG@10 on Home Depot), fitted and scored exactly as ``shopmind evaluate
   search`` does (LTR out of fold); the shopper sees each ranker's top 10 over the whole catalog.
6. ``ope``: the Open Bandit Dataset sample bundled in the ``obp`` 0.4.1 wheel (``--obp-wheel``; get it
   with ``pip download obp==0.4.1 --no-deps -d DIR``; we read its CSVs with zipfile because installing
   obp pulls torch 2.14 + CUDA wheels over our torch pin). Logged: uniform-random policy; evaluated:
   Bernoulli TS with the ZOZOTOWN prior (the wheel's prior_bts.yaml), whose on-policy value is the
   mean click of the BTS log. DM / IPS / SNIPS / DR relative error on the full sample and averaged
   over 100 bootstrap resamples (obp's example protocol), with 95 % intervals.

    python bench/experiments_sim.py --data ../shared/data --obp-wheel /tmp/obpdl/obp-0.4.1-py3-none-any.whl
    python bench/experiments_sim.py --data ../shared/data --parts interleaving-real
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the parts' modules, beside this one
import experiments_sim_interleaving as inter  # noqa: E402
from experiments_sim_clicks import REAL_PAIRS, mean_ndcg, simulate_clicks, synthetic_rankers  # noqa: E402
from experiments_sim_interleaving import bench_interleaving, bench_interleaving_real  # noqa: E402
from experiments_sim_ope import bench_ope  # noqa: E402
from experiments_sim_retail import (  # noqa: E402
    bench_aa,
    bench_assignment,
    bench_cuped,
    bench_power,
    load_retail,
    split,
    window_panel,
)
from shopmind.experiments.interleave_prob import TAU  # noqa: E402

#: what other benches and tests import from here (the split into part modules kept these names)
__all__ = ["REAL_PAIRS", "main", "mean_ndcg", "simulate_clicks", "synthetic_rankers"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--obp-wheel", type=Path, default=Path("/tmp/obpdl/obp-0.4.1-py3-none-any.whl"))
    ap.add_argument("--experiments", type=int, default=1000)
    ap.add_argument(
        "--out", type=Path, default=None, help="default: bench/results/experiments_sim[_PARTS].json"
    )
    ap.add_argument(
        "--parts",
        default="assignment,aa,cuped,power,interleaving,ope",
        help="comma-separated parts; 'interleaving-real' (the rankers of the search evaluation) runs only when named",
    )
    ap.add_argument("--pi-tau", type=float, default=TAU, help="probabilistic interleaving's rank exponent")
    ap.add_argument(
        "--sessions", type=int, default=inter.SESSIONS, help="simulated sessions per interleaving setting"
    )
    ap.add_argument(
        "--settings", default=",".join(inter.SETTINGS), help="click settings: model_users, comma-separated"
    )
    ap.add_argument(
        "--rankings-cache",
        type=Path,
        default=None,
        help="for interleaving-real: a JSON file holding the fitted rankers' top 10s (written when absent)",
    )
    ap.add_argument(
        "--pairs", default=",".join(REAL_PAIRS), help=f"for interleaving-real: {', '.join(REAL_PAIRS)}"
    )
    args = ap.parse_args(argv)
    inter.PI_TAU, inter.SESSIONS = args.pi_tau, args.sessions  # read by the interleaving parts
    inter.SETTINGS = tuple(args.settings.split(","))
    bad = set(inter.SETTINGS) - {"pbm_same", "pbm_heterogeneous", "dbn_same", "dbn_heterogeneous"}
    if bad or inter.SESSIONS < 100:
        print(
            f"error: unknown click setting(s) {', '.join(sorted(bad))} or --sessions < 100", file=sys.stderr
        )
        return 2
    parts = set(args.parts.split(","))
    unknown = parts - {"assignment", "aa", "cuped", "power", "interleaving", "ope", "interleaving-real"}
    pairs = args.pairs.split(",")
    if unknown or set(pairs) - set(REAL_PAIRS):
        print(
            f"error: unknown part or pair: {', '.join(sorted(unknown | (set(pairs) - set(REAL_PAIRS))))}",
            file=sys.stderr,
        )
        return 2
    full = parts == {"assignment", "aa", "cuped", "power", "interleaving", "ope"}
    out_path = args.out or Path(
        "bench/results/experiments_sim.json"
        if full
        else f"bench/results/experiments_sim_{'_'.join(sorted(parts))}.json"
    )
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python " + " ".join(sys.argv),
        "python": platform.python_version(),
        "pi_tau": inter.PI_TAU,
    }
    t0 = time.perf_counter()
    if "assignment" in parts:
        result["assignment"] = bench_assignment()
        print("assignment", json.dumps(result["assignment"]), flush=True)
    if parts & {"aa", "cuped", "power"}:
        df = load_retail(args.data)
        panel = window_panel(df)
        g = split(panel["cids"], args.experiments, "aa")
        if "aa" in parts:
            result["aa"] = bench_aa(panel, g)
            print("aa", json.dumps(result["aa"]), flush=True)
        if "cuped" in parts:
            result["cuped"] = bench_cuped(panel, g)
            print("cuped", json.dumps(result["cuped"]), flush=True)
        if "power" in parts:
            result["power"] = bench_power(df)
            print("power", json.dumps(result["power"]), flush=True)
    if "interleaving" in parts:
        result["interleaving"] = bench_interleaving(args.data)
        print("interleaving", json.dumps(result["interleaving"]), flush=True)
    if "interleaving-real" in parts:
        result["interleaving_real"] = bench_interleaving_real(args.data, pairs, cache=args.rankings_cache)
    if "ope" in parts:
        if args.obp_wheel.exists():
            result["ope"] = bench_ope(args.obp_wheel)
        else:
            result["ope"] = {
                "skipped": f"{args.obp_wheel} not found; pip download obp==0.4.1 --no-deps -d DIR"
            }
        print("ope", json.dumps(result["ope"]), flush=True)
    result["seconds"] = time.perf_counter() - t0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
