"""What leaving a shopper's phrasing out of the matched text (``search/phrasing.py``) does to judged search.

"I'm looking for a red dress" was matched as "i m look red dress": min-match asked for 4 of 5 terms and left out
red dresses that hold no "look" (8 of 17 on the seed-42 demo shop). With ``phrasing.PHRASING`` the phrases of
asking ("I'm looking for", "do you have", "show me", "我想买", "有没有", "请问", "给我推荐") are left out of
``Understood.text`` unless nothing searchable would remain. This runs every judged query of each dataset through
the served engine (understanding on, lexical: ``crosslang.EngineMethod``) with ``PHRASING = False`` (before) and
``True`` (after), each arm in its own process (as ``bench/search_speller_common.py``), and reports per dataset
NDCG@10 per arm, the paired gain and its standard error, the queries whose matched text or top 10 changed (each
printed with both scores), the ``words_unmatched`` warnings of the after arm and CPU seconds per arm.

A dataset spec ending in ``+phrased`` asks each judged query as a shopper would write it (a phrase of asking put in
front, by language, chosen by the query's CRC32: "I'm looking for " / "do you have " / "show me " / "我想买" / "有没有"
/ "给我推荐"), judged by the query's own judgments: what the change is for, not a test of it.

**Rule (written and committed before any run).** Adopted when on each plain judged set (demo seed 42, CrowdFlower,
Home Depot, QBQTC) the NDCG@10 after is not below before by more than the paired standard error of the difference
(after - before >= -SE; a set with no changed list passes), and every query whose top 10 changed is printed and the
drops read in docs/BENCHMARKS.md. A set falling by more: the phrase group responsible (read from the printed queries,
named by what it is, not by the query) is taken out once and the bench re-run; still falling, the change is not
committed. The ``+phrased`` sets are reported, they do not decide. CPU per arm is reported (one regular expression
per language per query; a ratio above 1.05 on a set is said). The assistant is checked separately
(``bench/search_phrasing_assistant.py``: the dev sets' answers before and after).

    python bench/search_phrasing.py /tmp/t1s/demo-shop:canonical ../shared/data/crowdflower:crowdflower
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import zlib
from pathlib import Path

import numpy as np

from search_speller_common import arms_in_processes

EN_ASK = ("I'm looking for ", "do you have ", "show me ")
ZH_ASK = ("我想买", "有没有", "给我推荐")


def phrased(query: str) -> str:
    """``query`` as a shopper's sentence: a phrase of asking in front, by language, chosen by CRC32."""
    from shopmind.search.graph import CJK_RE

    asks = ZH_ASK if CJK_RE.search(query) else EN_ASK
    return asks[zlib.crc32(query.encode("utf-8")) % len(asks)] + query


def arm(specs: list[str], on: bool, out: Path) -> None:
    """One arm in this process: every dataset's judged queries, the text matched, top 10, NDCG@10, warnings."""
    import shopmind.search.phrasing as ph
    from shopmind.search.crosslang import EngineMethod
    from shopmind.search.eval_data import NDCG_K, load_dataset
    from shopmind.search.metrics import ndcg_at_k

    ph.PHRASING = on
    res = {}
    for spec in specs:
        path, fmt = spec.rsplit(":", 1)
        fmt, _, variant = fmt.partition("+")
        data = load_dataset(fmt, path)
        method = EngineMethod()
        method.fit(data.products)
        assert method.engine is not None
        rows = {}
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        for q, rels in data.qrels.items():
            asked = phrased(q) if variant == "phrased" else q
            r = method.engine.search(asked, size=NDCG_K, facets=(), highlight=False)
            rows[q] = {
                "asked": asked,
                "text": r.understood["text"],
                "ids": r.ids,
                "ndcg": ndcg_at_k(r.ids, rels, NDCG_K, data.min_grade),
                "unmatched": [w["value"] for w in r.warnings if w["code"] == "words_unmatched"],
            }
        res[spec] = {"rows": rows, "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu}
    out.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")


def compare(before: dict, after: dict) -> list[dict[str, object]]:  # type: ignore[type-arg]
    out = []
    for spec, b in before.items():
        rb, ra = b["rows"], after[spec]["rows"]
        scored = [q for q in rb if rb[q]["ndcg"] is not None]
        diff = np.array([ra[q]["ndcg"] - rb[q]["ndcg"] for q in scored])
        changed = [q for q in rb if rb[q]["ids"] != ra[q]["ids"]]
        texts = [q for q in rb if rb[q]["text"] != ra[q]["text"]]
        gain = float(diff.mean()) if len(diff) else 0.0
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        out.append(
            {
                "dataset": spec,
                "queries": len(rb),
                "scored": len(scored),
                "before_ndcg@10": float(np.mean([rb[q]["ndcg"] for q in scored])) if scored else None,
                "after_ndcg@10": float(np.mean([ra[q]["ndcg"] for q in scored])) if scored else None,
                "paired_gain": gain,
                "paired_se": se,
                "rule_met": bool(not changed or gain >= -se),
                "texts_changed": len(texts),
                "lists_changed": len(changed),
                "warned_words_unmatched_after": sum(bool(ra[q]["unmatched"]) for q in ra),
                "cpu_s": {"before": round(b["cpu_s"], 2), "after": round(after[spec]["cpu_s"], 2)},
                "changed": [
                    {
                        "query": rb[q]["asked"],
                        "before_text": rb[q]["text"],
                        "after_text": ra[q]["text"],
                        "before": rb[q]["ndcg"],
                        "after": ra[q]["ndcg"],
                    }
                    for q in sorted(
                        set(texts) | set(changed), key=lambda q: (ra[q]["ndcg"] or 0) - (rb[q]["ndcg"] or 0)
                    )
                ][:60],
                "unmatched_examples": [
                    {"query": ra[q]["asked"], "words": ra[q]["unmatched"]} for q in ra if ra[q]["unmatched"]
                ][:15],
            }
        )
    return out


def run_main(
    file: str,
    doc: str | None,
    arm_fn,
    out: str,
    datasets_help: str,
    argv: list[str] | None,  # noqa: ANN001
) -> int:
    """The command line every before/after search bench shares: ``arm_fn(specs, on, out)`` runs one arm (in a child
    process started by ``arms_in_processes``), the parent compares the two arms and prints and saves the result."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help=datasets_help)
    ap.add_argument("--out", default=out)
    ap.add_argument(
        "--arm", type=int, default=None, help=argparse.SUPPRESS
    )  # internal: which arm this child runs
    ap.add_argument("--arm-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.arm is not None:
        arm_fn(args.datasets, bool(args.arm), Path(args.arm_out))
        return 0
    got = arms_in_processes(file, args.datasets, (("before", 0), ("after", 1)))
    results = compare(got["before"], got["after"])
    for r in results:
        print(
            json.dumps(
                {k: v for k, v in r.items() if k not in ("changed", "unmatched_examples")}, ensure_ascii=False
            )
        )
        for c in r["changed"][:25]:  # type: ignore[index]
            print("   ", json.dumps(c, ensure_ascii=False))
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(
        __file__, __doc__, arm, "bench/results/search_phrasing.json",
        "PATH:FORMAT[+phrased] (home-depot, crowdflower, qbqtc, canonical)", argv,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
