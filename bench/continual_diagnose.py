"""Where a warm update still loses to full retraining, on the replay's validation months only.

Online Retail, the same replay as ``bench/continual_recs.py`` (fit months 1..m, update with m+1,
test on m+2's purchases; the same held-out customers are kept out of every fit) with the
default ``LearnConfig`` update. For each month the warm models and refits with seeds
0..``--full-seeds`` are scored on the same customers, and the per-customer Recall@20
difference warm - refit mean is split

- by list: every generator alone (ALS, co-visitation, popularity, trending) and the fused
  list (fixed weights, the same on both sides: ``LearnConfig.weights`` — nothing is fitted
  on a window, in this replay or in the release path);
- by customer group (``diagnose.customer_groups``): **new** customers of the update month,
  **returning** ones (events before and in it), **untouched** ones (events before only);
  each group's ``contribution`` = its summed difference / all customers (they add up);

and counterfactual ALS factors say which factors lose (``diagnose.resolved``: rows re-solved
exactly against the other side's factors, not timed as an update): the warm model with
its new customers / new items / untouched customers / every customer re-solved, and refit
seed 0 with every customer re-solved (against refit 0). "Every customer re-solved" on both
sides leaves each model's user factors optimal for its own item factors, so the difference
between those two is the item factors' part of the gap.

Months 3..10 are the reported replay: this script refuses them (``--last`` <= 2), so nothing
chosen from it has seen them.

    python bench/continual_diagnose.py [--first 1 --last 2 --full-seeds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from continual_recs import month_start, purchases  # noqa: E402
from shopmind.config import GateConfig  # noqa: E402
from shopmind.data.adapters import get_adapter  # noqa: E402
from shopmind.learn.diagnose import (  # noqa: E402
    FUSED,
    by_group,
    customer_groups,
    generator_recalls,
    known_users,
    resolved,
)
from shopmind.learn.recs import BehaviourModels, LearnConfig, hold_out  # noqa: E402
from shopmind.quality.gate import run_gate  # noqa: E402

LAST_VALIDATION = 2  # m = 1, 2: test months 2011-02, 2011-03


def _rows(models: BehaviourModels, ids: list[str]) -> np.ndarray:
    rows = models.data.user_rows(ids)
    return rows[rows >= 0].astype(np.int64)


def _item_rows(models: BehaviourModels, ids: set[str]) -> np.ndarray:
    return np.flatnonzero(np.isin(models.data.item_ids.astype(str), np.asarray(sorted(ids), dtype=str)))


def _pool(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("SHOPMIND_DATA", "../shared/data")))
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--last", type=int, default=LAST_VALIDATION)
    ap.add_argument("--full-seeds", type=int, default=2, help="refits with seeds 0..N")
    ap.add_argument(
        "--warm-exact-new-users",
        action="store_true",
        help="diagnose that candidate schedule instead of the default (LearnConfig.warm_exact_new_users)",
    )
    ap.add_argument(
        "--warm-fold-new-users",
        choices=("", "after", "between"),
        default="",
        help="diagnose that candidate schedule (LearnConfig.warm_fold_new_users, session 28)",
    )
    ap.add_argument(
        "--warm-recent-weight",
        type=float,
        default=1.0,
        help="diagnose that candidate (LearnConfig.warm_recent_weight, session 29)",
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/continual_diagnose-valid.json"))
    args = ap.parse_args()
    if args.last > LAST_VALIDATION or args.first < 1 or args.first > args.last:
        ap.error(f"validation months only: 1 <= --first <= --last <= {LAST_VALIDATION} (3..10 are reported)")
    t0 = time.perf_counter()
    batch = get_adapter("online-retail").load(args.data / "online-retail")
    ev = purchases(run_gate(batch, GateConfig(), None).tables["events"].accepted)
    cfg = LearnConfig(
        warm_exact_new_users=args.warm_exact_new_users,
        warm_fold_new_users=args.warm_fold_new_users,
        warm_recent_weight=args.warm_recent_weight,
    )
    # per variant: per-month (warm-side recalls, refit-side mean recalls, groups)
    pooled: dict[str, list[tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]]] = {}
    months = []
    for m in range(args.first, args.last + 1):
        old_end, new_end, test_end = month_start(m + 1), month_start(m + 2), month_start(m + 3)
        train_old, _ = hold_out(ev.filter(pl.col("timestamp") < old_end), old_end, seed=m)
        new_events = ev.filter((pl.col("timestamp") >= old_end) & (pl.col("timestamp") < new_end))
        truth = (
            ev.filter((pl.col("timestamp") >= new_end) & (pl.col("timestamp") < test_end))
            .select("user_id", "item_id")
            .unique(maintain_order=True)
        )
        both = pl.concat([train_old, new_events], how="diagonal_relaxed")
        warm = BehaviourModels.fit(train_old, cfg).update(new_events)
        c = time.process_time()
        refits = [BehaviourModels.fit(both, cfg)]
        refit_cpu = time.process_time() - c
        refits += [BehaviourModels.fit(both, replace(cfg, seed=s)) for s in range(1, args.full_seeds + 1)]
        users = known_users(warm, truth)
        old_users = set(train_old["user_id"].unique().to_list())
        update_users = set(new_events["user_id"].unique().to_list())
        groups = customer_groups(users, old_users, update_users)
        fresh_items = set(new_events["item_id"].unique().to_list()) - set(
            train_old["item_id"].unique().to_list()
        )
        rs = [generator_recalls(r, truth, users) for r in refits]
        refit_mean = {n: np.mean([r[n] for r in rs], axis=0) for n in rs[0]}
        w = generator_recalls(warm, truth, users)
        pooled.setdefault("warm", []).append((w, refit_mean, groups))
        new_rows = _rows(warm, sorted(update_users - old_users))
        untouched_rows = _rows(warm, sorted(old_users - update_users))
        item_rows = _item_rows(warm, fresh_items)
        variants = {
            "warm + new customers exact": dict(users=new_rows),
            "warm + new items exact": dict(items=item_rows),
            "warm + new customers, new items exact": dict(users=new_rows, items=item_rows),
            "warm + untouched customers exact": dict(users=untouched_rows),
            "warm + every customer exact": dict(users=None),
        }
        month: dict[str, object] = {
            "m": m,
            "update_month": new_end.date().isoformat(),
            "customers": len(users),
            "update_customers": {"new": len(new_rows), "returning": len(update_users & old_users)},
            "untouched_customers_all": len(untouched_rows),
            "new_items": len(item_rows),
            "refit_cpu_seconds": refit_cpu,
            "by_group": {"warm": by_group(w, rs, groups)},
            "solve_cpu_seconds": {},
        }
        for name, rows in variants.items():
            c = time.process_time()
            model = resolved(warm, **rows)
            month["solve_cpu_seconds"][name] = time.process_time() - c  # type: ignore[index]
            v = {k: x for k, x in generator_recalls(model, truth, users).items() if k in ("als", FUSED)}
            pooled.setdefault(name, []).append((v, {k: refit_mean[k] for k in v}, groups))
            month["by_group"][name] = by_group(v, rs, groups)  # type: ignore[index]
        # refit 0 with every customer re-solved, against refit 0 itself: how converged the
        # refit's own user factors are, and (vs "warm + every customer exact") the item factors' part
        r0x = {
            k: x
            for k, x in generator_recalls(resolved(refits[0], users=None), truth, users).items()
            if k in ("als", FUSED)
        }
        pooled.setdefault("refit 0 + every customer exact (vs refit 0)", []).append(
            (r0x, {k: rs[0][k] for k in r0x}, groups)
        )
        ex = pooled["warm + every customer exact"][-1][0]
        pooled.setdefault("warm + every customer exact (vs refit 0 + every customer exact)", []).append(
            (ex, r0x, groups)
        )
        months.append(month)
        g = month["by_group"]["warm"]  # type: ignore[index]
        print(
            f"m={m}: {len(users)} customers (new {int(groups['new'].sum())}, returning "
            f"{int(groups['returning'].sum())}, untouched {int(groups['untouched'].sum())}); fused warm - refit "
            + ", ".join(f"{k} {g[k][FUSED]['contribution']:+.4f}" for k in groups)
            + "; ALS alone "
            + ", ".join(f"{k} {g[k]['als']['contribution']:+.4f}" for k in groups),
            flush=True,
        )
    summary: dict[str, object] = {}
    for name, parts in pooled.items():
        a, b = _pool([p[0] for p in parts]), _pool([p[1] for p in parts])
        groups = _pool([p[2] for p in parts])
        groups_all = {**groups, "all": np.ones(len(next(iter(groups.values()))), dtype=bool)}
        summary[name] = by_group(a, [b], groups_all)
    out = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python bench/continual_diagnose.py --first {args.first} --last {args.last} "
        f"--full-seeds {args.full_seeds}"
        + (" --warm-exact-new-users" if args.warm_exact_new_users else "")
        + (f" --warm-fold-new-users {args.warm_fold_new_users}" if args.warm_fold_new_users else "")
        + (f" --warm-recent-weight {args.warm_recent_weight:g}" if args.warm_recent_weight != 1.0 else ""),
        "config": cfg.__dict__,
        "note": "difference = warm-side Recall@20 - refit-side (mean over the refit seeds unless named); "
        "contribution = summed difference of the group / all customer-months; pooled over the months",
        "pooled": summary,
        "months": months,
        "seconds_total": time.perf_counter() - t0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, default=str))
    for name, s in summary.items():
        print(
            f"{name}: "
            + "; ".join(
                f"{g} ({s[g]['customers']}) fused {s[g][FUSED]['paired']['mean']:+.4f}±{s[g][FUSED]['paired']['se']:.4f}"
                f" contrib {s[g][FUSED]['contribution']:+.4f}, ALS {s[g]['als']['paired']['mean']:+.4f}"
                f" contrib {s[g]['als']['contribution']:+.4f}"
                for g in ("new", "returning", "untouched", "all")
            )
        )
    print(f"-> {args.out} ({out['seconds_total']:.0f}s)")


if __name__ == "__main__":
    main()
