"""What counting the most frequent English words as real words (never spelling-corrected) does to judged search.

"I'm looking for a red dress": "looking" is no catalog word and the speller made it "cooking" (one edit), so the
cookware matched a dress search (``search/understand_vocab.COMMON_EN``). This runs every judged query of each dataset
through the served engine (understanding on, lexical: ``crosslang.EngineMethod``) with ``COMMON_EN = 0`` (before) and
as committed (after), each arm in its own process (no cache crosses arms), and reports per dataset NDCG@10 per arm,
the queries whose corrections or top 10 changed, the paired gain and its standard error, and the changed queries.

    python bench/search_speller_common.py ../shared/data/crowdflower:crowdflower ../shared/data/home-depot:home-depot
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def arm(specs: list[str], common: int, out: Path) -> None:
    """One arm in this process: every dataset's judged queries, their corrections, top 10 and NDCG@10."""
    import shopmind.search.understand_vocab as uv
    from shopmind.search.crosslang import EngineMethod
    from shopmind.search.eval_data import NDCG_K, load_dataset
    from shopmind.search.metrics import ndcg_at_k

    uv.COMMON_EN = common
    res = {}
    for spec in specs:
        path, fmt = spec.rsplit(":", 1)
        data = load_dataset(fmt, path)
        method = EngineMethod()
        method.fit(data.products)
        assert method.engine is not None
        rows = {}
        for q, rels in data.qrels.items():
            r = method.engine.search(q, size=NDCG_K, facets=(), highlight=False)
            rows[q] = {
                "ids": r.ids,
                "fix": r.corrections,
                "ndcg": ndcg_at_k(r.ids, rels, NDCG_K, data.min_grade),
            }
        res[spec] = rows
    out.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")


def compare(before: dict, after: dict) -> list[dict[str, object]]:  # type: ignore[type-arg]
    out = []
    for spec, rb in before.items():
        ra = after[spec]
        scored = [q for q in rb if rb[q]["ndcg"] is not None]
        diff = np.array([ra[q]["ndcg"] - rb[q]["ndcg"] for q in scored])
        changed = [q for q in rb if rb[q]["ids"] != ra[q]["ids"]]
        fixes = [q for q in rb if rb[q]["fix"] != ra[q]["fix"]]
        out.append(
            {
                "dataset": spec,
                "queries": len(rb),
                "scored": len(scored),
                "before_ndcg@10": float(np.mean([rb[q]["ndcg"] for q in scored])),
                "after_ndcg@10": float(np.mean([ra[q]["ndcg"] for q in scored])),
                "paired_gain": float(diff.mean()),
                "paired_se": float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0,
                "corrections_changed": len(fixes),
                "lists_changed": len(changed),
                "changed": [
                    {
                        "query": q,
                        "before_fix": rb[q]["fix"],
                        "after_fix": ra[q]["fix"],
                        "before": rb[q]["ndcg"],
                        "after": ra[q]["ndcg"],
                    }  # fmt: skip
                    for q in fixes[:40]
                ],
            }
        )
    return out


def arms_in_processes(script: str, datasets: list[str], arms: tuple[tuple[str, int], ...]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Each arm (name, value) run as ``script DATASETS --arm VALUE --arm-out FILE`` in its own process
    (no cache crosses arms); the arms' JSON dumps by name."""
    with tempfile.TemporaryDirectory() as tmp:
        got = {}
        for name, value in arms:
            dump = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, script, *datasets, "--arm", str(value), "--arm-out", str(dump)]
            subprocess.run(cmd, check=True, cwd=ROOT)
            got[name] = json.loads(dump.read_text(encoding="utf-8"))
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help="PATH:FORMAT (home-depot, crowdflower, qbqtc, canonical)")
    ap.add_argument("--out", default="bench/results/search_speller_common.json")
    ap.add_argument("--arm", type=int, default=None, help=argparse.SUPPRESS)  # internal: COMMON_EN of one arm
    ap.add_argument("--arm-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.arm is not None:
        arm(args.datasets, args.arm, Path(args.arm_out))
        return 0
    import shopmind.search.understand_vocab as uv

    got = arms_in_processes(__file__, args.datasets, (("before", 0), ("after", uv.COMMON_EN)))
    results = compare(got["before"], got["after"])
    for r in results:
        print(json.dumps({k: v for k, v in r.items() if k != "changed"}, ensure_ascii=False), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
