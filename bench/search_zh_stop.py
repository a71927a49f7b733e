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

import sys
from pathlib import Path

import search_phrasing as sp


def arm(specs: list[str], on: bool, out: Path) -> None:
    import shopmind.text.analysis as an

    if not on:
        an.ZH_QUERY_STOP = frozenset()
    sp.arm(specs, True, out)  # the shopper's phrasing left out in both arms, as committed


def main(argv: list[str] | None = None) -> int:
    return sp.run_main(
        __file__,
        __doc__,
        arm,
        "bench/results/search_zh_stop.json",
        "PATH:FORMAT (qbqtc, canonical, ...)",
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
