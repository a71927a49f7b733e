"""Why the click-trained re-ranker's held-out click gain does not carry to the demo judgments
(diagnostic for ``bench/click_tuned.py``; measurement only: nothing here chooses anything).

The demo judges 20-40 sampled products per query on the catalogue's ground truth
(``demo/judgments.py``), independent of the click stream; an unjudged product counts 0 in
NDCG@10. So a re-ranker that moves products the judges never saw into the first ten cannot
score there even when they match the query. This script builds the frozen-defaults and the
shop-tuned engines exactly as ``bench/click_tuned.py`` does (same choice, deterministic) and
reports per engine, over the judged queries: the share of the first ten that is judged, the
mean grade of the judged ones among them, and condensed NDCG@10 (unjudged products removed
from the ranking first; Sakai 2007), with paired gains.

    python bench/click_tuned_judged.py --shop /tmp/demo --vectors /tmp/demo-cache
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_click_split import products_only  # noqa: E402
from click_tuned import ROOT, _engine, _paired  # noqa: E402
from shopmind.data.adapters import get_adapter  # noqa: E402
from shopmind.search.adapt.click_tuning import tune_from_clicks  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.evaluate import load_dataset  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shop", type=Path, required=True)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "click_tuned_judged.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    events = get_adapter("canonical").load(args.shop).events
    products = products_only(args.shop)
    defaults = _engine(products, events, args.vectors)
    tuned = _engine(products, events, args.vectors)
    reranker, facts = tune_from_clicks(tuned, events, min_queries=30)  # type: ignore[arg-type]
    tuned.reranker = reranker if facts.get("ltr") == "attached" else None  # type: ignore[attr-defined]
    data = load_dataset("canonical", args.shop)  # judgments: measurement only, after the choice
    queries = sorted(data.qrels)
    held = np.array([not tuning_half(q) for q in queries])
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, eng in (("release-defaults", defaults), ("release-shop-tuned", tuned)):
        share, grade, full, condensed = [], [], [], []
        for q in queries:
            g = data.qrels[q]
            ids = eng.search(q, size=100, facets=(), highlight=False).ids  # type: ignore[attr-defined]
            judged = [p for p in ids[:10] if p in g]
            share.append(len(judged) / 10)
            grade.append(np.mean([g[p] for p in judged]) if judged else np.nan)
            v = ndcg_at_k(ids, g, 10, data.min_grade)
            c = ndcg_at_k([p for p in ids if p in g], g, 10, data.min_grade)
            full.append(np.nan if v is None else v)
            condensed.append(np.nan if c is None else c)
        out[name] = {k: np.asarray(v, dtype=np.float64) for k, v in (("judged_share@10", share), ("judged_grade@10", grade), ("ndcg@10", full), ("condensed_ndcg@10", condensed))}  # fmt: skip
    a, b = out["release-defaults"], out["release-shop-tuned"]
    summary = {
        "bench": "click_tuned_judged",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/click_tuned_judged.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "shop_tuned": {"alpha": facts["alpha"]["kept"], "ltr": facts["ltr"], "heldout": facts.get("heldout")},
        "means": {n: {k: round(float(np.nanmean(v)), 4) for k, v in m.items()} for n, m in out.items()},
        "means_heldout_half": {
            n: {k: round(float(np.nanmean(v[held])), 4) for k, v in m.items()} for n, m in out.items()
        },  # fmt: skip
        "paired_tuned_minus_defaults": {
            k: {"all": _paired(a[k], b[k]), "heldout_half": _paired(a[k], b[k], held)} for k in a
        },  # fmt: skip
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(summary, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
