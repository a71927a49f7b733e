"""CPU cost of ``ranker_loo``'s candidate step before/after reusing the fusion's lists (issue 12 item 2).

On a seeded sample of validation users of a leave-one-out file, the generators ``evaluate recs``
fuses (settings from an earlier run's JSON, ``--chosen``) are fitted on the validation phase,
their fusion inputs are selected as ``evaluate recs`` does (``evaluate.ranked_lists``: that cost
is paid by the evaluation anyway), and then ``ranker_loo.phase_candidates`` runs twice: selecting
the lists itself (before) and taking the given ones (after). Both must give the very same
candidates and features (checked, the script fails otherwise); CPU and wall seconds are recorded.
SASRec is trained for ``--sasrec-epochs`` only: its scoring cost (what the candidate step pays)
does not depend on how long it trained, and its scores are compared exactly either way.

    python bench/sasrec_ranker_cost.py ../shared/data/amazon-beauty/Beauty.txt \
        --chosen bench/results/recs-amazon-5core-2026-12-04T064755Z.json --users 2048
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sasrec_common import load_phase  # bench/ is on sys.path when a script here runs
from shopmind.recommend import evaluate as ev
from shopmind.recommend import ranker_loo as rl
from shopmind.recommend.families import families

RESULTS = Path(__file__).parent / "results"
GENERATORS = ("item-knn", "covisit", "markov", "sasrec")


def timed(fn: Any) -> tuple[Any, dict[str, float]]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, {"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--chosen", type=Path, required=True)
    ap.add_argument("--users", type=int, default=2048)
    ap.add_argument("--sasrec-epochs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS / "sasrec_ranker_cost.json")
    ap.add_argument("--also-depth", type=int, default=0, help="also time both steps at this depth")
    args = ap.parse_args()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    valid = ev.sample_users(load_phase(args.path, args.format, "valid"), args.users)
    chosen = json.loads(args.chosen.read_text())["chosen"]
    makers = {f.name: f.make for f in families(real_time=False, has_categories=False)}
    gens, fit = {}, {}
    for name in GENERATORS:
        params = dict(chosen[name]["params"])
        if name == "sasrec":
            params.update(epochs=args.sasrec_epochs, max_seconds=None)
        gens[name], fit[name] = timed(lambda n=name, p=params: makers[n](**p).fit(valid.data))
    lists, select = {}, {}
    for name, gen in gens.items():
        (_, lists[name]), select[name] = timed(lambda g=gen: ev.ranked_lists(g, valid, ev.DEPTH))
    stats = rl.sequence_stats(valid.data)
    before, cost_before = timed(lambda: rl.phase_candidates(valid.data, stats, gens, valid.rows))
    after, cost_after = timed(lambda: rl.phase_candidates(valid.data, stats, gens, valid.rows, lists=lists))
    same = (
        np.array_equal(before.pos, after.pos)
        and np.array_equal(before.items, after.items)
        and np.array_equal(before.X, after.X)
        and all(np.array_equal(before.lists[n], after.lists[n]) for n in gens)
    )
    doc = {
        "command": "python bench/sasrec_ranker_cost.py " + " ".join(
            [str(args.path), "--chosen", str(args.chosen), "--users", str(args.users),
             "--sasrec-epochs", str(args.sasrec_epochs)]),
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before_after": [load_before, os.getloadavg()],
        "users": len(valid.rows),
        "pairs": len(before.pos),
        "identical_candidates_and_features": same,
        "generator_fit": fit,
        "evaluate_list_selection": select,
        "candidate_step_selecting_itself": cost_before,
        "candidate_step_given_lists": cost_after,
        "cpu_ratio_before_over_after": round(cost_before["cpu_s"] / max(cost_after["cpu_s"], 1e-9), 2),
    }  # fmt: skip
    if args.also_depth:  # timing only: a sliced list equals a direct selection except at ties
        d = args.also_depth
        own, doc[f"depth{d}_selecting_itself"] = timed(
            lambda: rl.phase_candidates(valid.data, stats, gens, valid.rows, depth=d)
        )
        cut = {n: v[:, :d] for n, v in lists.items()}
        _, doc[f"depth{d}_given_lists"] = timed(
            lambda: rl.phase_candidates(valid.data, stats, gens, valid.rows, depth=d, lists=cut)
        )
        doc[f"depth{d}_pairs"] = len(own.pos)
        doc["command"] += f" --also-depth {d}"
    args.out.write_text(json.dumps(doc, indent=2))
    print(json.dumps(doc, indent=2))
    if not same:
        raise SystemExit("the given lists changed the candidates or features")


if __name__ == "__main__":
    main()
