"""Continual learning replay on Online Retail: warm-started updates vs full retraining.

Times: wall clock and process CPU seconds (both threads; steadier on a shared machine).

For each month m: the models are fitted on months 1..m (the "old" models), then brought up to
date with month m+1 two ways, side by side in one process —

- **warm**: ``BehaviourModels.update`` (new events indexed and merged, co-visitation pairs
  added, ALS refined from its previous factors: ``warm_touched`` rounds of CG half-steps for
  the users and items with new events, then ``warm_iterations`` full sweeps);
- **full**: everything refitted from scratch on months 1..m+1 (the same events);

and both are tested on month m+2's purchases (Recall@20 / NDCG@20 of distinct items bought by
customers the models know; no masking, as the time protocol of ``shopmind evaluate recs``).
The forgetting check (timed apart: it is not part of either side's model fitting; old vs warm on the old period's held-out data: 10 % of customers' last
30 days of months 1..m, never trained on by any model here; refuses a loss > 1 %, with
``--significance z`` only one also beyond z standard errors of the paired per-customer
difference, which is always recorded) is run and its decision recorded.
Purchases only (quantity > 0, invoice not 'C...'), accepted by the quality gate. Month = UTC
calendar month; month 1 = 2010-12.

    python bench/continual_recs.py [--first 3 --last 10 --warm-touched 1 --warm-iterations 1 --full-seeds 2 --repeats 3]

Settings are chosen on ``--first 1 --last 2`` (test months 2011-02, 2011-03), never on 3..10.

Decision rule for a change to the warm update (session 20; written and committed before any
candidate was compared). Each candidate is run on the validation months with
``--first 1 --last 2 --full-seeds 2 --repeats 3``, in the same sitting as the current default
(default, candidate, default, ... alternating; ratios of one sitting only, never absolute
seconds of another). It becomes the default only if all of these hold in its run:

1. time: the warm updates' total CPU <= 20 % of the refits' (``cpu_ratio_total``);
2. recall: mean warm Recall@20 >= the refits' mean, i.e. the pooled paired difference warm -
   refit mean (``warm_minus_refit_mean.pooled.mean``) >= 0, and not below the default's in the
   same sitting;
3. ALS: the ALS-alone gap (``generators_mean.als``, warm - refit mean) no wider than the
   default's: ALS is the one list an update does not reproduce exactly, and the fused
   difference over ~900 customer-months has a standard error of ~0.0014, so rule 2 alone can
   be passed by noise;
4. forgetting check: it refuses no more of the validation updates than for the default.

Among candidates passing all four: the highest pooled fused difference, and within 0.0002 of
each other the lower CPU ratio. If none passes, the default stays. Only a candidate adopted
this way is then run once on the reported months 3..10 (``--full-seeds 2 --repeats 3``), and
that run is reported as it comes.

Decision rule, session 21 (2026-12-06; written and committed before any run of this session).
Session 20's diagnosis put what is left of the gap in the ALS item factors of the items the
update month's new customers buy; the candidates aim there. Validation months only
(``--first 1 --last 2``: test months 2011-02, 2011-03; never 3..10). Every run uses
``--full-seeds 2 --warm-seeds 2 --repeats 3``: the refit side is the mean of seeds 0, 1, 2
(as before) and so is the warm side — three old models fitted with seeds 0, 1, 2, each
updated; one warm seed against a refit mean can pass by that seed's luck. The update's time
and the forgetting check are of seed 0. Runs alternate in one sitting: default, candidate,
candidate, default, candidate, ..., default. A candidate is adopted only if all hold in its run:

1. time: ``cpu_ratio_total`` <= 0.20 (not relaxed if the default itself is above it in the
   sitting: that is reported as the time goal not met there);
2. recall: pooled paired difference warm mean - refit mean (``warm_minus_refit_mean.pooled``)
   >= 0, and not below the default's (the fits are seeded: every default run has the same
   recall, only its time varies);
3. ALS alone: the gap warm mean - refit mean (``generators_mean.als``) no wider than the
   default's;
4. forgetting check: no more refusals than the default;
5. a candidate that changes the fused list itself (fusion weights for new customers) changes
   it on both sides (one config serves warm and refits here, as one ``[recs]`` serves any
   build) and must not lower the refits' own mean Recall@20 below the default's refits: a
   change that makes warm >= refit by making both worse is not adopted.

Among candidates passing all five: the highest pooled difference, within 0.0002 of each other
the lower CPU ratio. The one adopted becomes ``LearnConfig``'s default; then the reported
months 3..10 are run once, the old default (by flags) and the new one in one sitting, with
the same flags as above, and reported as they come. If none passes, the default stays and
months 3..10 are not run.

Session 22 (2026-12-06; written and committed before any candidate run, after the default's
before/after timing of commit e7de3d3, which changed no model: the update's non-ALS part and
the BLAS limiter made cheaper with identical output). One candidate spends the CPU that freed on
ALS work: ``--warm-touched 2`` (two rounds of touched half-steps, then the full sweep). It is
judged by the session-21 rule above, all five clauses unchanged, with the same flags, in one
sitting alternating with the default (candidate, default, candidate, default, after the
sitting's default runs), and must pass in both of its runs. Adopted only then; months 3..10
only as the session-21 rule says.

Session 28 (2026-12-07; written and committed before any run of these candidates). Session
20's diagnosis put the loss with the update month's new customers (fused -0.0057 +- 0.0030).
Their factors start at the 0.01-scale random start, get 3 CG steps against the old items in
the touched round and 3 more in the full sweep, whose item step then moves the items again:
at the end they are one item half-step behind, while a refit's customers are at its fixed
point. Two candidates, both an exact least-squares fold-in of only the customers first seen
in the update (``solve_rows``, a few hundred rows: cheap): ``--warm-fold-new-users after``
(against the final item factors, after the sweep) and ``--warm-fold-new-users between``
(against the items the touched round moved, before the sweep, so the sweep's item step fits
the items they bought to solved customers). Judged by the session-21 rule, all five clauses
unchanged, with ``--first 1 --last 2 --full-seeds 2 --warm-seeds 2 --repeats 3``, in one
sitting alternating with the default (default, after, between, default, after, between,
default), and each must pass in both of its runs; clause 4 means the forgetting check refuses
none of the validation updates (the default refuses none). Among those passing, the
session-21 tie-break. Adopted only then; months 3..10 then run once with the command of the
2026-12-04 run (``--full-seeds 2 --repeats 3``), reported whatever it says. If none passes,
the default stays and months 3..10 are not run.

Session 29 (2026-12-07; written and committed before any run of these candidates). A refit
weighs every past month equally; an update learns from one month and may weigh it more
(tastes drift; Online Retail is seasonal toward Q4). Candidates: ``--warm-recent-weight w``
(``LearnConfig.warm_recent_weight``: in the update's ALS solve the update month's counts are
multiplied by w, older counts as before; the stored interactions and the refit unweighted)
for w = 1.5, 2 and 4, three candidates; the decayed confidence on re-solved rows (half-life)
and the fused list's recent / trending weights are not tried (session 20: the loss is in the
ALS list, and those weights are configuration serving both sides). Validation months only
(``--first 1 --last 2``), every run ``--full-seeds 2 --warm-seeds 2 --repeats 3``, a
candidate run also with ``--refit-recent-weight w`` (the same weighting given to every refit
seed, untimed: the fairness check). One sitting in the order default, 1.5, 2, 4, default,
1.5, 2, 4, default (recall is seeded, so each candidate's second run re-measures only time).
A candidate is adopted only if all hold:

1. time: the mean of its two runs' ``cpu_ratio_total`` <= 0.20 (its update does the default's
   work plus one sparse sum; one run's ratio spreads by +-5 points at this machine's load,
   so the two runs' mean is judged; both are reported);
2. recall: against the plain refits (the product as shipped, the goal's baseline), the pooled
   paired difference warm mean - refit mean (``warm_minus_refit_mean.pooled``) > 0 and larger
   than its standard error;
3. forgetting check: it refuses none of the validation updates (as the default: none).

Reported, not a veto (the goal names the refit as shipped): the ALS-alone gap (the weighting
changes what ALS fits, so that gap no longer measures convergence to the refit) and the
fairness check, refits with the same weighting minus plain refits (``refit_recent``); if
those gain as much as the warm update, the weighting made a better model, not the update a
better refit, and the section says so. Among candidates passing 1-3: the highest pooled
difference, within 0.0002 of each other the smaller w (nearer the refit's model). The one
adopted becomes ``LearnConfig.warm_recent_weight``'s default, and the reported months 3..10
are run once with ``--full-seeds 2 --warm-seeds 2 --repeats 3`` for the default (w = 1) and
the adopted w (with ``--refit-recent-weight w``) in one sitting, reported whatever they say.
If none passes, the default stays (w = 1) and months 3..10 are not run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.learn.diagnose import compare
from shopmind.learn.recency import refit_recent
from shopmind.learn.recs import BehaviourModels, LearnConfig, forgetting_check, hold_out, paired_stats
from shopmind.quality.gate import run_gate


def month_start(i: int) -> datetime:
    """Start of month ``i`` (1 = 2010-12), UTC."""
    y, m = divmod(11 + i - 1, 12)
    return datetime(2010 + y, m + 1, 1, tzinfo=UTC)


def purchases(events: pl.DataFrame) -> pl.DataFrame:
    ev = events.filter(
        (pl.col("type") == "purchase") & pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null()
    )
    if "quantity" in ev.columns:
        ev = ev.filter(pl.col("quantity").is_null() | (pl.col("quantity") > 0))
    if "order_id" in ev.columns:
        ev = ev.filter(~pl.col("order_id").fill_null("").str.starts_with("C"))
    return ev.with_columns(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))


def timed(make: Callable[[], BehaviourModels], repeats: int) -> tuple[BehaviourModels, float, float]:
    """(the models of the last call, least wall seconds, least process CPU seconds) of
    ``repeats`` calls (the fits are seeded: every call makes the same models)."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(max(repeats, 1)):
        t, c = time.perf_counter(), time.process_time()
        out = make()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return out, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")))
    ap.add_argument("--first", type=int, default=3, help="first m (train 1..m)")
    ap.add_argument("--last", type=int, default=10, help="last m (test month m+2 <= 12, the last full month)")
    ap.add_argument("--warm-iterations", type=int, default=LearnConfig.warm_iterations, help="full sweeps")
    ap.add_argument(
        "--warm-touched",
        type=int,
        default=LearnConfig.warm_touched,
        help="rounds of CG half-steps for only the users/items with new events (before the sweeps)",
    )
    ap.add_argument("--significance", type=float, default=0.0, help="forgetting check z (0: tolerance only)")
    ap.add_argument(
        "--warm-all-users", action="store_true", help="then one half-step for every user (touched rounds)"
    )
    ap.add_argument(
        "--full-seeds",
        type=int,
        default=0,
        help="also refit with this many other seeds: warm is compared with the refits' mean",
    )
    ap.add_argument("--warm-cg-steps", type=int, default=LearnConfig.warm_cg_steps, help="CG steps (touched)")
    ap.add_argument(
        "--warm-users-again", action="store_true", help="then one more half-step for the touched users"
    )
    ap.add_argument(
        "--warm-all-items", action="store_true", help="the touched rounds' item step re-solves every item"
    )
    ap.add_argument(
        "--warm-exact-new-users",
        action="store_true",
        help="customers first seen in the update solved exactly before the rounds",
    )
    ap.add_argument(
        "--warm-exact-new-items",
        action="store_true",
        help="then items first seen in the update solved exactly",
    )
    ap.add_argument(
        "--warm-sweep-touched-users",
        action="store_true",
        help="the full sweeps' customer step covers only the customers with new events",
    )
    ap.add_argument(
        "--warm-new-block",
        type=int,
        default=LearnConfig.warm_new_block,
        help="then rounds of CG half-steps for the new customers and the items they bought",
    )
    ap.add_argument("--warm-new-block-first", action="store_true", help="those rounds before the full sweeps")
    ap.add_argument(
        "--warm-fold-new-users",
        choices=("", "after", "between"),
        default=LearnConfig.warm_fold_new_users,
        help="customers first seen in the update solved exactly after the sweeps / between rounds and sweeps",
    )
    ap.add_argument(
        "--new-customer-als-weight",
        type=float,
        default=None,
        help="fused ALS weight for customers first seen in the newest 30 days (both sides)",
    )
    ap.add_argument(
        "--warm-recent-weight",
        type=float,
        default=LearnConfig.warm_recent_weight,
        help="the update's own events count this many times in its ALS solve (the refit: unweighted)",
    )
    ap.add_argument(
        "--refit-recent-weight",
        type=float,
        default=0.0,
        help="also refit ALS (every refit seed, untimed) with the update month's events counted this many times",
    )
    ap.add_argument(
        "--warm-seeds",
        type=int,
        default=0,
        help="also fit the old models with this many other seeds and update each: warm = their mean",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="time the update and the refit this many times each, keep the least (a shared box's noise)",
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/continual_recs.json"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    batch = get_adapter("online-retail").load(args.data / "online-retail")
    ev = purchases(run_gate(batch, GateConfig(), None).tables["events"].accepted)
    print(f"online-retail: {ev.height} accepted purchase lines ({time.perf_counter() - t0:.0f}s)")
    cfg = LearnConfig(
        warm_iterations=args.warm_iterations,
        warm_touched=args.warm_touched,
        warm_all_users=args.warm_all_users,
        warm_cg_steps=args.warm_cg_steps,
        warm_users_again=args.warm_users_again,
        warm_all_items=args.warm_all_items,
        warm_exact_new_users=args.warm_exact_new_users,
        warm_exact_new_items=args.warm_exact_new_items,
        warm_sweep_touched_users=args.warm_sweep_touched_users,
        warm_new_block=args.warm_new_block,
        warm_new_block_first=args.warm_new_block_first,
        warm_fold_new_users=args.warm_fold_new_users,
        new_customer_als_weight=args.new_customer_als_weight,
        warm_recent_weight=args.warm_recent_weight,
        significance=args.significance,
    )
    steps, diffs, diffs_recent = [], [], []
    for m in range(args.first, args.last + 1):
        old_end, new_end, test_end = month_start(m + 1), month_start(m + 2), month_start(m + 3)
        train_old, held = hold_out(ev.filter(pl.col("timestamp") < old_end), old_end, seed=m)
        new_events = ev.filter((pl.col("timestamp") >= old_end) & (pl.col("timestamp") < new_end))
        test = ev.filter((pl.col("timestamp") >= new_end) & (pl.col("timestamp") < test_end))
        truth = test.select("user_id", "item_id").unique(maintain_order=True)
        old = BehaviourModels.fit(train_old, cfg)
        warm, warm_s, warm_cpu = timed(partial(old.update, new_events), args.repeats)
        both = pl.concat([train_old, new_events], how="diagonal_relaxed")
        full, full_s, full_cpu = timed(partial(BehaviourModels.fit, both, cfg), args.repeats)
        t, c = time.perf_counter(), time.process_time()
        decision = forgetting_check(old, warm, held, cfg.tolerance, cfg.significance)
        check_s, check_cpu = time.perf_counter() - t, time.process_time() - c
        others = [BehaviourModels.fit(both, replace(cfg, seed=s)) for s in range(1, args.full_seeds + 1)]
        known_items = set(train_old["item_id"].unique().to_list())
        fresh = set(new_events["item_id"].unique().to_list()) - known_items
        updated = set(new_events["user_id"].unique().to_list())
        cmp = compare(warm, [full, *others], truth, updated, fresh)
        cmp.pop("users")
        warm_more = [
            BehaviourModels.fit(train_old, replace(cfg, seed=s)).update(new_events)
            for s in range(1, args.warm_seeds + 1)
        ]
        if warm_more:  # the warm side as the mean over its seeds, as the refit side
            cmps = [cmp, *(compare(w, [full, *others], truth, updated, fresh) for w in warm_more)]
            cmp["warm_seeds"] = [c["generators"] for c in cmps]
            cmp["diff"] = np.mean([c["diff"] for c in cmps], axis=0)
            cmp["paired_fused"] = paired_stats(cmp["diff"])
            cmp["paired_als_seed0"] = cmp.pop("paired_als")  # per-customer ALS arrays are not kept
            for n, g in cmp["generators"].items():
                g["warm"] = float(np.mean([c["generators"][n]["warm"] for c in cmps]))
        if args.refit_recent_weight > 0:  # the fairness check: refits given the same weighting
            recent = [refit_recent(r, new_events, args.refit_recent_weight) for r in [full, *others]]
            d_r = np.mean(
                [compare(w, recent, truth, updated, fresh)["diff"] for w in [warm, *warm_more]], axis=0
            )
            diffs_recent.append((d_r, cmp["diff"] - d_r))  # warm - refits_w, refits_w - refits
            cmp["refit_recent"] = {
                "recall@20": [r.evaluate(truth)["recall@20"] for r in recent],
                "warm_minus": paired_stats(d_r),
                "minus_refit": paired_stats(cmp["diff"] - d_r),
            }
        diffs.append(cmp.pop("diff"))
        row = {
            "m": m,
            "train_until": old_end.date().isoformat(),
            "update_month": new_end.date().isoformat(),
            "test_month": [new_end.date().isoformat(), test_end.date().isoformat()],
            "events_old": train_old.height,
            "events_new": new_events.height,
            "test_pairs": truth.height,
            "warm": {
                **warm.evaluate(truth),
                "seconds": warm_s,
                "cpu_seconds": warm_cpu,
                "timings": warm.timings,
            },
            "full": {
                **full.evaluate(truth),
                "seconds": full_s,
                "cpu_seconds": full_cpu,
                "timings": full.timings,
            },
            "no_update": old.evaluate(truth),
            "full_other_seeds": [o.evaluate(truth)["recall@20"] for o in others],
            "warm_other_seeds": [w.evaluate(truth)["recall@20"] for w in warm_more],
            "vs_refits": cmp,
            "forgetting_check": {**decision.as_dict(), "seconds": check_s, "cpu_seconds": check_cpu},
        }
        row["time_ratio"] = warm_s / full_s
        row["cpu_ratio"] = warm_cpu / full_cpu
        steps.append(row)
        print(
            f"m={m:2d} update {row['update_month']}: recall@20 warm {row['warm']['recall@20']:.4f} "
            f"full {row['full']['recall@20']:.4f} old {row['no_update']['recall@20']:.4f}; "
            f"time warm {warm_s:.2f}s full {full_s:.2f}s ({row['time_ratio']:.0%}; CPU {row['cpu_ratio']:.0%}); check: {decision.as_dict()['decision']} "
            f"(paired {decision.paired['mean']:+.4f} ± {decision.paired['se']:.4f}); warm - refit mean "
            f"{cmp['paired_fused']['mean']:+.4f} ± {cmp['paired_fused']['se']:.4f}, ALS alone "
            f"{cmp['generators']['als']['warm']:.4f} vs {cmp['generators']['als']['refit_mean']:.4f}"
        )
    mean = {k: sum(s[k]["recall@20"] for s in steps) / len(steps) for k in ("warm", "full", "no_update")}
    summary = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/continual_recs.py "
        + f"--first {args.first} --last {args.last} --warm-iterations {args.warm_iterations} "
        + f"--significance {args.significance}"
        + f" --warm-touched {args.warm_touched}"
        + (" --warm-all-users" if args.warm_all_users else "")
        + (f" --warm-cg-steps {args.warm_cg_steps}" if args.warm_cg_steps != 3 else "")
        + (" --warm-users-again" if args.warm_users_again else "")
        + (" --warm-all-items" if args.warm_all_items else "")
        + (" --warm-exact-new-users" if args.warm_exact_new_users else "")
        + (" --warm-exact-new-items" if args.warm_exact_new_items else "")
        + (" --warm-sweep-touched-users" if args.warm_sweep_touched_users else "")
        + (f" --warm-new-block {args.warm_new_block}" if args.warm_new_block else "")
        + (" --warm-new-block-first" if args.warm_new_block_first else "")
        + (f" --warm-fold-new-users {args.warm_fold_new_users}" if args.warm_fold_new_users else "")
        + (
            f" --new-customer-als-weight {args.new_customer_als_weight:g}"
            if args.new_customer_als_weight is not None
            else ""
        )
        + (f" --warm-recent-weight {args.warm_recent_weight:g}" if args.warm_recent_weight != 1.0 else "")
        + (f" --refit-recent-weight {args.refit_recent_weight:g}" if args.refit_recent_weight > 0 else "")
        + (f" --warm-seeds {args.warm_seeds}" if args.warm_seeds else "")
        + (f" --repeats {args.repeats}" if args.repeats > 1 else "")
        + (f" --full-seeds {args.full_seeds}" if args.full_seeds else ""),
        "config": cfg.__dict__,
        "mean_recall@20": mean,
        "warm_over_full": mean["warm"] / mean["full"],
        "time_ratio_total": sum(s["warm"]["seconds"] for s in steps)
        / sum(s["full"]["seconds"] for s in steps),
        "cpu_ratio_total": sum(s["warm"]["cpu_seconds"] for s in steps)
        / sum(s["full"]["cpu_seconds"] for s in steps),
        "warm_minus_refit_mean": {
            "pooled": paired_stats(np.concatenate(diffs)),
            "note": "per customer and month: warm Recall@20 - mean over the refit seeds; units are "
            "customer-months (a customer in several months counts several times)",
            "by_month": paired_stats(np.array([d.mean() for d in diffs])),
        },
        "generators_mean": {
            n: {
                side: sum(s["vs_refits"]["generators"][n][side] for s in steps) / len(steps)
                for side in ("warm", "refit_mean")
            }
            for n in steps[0]["vs_refits"]["generators"]
        },
        "full_seed_means": [mean["full"]]
        + [sum(s["full_other_seeds"][i] for s in steps) / len(steps) for i in range(args.full_seeds)],
        "warm_seed_means": [mean["warm"]]
        + [sum(s["warm_other_seeds"][i] for s in steps) / len(steps) for i in range(args.warm_seeds)],
        "refit_recent": {
            "weight": args.refit_recent_weight,
            "mean_recall@20": float(np.mean([s["vs_refits"]["refit_recent"]["recall@20"] for s in steps])),
            "warm_minus_refit_recent": paired_stats(np.concatenate([d for d, _ in diffs_recent])),
            "refit_recent_minus_refit": paired_stats(np.concatenate([d for _, d in diffs_recent])),
        }
        if diffs_recent
        else None,
        "cpu_ratio_with_check": sum(
            s["warm"]["cpu_seconds"] + s["forgetting_check"]["cpu_seconds"] for s in steps
        )
        / sum(s["full"]["cpu_seconds"] for s in steps),
        "checks_refused": sum(not s["forgetting_check"]["decision"].startswith("updated") for s in steps),
        "steps": steps,
        "seconds_total": time.perf_counter() - t0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, default=str))
    print(
        f"mean recall@20 warm {mean['warm']:.4f} full {mean['full']:.4f} no update {mean['no_update']:.4f} "
        f"(warm/full {summary['warm_over_full']:.3f}); time warm/full {summary['time_ratio_total']:.1%} (CPU {summary['cpu_ratio_total']:.1%}; "
        f"with the forgetting check {summary['cpu_ratio_with_check']:.1%}); "
        f"refused {summary['checks_refused']}/{len(steps)} -> {args.out}"
    )
    if args.full_seeds:
        print("full refit mean recall@20 by seed:", [round(x, 4) for x in summary["full_seed_means"]])
    if args.warm_seeds:
        print(
            "warm update mean recall@20 by seed:",
            [round(x, 4) for x in summary["warm_seed_means"]],
            f"(mean {np.mean(summary['warm_seed_means']):.4f}; refits {np.mean(summary['full_seed_means']):.4f})",
        )
    if summary["refit_recent"]:
        rr = summary["refit_recent"]
        print(
            f"refits with the update month x{rr['weight']:g}: mean recall@20 {rr['mean_recall@20']:.4f}; "
            f"warm - them {rr['warm_minus_refit_recent']['mean']:+.4f} ± {rr['warm_minus_refit_recent']['se']:.4f}; "
            f"them - plain refits {rr['refit_recent_minus_refit']['mean']:+.4f} ± {rr['refit_recent_minus_refit']['se']:.4f}"
        )
    pooled = summary["warm_minus_refit_mean"]["pooled"]
    print(
        f"warm - refit mean (per customer, all months): {pooled['mean']:+.4f} ± {pooled['se']:.4f} "
        f"over {int(pooled['customers'])} customer-months; generators warm / refit mean: "
        + ", ".join(
            f"{n} {v['warm']:.4f}/{v['refit_mean']:.4f}" for n, v in summary["generators_mean"].items()
        )
    )


if __name__ == "__main__":
    main()
