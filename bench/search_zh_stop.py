"""What matching a Chinese query without its function words (``text/analysis.ZH_QUERY_STOP``: 的, 了, 吗, 和 ...) does to
judged search (t1f, session 32).

"的" counted as a Chinese query term: "红色的连衣裙" asked min-match for 红色, 的 and the jieba cuts of 连衣裙, and 的 (in
nearly every Chinese description) was a matched term; on a shop without it, "的" was named in ``words_unmatched``. Now
a query's pairs drop those words unless nothing else is left (query side only: the index, its lengths and statistics
are unchanged). This runs every judged query of each dataset through the served engine (understanding on, lexical:
``crosslang.EngineMethod``, as ``bench/search_phrasing.py``, whose arm and comparison it reuses) with ``ZH_QUERY_STOP``
empty (before) and as committed (after), each arm in its own process.

**Rule (written and committed before any run).** Adopted when on each judged set (QBQTC, the only Chinese one, and the
seed-42 demo shop, bilingual) NDCG@10 after is not below before by more than the paired standard error of the
difference (after - before >= -SE; a set with no changed list passes); the changed queries are printed and the drops
read in docs/BENCHMARKS.md. Otherwise the change is not committed.

    python bench/search_zh_stop.py ../shared/data/qbqtc-zh:qbqtc /tmp/t1f/demo-shop:canonical
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import search_phrasing as sp
from search_speller_common import arms_in_processes


def arm(specs: list[str], on: bool, out: Path) -> None:
    import shopmind.text.analysis as an

    if not on:
        an.ZH_QUERY_STOP = frozenset()
    sp.arm(specs, True, out)  # the shopper's phrasing left out in both arms, as committed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="+", help="PATH:FORMAT (qbqtc, canonical, ...)")
    ap.add_argument("--out", default="bench/results/search_zh_stop.json")
    ap.add_argument("--arm", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--arm-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.arm is not None:
        arm(args.datasets, bool(args.arm), Path(args.arm_out))
        return 0
    got = arms_in_processes(__file__, args.datasets, (("before", 0), ("after", 1)))
    results = sp.compare(got["before"], got["after"])
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


if __name__ == "__main__":
    sys.exit(main())
