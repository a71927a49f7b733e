"""``shopmind tune search`` for a fixed budget, then the held-out figure of tuned vs default BM25F.

One run: the tuner reads the judgments of the tuning half of the queries only (the exact code
of ``shopmind tune search``); then ``shopmind.search.evaluate.evaluate`` scores BM25F with the
default parameters and with the chosen ones side by side, retrieval view over the whole corpus;
the figure to quote is the held-out half (md5(query) last hex digit odd), which the tuner
never read. tantivy-py at defaults runs in the same evaluation as the usual anchor.

    python bench/tune_search.py --format home-depot --minutes 20
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.search.evaluate import OursBM25, TantivyBM25, evaluate, load_dataset
from shopmind.tune import search
from shopmind.tune.study import TimeBox, write_report

DEFAULT_PATHS = {
    "home-depot": "home-depot",
    "crowdflower": "crowdflower/train.csv",
    "qbqtc": "qbqtc-zh/dev.json",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--format", default="home-depot")
    ap.add_argument("--path", type=Path, default=None)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    data_dir = Path(os.environ.get("SHOPMIND_DATA", "../shared/data"))
    path = args.path or data_dir / DEFAULT_PATHS[args.format]
    out = args.out or Path(f"bench/results/tune_search-{args.format}.json")
    t0 = time.perf_counter()
    data = load_dataset(args.format, path)
    print(f"{args.format}: {data.products.height} products, {len(data.qrels)} judged queries")
    result, read = search.tune(data, TimeBox(args.minutes * 60), seed=args.seed)
    tuning_s = time.perf_counter() - t0
    json_path, png_path = write_report(
        {"target": "search", "dataset": args.format, "data_read": read}, result, "ndcg@10", out.parent,
        out.stem + "-study",
    )  # fmt: skip
    methods = [
        TantivyBM25(),
        OursBM25(name="ours-bm25 (defaults)"),
        OursBM25(search.params_of(result.best_params), name="ours-bm25 (tuned)"),
    ]
    ev = evaluate(data, methods, views=("retrieval",), progress=False)
    table = {
        name: {
            "heldout_ndcg@10": m["views"]["retrieval"]["heldout"]["ndcg@10"],
            "heldout_queries": m["views"]["retrieval"]["heldout"]["ndcg@10_queries"],
            "all_ndcg@10": m["views"]["retrieval"]["ndcg@10"],
            "heldout_recall@100": m["views"]["retrieval"]["heldout"]["recall@100"],
        }
        for name, m in ev["methods"].items()
    }
    d, t = table["ours-bm25 (defaults)"]["heldout_ndcg@10"], table["ours-bm25 (tuned)"]["heldout_ndcg@10"]
    summary = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python bench/tune_search.py --format {args.format} --minutes {args.minutes:g} --seed {args.seed}",
        "dataset": args.format,
        "budget_minutes": args.minutes,
        "tuning_seconds": tuning_s,
        "trials": len(result.trials),
        "trials_complete": sum(tr["state"] == "COMPLETE" for tr in result.trials),
        "valid_tuning_half": {"defaults": result.default_value, "tuned": result.best_value},
        "heldout": table,
        "tuned_over_defaults_heldout": t / d if d else None,
        "settings": search.search_settings(result.best_params),
        "study_json": str(json_path),
        "study_png": str(png_path),
        "seconds_total": time.perf_counter() - t0,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str))
    print(
        json.dumps(
            {k: summary[k] for k in ("valid_tuning_half", "heldout", "tuned_over_defaults_heldout")}, indent=1
        )
    )
    print(f"-> {out}, {png_path}")


if __name__ == "__main__":
    main()
