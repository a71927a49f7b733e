"""``shopmind tune recs``: the shop's recommendation settings chosen on the validation phase.

What is searched is what ``[recs]`` configures for the served engine (``RecsConfig``): the
ALS factors / regularisation / iterations / confidence, co-visitation window, lag decay,
backward weight and neighbours, the recent-items list (``recent``, ``recency_decay``), the
trending half-life, every source's fusion weight and the reciprocal-rank constant. Each
trial fits the generators on the validation phase's training events and fuses their top-100
lists exactly as ``shopmind evaluate recs`` does (``fusion.fuse_lists``); the value is the
protocol's selection metric (Recall@20 on a time split, NDCG@10 on leave-one-out).

Only ``split.valid`` is handed to the tuner: the test phase's rows are never read while
tuning (``tests/test_tune_recs.py`` asserts it on the rows). Content neighbours (``weights.
content``) need text vectors and are left as configured. Pruning: the validation users are
scored in ``STEPS`` seeded random slices; after each slice the running value is reported
and the median pruner stops trials that trail the others at the same step.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.data.model import ROW
from shopmind.recommend.base import Generator
from shopmind.recommend.config import RecsConfig
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.evaluate import DEPTH, KS, PhaseData, prepare, ranked_lists
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics
from shopmind.recommend.protocols import DEFAULT_PROTOCOL, Phase, Split, make_split
from shopmind.tune.sparse_lists import covisit_fusable
from shopmind.tune.study import StudyResult, TimeBox, run_study

STEPS = 4  # validation-user slices per trial (pruning points)
FIT_CACHE = 8  # fitted generators kept across trials (TPE re-proposes settings it liked)

SOURCES = ("als", "covisit", "popularity", "trending", "category-popularity")
FACTORS = (16, 32, 64, 128)
NEIGHBOURS = (50, 100, 200)


@dataclass
class RecsData:
    """What ``load`` read: the protocol split and the item categories (None without any)."""

    split: Split
    categories: pl.DataFrame | None
    real_time: bool
    accepted_events: int
    #: the accepted events the split was made from (kept for reports and tests; the tuner
    #: itself is handed ``split.valid`` only)
    events: pl.DataFrame


def load(fmt: str, path: Path, protocol: str | None = None, mapping: Path | None = None) -> RecsData:
    """Dataset -> quality gate -> the protocol split ``shopmind evaluate recs`` uses (``mapping``:
    the column mapping TOML of ``--format table``)."""
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.data.categories import top_categories
    from shopmind.quality.gate import run_gate

    batch = get_adapter(fmt).load(path, **({} if mapping is None else {"mapping": mapping}))
    gate = run_gate(batch, GateConfig(), None)
    events = gate.tables["events"].accepted
    cats = top_categories(gate.tables["products"].accepted if "products" in gate.tables else None)
    categories = cats if cats is not None and cats.height else None
    split = make_split(protocol or DEFAULT_PROTOCOL.get(fmt, "loo"), events, fmt)
    real_time = not bool(batch.meta.get("synthetic_timestamps"))
    return RecsData(split, categories, real_time, events.height, events)


def sources(real_time: bool, has_categories: bool) -> list[str]:
    """The sources a shop of this kind can use (trending needs real times, category
    popularity needs categories)."""
    return [
        s
        for s in SOURCES
        if (s != "trending" or real_time) and (s != "category-popularity" or has_categories)
    ]


def default_params(names: list[str], base: RecsConfig | None = None) -> dict[str, Any]:
    """``base`` (default: ``RecsConfig()``) in the study's flat parameter names."""
    cfg = base or RecsConfig()
    als = {
        "factors": 64,
        "regularization": 0.05,
        "iterations": 15,
        "alpha": 1.0,
        **cfg.generators.get("als", {}),
    }
    cv = {
        "window": 5,
        "lag_decay": 0.8,
        "backward_weight": 0.5,
        "neighbours": 100,
        **cfg.generators.get("covisit", {}),
    }
    out: dict[str, Any] = {
        "als.factors": int(als["factors"]) if int(als["factors"]) in FACTORS else 64,
        "als.regularization": float(als["regularization"]),
        "als.iterations": int(als["iterations"]),
        "als.alpha": float(als["alpha"]),
        "covisit.window": int(cv["window"]),
        "covisit.lag_decay": float(cv["lag_decay"]),
        "covisit.backward_weight": float(cv["backward_weight"]),
        "covisit.neighbours": int(cv["neighbours"]) if int(cv["neighbours"]) in NEIGHBOURS else 100,
        "recent": int(cfg.recent),
        "recency_decay": float(cfg.recency_decay),
        "rrf_c": float(cfg.rrf_c),
    }
    if "trending" in names:
        out["trending.half_life_days"] = float(cfg.generators.get("trending", {}).get("half_life_days", 7.0))
    for name in names:
        out[f"w.{name}"] = float(cfg.weights.get(name, 0.0))
    return out


