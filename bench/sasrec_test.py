"""Test figure of a SASRec setting chosen on validation, alone and in the fusion (issue 12 item 2).

Everything is chosen before this script runs, on the validation phase only: item-KNN,
co-visitation and Markov settings by a ``shopmind evaluate recs`` run (``--chosen``), SASRec's
settings, its epoch count (early stopping) and the fusion weights and c by
``bench/sasrec_tune.py`` (``--tuned``, its JSON). This script fits the test phase once with
those choices (the same protocol code as ``evaluate.run``'s test phase: every user's last item
is the target, the rest of the history is the training data and masked) and reports NDCG@10 /
HR@10 on every test user. ``--params``/``--epochs`` start the test fit while the tuning still
tunes its fusion weights (they must match what it chose; the fused figure waits for them).
It replaces the full command on a box too loaded to rerun every
validation grid; the numbers are computed the same way.

    python bench/sasrec_test.py ../shared/data/amazon-beauty/Beauty.txt \
        --chosen bench/results/recs-amazon-5core-2026-12-04T064755Z.json \
        --tuned bench/results/sasrec_tune-d05p4.json
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from sasrec_common import fused_lists, load_phase  # bench/ is on sys.path when a script here runs
from shopmind.recommend import evaluate as ev
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.sasrec import SASRec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--chosen", type=Path, required=True)
    ap.add_argument("--tuned", type=Path, required=True)
    ap.add_argument("--params", help="SASRec settings (JSON) to start before --tuned exists")
    ap.add_argument("--epochs", type=int, help="their validation-best epoch count (with --params)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sasrec_test.json")
    args = ap.parse_args()

    t0, c0 = time.perf_counter(), time.process_time()
    chosen = json.loads(args.chosen.read_text())["chosen"]
    tuned = json.loads(args.tuned.read_text()) if args.tuned.exists() else {}
    if not tuned and (args.params is None or args.epochs is None):
        raise SystemExit(f"{args.tuned} does not exist yet: give --params and --epochs to start early")
    test = load_phase(args.path, args.format, "test")
    lists, alone = fused_lists(test, chosen, log=True)
    chosen_params = json.loads(args.params) if args.params is not None else tuned["params"]
    params = {**chosen_params, "epochs": args.epochs or tuned["best_epoch"], "max_seconds": None}
    t, c = time.perf_counter(), time.process_time()
    model = SASRec(**params).fit(test.data)
    fit_s, fit_cpu = time.perf_counter() - t, time.process_time() - c
    shown, lists["sasrec"] = ev.ranked_lists(model, test, ev.DEPTH)
    alone["sasrec"] = ev._metrics(shown, test)
    print(f"sasrec: test ndcg@10 {alone['sasrec']['ndcg@10']:.4f} ({fit_s:.0f} s fit)", flush=True)
    while not args.tuned.exists():  # started early: the fusion weights come with the tuning's JSON
        time.sleep(10)
    tuned = json.loads(args.tuned.read_text())
    if tuned["params"] != chosen_params or tuned["best_epoch"] != params["epochs"]:
        raise SystemExit(f"{args.tuned} chose other SASRec settings than the ones fitted here")
    weights, c_rrf = tuned["fusion"]["weights"], tuned["fusion"]["c"]
    fused = ev._metrics(fuse_lists(lists, weights, c_rrf, test.data.n_items, max(ev.KS)), test)
    print(f"fused: test ndcg@10 {fused['ndcg@10']:.4f} hit@10 {fused['hit@10']:.4f}", flush=True)
    keep = ("ndcg@10", "hit@10", "ndcg@20", "hit@20")
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": str(args.path),
        "chosen_from": str(args.chosen),
        "tuned_from": str(args.tuned),
        "sasrec_params": params,
        "fusion": {"weights": weights, "c": c_rrf},
        "test_users": len(test.rows),
        "alone": {n: {k: m[k] for k in keep} for n, m in alone.items()},
        "fused": {k: fused[k] for k in keep},
        "sasrec_fit_wall_s": fit_s,
        "sasrec_fit_cpu_s": fit_cpu,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
