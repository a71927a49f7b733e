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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.base import Generator, Interactions, top_k
from shopmind.recommend.markov import collapse_repeats
from shopmind.recommend.ranker import DEFAULT_PARAMS, MISSING_RANK, generator_candidates, subset

RRF_C = 20.0  # the equal-weight reciprocal-rank fusion score is a feature (fusion.py's default c)
LATEST = 3  # the user's latest (repeat-collapsed) items that co-occurrence features read
STAT_FEATURES = ("n_lists", "rrf", "item_users", "item_latest", "user_len", "cooc_last", "cooc_latest",
                 "cooc_last_share", "follows_last", "follows_latest", "attr_last", "attr_profile")  # fmt: skip

#: lambdarank for one relevant item per user; one thread (see ``ranker.DEFAULT_PARAMS``)
PARAMS: dict[str, Any] = {
    **DEFAULT_PARAMS,
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 20,
}


def feature_names(generators: Iterable[str]) -> list[str]:
    return [f"{n}_{k}" for n in generators for k in ("score", "rank")] + list(STAT_FEATURES)


def drop_last(data: Interactions) -> tuple[Interactions, np.ndarray]:
    """``data`` without each user's last event, and that event's item per user row.

    Users with fewer than two events keep them and get target -1 (nothing to learn from).
    """
    counts = np.diff(data.seq_indptr)
    has = counts >= 2
    last = data.seq_indptr[1:][has] - 1
    keep = np.ones(len(data.seq_items), dtype=bool)
    keep[last] = False
    target = np.full(data.n_users, -1, dtype=np.int64)
    target[has] = data.seq_items[last]
    return subset(data, keep), target


def attribute_table(products: pl.DataFrame | None, item_ids: np.ndarray) -> np.ndarray | None:
    """Item column -> its attribute codes, padded with -1 (None without attributes).

    ``products`` is the gate-accepted products table (``product_id``, ``attributes`` as a
    list of {key, value}); an attribute is the pair, so brand 7 and category 7 differ.
    """
    if products is None or "attributes" not in products.columns:
        return None
    pairs = (
        products.select(pl.col("product_id").cast(pl.Utf8).alias("item_id"), "attributes")
        .explode("attributes")
        .drop_nulls("attributes")
        .select(
            "item_id",
            pl.format(
                "{}={}", pl.col("attributes").struct.field("key"), pl.col("attributes").struct.field("value")
            ).alias("attr"),
        )  # fmt: skip
        .unique()
    )
    if not pairs.height:
        return None
    items = pl.DataFrame({"item_id": np.asarray(item_ids).astype(str), "i": np.arange(len(item_ids))})
    pairs = pairs.join(items, on="item_id", how="inner").with_columns(
        (pl.col("attr").rank("dense").cast(pl.Int64) - 1).alias("code")
    )
    if not pairs.height:
        return None
    pairs = pairs.sort("i", "code").with_columns(pl.int_range(pl.len()).over("i").alias("slot"))
    width = int(pairs["slot"].max()) + 1  # type: ignore[arg-type]
    table = np.full((len(item_ids), width), -1, dtype=np.int64)
    table[pairs["i"].to_numpy(), pairs["slot"].to_numpy()] = pairs["code"].to_numpy()
    return table


@dataclass
class SequenceStats:
    """What the pair features read from one phase's fit events."""

    item_users: np.ndarray  # distinct users per item
    item_latest: np.ndarray  # how often the item is among users' LATEST latest items
    latest: np.ndarray  # users x LATEST item columns, newest first, -1 = none
    length: np.ndarray  # events per user
    cooc: sp.csr_matrix  # item x item: users who had both
    follows: sp.csr_matrix  # item x item: times column j directly followed row i
    attrs: np.ndarray | None  # attribute_table, or None
    #: users x attributes: share of the user's distinct items that carry the attribute
    profile: sp.csr_matrix | None = field(default=None)


def sequence_stats(data: Interactions, attrs: np.ndarray | None = None) -> SequenceStats:
    """Counts the pair features need, computed once per phase (not per candidate batch):
    repeats are collapsed for the latest items and successions, as Markov and SASRec do."""
    indptr, items = collapse_repeats(data)
    n_u, n_i = data.n_users, data.n_items
    lens = np.diff(indptr)
    latest = np.full((n_u, LATEST), -1, dtype=np.int64)
    for k in range(LATEST):
        ok = lens > k
        latest[ok, k] = items[indptr[1:][ok] - 1 - k]
    users = np.repeat(np.arange(n_u), lens)
    same = users[1:] == users[:-1]
    follows = sp.csr_matrix(
        (np.ones(int(same.sum()), np.float32), (items[:-1][same], items[1:][same])), shape=(n_i, n_i)
    )
    follows.sum_duplicates()
    binary = (data.matrix > 0).astype(np.float32).tocsr()
    profile = None
    if attrs is not None:
        n_attr = int(attrs.max(initial=-1)) + 1
        r, c = np.nonzero(attrs >= 0)
        item_attr = sp.csr_matrix(
            (np.ones(len(r), np.float32), (r, attrs[r, c])), shape=(n_i, max(n_attr, 1))
        )
        distinct = np.asarray(binary.sum(axis=1)).ravel()
        share = sp.diags((1.0 / np.maximum(distinct, 1)).astype(np.float32))
        profile = (share @ (binary @ item_attr)).tocsr()
    return SequenceStats(
        item_users=np.asarray(binary.sum(axis=0)).ravel().astype(np.float32),
        item_latest=np.bincount(latest[latest >= 0], minlength=n_i).astype(np.float32),
        latest=latest,
        length=np.diff(data.seq_indptr).astype(np.float32),
        cooc=(binary.T @ binary).tocsr(),
        follows=follows,
        attrs=attrs,
        profile=profile,
    )


