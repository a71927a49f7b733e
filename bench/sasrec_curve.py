"""SASRec training curve on a leave-one-out dataset's validation phase (issue 12 item 2).

Trains one SASRec setting on the validation phase's fit events (the test item is never
read) for at most ``--minutes`` and records, per epoch, the loss, the epoch's seconds and
NDCG@10 / HR@10 on a seeded sample of validation users (``evaluate.MONITOR_USERS``), then
the best epoch's weights on every validation user. Run two settings side by side (two
processes at once) to compare them: absolute seconds on the shared box are noise, the
ratio of the two runs' seconds per epoch is the figure.

    python bench/sasrec_curve.py ../shared/data/amazon-beauty/Beauty.txt --name full
    python bench/sasrec_curve.py ../shared/data/amazon-beauty/Beauty.txt --name neg1024 --negatives 1024
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend import evaluate as ev
from shopmind.recommend.protocols import make_split
from shopmind.recommend.sasrec import SASRec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--name", required=True)
    ap.add_argument("--negatives", type=int, default=0)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()

    t0 = time.perf_counter()
    batch = get_adapter(args.format).load(args.path)
    split = make_split("loo", run_gate(batch, GateConfig(), None).tables["events"].accepted)
    valid = ev.prepare(split.valid, split.items, None)
    check = ev.sample_users(valid, ev.MONITOR_USERS)
    params = {"max_len": 50, "hidden": args.hidden, "blocks": 2, "dropout": args.dropout,
              "learning_rate": args.lr, "batch_size": args.batch_size, "epochs": args.epochs,
              "negatives": args.negatives, "eval_every": 1, "patience": 3,
              "max_seconds": args.minutes * 60}  # fmt: skip
    curve: list[dict[str, float]] = []

    def monitor(model: SASRec) -> float:
        lists, _ = ev.ranked_lists(model, check, max(ev.KS))
        m = ev._metrics(lists, check)
        curve.append({"epoch": len(model.history) + 1, "ndcg@10": m["ndcg@10"], "hit@10": m["hit@10"]})
        print(f"{args.name} epoch {curve[-1]['epoch']}: sample ndcg@10 {m['ndcg@10']:.4f} "
              f"hit@10 {m['hit@10']:.4f} ({time.perf_counter() - t0:.0f}s)", flush=True)  # fmt: skip
        return m["ndcg@10"]

    t = time.perf_counter()
    model = SASRec(**params).fit(valid.data, monitor=monitor)
    train_s = time.perf_counter() - t
    lists, _ = ev.ranked_lists(model, valid, max(ev.KS))
    full = ev._metrics(lists, valid)
    result = {
        "name": args.name,
        "path": str(args.path),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": params,
        "best_epoch": model.best_epoch,
        "train_seconds": train_s,
        "s_per_epoch": train_s / max(len(model.history), 1),
        "valid_all_users": {k: full[k] for k in ("ndcg@10", "hit@10", "ndcg@20", "hit@20")},
        "sample_users": len(check.rows),
        "curve": curve,
        "history": model.history,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"sasrec_curve-{args.name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("name", "best_epoch", "s_per_epoch", "valid_all_users")}))


if __name__ == "__main__":
    main()
