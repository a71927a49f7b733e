"""The build-time re-ranker training (``fit_engine_reranker``) on Home Depot, for before/after
runs side by side (issue 17): the lexical engine of a release + USE vectors from a content-hash
vector cache (exact dense search: no graph), the first N judged queries (sorted).

    PYTHONPATH=<code>/src python bench/hd_ltr_fit.py <workspace> <release>/search <vector cache> N out.json

Reports wall and CPU seconds (this process + reaped children: the USE encoder's worker
processes are not counted) and the held-out NDCG@10 with and without the model."""

import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

import polars as pl

from shopmind.search.dense import ENCODERS, VectorCache, passage_text
from shopmind.search.engine import SearchEngine
from shopmind.search.ltr.fit import fit_engine_reranker
from shopmind.store.store import Store

ws, eng_dir, seed, n, out = (
    Path(sys.argv[1]),
    Path(sys.argv[2]),
    Path(sys.argv[3]),
    int(sys.argv[4]),
    sys.argv[5],
)
with Store(ws, read_only=True) as st:
    judgments = st.table("judgments")
    events = st.table("events")
keep = sorted(set(judgments["query"].to_list()))[:n]
judgments = judgments.filter(pl.col("query").is_in(keep))
eng = SearchEngine.load(eng_dir, cache_dir=seed)
eng.config = dataclasses.replace(eng.config, encoder="use", ann_threshold=None)
enc = ENCODERS["use"]()
texts = [passage_text(t, d) for t, d in eng.catalog.frame.select("title", "description").iter_rows()]
vecs = VectorCache(seed).get_or_encode(enc.name, enc.dim, texts, enc.encode_passages, save=False)
eng.attach_vectors(vecs, enc)
eng.reranker = None
eng._qvecs.clear()


def cpu():
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


c0, t0 = cpu(), time.perf_counter()
rr, facts = fit_engine_reranker(eng, judgments, events)
res = {
    "code": os.environ.get("PYTHONPATH"),
    "queries": n,
    "wall_s": round(time.perf_counter() - t0, 2),
    "cpu_s": round(cpu() - c0, 2),
    "facts": {k: v for k, v in facts.items() if k != "top_features"},
    "load": os.getloadavg(),
}
print(json.dumps(res))
Path(out).write_text(json.dumps(res, indent=1))
