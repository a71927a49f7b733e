"""Tune SASRec and its fusion weight on a leave-one-out dataset's validation phase (issue 12 item 2).

One SASRec setting per run (``--params`` JSON over ``evaluate.SASREC_GRID[0]``): trained on the
validation phase's fit events with early stopping on a seeded sample of validation users,
then scored alone and inside the fusion (item-KNN, co-visitation, Markov with the settings an
earlier ``shopmind evaluate recs`` run chose on validation, ``--chosen``; weights and c tuned by
``evaluate.tune_fusion``) on every validation user. The test item is never read: these are the
figures settings are chosen by. Wall and CPU seconds are both recorded (the box is shared).

The three torch-free generators' validation lists are cached in ``--cache`` (an .npz) so that
several settings can be compared without refitting them.

    python bench/sasrec_tune.py ../shared/data/amazon-beauty/Beauty.txt --name drop05 \
        --chosen bench/results/recs-amazon-5core-2026-12-04T064755Z.json --params '{"dropout": 0.5}'
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sasrec_common import fused_lists, load_phase  # bench/ is on sys.path when a script here runs
from shopmind.recommend import evaluate as ev
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics
from shopmind.recommend.sasrec import SASRec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--name", required=True)
    ap.add_argument("--chosen", type=Path, required=True)
    ap.add_argument("--params", default="{}", help="JSON overriding evaluate.SASREC_GRID[0]")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/sasrec_tune_lists.npz"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()

    t0, c0 = time.perf_counter(), time.process_time()
    chosen = json.loads(args.chosen.read_text())["chosen"]
    valid = load_phase(args.path, args.format, "valid")
    if args.cache.exists():
        lists = dict(np.load(args.cache))
    else:
        lists = fused_lists(valid, chosen)[0]
        np.savez(args.cache, **lists)

    params = {**ev.SASREC_GRID[0], **json.loads(args.params)}
    t, c = time.perf_counter(), time.process_time()
    check = ev.sample_users(valid, ev.MONITOR_USERS)
    model = SASRec(**params).fit(
        valid.data, monitor=functools.partial(ev._monitor, pd_=check, metric="ndcg@10")
    )
    train_s, train_cpu = time.perf_counter() - t, time.process_time() - c
    shown, lists["sasrec"] = ev.ranked_lists(model, valid, ev.DEPTH)
    alone = ev._metrics(shown, valid)
    print(
        f"{args.name}: alone valid ndcg@10 {alone['ndcg@10']:.4f}, best epoch {model.best_epoch}", flush=True
    )
    weights, cc, _ = ev.tune_fusion(lists, valid, "ndcg@10", print)
    top = fuse_lists(lists, weights, cc, valid.data.n_items, max(ev.KS))
    fused = all_metrics(top, valid.truth, ev.KS)
    print(f"{args.name}: fused valid ndcg@10 {fused['ndcg@10']:.4f} hit@10 {fused['hit@10']:.4f}", flush=True)
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "name": args.name,
        "path": str(args.path),
        "chosen_from": str(args.chosen),
        "params": params,
        "best_epoch": model.best_epoch,
        "train_wall_s": train_s,
        "train_cpu_s": train_cpu,
        "history": model.history,
        "alone": {k: alone[k] for k in ("ndcg@10", "hit@10")},
        "fusion": {"weights": weights, "c": cc, "ndcg@10": fused["ndcg@10"], "hit@10": fused["hit@10"]},
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"sasrec_tune-{args.name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