def suggest(trial: Any, names: list[str]) -> dict[str, Any]:
    """One point of the search space (ranges wide enough to hold every default)."""
    p: dict[str, Any] = {
        "als.factors": trial.suggest_categorical("als.factors", FACTORS),
        "als.regularization": trial.suggest_float("als.regularization", 0.005, 10.0, log=True),
        "als.iterations": trial.suggest_int("als.iterations", 5, 30),
        "als.alpha": trial.suggest_float("als.alpha", 0.1, 20.0, log=True),
        "covisit.window": trial.suggest_int("covisit.window", 1, 10),
        "covisit.lag_decay": trial.suggest_float("covisit.lag_decay", 0.3, 1.0),
        "covisit.backward_weight": trial.suggest_float("covisit.backward_weight", 0.0, 1.0),
        "covisit.neighbours": trial.suggest_categorical("covisit.neighbours", NEIGHBOURS),
        "recent": trial.suggest_int("recent", 1, 30),
        "recency_decay": trial.suggest_float("recency_decay", 0.3, 1.0),
        "rrf_c": trial.suggest_float("rrf_c", 1.0, 100.0, log=True),
    }
    if "trending" in names:
        p["trending.half_life_days"] = trial.suggest_float("trending.half_life_days", 1.0, 90.0, log=True)
    for name in names:
        p[f"w.{name}"] = trial.suggest_float(f"w.{name}", 0.0, 4.0)
    return p


