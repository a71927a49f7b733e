"""``shopmind tune recs`` for a fixed budget, then the TEST figure of tuned vs default settings.

One run: load the dataset through the gate, build the protocol split of ``shopmind evaluate
recs``, run the tuner on the validation phase only (the exact code of ``shopmind tune recs``),
and only then fit both the defaults (``RecsConfig()``: ALS, co-visitation, popularity,
trending, category popularity, the default weights and RRF constant) and the chosen settings
on the test phase's training events and score them on its truth with the same fusion.

    python bench/tune_recs.py --format online-retail --minutes 20
    python bench/tune_recs.py --format amazon-5core --path ../shared/data/amazon-beauty/Beauty.txt --minutes 20
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.tune import recs
from shopmind.tune.study import TimeBox, write_report

DEFAULT_PATHS = {"online-retail": "online-retail", "amazon-5core": "amazon-beauty/Beauty.txt"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--format", default="online-retail")
    ap.add_argument("--path", type=Path, default=None)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    data_dir = Path(os.environ.get("SHOPMIND_DATA", "../shared/data"))
    path = args.path or data_dir / DEFAULT_PATHS[args.format]
    out = args.out or Path(f"bench/results/tune_recs-{args.format}.json")
    t0 = time.perf_counter()
    data = recs.load(args.format, path)
    split = data.split
    print(
        f"{args.format}: {data.accepted_events} accepted events; {split.protocol} ({time.perf_counter() - t0:.0f}s)"
    )
    budget = TimeBox(args.minutes * 60)
    result, names = recs.tune_phase(
        split.valid, split.items, data.categories, data.real_time, split.select_metric, budget, seed=args.seed
    )
    tuning_s = time.perf_counter() - t0
    json_path, png_path = write_report(
        {"target": "recs", "dataset": args.format, "data_read": recs.data_read(split.valid)},
        result, split.select_metric, out.parent, out.stem + "-study",
    )  # fmt: skip
    defaults = recs.default_params(names)
    test = {
        "defaults": recs.evaluate_settings(split.test, split.items, data.categories, names, defaults),
        "tuned": recs.evaluate_settings(split.test, split.items, data.categories, names, result.best_params),
    }
    metric = split.select_metric
    keys = ("recall@20", "ndcg@20", "ndcg@10", "hit@10", "recall@10")
    summary = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python bench/tune_recs.py --format {args.format} --minutes {args.minutes:g} --seed {args.seed}",
        "dataset": args.format,
        "protocol": split.protocol,
        "budget_minutes": args.minutes,
        "tuning_seconds": tuning_s,
        "trials": len(result.trials),
        "trials_complete": sum(t["state"] == "COMPLETE" for t in result.trials),
        "selection_metric": metric,
        "valid": {"defaults": result.default_value, "tuned": result.best_value},
        "test": {name: {k: round(float(v[k]), 5) for k in keys} for name, v in test.items()},
        "tuned_over_defaults_test": float(test["tuned"][metric])
        / max(float(test["defaults"][metric]), 1e-12),
        "settings": recs.recs_settings(result.best_params, names),
        "study_json": str(json_path),
        "study_png": str(png_path),
        "seconds_total": time.perf_counter() - t0,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str))
    print(
        json.dumps({k: summary[k] for k in ("valid", "test", "tuned_over_defaults_test", "trials")}, indent=1)
    )
    print(f"-> {out}, {png_path}")


if __name__ == "__main__":
    main()
