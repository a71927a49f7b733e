"""Click-trained, no judgments: the query adapter learned from a shop's click log only, scored
on its judgments (issue 12, search measures).

The adapter is trained exactly as a release builds it (``search.adapt.release.
fit_release_adapter``: click grades from the search sessions of ``events.parquet``, 20 % of
the clicked queries held out for the attach decision, settings on a validation split of the
rest). The judgments are read only by the evaluation, after training. Peers in one run, all
over the same e5 product vectors:

- ``engine-e5``: the served ``SearchEngine`` (understanding, BM25F + e5 fusion), frozen e5;
- ``engine-e5+click-adapter``: the same engine as the release leaves it: the adapter attached
  with its dense floor and fusion weight re-chosen on the held-out click queries
  (``adapt.fusion``), or detached again when that served engine did not gain there;
- ``dense-e5`` / ``dense-e5+click-adapter``: dense retrieval alone (the trained adapter, even
  when the served check detached it).

    shopmind demo-data --out /tmp/demo && python bench/adapter_clicks.py --shop /tmp/demo
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shopmind.data.adapters import get_adapter
from shopmind.search.adapt.evaluate import AdaptedDense
from shopmind.search.adapt.release import click_qrels, fit_release_adapter
from shopmind.search.crosslang import EngineMethod
from shopmind.search.evaluate import DenseMethod, evaluate, load_dataset
from shopmind.search.ltr.features import normalise_query

ROOT = Path(__file__).resolve().parents[1]


class ClickAdaptedEngine(EngineMethod):
    """``EngineMethod`` + the release's adapter decision over the click log ``events``."""

    def __init__(self, events: pl.DataFrame, vectors: Path) -> None:
        super().__init__("e5", vectors, name="engine-e5+click-adapter")
        self.events = events
        self.facts: dict[str, object] = {}
        self.adapter = None

    def fit(self, products: pl.DataFrame) -> None:
        super().fit(products)
        assert self.engine is not None
        trained: list[object] = []
        self.facts = fit_release_adapter(
            self.engine, self.engine.encoder, self.events, self.vectors, on_trained=trained.append
        )
        # the trained adapter, also when the served check detached it (dense figures below)
        self.adapter = trained[0] if trained else None


class ClickAdaptedDense(AdaptedDense):
    """Dense retrieval with the adapter ``source`` (a ``ClickAdaptedEngine``) trained."""

    def __init__(self, source: ClickAdaptedEngine, vectors: Path) -> None:
        super().__init__("e5", vectors, name="dense-e5+click-adapter")
        self.source = source

    def fit(self, products: pl.DataFrame) -> None:
        super().fit(products)
        self.adapter = self.source.adapter

    def tune(self, data, queries):  # noqa: ANN001, ANN201 - trained from clicks, not judgments
        return {"chosen": {"adapter": self.source.facts.get("adapter")}, "protocol": "trained on clicks only"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shop", type=Path, required=True, help="folder written by `shopmind demo-data`")
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "adapter_clicks.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    events = get_adapter("canonical").load(args.shop).events
    assert events is not None
    clicked = click_qrels(events)
    data = load_dataset("canonical", args.shop)  # judgments: evaluation only, after this point
    adapted_engine = ClickAdaptedEngine(events, args.vectors)
    methods = [
        EngineMethod("e5", args.vectors),
        adapted_engine,
        DenseMethod("e5", args.vectors),
        ClickAdaptedDense(adapted_engine, args.vectors),
    ]
    out = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in out["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        rows[name] = {"ndcg@10": r["ndcg@10"], "recall@100": r["recall@100"], "mrr@10": r["mrr@10"]}
        print(
            f"{name:26s} NDCG@10 {r['ndcg@10']:.4f}  Recall@100 {r['recall@100']:.4f}  MRR@10 {r['mrr@10']:.4f}"
        )
    judged_q = {normalise_query(q) for q in data.qrels}
    print("adapter decision:", adapted_engine.facts)
    summary = {
        "bench": "adapter_clicks",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/adapter_clicks.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "click_queries": len(clicked),
        "judged_queries": len(data.qrels),
        "judged_queries_also_in_click_log": len(judged_q & set(clicked)),
        "adapter": adapted_engine.facts,
        "served_config": {
            "dense_floor": adapted_engine.engine.config.floor() if adapted_engine.engine else None,
            "alpha": adapted_engine.engine.config.alpha if adapted_engine.engine else None,
            "encoder": getattr(getattr(adapted_engine.engine, "encoder", None), "name", None),
        },
        "ndcg@10": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "report": out,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
