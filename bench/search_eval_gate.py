"""``evaluate search`` before and after its catalog passes the quality gate (search/eval_gate.py), per query.

Before: the adapter's products were searched as they came (``load_dataset(gate=False)``: first row of a
duplicate id kept, no row refused, HTML stripped by ``prepare`` only). After: the products the gate accepts,
with its text repairs, as ``build`` would publish them. Each arm runs in its own process (no cache crosses
arms) and is ``search.evaluate.evaluate`` itself, every method wrapped only to record the lists it returns,
so the figures are ``evaluate search``'s and the per-query NDCG@10 is read from the same lists.

Rule, written before any run (session 31, t1d): this is not a choice between settings but a defect fix (the
product promise: a gate in front of every model), so it is adopted whatever the figures. What is checked:
NDCG@10 may move only on a dataset where the gate changed what is searched (products quarantined, a
duplicate's other version kept, or text repaired); on a dataset where it changed nothing the lists must be
identical. Every moved query is attributed to a changed product (in its judged set or in either top 10); a
query that moved with no changed product in sight is a finding to report.

    python bench/search_eval_gate.py ../shared/data/crowdflower:crowdflower ../shared/data/home-depot:home-depot \\
        ../shared/data/qbqtc-zh/dev.json:qbqtc /tmp/demo-shop:canonical --methods ours,tantivy,bm25s,engine
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    """A method as ``evaluate`` sees it, keeping each query's returned list per view."""

    def __init__(self, method: Any) -> None:
        self._m = method
        self.lists: dict[str, dict[str, list[str]]] = {"retrieval": {}, "rerank": {}}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)

    def search(self, query: str, k: int) -> list[str]:
        out = list(self._m.search(query, k))
        self.lists["retrieval"][query] = out
        return out

    def rerank(self, query: str, candidates: list[str]) -> list[str]:
        out = list(self._m.rerank(query, candidates))
        self.lists["rerank"][query] = out
        return out


def _digest(products: Any) -> dict[str, str]:
    """Per product id: a hash of the text every method reads (title, description, brand, category)."""
    cols = [c for c in ("title", "description", "brand", "category_path") if c in products.columns]
    out = {}
    for row in products.select("product_id", *cols).iter_rows():
        out[str(row[0])] = hashlib.md5("\x1f".join(str(v) for v in row[1:]).encode()).hexdigest()[:12]
    return out


def arm(specs: list[str], gate: bool, methods: list[str], out: Path) -> None:
    """One arm in this process: every dataset through ``evaluate`` with every method recorded."""
    from shopmind.search.eval_data import NDCG_K
    from shopmind.search.evaluate import VIEWS, evaluate, load_dataset, make_methods
    from shopmind.search.metrics import ndcg_at_k

    res = {}
    for spec in specs:
        path, fmt = spec.rsplit(":", 1)
        t0 = time.process_time()
        data = load_dataset(fmt, path, gate=gate)
        load_cpu = time.process_time() - t0
        recs = [Recorder(m) for m in make_methods(methods)]
        summary = evaluate(data, recs, VIEWS, progress=False)
        per_method = {}
        for r in recs:
            per_view = {}
            for view in VIEWS:
                rows = {}
                for q, grades in data.qrels.items():
                    ranked = r.lists[view].get(q, [])
                    if view == "rerank":  # evaluate appends the unscored judged products in neutral order
                        from shopmind.search.evaluate import _neutral

                        cands = sorted(grades, key=_neutral)
                        ranked = ranked + [c for c in cands if c not in set(ranked)]
                    rows[q] = {
                        "top": ranked[:NDCG_K],
                        "ndcg": ndcg_at_k(ranked, grades, NDCG_K, data.min_grade),
                    }
                per_view[view] = rows
            per_method[r.name] = per_view
        res[spec] = {
            "summary": {
                name: {v: m["views"][v]["ndcg@10"] for v in VIEWS}  # type: ignore[index]
                for name, m in summary["methods"].items()  # type: ignore[union-attr]
            },
            "n_products": data.products.height,
            "n_queries": len(data.qrels),
            "judged": {q: sorted(g) for q, g in data.qrels.items()},
            "gate": data.gate,
            "notes": data.notes,
            "digest": _digest(data.products),
            "per_query": per_method,
            "load_cpu_s": round(load_cpu, 2),
        }
    out.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")


