"""Static-fit vs e5, round 5 (issue 17 item 2): e5 on the query side; rare words from pieces.

Same sample and protocol as ``bench/encoders_round4.py`` (fusion + LTR with alpha and the
LightGBM model trained per encoder out of fold; paired per-query difference to e5 on each half),
**every setting fixed before the run** (nothing is chosen here). Variant tags (``--variants``,
comma-separated; parts joined by ``-``):

- ``plain``: static-fit at its defaults (round 4's reference);
- ``qe5``: products static-fit, queries e5's own query vector (``query: ``), scored directly;
- ``both``: as ``qe5``, plus the static-fit query's cosine (and its gap to the best candidate)
  as two more LTR features (``static_cos``, ``static_rel``); the first stage fuses e5-query cosines;
- ``rp``: words that occur in only one product text of the **full** catalog (what a first build
  of that catalog would compose) take the mean of their sentencepiece pieces' e5 vectors.

Also reports, per LTR method and fold, the LightGBM gain of the dense features (why dense alone
can win while fusion + LTR loses).

    python bench/encoders_round5.py --vectors V --queries 2000 --distractors 2000
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shopmind.search.ltr.evaluate as ltr_evaluate  # noqa: E402
from encoders_quality import sample_args, write_summary  # noqa: E402
from encoders_round3 import sample_corpus, summary_head  # noqa: E402
from encoders_round4 import ndcg_rows, paired_vs_e5  # noqa: E402
from shopmind.search.dense import passage_text  # noqa: E402
from shopmind.search.dense_static import StaticEncoder  # noqa: E402
from shopmind.search.dense_static_fit import FittedStaticEncoder  # noqa: E402
from shopmind.search.dense_static_pieces import hapax_words  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.eval_dense import DenseMethod  # noqa: E402
from shopmind.search.evaluate import evaluate, load_dataset, make_methods  # noqa: E402
from shopmind.search.ltr.evaluate import LTREval  # noqa: E402
from shopmind.search.ltr.features import FEATURES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXTRA = ("static_cos", "static_rel")
DENSE_FEATURES = ("dense_cos", "dense_rel", "dense_rank", "fusion", "fusion_rank", *EXTRA)


class _TwoCosines:
    """The evaluation's feature extractor plus the static-fit query's cosine columns (``EXTRA``)."""

    def __init__(self, inner, owner: TwoCosineLTR) -> None:  # noqa: ANN001
        self._inner, self._owner = inner, owner

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._inner, name)

    def features(self, q, cands, qvec, u, alpha=0.0):  # noqa: ANN001, ANN201
        X = self._inner.features(q, cands, qvec, u, alpha=alpha)
        di = self._owner.dense.index
        cos = np.full(len(cands), np.nan)
        rows = [di.pos.get(c) for c in cands]
        ok = np.array([r is not None for r in rows], dtype=bool)
        if ok.any():
            cos[ok] = di.vectors[[r for r in rows if r is not None]] @ self._owner.static_q[q]
        rel = cos - np.nanmax(cos) if ok.any() else cos
        return np.hstack([X, cos[:, None], rel[:, None]])


class TwoCosineLTR(LTREval):
    """``LTREval`` whose LightGBM model also sees the static-fit query's cosines."""

    def fit(self, products) -> None:  # noqa: ANN001
        super().fit(products)
        self.extractor = _TwoCosines(self.extractor, self)  # type: ignore[assignment]

    def prepare_queries(self, queries) -> None:  # noqa: ANN001
        super().prepare_queries(queries)
        enc = self.dense.encoder
        self.static_q = dict(zip(queries, enc.static_queries(list(queries)), strict=True))

    def tune(self, data, queries):  # noqa: ANN001, ANN201
        # the evaluation builds LTRModel(num_rounds=...) over FEATURES: give it the two extra names
        orig = ltr_evaluate.LTRModel
        ltr_evaluate.LTRModel = lambda num_rounds: orig(
            num_rounds=num_rounds, feature_names=(*FEATURES, *EXTRA)
        )
        try:
            return super().tune(data, queries)
        finally:
            ltr_evaluate.LTRModel = orig


def catalog_hapax(args) -> set[str]:  # noqa: ANN001
    """Single-occurrence words of the full catalog's distinct product texts (static split)."""
    fmt, folder = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}[
        args.dataset
    ]
    products = load_dataset(fmt, args.data / folder).products
    texts = dict.fromkeys(passage_text(t, d) for t, d in products.select("title", "description").iter_rows())
    split = StaticEncoder()
    return hapax_words(split.tokens(t) for t in texts if t)


def variant_options(spec: str, rare: set[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for tag in [v for v in spec.split(",") if v]:
        kw: dict = {}
        for part in tag.split("-"):
            if part in ("qe5", "both"):
                kw["query_encoder"] = "e5"
            elif part == "rp":
                kw |= {"rare_pieces": True, "rare_words": rare}
            elif part != "plain":
                raise SystemExit(f"--variants: unknown part {part!r} in {tag!r} (plain, qe5, both, rp)")
        out[tag] = kw
    return out


def dense_gain(m: LTREval) -> list[dict[str, object]]:
    """Per retrieval fold: the share of the model's total gain on each dense feature."""
    out = []
    for f in range(m.k_folds):
        model = m.models.get(("retrieval", f))
        if model is None or model.booster is None:
            continue
        gains = model.booster.feature_importance(importance_type="gain")
        names = list(model.feature_names)
        total = float(gains.sum()) or 1.0
        share = {n: round(float(gains[names.index(n)]) / total, 4) for n in DENSE_FEATURES if n in names}
        top = [names[i] for i in np.argsort(-gains, kind="stable")[:5]]
        out.append({"fold": f, "share": share, "dense_total": round(sum(share.values()), 4), "top5": top})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--variants", default="plain,qe5,both,rp,rp-qe5,rp-both")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_round5.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data, _ids, _texts = sample_corpus(args)
    rare = catalog_hapax(args)
    held_q = [q for q in data.qrels if not tuning_half(q)]
    print(
        f"{data.products.height} products, {len(data.qrels)} queries ({len(held_q)} held out), {len(rare)} rare words"
    )
    methods = make_methods(["tantivy", "fusion-e5+ltr", "dense-e5"], args.vectors)
    for tag, kw in variant_options(args.variants, rare).items():
        cls = TwoCosineLTR if "both" in tag.split("-") else LTREval
        m = cls("fusion", args.vectors, FittedStaticEncoder(**kw))
        m.name = f"fusion-static-fit-{tag}+ltr"
        methods.append(m)
        if "both" not in tag.split("-"):  # the same dense ranking as qe5
            methods.append(
                DenseMethod(FittedStaticEncoder(**kw), args.vectors, name=f"dense-static-fit-{tag}")
            )
    report = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = ndcg_rows(report)
    diffs = paired_vs_e5(methods, data)
    gains = {m.name: dense_gain(m) for m in methods if isinstance(m, LTREval)}
    summary = summary_head("encoders_round5", argv, args, data, t0) | {
        "heldout_queries": len(held_q),
        "rare_words_full_catalog": len(rare),
        "ndcg@10": rows,
        "paired_vs_e5_fusion_ltr": diffs,
        "dense_feature_gain_share_per_fold": gains,
        "alpha_per_fold": {
            m.name: m.tuning["chosen"]["alpha_per_fold"] for m in methods if isinstance(m, LTREval)
        },
        "fit_info": {m.name: getattr(m, "fit_info", {}) for m in methods if isinstance(m, LTREval)},
    }
    write_summary(args.out, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