def _pair(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """m[rows, cols] with row -1 read as 0."""
    ok = rows >= 0
    out = np.zeros(len(rows), dtype=np.float32)
    if ok.any():
        out[ok] = np.asarray(m[rows[ok], cols[ok]]).ravel()
    return out


def _attribute_features(
    stats: SequenceStats, u: np.ndarray, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if stats.attrs is None or stats.profile is None:
        zero = np.zeros(len(items), dtype=np.float32)
        return zero, zero
    cand = stats.attrs[items]  # pairs x width
    last = stats.latest[u, 0]
    last_attrs = np.where((last >= 0)[:, None], stats.attrs[np.maximum(last, 0)], -1)
    shared = ((cand[:, :, None] == last_attrs[:, None, :]) & (cand[:, :, None] >= 0)).sum(axis=(1, 2))
    safe = np.maximum(cand, 0)
    prof = np.zeros(cand.shape, dtype=np.float32)
    for j in range(cand.shape[1]):
        prof[:, j] = _pair(stats.profile, u, safe[:, j])
    in_profile = (prof * (cand >= 0)).sum(axis=1)
    return shared.astype(np.float32), in_profile.astype(np.float32)


def listed_candidates(
    generators: Mapping[str, Generator], user_rows: np.ndarray, n_items: int, lists: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    """``ranker.generator_candidates`` given each generator's top-depth fusion input (-1 = empty
    slot), which ``evaluate recs`` selected already: that ``top_k`` was 10.2 of the step's 11.8 s
    (2026-12-04). Dense scores are still computed (the score feature reads them outside the
    generator's own list), unmasked: a masked cell is in no list, so never a candidate."""
    n = len(user_rows)
    rows = np.arange(n)[:, None]
    cand = np.zeros((n, n_items), dtype=bool)
    scores, ranks = [], []
    for name, gen in generators.items():
        idx = lists[name]
        rank = np.full((n, n_items + 1), MISSING_RANK, dtype=np.float32)  # last column: empty slots
        rank[rows, idx] = np.arange(1, idx.shape[1] + 1, dtype=np.float32)
        cand |= rank[:, :n_items] < MISSING_RANK
        scores.append(np.asarray(gen.score(user_rows), dtype=np.float32))
        ranks.append(rank[:, :n_items])
    return cand, scores, ranks, dict(lists)


def candidate_features(
    stats: SequenceStats,
    generators: Mapping[str, Generator],
    user_rows: np.ndarray,
    n_items: int,
    depth: int,
    mask: sp.csr_matrix | None,
    given: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(pos, items, X, lists) for a batch of warm user rows; see ``ranker.generator_candidates``.

    ``pos`` indexes ``user_rows`` (non-decreasing), ``X`` has ``feature_names(generators)``
    columns, ``lists`` are the generators' fusion inputs (so rank fusion can be compared on
    the very same generator outputs). Masked cells are never candidates. ``given`` = those
    lists already selected (same generators, rows and mask; ``listed_candidates``).
    """
    if given is None:
        cand, scores, ranks, lists = generator_candidates(generators, user_rows, n_items, depth, mask)
    else:
        cand, scores, ranks, lists = listed_candidates(generators, user_rows, n_items, given)
    pos, items = np.nonzero(cand)
    cols = []
    n_lists = np.zeros(len(pos), dtype=np.float32)
    rrf = np.zeros(len(pos), dtype=np.float32)
    for s, rank in zip(scores, ranks, strict=True):
        v = s[pos, items]
        r = rank[pos, items]
        cols += [np.where(np.isfinite(v), v, 0.0).astype(np.float32), r]
        n_lists += r < MISSING_RANK
        rrf += np.where(r < MISSING_RANK, 1.0 / (RRF_C + r), 0.0).astype(np.float32)
    u = np.asarray(user_rows)[pos]
    latest = stats.latest[u]
    cooc = [_pair(stats.cooc, latest[:, k], items) for k in range(LATEST)]
    follows = [_pair(stats.follows, latest[:, k], items) for k in range(LATEST)]
    last_users = stats.item_users[np.maximum(latest[:, 0], 0)]
    attr_last, attr_profile = _attribute_features(stats, u, items)
    stat_cols = [
        n_lists,
        rrf,
        stats.item_users[items],
        stats.item_latest[items],
        stats.length[u],
        cooc[0],
        np.sum(cooc, axis=0),
        cooc[0] / np.maximum(last_users, 1),
        follows[0],
        np.sum(follows, axis=0),
        attr_last,
        attr_profile,
    ]
    X = np.column_stack([*cols, *stat_cols]).astype(np.float32)
    return pos, items, X, lists


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


def labelled(pc: PhaseCandidates, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, group sizes) of the users whose target item is among their candidates.

    ``target`` is the item column per ``pc.rows`` entry (-1 = none); groups without a positive
    teach lambdarank nothing and are left out.
    """
    y = (pc.items == target[pc.pos]).astype(np.float32)
    has = np.bincount(pc.pos, weights=y, minlength=len(pc.rows)) > 0
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

    def fit(
        self,
        train: tuple[np.ndarray, np.ndarray, np.ndarray],
        valid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        patience: int = 50,
    ) -> Self:
        """Train; with ``valid`` (X, y, groups), record its NDCG@10 per round and keep the
        best round count (early stopping after ``patience`` rounds without a gain)."""
        X, y, groups = train
        params = {**PARAMS, **self.params}
        data = lgb.Dataset(X, y, group=groups, feature_name=self.feature_names, free_raw_data=True)
        callbacks = []
        sets = []
        record: dict[str, Any] = {}
        if valid is not None:
            sets = [lgb.Dataset(valid[0], valid[1], group=valid[2], reference=data)]
            callbacks = [lgb.record_evaluation(record), lgb.early_stopping(patience, verbose=False)]
        self.model = lgb.train(
            params, data, num_boost_round=self.rounds, valid_sets=sets, callbacks=callbacks
        )
        if valid is not None:
            self.curve = [float(v) for v in record["valid_0"]["ndcg@10"]]
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


def leave_one_out_ranker(
    makers: Mapping[str, Callable[[], Generator]],
    valid_generators: Mapping[str, Generator],
    test_generators: Mapping[str, Generator],
    valid: Target,
    test: Target,
    attrs: np.ndarray | None,
    log: Callable[[str], None] = print,
    grid: list[dict[str, Any]] | None = None,
    max_rounds: int = 600,
    valid_lists: Mapping[str, np.ndarray] | None = None,
    test_lists: Mapping[str, np.ndarray] | None = None,
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

    ``valid_lists`` / ``test_lists``: the top-100 fusion inputs ``evaluate recs`` selected from
    those generators (masked with ``data.seen``); given, they are the candidates as they are.

    The inner generators are refitted even where the validation-phase ones look reusable: those
    were fitted on the events that include each inner target (the third-to-last item), so the
    training examples would show generators that had seen their positive — which neither the
    validation nor the test candidates ever do.
    """
    if valid.truth is None:
        raise ValueError("the validation phase needs its relevant items to choose the ranker")
    names = feature_names(makers)
    inner, target = drop_last(valid.data)
    clock = _Clock()
    inner_gens = {name: make().fit(inner) for name, make in makers.items()}
    info: dict[str, Any] = {"inner_fit_s": clock.lap("inner_fit"), "search": []}
    inner_pc = phase_candidates(inner, sequence_stats(inner, attrs), inner_gens, valid.rows)
    del inner_gens
    train = labelled(inner_pc, target[valid.rows])
    del inner_pc
    clock.lap("inner_candidates")
    valid_pc = phase_candidates(
        valid.data, sequence_stats(valid.data, attrs), valid_generators, valid.rows, lists=valid_lists
    )
    check = labelled(valid_pc, one_target(valid.truth)[: len(valid.rows)])
    share = len(check[2]) / max(len(valid.rows), 1)
    del valid_pc
    clock.lap("valid_candidates")
    if not len(train[2]) or not len(check[2]):
        info["skipped"] = "no user's next item is among the candidates: nothing to train or choose on"
        return info, None
    best: tuple[float, dict[str, Any], int] = (-1.0, {}, 1)
    for params in grid if grid is not None else GRID:
        t = time.perf_counter()
        model = LooRanker(names, params=params, rounds=max_rounds).fit(train, check)
        value = max(model.curve, default=0.0) * share  # NDCG@10 over every validation user
        info["search"].append({"params": params, "rounds": model.rounds, "ndcg@10": value,
                               "seconds": time.perf_counter() - t})  # fmt: skip
        log(f"  ours-ranker {params}: {model.rounds} rounds, valid ndcg@10 {value:.4f}")
        if value > best[0]:
            best = (value, params, model.rounds)
    info.update({"params": best[1], "rounds": best[2], "valid_ndcg@10": best[0], "valid_candidate_recall": share,
                 "train_groups": len(train[2]), "valid_groups": len(check[2])})  # fmt: skip
    clock.lap("search")
    t = time.perf_counter()
    final = LooRanker(names, params=best[1], rounds=best[2]).fit(check)
    clock.lap("final_fit")
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
