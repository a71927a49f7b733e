"""CPU of the search re-ranker's build-time training on a saved release (issue 17, session 28).

Runs ``fit_engine_reranker`` exactly as a build's vector stage calls it, on the engine of a
workspace's current release (its vectors, graph and cached query vectors) and the store's
judgments and events, and prints (and saves as ``OUT.json``) the CPU seconds of this process,
those of the title-analysing child, wall seconds, the load average, the held-out NDCG@10 and a
hash of the model's text (equal hashes: the same model). LightGBM is imported before the clock
(a build imports it in the tail either way). Compare two trees side by side or alternated:

    nice -n 10 .venv/bin/python bench/ltr_fit_cpu.py WS /tmp/after1
    nice -n 10 env PYTHONPATH=/tmp/before/src .venv/bin/python bench/ltr_fit_cpu.py WS /tmp/before1

``WS``: a workspace after ``shopmind ingest`` + ``shopmind build`` (e.g. Home Depot with
``[search] encoder = "e5"``). ``--profile`` also writes ``OUT.prof`` (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import resource
import time
from pathlib import Path


def _cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workspace", type=Path)
    ap.add_argument("out")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    import lightgbm  # noqa: F401 - before the clock, see the docstring

    from shopmind.release.search_component import _KeepNone
    from shopmind.search.engine import SearchEngine
    from shopmind.search.ltr.fit import fit_engine_reranker
    from shopmind.store.store import Store

    ws = args.workspace
    with Store(ws, read_only=True) as store:
        events, judgments = store.table("events"), store.table("judgments")
    rel = ws / "releases" / (ws / "releases" / "CURRENT").read_text().strip()
    engine = SearchEngine.load(rel / "search", cache_dir=ws / "cache", reranker=_KeepNone())
    engine.reranker = None
    load0 = os.getloadavg()[0]
    c0, t0 = _cpu(), time.perf_counter()
    prof = cProfile.Profile() if args.profile else None
    if prof is not None:
        prof.enable()
    reranker, facts = fit_engine_reranker(engine, judgments, events)
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.out + ".prof")
    c1, wall = _cpu(), time.perf_counter() - t0
    time.sleep(1.0)  # the title child's pool is shut down without waiting: let it be reaped
    c2 = _cpu()
    text = reranker.model.booster.model_to_string() if reranker is not None else ""
    res = {
        "code": os.environ.get("PYTHONPATH") or "installed",
        "self_cpu_s": round(c1[0] - c0[0], 2),
        "title_child_cpu_s": round(c2[1] - c0[1], 2),
        "wall_s": round(wall, 2),
        "load_1min": [load0, os.getloadavg()[0]],
        **{k: facts.get(k) for k in ("heldout_ndcg10", "train_rows", "rounds", "queries")},
        "model_sha1": hashlib.sha1(text.encode()).hexdigest() if text else None,
    }
    print(json.dumps(res))
    Path(args.out + ".json").write_text(json.dumps(res), encoding="utf-8")


if __name__ == "__main__":
    main()
