"""Click-trained, no judgments: the shop-tuned served engine (``adapt.click_tuning``: fusion
``alpha`` and a click-trained re-ranker, each kept only with a paired gain above 2 standard
errors on the release's held-out click queries) against the frozen defaults, scored on the
shop's judgments (issue 12, search measures; session 17).

Every engine is built and every choice made from the products and the click log before the
judgments are loaded (``load_dataset`` runs after; the methods' ``fit`` only checks that the
evaluated corpus is the one they were built on). Peers in one ``evaluate`` run, one vector cache:

- ``engine-e5``: ``bench/adapter_clicks.py``'s frozen peer (built without events, as there);
- ``release-defaults``: the engine as a release builds it (with the shop's events: popularity,
  past queries), frozen e5, ``alpha`` 0.20, no re-ranker;
- ``release-clicks-today``: the same plus what a release without judgments attached before this
  session (``ltr.fit.fit_engine_reranker`` on clicks: kept when it does not lose on one fold);
- ``release-shop-tuned``: the same engine with ``tune_from_clicks``'s choices.

    python bench/click_tuned.py --shop /tmp/demo --vectors /tmp/demo-cache
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_click_split import products_only  # noqa: E402 - the corpus without reading judgments
from adapter_clicks import ROOT  # noqa: E402 - same set-up as the adapter's click bench
from shopmind.data.adapters import get_adapter  # noqa: E402
from shopmind.search.adapt.click_tuning import tune_from_clicks  # noqa: E402
from shopmind.search.crosslang import EngineMethod  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.evaluate import evaluate, load_dataset  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402


class Prebuilt(EngineMethod):
    """An ``EngineMethod`` over an engine built (and tuned) before the judgments were read."""

    def __init__(self, name: str, engine: object) -> None:
        super().__init__("e5", None, name=name)
        self.built = engine

    def fit(self, products: pl.DataFrame) -> None:
        ids = set(products["product_id"].cast(pl.Utf8).to_list())
        if ids != set(self.built.catalog.pos):  # type: ignore[attr-defined]
            raise SystemExit(f"{self.name}: the evaluated corpus is not the one the engine was built on")
        self.engine = self.built


def _engine(products: pl.DataFrame, events: pl.DataFrame | None, vectors: Path) -> object:
    from shopmind.search.engine import SearchConfig, SearchEngine

    cfg = SearchConfig(encoder="e5", ltr="off", warm_query_vectors=0)
    return SearchEngine.build(products, events, cfg, cache_dir=vectors)


def _per_query(method: EngineMethod, data: object, queries: list[str]) -> np.ndarray:
    """NDCG@10 per judged query as ``evaluate`` computes it (top 100 retrieved, the dataset's
    minimum grade); NaN where the evaluator has no value (no grade above the minimum)."""
    out = []
    for q in queries:
        v = ndcg_at_k(method.search(q, 100), data.qrels[q], 10, data.min_grade)  # type: ignore[attr-defined]
        out.append(np.nan if v is None else v)
    return np.asarray(out, dtype=np.float64)


def _paired(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    d = b - a
    if mask is not None:
        d = d[mask]
    d = d[~np.isnan(d)]
    se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("inf")
    return {"gain": round(float(d.mean()), 4), "se": round(se, 4), "queries": len(d)}


def main(argv: list[str] | None = None) -> int:
    from shopmind.search.ltr.fit import fit_engine_reranker

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shop", type=Path, required=True, help="folder written by `shopmind demo-data`")
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "click_tuned.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    events = get_adapter("canonical").load(args.shop).events
    if events is None:
        raise SystemExit(f"{args.shop}: no events: nothing to tune on")
    products = products_only(args.shop)
    frozen = _engine(products, None, args.vectors)
    defaults = _engine(products, events, args.vectors)
    today = _engine(products, events, args.vectors)
    tuned = _engine(products, events, args.vectors)
    t = time.perf_counter()
    old, old_facts = fit_engine_reranker(today, None, events)  # type: ignore[arg-type]
    today.reranker = old if old_facts.get("ltr") == "attached" else None  # type: ignore[attr-defined]
    old_facts["seconds_wall"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    reranker, facts = tune_from_clicks(tuned, events, min_queries=30)  # type: ignore[arg-type]
    tuned.reranker = reranker if facts.get("ltr") == "attached" else None  # type: ignore[attr-defined]
    facts["seconds_wall"] = round(time.perf_counter() - t, 1)
    print("today's click re-ranker:", {k: v for k, v in old_facts.items() if k != "top_features"})
    print("shop-tuned:", json.dumps(facts, default=str))
    # the judgments are read from here on, by the evaluation only
    data = load_dataset("canonical", args.shop)
    methods = [
        Prebuilt("engine-e5", frozen),
        Prebuilt("release-defaults", defaults),
        Prebuilt("release-clicks-today", today),
        Prebuilt("release-shop-tuned", tuned),
    ]
    out = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in out["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        h = r.get("heldout", {})
        rows[name] = {
            "ndcg@10": r["ndcg@10"],
            "heldout_ndcg@10": h.get("ndcg@10"),
            "recall@100": r["recall@100"],
        }
        print(
            f"{name:22s} NDCG@10 {r['ndcg@10']:.4f}  held-out half {h.get('ndcg@10')}  Recall@100 {r['recall@100']:.4f}"
        )
    # paired per-query gains on the judgments (the evaluator keeps means only)
    queries = sorted(data.qrels)
    held = np.array([not tuning_half(q) for q in queries])
    per = {m.name: _per_query(m, data, queries) for m in methods}
    pairs = {
        "shop-tuned_vs_defaults": ("release-defaults", "release-shop-tuned"),
        "shop-tuned_vs_clicks-today": ("release-clicks-today", "release-shop-tuned"),
        "clicks-today_vs_defaults": ("release-defaults", "release-clicks-today"),
        "defaults_vs_engine-e5": ("engine-e5", "release-defaults"),
    }
    paired = {
        k: {"all": _paired(per[a], per[b]), "heldout_half": _paired(per[a], per[b], held)}
        for k, (a, b) in pairs.items()
    }
    paired["mean_ndcg@10"] = {k: round(float(np.nanmean(v)), 4) for k, v in per.items()}
    print("paired on the judgments:", paired)
    summary = {
        "bench": "click_tuned",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/click_tuned.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "shop_tuned": facts,
        "clicks_today": old_facts,
        "served": {
            name: {"alpha": e.config.alpha, "reranker": e.reranker is not None}  # type: ignore[attr-defined]
            for name, e in (
                ("release-defaults", defaults),
                ("release-clicks-today", today),
                ("release-shop-tuned", tuned),
            )
        },
        "ndcg@10": rows,
        "paired_on_judgments": paired,
        "seconds": round(time.perf_counter() - t0, 1),
        "report": out,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
