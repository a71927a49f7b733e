"""A/B of the rebuild's HNSW step on Home Depot's USE vectors (seed cache): building the graph
over all rows (before) vs restoring the previous release's graph and inserting the 1 % new rows
(after: release.search_component.extended_graph). Wall and CPU seconds, recall@10 vs exact.
The 1 % new rows are mixtures of two catalog vectors (seeded), as edited titles are near their
old text.

    python bench/hd_graph_extend.py <vector cache with the catalog's vectors> out.json
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from shopmind.release.search_component import extended_graph
from shopmind.search.dense import ANNConfig, DenseIndex

seed, out = Path(sys.argv[1]), sys.argv[2]
name = next(p for p in seed.iterdir() if p.is_dir())
vecs = np.load(name / "vectors.npy").astype(np.float32)
rng = np.random.default_rng(1)
n_new = len(vecs) // 100
new = (
    vecs[rng.choice(len(vecs), n_new, replace=False)] * 0.9
    + 0.1 * vecs[rng.choice(len(vecs), n_new, replace=False)]
)
new /= np.linalg.norm(new, axis=1, keepdims=True)
allv = np.vstack([vecs, new]).astype(np.float32)
prev = Path(tempfile.mkdtemp(prefix="hd-graph-"))
old = DenseIndex([str(i) for i in range(len(vecs))], vecs, ANNConfig(threshold=50_000))
old.save_hnsw(prev / "hnsw.usearch")
np.save(prev / "vectors.npy", vecs)
(prev / "engine.json").write_text(json.dumps({"encoder": "use"}))


def cpu():
    a = resource.getrusage(resource.RUSAGE_SELF)
    return a.ru_utime + a.ru_stime


res = {"rows": len(allv), "new_rows": n_new, "load_before": os.getloadavg()}
for label in ("built", "extended", "built", "extended"):
    c0, t0 = cpu(), time.perf_counter()
    idx = (
        DenseIndex([str(i) for i in range(len(allv))], allv, ANNConfig(threshold=50_000))
        if label == "built"
        else extended_graph(50_000, allv, "use", prev)
    )
    res.setdefault(label, []).append(
        {"wall_s": round(time.perf_counter() - t0, 3), "cpu_s": round(cpu() - c0, 3)}
    )
    qs = allv[rng.choice(len(allv), 200, replace=False)]
    rec = []
    for q in qs:
        got, _ = idx.search_rows(q, 10)
        want = np.argpartition(-(allv @ q), 10)[:10]
        rec.append(len(set(got.tolist()) & set(want.tolist())) / 10)
    res[label][-1]["recall10"] = round(float(np.mean(rec)), 4)
res["load_after"] = os.getloadavg()
print(json.dumps(res))
Path(out).write_text(json.dumps(res, indent=1))
