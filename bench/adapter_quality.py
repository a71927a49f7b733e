"""The shop-tuned query adapter vs the frozen encoder, peers in one run (issue 12, search).

Runs ``shopmind.search.evaluate.evaluate`` (the same code as ``shopmind evaluate search``) with
tantivy, frozen dense e5, adapted dense e5, and the full pipelines (``fusion-e5+ltr`` and
``fusion-e5+adapt+ltr``) on one dataset. The adapter trains on the tuning half only (see
``shopmind.search.adapt.evaluate``): the **held-out** column is the figure to quote.

Where e5 over the whole corpus is out of reach on this machine, ``--queries N`` evaluates the
first N judged queries (md5 order) over a sub-corpus of their judged products plus
``--distractors`` random others (``bench/encoders_quality.sample``); compare methods within a
run, not with full-corpus figures.

    python bench/adapter_quality.py --dataset home-depot --queries 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from encoders_quality import sample, tuning_half_ndcg  # noqa: E402
from shopmind.search.adapt import evaluate as adapt_eval  # noqa: E402
from shopmind.search.adapt.model import AdapterParams, fit_adapter  # noqa: E402
from shopmind.search.evaluate import EvalData, evaluate, load_dataset, make_methods  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PATHS = {"home-depot": "home-depot", "crowdflower": "crowdflower/train.csv", "qbqtc": "qbqtc-zh/dev.json"}
METHODS = "tantivy,ours,dense-e5,dense-e5+adapt,hybrid-e5,hybrid-e5+adapt,fusion-e5+ltr,fusion-e5+adapt+ltr"


def heldout_ratios(rows: dict[str, dict[str, float]], pairs: list[tuple[str, str, str]]) -> dict[str, float]:
    """``{key: held-out a / held-out b}`` for each ``(a, b, key)`` whose methods both ran."""
    return {
        key: round(rows[a]["heldout"] / rows[b]["heldout"], 4)
        for a, b, key in pairs
        if a in rows and b in rows and rows[b]["heldout"]
    }


def ratios(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    """The issue's ratios on the held-out half (the queries no adapter trained on)."""
    return heldout_ratios(
        rows,
        [
            ("dense-e5+adapt", "dense-e5", "adapted_dense / frozen_dense (goal >= 1.15)"),
            ("fusion-e5+adapt+ltr", "tantivy", "adapted_pipeline / tantivy (goal >= 1.35)"),
            ("fusion-e5+ltr", "tantivy", "frozen_pipeline / tantivy"),
            ("hybrid-e5+adapt", "hybrid-e5", "adapted_hybrid / frozen_hybrid"),
            ("fusion-e5+adapt+ltr", "fusion-e5+ltr", "adapted_pipeline / frozen_pipeline"),
        ],
    )


def parse_grid(text: str) -> tuple[AdapterParams, ...]:
    """``'rank=32,lr=0.001;rank=64'`` -> AdapterParams per ';' part (unknown key: ValueError)."""
    fields = {f.name: f.type for f in dataclasses.fields(AdapterParams)}
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        kw: dict[str, float | int] = {}
        for item in filter(None, (i.strip() for i in part.split(","))):
            key, _, value = item.partition("=")
            if key not in fields:
                raise ValueError(f"--grid: unknown adapter setting {key!r} (known: {', '.join(fields)})")
            kw[key] = int(value) if fields[key] in (int, "int") else float(value)
        out.append(AdapterParams(**kw))  # type: ignore[arg-type]
    return tuple(out)


def use_grid(text: str) -> None:
    """Make the evaluator's adapter methods try ``text``'s settings (``parse_grid``)."""
    grid = parse_grid(text)
    adapt_eval.fit_adapter = functools.partial(fit_adapter, grid=grid)  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--dataset", choices=sorted(PATHS), default="home-depot")
    ap.add_argument("--queries", type=int, default=None, help="sample: first N queries (md5 order)")
    ap.add_argument("--distractors", type=int, default=500)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--methods", default=METHODS)
    ap.add_argument("--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--grid",
        default=None,
        help="adapter settings tried instead of model.GRID, e.g. 'rank=32,lr=0.001,hard_negatives=0;rank=64' "
        "(each early-stopped and chosen on the validation split of the training queries)",
    )
    args = ap.parse_args(argv)
    if args.grid:
        use_grid(args.grid)
    data = load_dataset(args.dataset, args.data / PATHS[args.dataset])
    if args.queries:
        data = sample(data, args.queries, args.distractors, args.seed)
    methods = make_methods([m for m in args.methods.split(",") if m], args.vectors)
    t0 = time.perf_counter()
    out = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in out["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        h = r["heldout"]
        nh = h["ndcg@10_queries"]
        tuning = tuning_half_ndcg(r)
        rows[name] = {
            "heldout": h["ndcg@10"],
            "tuning_half": tuning,
            "all": r["ndcg@10"],
            "heldout_recall@100": h["recall@100"],
            "heldout_queries": nh,
        }
        print(
            f"{name:22s} held-out {h['ndcg@10']:.4f}  tuning {tuning:.4f}  all {r['ndcg@10']:.4f}  ({nh} q)"
        )
        adapter = (m.get("tuning") or {}).get("adapter")
        if adapter:
            print(f"{'':22s} adapter: {adapter.get('kept')}, val {adapter.get('val_ndcg@10_frozen')} -> "
                  f"{adapter.get('val_ndcg@10_adapted')}, {adapter.get('train_pairs')} pairs, {adapter.get('seconds')} s")  # fmt: skip
    rat = ratios(rows)
    for k, v in rat.items():
        print(f"{k}: {v}")
    summary = {
        **result_head("adapter_quality", args.dataset, argv, data),
        "seconds": round(time.perf_counter() - t0, 1),
        "ndcg@10": rows,
        "ratios_heldout": rat,
        "report": out,
    }
    write_result(summary, args.out, "adapter_quality", args.dataset, args.queries)
    return 0


def result_head(bench: str, dataset: str, argv: list[str] | None, data: EvalData) -> dict[str, object]:
    """The first keys of a result JSON: what ran, when, with which command, on how much data."""
    return {
        "bench": bench,
        "dataset": dataset,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python bench/{bench}.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "products": data.products.height,
        "queries": len(data.qrels),
    }


def write_result(summary: dict, out: Path | None, bench: str, dataset: str, queries: int | None) -> Path:
    """Save ``summary`` to ``out`` or ``bench/results/<bench>-<dataset>[-<N>q].json``."""
    suffix = f"-{queries}q" if queries else ""
    path = out or ROOT / "bench" / "results" / f"{bench}-{dataset}{suffix}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    print(f"JSON: {path}")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
