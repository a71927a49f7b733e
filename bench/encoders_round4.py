"""Static-fit vs e5, round 4 (issue 17 item 2): a tighter quality verdict on a larger sample.

Round 3's 500-query sample could not tell a 0.005 NDCG@10 gap from noise (paired s.e. ~0.007 on
its 250-query held-out half). This bench runs the same method (``bench/encoders_quality.py``'s
sample: the first ``--queries`` judged queries in md5 order, their judged products plus random
others; the evaluation's fusion + LTR, alpha and model trained per encoder out of fold) on more
queries, with **every setting fixed before the run** from round 3's tuning half (nothing is chosen
here): static-fit with its defaults, and the query map at ridge ``--query-ridge`` (round 3 chose 1
on Home Depot, 0.3 on QBQTC) fitted on this sample's tuning-half (query, judged product) pairs
only. Reports NDCG@10 on all / tuning / held-out queries and the per-query paired difference to
e5 (mean ± s.e., wins / losses / ties) on each half, also for queries with and without digits.

    python bench/encoders_round4.py --vectors V --queries 2000 --distractors 2000
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import sample_args, tuning_half_ndcg, write_summary  # noqa: E402
from encoders_round3 import paired, pairs_of, per_query, sample_corpus, summary_head  # noqa: E402
from shopmind.search.dense_static_fit import FittedStaticEncoder  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.eval_dense import DenseMethod  # noqa: E402
from shopmind.search.evaluate import evaluate, make_methods  # noqa: E402
from shopmind.search.ltr.evaluate import LTREval  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def variant_options(spec: str, query_ridge: float, pairs: list) -> dict[str, dict]:
    """FittedStaticEncoder options per variant tag (``--variants``, comma-separated): a tag is
    ``plain`` or dash-joined parts ``units`` (numbers split from their units), ``qmap`` (the query
    map at the fixed ridge), ``fitN`` (N fit titles instead of the default), e.g. ``units-fit500``."""
    out: dict[str, dict] = {}
    for tag in [v for v in spec.split(",") if v]:
        kw: dict = {}
        for part in tag.split("-"):
            if part == "units":
                kw["number_units"] = True
            elif part == "qmap":
                kw |= {"query_pairs": pairs, "query_ridge": query_ridge}
            elif part.startswith("fit") and part[3:].isdigit():
                kw["max_titles"] = int(part[3:])
            elif part != "plain":
                raise SystemExit(f"--variants: unknown part {part!r} in {tag!r} (plain, units, qmap, fitN)")
        out[tag] = kw
    return out


def ndcg_rows(report: dict) -> dict[str, dict[str, float]]:
    """NDCG@10 on all / tuning / held-out queries and Recall@100 per method (printed too)."""
    rows: dict[str, dict[str, float]] = {}
    for name, m in report["methods"].items():
        r = m["views"]["retrieval"]
        rows[name] = {"all": r["ndcg@10"], "tuning_half": tuning_half_ndcg(r), "heldout": r["heldout"]["ndcg@10"], "recall@100": r["recall@100"]}  # fmt: skip
        print(f"{name:36s} " + "  ".join(f"{k} {v:.4f}" for k, v in rows[name].items()), flush=True)
    return rows


def paired_vs_e5(methods: list, data) -> dict[str, object]:  # noqa: ANN001
    """Per LTR method: the paired per-query NDCG@10 difference to ``fusion-e5+ltr`` (mean, s.e.,
    wins / losses / ties) on the held-out and tuning halves, and held out with / without digits."""
    tune_q = [q for q in data.qrels if tuning_half(q)]
    held_q = [q for q in data.qrels if not tuning_half(q)]
    e5 = per_query(next(m for m in methods if m.name == "fusion-e5+ltr"), list(data.qrels), data)
    digits = {q for q in data.qrels if any(c.isdigit() for c in q)}
    diffs: dict[str, object] = {}
    for m in methods:
        if not isinstance(m, LTREval) or m.name == "fusion-e5+ltr":
            continue
        mine = per_query(m, list(data.qrels), data)
        diffs[m.name] = {
            "heldout": paired(mine, e5, held_q),
            "tuning": paired(mine, e5, tune_q),
            "heldout_digits": paired(mine, e5, [q for q in held_q if q in digits]),
            "heldout_no_digits": paired(mine, e5, [q for q in held_q if q not in digits]),
        }
        print(m.name, diffs[m.name], flush=True)
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--query-ridge", type=float, default=1.0, help="fixed beforehand (round 3's tuning half)")
    ap.add_argument("--variants", default="plain,qmap")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_round4.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data, ids, texts = sample_corpus(args)
    text_of = dict(zip(ids, texts, strict=True))
    tune_q = [q for q in data.qrels if tuning_half(q)]
    held_q = [q for q in data.qrels if not tuning_half(q)]
    pairs = [(q, text_of[pid], g) for q, pid, g in pairs_of(tune_q, data, text_of)]
    print(
        f"{data.products.height} products, {len(data.qrels)} queries ({len(held_q)} held out), {len(pairs)} pairs"
    )
    methods = make_methods(["tantivy", "fusion-e5+ltr", "dense-e5"], args.vectors)
    for tag, kw in variant_options(args.variants, args.query_ridge, pairs).items():
        m = LTREval("fusion", args.vectors, FittedStaticEncoder(**kw))
        m.name = f"fusion-static-fit-{tag}+ltr"
        methods += [m, DenseMethod(FittedStaticEncoder(**kw), args.vectors, name=f"dense-static-fit-{tag}")]
    report = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = ndcg_rows(report)
    diffs = paired_vs_e5(methods, data)
    summary = summary_head("encoders_round4", argv, args, data, t0) | {
        "heldout_queries": len(held_q),
        "query_pairs_tuning_half": len(pairs),
        "ndcg@10": rows,
        "paired_vs_e5_fusion_ltr": diffs,
        "alpha_per_fold": {
            m.name: m.tuning["chosen"]["alpha_per_fold"] for m in methods if isinstance(m, LTREval)
        },
    }
    write_summary(args.out, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
