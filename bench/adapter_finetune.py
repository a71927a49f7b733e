"""Fine-tuned MiniLM beside the query adapter and the frozen encoders, peers in one run
(issue 12 item 1, second half).

Same query split as ``bench/adapter_quality.py``: fine-tuning reads the judgments of the
tuning half only (``adapt.evaluate.training_queries``: md5(query) last hex digit even, minus
queries equal to a held-out one); the held-out half is the figure to quote. The judgments
handed to ``finetune`` are a copy restricted to the training queries (checked below), so the
held-out judgments are never read by training. Methods, one ``evaluate`` run: tantivy, dense
e5, dense e5 + adapter, fusion e5 + LTR, dense MiniLM frozen, dense MiniLM fine-tuned (each
variant: ``full``, ``last2``), fusion + LTR with frozen MiniLM and with each fine-tuned one.
English only: MiniLM has no Chinese vocabulary, so ``qbqtc`` is refused.

    nice -n 5 python bench/adapter_finetune.py --dataset home-depot --queries 1000 --vectors /tmp/t10/vectors
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapter_quality import PATHS, heldout_ratios, result_head, write_result  # noqa: E402
from encoders_quality import sample, tuning_half_ndcg  # noqa: E402
from shopmind.search.adapt.evaluate import training_queries  # noqa: E402
from shopmind.search.adapt.finetune import FineTuneParams, finetune  # noqa: E402
from shopmind.search.adapt.minilm import MiniLMEncoder, load_minilm  # noqa: E402
from shopmind.search.dense import passage_text  # noqa: E402
from shopmind.search.eval_methods import OursBM25  # noqa: E402
from shopmind.search.evaluate import DenseMethod, evaluate, load_dataset, make_methods  # noqa: E402
from shopmind.search.ltr import LTREval  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE_METHODS = "tantivy,dense-e5,dense-e5+adapt,fusion-e5+ltr"


def variants(text: str, **common: float | int) -> list[FineTuneParams]:
    """``'full,last2'`` -> settings (full: all weights, lr 3e-5; lastN: last N layers, lr 1e-4)."""
    out = []
    for v in filter(None, (x.strip() for x in text.split(","))):
        if v == "full":
            out.append(FineTuneParams(layers=None, lr=3e-5, **common))  # type: ignore[arg-type]
        elif v.startswith("last") and v[4:].isdigit():
            out.append(FineTuneParams(layers=int(v[4:]), lr=1e-4, **common))  # type: ignore[arg-type]
        else:
            raise SystemExit(f"--variants: unknown variant {v!r} (full, last<N>)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--dataset", choices=sorted(set(PATHS) - {"qbqtc"}), default="home-depot")
    ap.add_argument("--queries", type=int, default=None, help="sample: first N queries (md5 order)")
    ap.add_argument("--distractors", type=int, default=500)
    ap.add_argument("--seed", type=int, default=17, help="the sample's seed (as adapter_quality)")
    ap.add_argument("--ft-seed", type=int, default=0)
    ap.add_argument(
        "--vectors", type=Path, default=ROOT / "shopmind-data" / "vectors", help="e5 vector cache"
    )
    ap.add_argument(
        "--minilm-vectors", type=Path, default=None, help="frozen MiniLM vector cache (default: memory)"
    )
    ap.add_argument("--variants", default="full,last2")
    ap.add_argument("--minutes", type=float, default=8.0, help="time box per fine-tuning variant")
    ap.add_argument(
        "--threads", type=int, default=2, help="torch threads (1 on a saturated box: no OpenMP spin)"
    )
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--patience", type=int, default=2, help="validations without a gain before stopping")
    ap.add_argument("--eval-every", type=int, default=25, help="training steps between validations")
    ap.add_argument(
        "--val-distractors", type=int, default=1000, help="random products in the validation corpus"
    )
    ap.add_argument(
        "--unguarded",
        action="store_true",
        help="also dense-minilm-ft-<variant>-unguarded: the validation-best checkpoint even when the guard refused it",
    )
    ap.add_argument("--unguarded-ltr", action="store_true", help="with --unguarded: fusion + LTR over it too")
    ap.add_argument("--base-methods", default=BASE_METHODS)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    data = load_dataset(args.dataset, args.data / PATHS[args.dataset])
    if args.queries:
        data = sample(data, args.queries, args.distractors, args.seed)
    train, held = training_queries(list(data.qrels))
    train_qrels = {q: dict(data.qrels[q]) for q in train}
    assert not set(train_qrels) & set(held), "a held-out query in the training judgments"
    texts = {
        pid: passage_text(t, d)
        for pid, t, d in data.products.select("product_id", "title", "description").iter_rows()
    }
    bm25 = OursBM25()
    bm25.fit(data.products)
    assert bm25.index is not None
    index = bm25.index

    frozen = MiniLMEncoder(load_minilm(threads=args.threads))
    fits = {}
    for params in variants(
        args.variants,
        minutes=args.minutes,
        seed=args.ft_seed,
        eval_every=args.eval_every,
        val_distractors=args.val_distractors,
        threads=args.threads,
        batch=args.batch,
        patience=args.patience,
    ):
        t0 = time.perf_counter()
        res = finetune(
            train_qrels, texts, data.threshold, data.min_grade, params, lambda q, k: index.search(q, k).ids,
            model=frozen.model,
        )  # fmt: skip
        fits[params.label] = res
        r = res.report
        print(
            f"fine-tune {params.label}: {r['kept']}; val {r['val_ndcg@10_frozen']} -> {r['val_ndcg@10_best']}, "
            f"{r['pairs']} pairs, {r['steps']} steps, {round(time.perf_counter() - t0)} s ({r['stopped']})",
            flush=True,
        )

    methods = make_methods([m for m in args.base_methods.split(",") if m], args.vectors)
    methods.append(DenseMethod(frozen, args.minilm_vectors, name="dense-minilm"))
    for label, res in fits.items():
        methods.append(DenseMethod(res.encoder, args.minilm_vectors, name=f"dense-minilm-ft-{label}"))
        if args.unguarded and res.unguarded is not None:
            methods.append(
                DenseMethod(res.unguarded, args.minilm_vectors, name=f"dense-minilm-ft-{label}-unguarded")
            )
    ltr = LTREval("fusion", args.minilm_vectors, frozen)
    ltr.name = "fusion-minilm+ltr"
    methods.append(ltr)
    for label, res in fits.items():
        m = LTREval("fusion", args.minilm_vectors, res.encoder)
        m.name = f"fusion-minilm-ft-{label}+ltr"
        methods.append(m)
        if args.unguarded and args.unguarded_ltr and res.unguarded is not None:
            m = LTREval("fusion", args.minilm_vectors, res.unguarded)
            m.name = f"fusion-minilm-ft-{label}-unguarded+ltr"
            methods.append(m)
    t0 = time.perf_counter()
    out = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in out["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        h = r["heldout"]
        rows[name] = {
            "heldout": h["ndcg@10"],
            "tuning_half": tuning_half_ndcg(r),
            "all": r["ndcg@10"],
            "heldout_recall@100": h["recall@100"],
            "heldout_queries": h["ndcg@10_queries"],
            "fit_seconds": m.get("fit_seconds"),
        }
        print(
            f"{name:28s} held-out {h['ndcg@10']:.4f}  tuning {rows[name]['tuning_half']:.4f}  ({h['ndcg@10_queries']} q)"
        )
    rat = ratios(rows, list(fits))
    for k, v in rat.items():
        print(f"{k}: {v}")
    summary = {
        **result_head("adapter_finetune", args.dataset, argv, data),
        "training_queries": len(train),
        "heldout_queries": len(held),
        "finetune": {k: v.report for k, v in fits.items()},
        "evaluate_seconds": round(time.perf_counter() - t0, 1),
        "ndcg@10": rows,
        "ratios_heldout": rat,
        "report": out,
    }
    write_result(summary, args.out, "adapter_finetune", args.dataset, args.queries)
    return 0


def ratios(rows: dict[str, dict[str, float]], labels: list[str]) -> dict[str, float]:
    """The issue's ratios on the held-out half."""
    pairs = [
        ("dense-e5+adapt", "dense-e5", "adapted_e5_dense / frozen_e5_dense (goal >= 1.15)"),
        ("dense-minilm", "dense-e5", "frozen_minilm_dense / frozen_e5_dense"),
        ("fusion-e5+ltr", "tantivy", "fusion_e5_ltr / tantivy"),
        ("fusion-minilm+ltr", "tantivy", "fusion_minilm_ltr / tantivy"),
    ]
    for v in labels:
        pairs += [
            (f"dense-minilm-ft-{v}", "dense-e5", f"ft_{v}_dense / frozen_e5_dense (goal >= 1.15)"),
            (f"dense-minilm-ft-{v}", "dense-minilm", f"ft_{v}_dense / frozen_minilm_dense"),
            (f"fusion-minilm-ft-{v}+ltr", "tantivy", f"fusion_ft_{v}_ltr / tantivy (goal >= 1.35)"),
            (
                f"dense-minilm-ft-{v}-unguarded",
                "dense-minilm",
                f"ft_{v}_unguarded_dense / frozen_minilm_dense",
            ),
            (f"dense-minilm-ft-{v}-unguarded", "dense-e5", f"ft_{v}_unguarded_dense / frozen_e5_dense"),
            (f"fusion-minilm-ft-{v}-unguarded+ltr", "tantivy", f"fusion_ft_{v}_unguarded_ltr / tantivy"),
        ]
    return heldout_ratios(rows, pairs)


if __name__ == "__main__":
    raise SystemExit(main())
