"""``shopmind tune search``: BM25F parameters chosen on the tuning half of the judged queries.

What is searched is what ``[search.bm25]`` configures in the served engine: ``k1`` and, per
field, a weight and a length normalisation ``b`` (``lexical.BM25Params``; the defaults are
textbook values never fitted to a judgment). One index is built; each trial only swaps the
parameters (``LexicalIndex.set_params``) and ranks the whole corpus for every tuning query.
The value is retrieval NDCG@10, the figure ``shopmind evaluate search`` reports.

Validation only: the tuner reads the judgments of queries in the evaluator's tuning half
(``evaluate.tuning_half``: md5(query) last hex digit even) and nothing of the held-out half,
which stays the test figure (``tests/test_tune_search.py`` asserts on the judgments read).
Dense fusion weights and LTR settings need text vectors for the corpus (minutes to hours of
encoding on 2 cores) and are not searched here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shopmind.search.evaluate import NDCG_K, RECALL_K, EvalData, select_queries, tuning_half
from shopmind.search.lexical import FIELDS, BM25Params, LexicalIndex
from shopmind.search.metrics import mean, ndcg_at_k
from shopmind.tune.study import StudyResult, TimeBox, TuneError, run_study

STEPS = 4  # query slices per trial (pruning points)


def default_params(base: BM25Params | None = None) -> dict[str, Any]:
    """``base`` (default: ``BM25Params()``) in the study's flat parameter names."""
    p = base or BM25Params()
    out: dict[str, Any] = {"k1": float(p.k1)}
    for f in FIELDS:
        out[f"w.{f}"] = float(p.weights.get(f, 0.0))
        out[f"b.{f}"] = float(p.b.get(f, 0.75))
    return out


def suggest(trial: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"k1": trial.suggest_float("k1", 0.2, 3.0)}
    for f in FIELDS:
        p[f"w.{f}"] = trial.suggest_float(f"w.{f}", 0.1 if f == "title" else 0.0, 4.0)
        p[f"b.{f}"] = trial.suggest_float(f"b.{f}", 0.0, 1.0)
    return p


def params_of(p: Mapping[str, Any]) -> BM25Params:
    return BM25Params(
        k1=float(p["k1"]),
        weights={f: round(float(p[f"w.{f}"]), 4) for f in FIELDS},
        b={f: round(float(p[f"b.{f}"]), 4) for f in FIELDS},
    )


def search_settings(p: Mapping[str, Any]) -> dict[str, Any]:
    """Flat study parameters as the ``[search]`` keys of the shop TOML (``bm25`` table)."""
    bm = params_of(p)
    return {"bm25": {"k1": round(bm.k1, 4), "weights": dict(bm.weights), "b": dict(bm.b)}}


def tuning_queries(data: EvalData, limit: int | None = None) -> list[str]:
    """The tuning half's queries (md5 order; the first ``limit``). Reads query texts only."""
    return select_queries([q for q in data.qrels if tuning_half(q)], limit)


def tune(
    data: EvalData,
    budget: TimeBox,
    seed: int = 0,
    max_trials: int | None = None,
    limit_queries: int | None = None,
    log: Callable[[str], None] = print,
) -> tuple[StudyResult, dict[str, Any]]:
    """The study over the tuning half; returns it and what was read."""
    queries = tuning_queries(data, limit_queries)
    if len(queries) < STEPS:
        raise TuneError(f"{data.name}: {len(queries)} tuning queries; at least {STEPS} are needed")
    grades = {q: data.qrels[q] for q in queries}  # the only judgments the tuner reads
    index = LexicalIndex()
    index.upsert(data.products)
    bounds = [round(len(queries) * s / STEPS) for s in range(STEPS + 1)]

    def objective(trial: Any) -> float:
        import optuna

        p = suggest(trial)
        index.set_params(params_of(p))
        index.warm()
        vals: list[float | None] = []
        value = 0.0
        for step in range(STEPS):
            if budget.left() <= 0:
                trial.set_user_attr("pruned_because", "time box")
                raise optuna.TrialPruned("time box spent")
            for q in queries[bounds[step] : bounds[step + 1]]:
                vals.append(ndcg_at_k(index.search(q, RECALL_K).ids, grades[q], NDCG_K, data.min_grade))
            value = mean(vals)[0]
            value = 0.0 if value != value else value  # no judged query in the slice yet (NaN)
            trial.report(value, step)
            if step < STEPS - 1 and trial.should_prune():
                trial.set_user_attr("pruned_because", "median pruner")
                raise optuna.TrialPruned()
        log(f"  trial {trial.number}: tuning-half NDCG@10 {value:.4f} ({budget.elapsed():.0f}s)")
        return value

    result = run_study(objective, budget, seed, default_params(), max_trials=max_trials)
    read = {
        "queries": len(queries),
        "judgments": sum(len(g) for g in grades.values()),
        "split": "tuning half of the judged queries (md5(query) last hex digit even); the held-out half is never read",
    }
    return result, read