def generator_params(p: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Constructor arguments of source ``name`` from flat study parameters."""
    if name == "als":
        return {k: p[f"als.{k}"] for k in ("factors", "regularization", "iterations", "alpha")}
    if name == "covisit":
        return {
            **{k: p[f"covisit.{k}"] for k in ("window", "lag_decay", "backward_weight", "neighbours")},
            "recent": p["recent"],
            "recency_decay": p["recency_decay"],
        }
    if name == "trending":
        return {"half_life_days": p["trending.half_life_days"]}
    return {}


def recs_settings(p: Mapping[str, Any], names: list[str], base: RecsConfig | None = None) -> dict[str, Any]:
    """Flat study parameters as ``[recs]`` keys of the shop TOML (``RecsConfig`` fields).

    Sources the study did not touch (content neighbours, a generator this data cannot feed)
    keep ``base``'s settings and weights: the TOML's ``generators`` and ``weights`` tables
    replace the engine's whole dicts, so leaving them out would switch them off."""
    cfg = base or RecsConfig()
    gens: dict[str, dict[str, Any]] = {k: dict(v) for k, v in cfg.generators.items() if k not in names}
    for name in names:
        params = generator_params(p, name)
        if name == "covisit":  # recent/recency_decay are RecsConfig-level in the served engine
            params = {k: v for k, v in params.items() if k not in ("recent", "recency_decay")}
        gens[name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in params.items()}
    weights = {k: v for k, v in cfg.weights.items() if k not in names}
    weights.update({name: round(float(p[f"w.{name}"]), 4) for name in names})
    return {
        "generators": gens,
        "weights": weights,
        "rrf_c": round(float(p["rrf_c"]), 4),
        "recent": int(p["recent"]),
        "recency_decay": round(float(p["recency_decay"]), 4),
    }


def make_generator(name: str, params: Mapping[str, Any]) -> Generator:
    from shopmind.recommend.service import MAKERS

    return MAKERS[name](**params)


def _shuffled(pd_: PhaseData, seed: int) -> PhaseData:
    """The phase's evaluated users in a seeded random order (slices are random samples)."""
    order = np.random.default_rng(seed).permutation(len(pd_.rows))
    mask = pd_.mask[order] if pd_.mask is not None else None
    return PhaseData(pd_.data, pd_.rows[order], pd_.truth[order], mask)


def _slice(pd_: PhaseData, lo: int, hi: int) -> PhaseData:
    mask = pd_.mask[lo:hi] if pd_.mask is not None else None
    return PhaseData(pd_.data, pd_.rows[lo:hi], pd_.truth[lo:hi], mask)


class Evaluator:
    """Fits sources with given settings on one phase and scores a fused list (cached fits).

    ``sparse_covisit``: co-visitation's lists from its sparse scores (``sparse_lists``: ~the
    same lists at a fraction of the cost; the study's setting), else ``ranked_lists``."""

    def __init__(self, pd_: PhaseData, names: list[str], metric: str, sparse_covisit: bool = True) -> None:
        self.pd = pd_
        self.sparse_covisit = sparse_covisit
        self.names = names
        self.metric = metric
        self._fits: OrderedDict[tuple[str, tuple[Any, ...]], tuple[Generator, dict[int, np.ndarray]]] = (
            OrderedDict()
        )
        bounds = np.linspace(0, len(pd_.rows), STEPS + 1).astype(int)
        self.slices = list(zip(bounds[:-1], bounds[1:], strict=True))

    def _fitted(self, name: str, params: Mapping[str, Any]) -> tuple[Generator, dict[int, np.ndarray]]:
        key = (name, tuple(sorted(params.items())))
        got = self._fits.get(key)
        if got is None:
            got = (make_generator(name, params).fit(self.pd.data), {})
            self._fits[key] = got
            while len(self._fits) > FIT_CACHE:
                self._fits.popitem(last=False)
        self._fits.move_to_end(key)
        return got

    def lists(self, p: Mapping[str, Any], step: int) -> dict[str, np.ndarray]:
        """Each weighted source's fusable top-``DEPTH`` lists for the users of slice ``step``."""
        lo, hi = self.slices[step]
        out = {}
        for name in self.names:
            if p[f"w.{name}"] <= 0:
                continue
            gen, per_step = self._fitted(name, generator_params(p, name))
            if step not in per_step:
                part = _slice(self.pd, lo, hi)
                per_step[step] = (
                    covisit_fusable(gen, part, DEPTH)  # same lists but for ties at the cut (tested)
                    if self.sparse_covisit and isinstance(gen, CoVisitation)
                    else ranked_lists(gen, part, DEPTH)[1]
                )
            out[name] = per_step[step]
        return out

    def fused(self, p: Mapping[str, Any], step: int) -> np.ndarray:
        lists = self.lists(p, step)
        weights = {n: float(p[f"w.{n}"]) for n in lists}
        return fuse_lists(lists, weights, float(p["rrf_c"]), self.pd.data.n_items, max(KS))

    def value(self, tops: list[np.ndarray]) -> float:
        n = sum(len(t) for t in tops)
        truth: sp.csr_matrix = self.pd.truth[:n]
        return float(all_metrics(np.vstack(tops), truth, KS)[self.metric])

    def full(self, p: Mapping[str, Any]) -> dict[str, float]:
        """Every metric over all the phase's users (used for the tuned-vs-defaults report)."""
        tops = [self.fused(p, s) for s in range(STEPS)]
        return all_metrics(np.vstack(tops), self.pd.truth, KS)


def data_read(phase: Phase) -> dict[str, Any]:
    """Which rows the tuner read: counts, time span and the gate's row ids (as a range)."""
    out: dict[str, Any] = {"phase": phase.name}
    for part, frame in (("fit", phase.fit), ("truth", phase.truth)):
        out[f"{part}_rows"] = frame.height
        if "timestamp" in frame.columns and frame.height:
            out[f"{part}_time"] = [str(frame["timestamp"].min()), str(frame["timestamp"].max())]
        if ROW in frame.columns and frame.height:
            out[f"{part}_row_ids"] = [int(frame[ROW].min()), int(frame[ROW].max())]
    return out


def tune_phase(
    valid: Phase,
    items: list[str],
    categories: pl.DataFrame | None,
    real_time: bool,
    metric: str,
    budget: TimeBox,
    seed: int = 0,
    max_trials: int | None = None,
    base: RecsConfig | None = None,
    log: Callable[[str], None] = print,
) -> tuple[StudyResult, list[str]]:
    """The study on one (validation) phase; never given the test phase."""
    pd_ = _shuffled(prepare(valid, items, categories), seed)
    names = sources(real_time, pd_.data.item_category is not None)
    ev = Evaluator(pd_, names, metric)

    def objective(trial: Any) -> float:
        import optuna

        p = suggest(trial, names)
        if not any(p[f"w.{n}"] > 0 for n in names):
            return 0.0  # nothing fused: an empty list recommends nothing
        tops: list[np.ndarray] = []
        value = 0.0
        for step in range(STEPS):
            if budget.left() <= 0:
                trial.set_user_attr("pruned_because", "time box")
                raise optuna.TrialPruned("time box spent")
            tops.append(ev.fused(p, step))
            value = ev.value(tops)
            trial.report(value, step)
            if step < STEPS - 1 and trial.should_prune():
                trial.set_user_attr("pruned_because", "median pruner")
                raise optuna.TrialPruned()
        log(f"  trial {trial.number}: valid {metric} {value:.4f} ({budget.elapsed():.0f}s)")
        return value

    result = run_study(objective, budget, seed, default_params(names, base), max_trials=max_trials)
    return result, names


def evaluate_settings(
    phase: Phase,
    items: list[str],
    categories: pl.DataFrame | None,
    names: list[str],
    params: Mapping[str, Any],
) -> dict[str, float]:
    """Fit with ``params`` on ``phase`` and report every metric over all its users (used by the
    benchmark on the test phase, after tuning has finished), with ``shopmind evaluate recs``'s
    own ``ranked_lists`` for every source (the study's faster co-visitation path breaks ties
    at the 100th slot differently)."""
    pd_ = prepare(phase, items, categories)
    return Evaluator(pd_, names, "recall@20", sparse_covisit=False).full(params)


def default_and_tuned(result: StudyResult, names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(defaults, chosen) as flat parameters."""
    return default_params(names), dict(result.best_params)


__all__ = [
    "RecsData",
    "default_params",
    "evaluate_settings",
    "load",
    "recs_settings",
    "tune_phase",
]
