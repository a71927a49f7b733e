"""ours-ranker for next-item (leave-one-out) protocols: LightGBM lambdarank over candidates.

``ranker.LearnedRanker`` labels a 30-day window of a real-time split; a leave-one-out file has
no usable time (the S3-Rec files keep only the order) and its target is each user's *next*
item. So the training examples here are one step earlier than the phase they serve: every
user's last fit event is dropped (``drop_last``), the generators are fitted on the rest, and
the dropped item is the positive among the union of their candidates. The model trained that
way then ranks the phase's own candidates (generators fitted on all of its fit events).
Validation trains on the third-to-last items and is scored on the second-to-last; the test
phase trains on the second-to-last and is scored on the last.

Features per (user, candidate): each generator's score and rank, how many generators list it,
item popularity (all users, and among users' latest items), the user's sequence length,
co-occurrence and direct-succession counts with the user's latest items, and the overlap of
the candidate's attributes (e.g. S3-Rec's category/brand ids) with the latest item's and with
the user's whole history.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp

from shopmind.recommend.base import Generator, Interactions, top_k
from shopmind.recommend.loo_features import (  # noqa: F401 - re-exported
    LATEST,
    MISSING_RANK,
    RRF_C,
    STAT_FEATURES,
    SequenceStats,
    _attribute_features,
    _pair,
    attribute_table,
    candidate_features,
    drop_last,
    feature_names,
    listed_candidates,
    sequence_stats,
)
from shopmind.recommend.metrics import per_user
from shopmind.recommend.ranker import DEFAULT_PARAMS
from shopmind.recommend.ranker_guard import cross_fit, decide, folds, said

#: lambdarank for one relevant item per user; one thread (see ``ranker.DEFAULT_PARAMS``)
PARAMS: dict[str, Any] = {
    **DEFAULT_PARAMS,
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 20,
}


@dataclass
class PhaseCandidates:
    """Every evaluated user's candidates and features in one phase (``pos`` indexes ``rows``)."""

    rows: np.ndarray
    pos: np.ndarray
    items: np.ndarray
    X: np.ndarray
    lists: dict[str, np.ndarray]


def phase_candidates(
    data: Interactions,
    stats: SequenceStats,
    generators: Mapping[str, Generator],
    rows: np.ndarray,
    depth: int = 100,
    batch: int = 1024,
    lists: Mapping[str, np.ndarray] | None = None,
) -> PhaseCandidates:
    """``candidate_features`` over all ``rows`` in batches; each user's fit items are masked.

    ``lists``: every generator's top-``depth`` fusion input per ``rows`` entry, when the caller
    already selected them with the same generators and the same mask (``data.seen``); they are
    then used as the candidates instead of being selected again.
    """
    if lists is not None:
        shape = (len(rows), min(depth, data.n_items))  # what top_k would have selected
        bad = [n for n in generators if n not in lists or lists[n].shape != shape]
        if bad:
            raise ValueError(f"given lists for {bad} are missing or not {shape[0]} x {shape[1]}")
    parts = []
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        given = None if lists is None else {n: lists[n][start : start + batch] for n in generators}
        mask = data.seen(chunk) if given is None else None
        pos, items, X, lists_ = candidate_features(stats, generators, chunk, data.n_items, depth, mask, given)
        parts.append((pos + start, items, X, lists_))
    if not parts:
        raise ValueError("no users to rank")
    return PhaseCandidates(
        rows=rows,
        pos=np.concatenate([p[0] for p in parts]),
        items=np.concatenate([p[1] for p in parts]),
        X=np.vstack([p[2] for p in parts]),
        lists={name: np.vstack([p[3][name] for p in parts]) for name in generators},
    )