def compare(before: dict, after: dict) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    out = []
    for spec, b in before.items():
        a = after[spec]
        db, da = b["digest"], a["digest"]
        removed = sorted(set(db) - set(da))
        text_changed = sorted(p for p in set(db) & set(da) if db[p] != da[p])
        changed_ids = set(removed) | set(text_changed)
        entry: dict[str, Any] = {
            "dataset": spec,
            "products_before": b["n_products"],
            "products_after": a["n_products"],
            "products_removed": len(removed),
            "products_text_changed": len(text_changed),
            "queries_before": b["n_queries"],
            "queries_after": a["n_queries"],
            "gate": {k: v for k, v in a["gate"].items() if k != "judged_queries_quarantined"},
            "judged_queries_quarantined": {
                k: v for k, v in a["gate"].get("judged_queries_quarantined", {}).items() if k != "by_query"
            },
            "load_cpu_s": {"before": b["load_cpu_s"], "after": a["load_cpu_s"]},
            "methods": {},
        }
        for name, views in b["per_query"].items():
            for view, rb in views.items():
                ra = a["per_query"][name][view]
                both = [q for q in rb if q in ra and rb[q]["ndcg"] is not None and ra[q]["ndcg"] is not None]
                diff = np.array([ra[q]["ndcg"] - rb[q]["ndcg"] for q in both])
                moved = [q for q in rb if q in ra and rb[q]["top"] != ra[q]["top"]]
                unexplained = [
                    q
                    for q in moved
                    if not (
                        changed_ids & (set(rb[q]["top"]) | set(ra[q]["top"]) | set(b["judged"].get(q, [])))
                    )
                ]
                big = sorted(both, key=lambda q: -abs(ra[q]["ndcg"] - rb[q]["ndcg"]))[:8]
                entry["methods"][f"{name} {view}"] = {
                    "before_ndcg@10": b["summary"][name][view],
                    "after_ndcg@10": a["summary"][name][view],
                    "paired_queries": len(both),
                    "paired_gain": float(diff.mean()) if len(diff) else 0.0,
                    "paired_se": float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0,
                    "lists_changed": len(moved),
                    "moved_without_a_changed_product": unexplained[:20],
                    "largest": [
                        {"query": q, "before": round(rb[q]["ndcg"], 4), "after": round(ra[q]["ndcg"], 4)}
                        for q in big
                        if ra[q]["ndcg"] != rb[q]["ndcg"]
                    ],
                }
        out.append(entry)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help="PATH:FORMAT (home-depot, crowdflower, qbqtc, canonical)")
    ap.add_argument("--methods", default="ours,tantivy,bm25s,engine")
    ap.add_argument("--out", default="bench/results/search_eval_gate.json")
    ap.add_argument("--arm", choices=("before", "after"), default=None, help=argparse.SUPPRESS)
    ap.add_argument("--arm-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if args.arm is not None:
        arm(args.datasets, args.arm == "after", methods, Path(args.arm_out))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        got = {}
        for name in ("before", "after"):
            dump = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, __file__, *args.datasets, "--methods", args.methods, "--arm", name]
            subprocess.run([*cmd, "--arm-out", str(dump)], check=True, cwd=ROOT)
            got[name] = json.loads(dump.read_text(encoding="utf-8"))
    results = compare(got["before"], got["after"])
    for r in results:
        print(json.dumps({k: v for k, v in r.items() if k != "methods"}, ensure_ascii=False), flush=True)
        for key, m in r["methods"].items():
            print(
                f"  {key:18s} {m['before_ndcg@10']} -> {m['after_ndcg@10']}  lists changed {m['lists_changed']}"
            )
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
