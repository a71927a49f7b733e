"""Does SASRec add to the rank fusion? Validation phase only (issue 12 item 2).

Fits the torch-free generators with the settings an earlier ``shopmind evaluate recs`` run
chose on validation (read from its JSON, ``--chosen``), trains SASRec on the same validation
fit events (early stopping on a seeded validation sample, at most ``--minutes``), and tunes
the fusion weights with ``evaluate.tune_fusion`` twice — without and with SASRec — reporting
both validation NDCG@10 / HR@10 on every validation user. The test item is never read: this
is the evidence for putting SASRec into the fusion, not a test figure.

    python bench/sasrec_fusion.py ../shared/data/amazon-beauty/Beauty.txt \
        --chosen bench/results/recs-amazon-5core-2026-11-23T000251Z.json --negatives 1024
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from sasrec_common import FUSED, fused_lists, load_phase  # bench/ is on sys.path when a script here runs
from shopmind.recommend import evaluate as ev
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics
from shopmind.recommend.sasrec import SASRec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--chosen", type=Path, required=True)
    ap.add_argument("--negatives", type=int, default=1024)
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sasrec_fusion.json")
    args = ap.parse_args()

    t0 = time.perf_counter()
    chosen = json.loads(args.chosen.read_text())["chosen"]
    valid = load_phase(args.path, args.format, "valid")
    lists, alone = fused_lists(valid, chosen, log=True)

    params = {**ev.SASREC_GRID[0], "negatives": args.negatives, "max_seconds": args.minutes * 60}
    t = time.perf_counter()
    check = ev.sample_users(valid, ev.MONITOR_USERS)
    model = SASRec(**params).fit(
        valid.data, monitor=functools.partial(ev._monitor, pd_=check, metric="ndcg@10")
    )
    train_s = time.perf_counter() - t
    shown, lists["sasrec"] = ev.ranked_lists(model, valid, ev.DEPTH)
    alone["sasrec"] = ev._metrics(shown, valid)
    print(
        f"sasrec: valid ndcg@10 {alone['sasrec']['ndcg@10']:.4f}, best epoch {model.best_epoch}", flush=True
    )

    result: dict = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "path": str(args.path),
                    "chosen_from": str(args.chosen), "sasrec_params": params, "sasrec_best_epoch": model.best_epoch,
                    "sasrec_train_seconds": train_s, "sasrec_history": model.history,
                    "alone": {n: {k: m[k] for k in ("ndcg@10", "hit@10")} for n, m in alone.items()}}  # fmt: skip
    for label, names in (("without_sasrec", FUSED), ("with_sasrec", (*FUSED, "sasrec"))):
        sub = {n: lists[n] for n in names}
        weights, c, _ = ev.tune_fusion(sub, valid, "ndcg@10", print)
        top = fuse_lists(sub, weights, c, valid.data.n_items, max(ev.KS))
        m = all_metrics(top, valid.truth, ev.KS)
        result[label] = {"weights": weights, "c": c, "ndcg@10": m["ndcg@10"], "hit@10": m["hit@10"]}
        print(f"fusion {label}: valid ndcg@10 {m['ndcg@10']:.4f} hit@10 {m['hit@10']:.4f}", flush=True)
    result["seconds_total"] = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
