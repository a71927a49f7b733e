"""What the first shopper's request with an unmatched word paid for the compound heads (``search/compounds.py``), and
what building them with the index costs instead (t1f, session 33).

Until session 33 the heads ("bag" -> "handbag") were built lazily inside the first request that had a term no
product holds. They are now built with the index (``SearchEngine.build`` / ``upsert`` / ``delete`` / ``compact``),
saved in the lexical part's ``index.json`` and read with it at load. This builds the served lexical engine of each
dataset (``crosslang.EngineMethod``), warms it with one matched query, then asks queries with a word no product
holds, A B B A: A = the heads dropped before the request (the old lazy behaviour: the request builds them), B = the
heads as the engine now keeps them. Each request's CPU time is the thread's (``time.thread_time``); each query is
asked once (no result cache in the way). Also: the CPU of ``prepare`` alone, of saving and loading the lexical part
with and without the heads, and the size they add to ``index.json``.

**Rule (written before the runs).** Kept when B's first-request CPU is below A's on every pair and the load of a
saved engine does not build them (its load CPU with heads saved <= without). Figures go to docs/BENCHMARKS.md.

    python bench/search_compound_heads_first.py ../shared/data/home-depot:home-depot /tmp/t1f/demo:canonical
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ("qzxw drill", "vbnmq lamp", "plokij hose", "wertyq paint")


def _ms(fn) -> tuple[float, object]:  # noqa: ANN001
    t = time.thread_time()
    out = fn()
    return (time.thread_time() - t) * 1000, out


def _load(folder: Path) -> object:
    """A lexical part read as ``SearchEngine.load`` reads it: loaded, then its heads ensured."""
    import shopmind.search.compounds as cp
    from shopmind.search.lexical import LexicalIndex

    idx = LexicalIndex.load(folder)
    cp.ensure(idx)
    return idx


def one(spec: str) -> dict[str, object]:
    import shopmind.search.compounds as cp
    from shopmind.search.crosslang import EngineMethod
    from shopmind.search.eval_data import load_dataset
    from shopmind.search.lexical import LexicalIndex

    path, fmt = spec.rsplit(":", 1)
    data = load_dataset(fmt, path)
    method = EngineMethod()
    method.fit(data.products)
    eng = method.engine
    assert eng is not None
    eng.search("drill", size=10, facets=(), highlight=False)  # parser, speller, impacts paid here
    prep_ms, heads = _ms(lambda: cp.prepare(eng.lexical))
    arms = []
    for q, lazy in zip(QUERIES, (True, False, False, True), strict=True):
        if lazy:
            eng.lexical._compound_heads = None
        ms, _ = _ms(lambda q=q: eng.search(q, size=10, facets=(), highlight=False))
        arms.append({"query": q, "arm": "A lazy" if lazy else "B built", "cpu_ms": round(ms, 1)})
    with tempfile.TemporaryDirectory() as tmp:
        eng.lexical.save(Path(tmp) / "with")
        with_ms, _ = _ms(lambda: _load(Path(tmp) / "with"))
        has = cp.saved_heads(LexicalIndex.load(Path(tmp) / "with")) is not None
        eng.lexical._compound_heads = None
        eng.lexical.save(Path(tmp) / "without")
        without_ms, _ = _ms(lambda: _load(Path(tmp) / "without"))
        size = (Path(tmp) / "with" / "index.json").stat().st_size - (
            Path(tmp) / "without" / "index.json"
        ).stat().st_size
    return {
        "dataset": spec,
        "products": len(data.products),
        "heads": len(heads),  # type: ignore[arg-type]
        "prepare_cpu_ms": round(prep_ms, 1),
        "first_requests": arms,
        "load_cpu_ms_heads_saved": round(with_ms, 1),
        "load_cpu_ms_no_heads": round(without_ms, 1),
        "loaded_with_heads": has,
        "index_json_bytes_added": size,
    }


def main(argv: list[str]) -> int:
    out = [one(spec) for spec in argv]
    for r in out:
        print(json.dumps(r, ensure_ascii=False))
    Path("bench/results/search_compound_heads_first.json").write_text(
        json.dumps(out, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