def labelled(
    pc: PhaseCandidates, target: np.ndarray, only: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, group sizes) of the users whose target item is among their candidates.

    ``target`` is the item column per ``pc.rows`` entry (-1 = none); groups without a positive
    teach lambdarank nothing and are left out. ``only``: a bool mask over ``pc.rows`` entries
    (the guard's folds); the others are left out too.
    """
    y = (pc.items == target[pc.pos]).astype(np.float32)
    has = np.bincount(pc.pos, weights=y, minlength=len(pc.rows)) > 0
    if only is not None:
        has &= only
    keep = has[pc.pos]
    groups = np.bincount(pc.pos[keep], minlength=len(pc.rows))[has]
    return pc.X[keep], y[keep], groups


@dataclass
class LooRanker:
    """LightGBM lambdarank over ``PhaseCandidates``; ``rounds`` may be chosen by a validation curve."""

    feature_names: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    rounds: int = 300
    model: lgb.Booster | None = None
    curve: list[float] = field(default_factory=list)
    #: the NDCG@10 curve of each ``watch`` set (the guard's folds), beside ``curve``
    watched: list[list[float]] = field(default_factory=list)

    def fit(
        self,
        train: tuple[np.ndarray, np.ndarray, np.ndarray],
        valid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        patience: int = 50,
        watch: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]] = (),
    ) -> Self:
        """Train; with ``valid`` (X, y, groups), record its NDCG@10 per round and keep the
        best round count (early stopping after ``patience`` rounds without a gain).

        ``watch``: more (X, y, groups) sets whose curves are only recorded (``watched``); the
        stopping still reads ``valid`` alone, so the trees and the rounds are the same."""
        X, y, groups = train
        params = {**PARAMS, **self.params}
        data = lgb.Dataset(X, y, group=groups, feature_name=self.feature_names, free_raw_data=True)
        callbacks = []
        sets = []
        record: dict[str, Any] = {}
        if valid is not None:
            sets = [lgb.Dataset(s[0], s[1], group=s[2], reference=data) for s in (valid, *watch)]
            stop = _stop_on_first(patience) if watch else lgb.early_stopping(patience, verbose=False)
            callbacks = [lgb.record_evaluation(record), stop]
        self.model = lgb.train(
            params, data, num_boost_round=self.rounds, valid_sets=sets, callbacks=callbacks
        )
        if valid is not None:
            self.curve = [float(v) for v in record["valid_0"]["ndcg@10"]]
            self.watched = [
                [float(v) for v in record[f"valid_{i + 1}"]["ndcg@10"]] for i in range(len(watch))
            ]
            self.rounds = int(np.argmax(self.curve)) + 1
        return self

    def top(self, pc: PhaseCandidates, n_items: int, k: int, batch: int = 1024) -> np.ndarray:
        """Top-``k`` item columns per user of ``pc`` by the model's score (candidates only)."""
        assert self.model is not None, "fit first"
        score = np.asarray(
            self.model.predict(pc.X, num_iteration=self.rounds, num_threads=1), dtype=np.float32
        )
        out = np.empty((len(pc.rows), min(k, n_items)), dtype=np.int64)
        bounds = np.searchsorted(pc.pos, np.arange(0, len(pc.rows) + batch, batch))
        for b, start in enumerate(range(0, len(pc.rows), batch)):
            stop = min(start + batch, len(pc.rows))
            lo, hi = bounds[b], bounds[b + 1]
            dense = np.full((stop - start, n_items), -np.inf, dtype=np.float32)
            dense[pc.pos[lo:hi] - start, pc.items[lo:hi]] = score[lo:hi]
            out[start:stop] = top_k(dense, k)[0]
        return out

    def importance(self) -> dict[str, float]:
        """Gain importance per feature, largest first."""
        assert self.model is not None
        gain = self.model.feature_importance("gain", iteration=self.rounds)
        return dict(sorted(zip(self.model.feature_name(), gain.tolist(), strict=True), key=lambda kv: -kv[1]))


def fold_sets(pc: PhaseCandidates, target: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``labelled`` sets of the guard's two folds of ``pc.rows`` (``ranker_guard.folds``)."""
    out = []
    for fold in folds(len(pc.rows)):
        only = np.zeros(len(pc.rows), dtype=bool)
        only[fold] = True
        out.append(labelled(pc, target, only))
    return out


def _subset(pc: PhaseCandidates, positions: np.ndarray) -> PhaseCandidates:
    """``pc`` for the (sorted) ``rows`` positions ``positions`` only."""
    inside = np.zeros(len(pc.rows), dtype=bool)
    inside[positions] = True
    keep = inside[pc.pos]
    remap = np.cumsum(inside) - 1
    return PhaseCandidates(rows=pc.rows[positions], pos=remap[pc.pos[keep]], items=pc.items[keep],
                           X=pc.X[keep], lists={})  # fmt: skip


def held_out_guard(models: list[LooRanker], pc: PhaseCandidates, valid: Target,
                   baselines: Mapping[str, np.ndarray], metric: str) -> dict[str, Any]:  # fmt: skip
    """``ranker_guard.decide`` on the validation users: the setting and rounds chosen on one fold's
    curve (each model's ``watched``) rank the other fold's users, both ways, pooled."""
    assert valid.truth is not None
    truth = valid.truth[: len(valid.rows)]
    k = int(metric.split("@")[1])
    curves = [m.watched for m in models]

    def read(j: int, f: int, rows: np.ndarray) -> np.ndarray:
        model = replace(models[j], rounds=int(np.argmax(curves[j][f])) + 1)
        return per_user(model.top(_subset(pc, rows), valid.data.n_items, k), truth[rows], metric)

    values = [[max(c, default=0.0) for c in cs] for cs in curves]
    ranker = cross_fit(values, read, len(valid.rows))
    out = decide(ranker, baselines)
    out["fold_rounds"] = [[int(np.argmax(c)) + 1 for c in cs] for cs in curves]
    return out


def _stop_on_first(patience: int) -> Callable[[Any], None]:
    """``lgb.early_stopping`` reading the first validation set only (it stops on any set)."""
    best = {"score": -np.inf, "iter": -1, "list": None}

    def callback(env: Any) -> None:
        result = next(r for r in env.evaluation_result_list if r[0] == "valid_0")
        if best["iter"] < 0 or result[2] > best["score"]:
            best.update(score=result[2], iter=env.iteration, list=env.evaluation_result_list)
        elif env.iteration - best["iter"] >= patience:
            raise lgb.callback.EarlyStopException(best["iter"], best["list"])
        if env.iteration == env.end_iteration - 1:  # as early_stopping: the booster keeps the best
            raise lgb.callback.EarlyStopException(best["iter"], best["list"])

    callback.order = 30  # type: ignore[attr-defined] - after record_evaluation, as early_stopping
    return callback


#: The ranker's validation grid (rounds are chosen by early stopping on the validation curve).
GRID: list[dict[str, Any]] = [
    {"num_leaves": 31, "min_data_in_leaf": 50},
    {"num_leaves": 63, "min_data_in_leaf": 100},
]


@dataclass
class Target:
    """A phase as the ranker needs it: fitted events, evaluated user rows, relevant items
    (None for the test phase: the ranker never reads its truth)."""

    data: Interactions
    rows: np.ndarray
    truth: sp.csr_matrix | None


def one_target(truth: sp.csr_matrix) -> np.ndarray:
    """The (first) relevant item column per row, -1 when the row has none."""
    out = np.full(truth.shape[0], -1, dtype=np.int64)
    has = np.diff(truth.indptr) > 0
    out[has] = truth.indices[truth.indptr[:-1][has]]
    return out


#: The test phase's generators and their fusion inputs (or None), delivered when asked for.
TestInputs = Callable[[], tuple[Mapping[str, Generator], Mapping[str, np.ndarray] | None]]


def leave_one_out_ranker(
    makers: Mapping[str, Callable[[], Generator]],
    valid_generators: Mapping[str, Generator],
    test_generators: Mapping[str, Generator] | TestInputs,
    valid: Target,
    test: Target,
    attrs: np.ndarray | None,
    log: Callable[[str], None] = print,
    grid: list[dict[str, Any]] | None = None,
    max_rounds: int = 600,
    valid_lists: Mapping[str, np.ndarray] | None = None,
    test_lists: Mapping[str, np.ndarray] | None = None,
    fit_inner: Callable[[Interactions], Mapping[str, Generator]] | None = None,
    inner_lists: Callable[[], Mapping[str, np.ndarray]] | None = None,
    baselines: Mapping[str, np.ndarray] | None = None,
    metric: str = "ndcg@10",
) -> tuple[dict[str, Any], np.ndarray | None]:
    """Choose the ranker on validation, then rank the test phase once (top 20 per test user).

    Returns (info, None) with ``info["skipped"]`` saying why when the phases give nothing to
    learn from (a tiny shop whose next items are never among the candidates).

    ``makers`` build unfitted generators (the validation-chosen settings): they are fitted
    once more, on the validation fit events without each user's last one, to make the
    training set whose targets are those dropped items. ``valid_generators`` and
    ``test_generators`` are the same generators already fitted on each phase's fit events.
    Each grid setting is trained on that inner set with its rounds early-stopped on the
    validation targets; the best by validation NDCG@10 is retrained on the validation
    targets (same setting and rounds) and ranks the test candidates. Nothing reads the test
    truth here.

    ``fit_inner(inner)``: ``makers``' generators fitted on ``inner`` (= ``drop_last`` of the
    validation events); by default they are fitted here one after the other — ``evaluate recs``
    passes the fits it started in worker processes on the same events (``grid_pool``).

    ``inner_lists()``: the inner generators' top-100 lists for ``valid.rows`` (masked with the
    inner events' ``seen``), when the workers that fitted them selected those too.

    ``valid_lists`` / ``test_lists``: the top-100 fusion inputs ``evaluate recs`` selected from
    those generators (masked with ``data.seen``); given, they are the candidates as they are.

    ``test_generators`` may be a callable returning (generators, test lists): it is called only
    once the ranker is chosen and fitted, so ``evaluate recs`` lets its workers finish the test
    refits while this process trains the ranker (the stage ``wait_test_refits`` says how long
    it then still waited).

    The inner generators are refitted even where the validation-phase ones look reusable: those
    were fitted on the events that include each inner target (the third-to-last item), so the
    training examples would show generators that had seen their positive — which neither the
    validation nor the test candidates ever do.

    ``baselines``: the fallbacks' per-user validation ``metric`` (per ``valid.rows`` entry; ours-v1
    first): ``info["guard"]`` then holds ``ranker_guard``'s decision, read from each grid setting's
    curves on two folds of the validation users beside the curve that stops it (same trees).
    """
    if valid.truth is None:
        raise ValueError("the validation phase needs its relevant items to choose the ranker")
    names = feature_names(makers)
    inner, target = drop_last(valid.data)
    clock = _Clock()
    inner_gens = (
        dict(fit_inner(inner)) if fit_inner else {name: make().fit(inner) for name, make in makers.items()}
    )
    info: dict[str, Any] = {"inner_fit_s": clock.lap("inner_fit"), "search": []}
    inner_pc = phase_candidates(
        inner,
        sequence_stats(inner, attrs),
        inner_gens,
        valid.rows,
        lists=inner_lists() if inner_lists else None,
    )
    del inner_gens
    train = labelled(inner_pc, target[valid.rows])
    del inner_pc
    clock.lap("inner_candidates")
    valid_pc = phase_candidates(
        valid.data, sequence_stats(valid.data, attrs), valid_generators, valid.rows, lists=valid_lists
    )
    valid_target = one_target(valid.truth)[: len(valid.rows)]
    check = labelled(valid_pc, valid_target)
    share = len(check[2]) / max(len(valid.rows), 1)
    watch = () if baselines is None else fold_sets(valid_pc, valid_target)
    clock.lap("valid_candidates")
    if not len(train[2]) or not len(check[2]):
        info["skipped"] = "no user's next item is among the candidates: nothing to train or choose on"
        return info, None
    best: tuple[float, dict[str, Any], int] = (-1.0, {}, 1)
    models: list[LooRanker] = []
    for params in grid if grid is not None else GRID:
        t = time.perf_counter()
        model = LooRanker(names, params=params, rounds=max_rounds).fit(train, check, watch=watch)
        models.append(model)
        value = max(model.curve, default=0.0) * share  # NDCG@10 over every validation user
        info["search"].append({"params": params, "rounds": model.rounds, "ndcg@10": value,
                               "seconds": time.perf_counter() - t})  # fmt: skip
        log(f"  ours-ranker {params}: {model.rounds} rounds, valid ndcg@10 {value:.4f}")
        if value > best[0]:
            best = (value, params, model.rounds)
    info.update({"params": best[1], "rounds": best[2], "valid_ndcg@10": best[0], "valid_candidate_recall": share,
                 "train_groups": len(train[2]), "valid_groups": len(check[2])})  # fmt: skip
    clock.lap("search")
    if baselines is not None:
        info["guard"] = held_out_guard(models, valid_pc, valid, baselines, metric)
        log(f"  {said(info['guard'], metric)}")
        clock.lap("guard")
    del valid_pc
    t = time.perf_counter()
    final = LooRanker(names, params=best[1], rounds=best[2]).fit(check)
    clock.lap("final_fit")
    if callable(test_generators):
        test_generators, test_lists = test_generators()
        t += clock.lap("wait_test_refits")  # not the ranker's own time
    test_pc = phase_candidates(
        test.data, sequence_stats(test.data, attrs), test_generators, test.rows, lists=test_lists
    )
    clock.lap("test_candidates")
    top = final.top(test_pc, test.data.n_items, 20)
    clock.lap("test_rank")
    info["test_fit_rank_s"] = time.perf_counter() - t
    info["importance_gain"] = dict(list(final.importance().items())[:15])
    info["stages"] = clock.stages
    return info, top


class _Clock:
    """Wall and CPU seconds (all threads) per stage: on a shared box CPU is what the budget reads."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> float:
        """Record the stage that ends now; returns its wall seconds."""
        wall, cpu = time.perf_counter(), time.process_time()
        self.stages[name] = {"wall_s": round(wall - self._wall, 2), "cpu_s": round(cpu - self._cpu, 2)}
        self._wall, self._cpu = wall, cpu
        return self.stages[name]["wall_s"]
