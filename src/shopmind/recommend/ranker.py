"""ours-ranker: a LightGBM lambdarank model over the union of the generators' candidates.

Per user, the candidates are the union of every generator's top-``depth`` list plus the
user's own past items (repeat purchases dominate Online Retail). Each (user, item) pair gets
features: every generator's score and rank (rank ``MISSING_RANK`` when outside its list), item
popularity (all time and recent windows) and recency, the user's history with the item
(count, distinct sessions, days since last interaction, in the last session), user activity,
and user-category affinity when categories are known.

Training never sees the evaluation period: ``fit(data)`` cuts ``data`` itself in time — the
generators are fitted on events before ``max_time - label_days`` and a pair is labelled 1 when
the user interacted with the item in the last ``label_days`` — then the generators are refitted
on all of ``data`` and the trained model ranks their candidates. Price is not used: the
shared ``Interactions`` carry no price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.base import Generator, Interactions, Recommends, mask_seen, top_k
from shopmind.recommend.fusion import candidates

DAY = 86400.0
MISSING_RANK = 1000.0
NEVER_DAYS = 10_000.0  # "days since" for a pair / item with no event

NUM_ROUNDS = 300
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 30,
    "seed": 0,
    "num_threads": 1,  # 2 OpenMP threads ran ~12x slower than 1 on the 2-core box
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}


def truncate(data: Interactions, cut: int) -> Interactions:
    """The same users/items (same rows and columns) with only the events before ``cut`` (epoch s)."""
    return subset(data, data.seq_times < cut)


def subset(data: Interactions, keep: np.ndarray) -> Interactions:
    """The same users/items (same rows and columns) with only the ``seq_*`` events where ``keep``."""
    users = np.repeat(np.arange(data.n_users), np.diff(data.seq_indptr))
    u = users[keep]
    i = data.seq_items[keep]
    w = data.seq_weights[keep]
    matrix = sp.csr_matrix((w, (u, i)), shape=(data.n_users, data.n_items), dtype=np.float32)
    matrix.sum_duplicates()
    indptr = np.zeros(data.n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=data.n_users), out=indptr[1:])
    return Interactions(
        user_ids=data.user_ids,
        item_ids=data.item_ids,
        matrix=matrix,
        seq_indptr=indptr,
        seq_items=i,
        seq_times=data.seq_times[keep],
        seq_weights=w,
        seq_sessions=data.seq_sessions[keep],
        item_category=data.item_category,
        categories=data.categories,
        seq_kinds=data.seq_kinds[keep] if data.seq_kinds is not None else None,
    )


@dataclass
class Context:
    """Per-user, per-item and per-pair statistics of one ``Interactions`` at time ``now``."""

    now: float
    item: np.ndarray  # n_items x len(ITEM_FEATURES)
    user: np.ndarray  # n_users x len(USER_FEATURES)
    pair_count: sp.csr_matrix  # events of user on item
    pair_sessions: sp.csr_matrix  # distinct sessions of user with item
    pair_age: sp.csr_matrix  # 1 + days since the user's last event with the item (0 = never)
    pair_first_age: sp.csr_matrix  # 1 + days since the user's first event with the item (0 = never)
    last_session: sp.csr_matrix  # events of user on item in the user's last session
    user_category: np.ndarray | None  # n_users x n_categories share of the user's events
    #: the user profile's category interest (``shopmind.profiles``): event-type weights halved
    #: every ``PROFILE_HALF_LIFE_DAYS`` before ``now``, as a share per user (None: no categories)
    user_interest: np.ndarray | None = None


ITEM_FEATURES = ("item_users", "item_events", "item_events_7d", "item_events_30d", "item_days_since_last",
                 "item_days_since_first", "item_repeat_share")  # fmt: skip
USER_FEATURES = (
    "user_events",
    "user_items",
    "user_sessions",
    "user_days_since_last",
    "user_days_since_first",
    "user_repeat_share",
)
#: Repeat-purchase ("buy again") signals: a shop's regulars re-order the same items on a rhythm,
#: so besides count and recency the pair carries its own mean gap between sessions and how
#: overdue it is (days since last / mean gap); item and user repeat shares say how often the
#: item is re-bought by anyone and how often this user re-buys anything.
PAIR_FEATURES = ("ui_count", "ui_sessions", "ui_days_since_last", "ui_bought", "ui_in_last_session",
                 "ui_share", "ui_category_share", "ui_days_since_first", "ui_mean_gap_days",
                 "ui_overdue", "ui_profile_category_interest")  # fmt: skip
#: The profiles' default half-life (``profiles.model.ProfileConfig.half_life_days``): the profile
#: feature is the interest ``GET /v1/users/{id}/profile`` shows, recomputed at each split's cut.
PROFILE_HALF_LIFE_DAYS = 30.0


def context(data: Interactions, now: float | None = None) -> Context:
    """Statistics the features read; ``now`` defaults to just after the last event."""
    t = data.seq_times.astype(np.float64)
    now = float(t.max(initial=0) + 1) if now is None else float(now)
    n_u, n_i = data.n_users, data.n_items
    users = np.repeat(np.arange(n_u), np.diff(data.seq_indptr))
    items = data.seq_items
    age = (now - t) / DAY
    item = np.zeros((n_i, len(ITEM_FEATURES)), dtype=np.float32)
    item[:, 0] = data.item_user_counts()
    item[:, 1] = np.bincount(items, minlength=n_i)
    item[:, 2] = np.bincount(items, weights=(age <= 7).astype(float), minlength=n_i)
    item[:, 3] = np.bincount(items, weights=(age <= 30).astype(float), minlength=n_i)
    last = np.full(n_i, -np.inf)
    np.maximum.at(last, items, t)
    first = np.full(n_i, np.inf)
    np.minimum.at(first, items, t)
    item[:, 4] = np.where(np.isfinite(last), (now - last) / DAY, NEVER_DAYS)
    item[:, 5] = np.where(np.isfinite(first), (now - first) / DAY, NEVER_DAYS)

    frame = pl.DataFrame({"u": users, "i": items, "t": t, "s": data.seq_sessions})
    pairs = frame.group_by("u", "i").agg(
        pl.len().alias("n"),
        pl.col("s").n_unique().alias("ns"),
        pl.col("t").max().alias("last"),
        pl.col("t").min().alias("first"),
    )
    pu, pi = pairs["u"].to_numpy(), pairs["i"].to_numpy()
    repeat = (pairs["ns"].to_numpy() >= 2).astype(np.float64)
    item[:, 6] = np.bincount(pi, weights=repeat, minlength=n_i) / np.maximum(item[:, 0], 1)

    def pair_matrix(values: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix((values.astype(np.float32), (pu, pi)), shape=(n_u, n_i))
        m.sort_indices()
        return m

    per_user = frame.group_by("u").agg(
        pl.len().alias("n"),
        pl.col("i").n_unique().alias("ni"),
        pl.col("s").n_unique().alias("ns"),
        pl.col("t").max().alias("last"),
        pl.col("t").min().alias("first"),
    )
    user = np.zeros((n_u, len(USER_FEATURES)), dtype=np.float32)
    user[:, 3:] = NEVER_DAYS
    r = per_user["u"].to_numpy()
    user[r, 0] = per_user["n"].to_numpy()
    user[r, 1] = per_user["ni"].to_numpy()
    user[r, 2] = per_user["ns"].to_numpy()
    user[r, 3] = (now - per_user["last"].to_numpy()) / DAY
    user[r, 4] = (now - per_user["first"].to_numpy()) / DAY
    user[:, 5] = np.bincount(pu, weights=repeat, minlength=n_u) / np.maximum(user[:, 1], 1)

    has = np.diff(data.seq_indptr) > 0
    last_s = np.full(n_u, -1, dtype=np.int64)
    last_s[has] = data.seq_sessions[data.seq_indptr[1:][has] - 1]
    in_last = data.seq_sessions == last_s[users]
    last_session = sp.csr_matrix(
        (np.ones(int(in_last.sum()), dtype=np.float32), (users[in_last], items[in_last])), shape=(n_u, n_i)
    )
    last_session.sum_duplicates()
    user_category = user_interest = None
    if data.item_category is not None and data.categories is not None and len(data.categories):
        cat = data.item_category[items]
        known = cat >= 0
        counts = sp.csr_matrix(
            (np.ones(int(known.sum())), (users[known], cat[known])), shape=(n_u, len(data.categories))
        ).toarray()
        user_category = (counts / np.maximum(user[:, :1], 1)).astype(np.float32)
        w = data.seq_weights[known] * np.exp2(-np.maximum(age[known], 0.0) / PROFILE_HALF_LIFE_DAYS)
        decayed = sp.csr_matrix((w, (users[known], cat[known])), shape=(n_u, len(data.categories))).toarray()
        user_interest = (decayed / np.maximum(decayed.sum(axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return Context(
        now=now,
        item=item,
        user=user,
        pair_count=pair_matrix(pairs["n"].to_numpy()),
        pair_sessions=pair_matrix(pairs["ns"].to_numpy()),
        pair_age=pair_matrix(1 + (now - pairs["last"].to_numpy()) / DAY),
        pair_first_age=pair_matrix(1 + (now - pairs["first"].to_numpy()) / DAY),
        last_session=last_session,
        user_category=user_category,
        user_interest=user_interest,
    )


def _category_of(
    per_user: np.ndarray | None, data: Interactions, u: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """A user x category table read at each candidate's category (0 for an unknown category)."""
    if per_user is None or data.item_category is None:
        return np.zeros(len(items), dtype=np.float32)
    cat = data.item_category[items]
    return per_user[u, np.maximum(cat, 0)] * (cat >= 0)


def _lookup(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return np.asarray(m[rows, cols]).ravel().astype(np.float32)


def feature_names(generators: Mapping[str, Any]) -> list[str]:
    gen = [f"{n}_{k}" for n in generators for k in ("score", "rank")]
    return gen + list(ITEM_FEATURES) + list(USER_FEATURES) + list(PAIR_FEATURES)


def generator_candidates(
    generators: Mapping[str, Generator],
    user_rows: np.ndarray,
    n_items: int,
    depth: int,
    mask: sp.csr_matrix | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    """Every generator's view of a batch of users, the part both learned rankers share.

    Returns the union of the generators' top-``depth`` lists (users x items bool), each
    generator's dense scores (masked cells ``-inf``) and ranks (``MISSING_RANK`` outside its
    list), and the lists themselves as fusion input (``fusion.candidates``: -1 = empty slot).
    """
    n = len(user_rows)
    rows = np.arange(n)[:, None]
    cand = np.zeros((n, n_items), dtype=bool)
    scores, ranks, lists = [], [], {}
    for name, gen in generators.items():
        s = np.asarray(gen.score(user_rows), dtype=np.float32)
        if mask is not None:
            mask_seen(s, mask)
        idx, vals = top_k(s, depth)
        lists[name] = candidates(gen, idx, vals)
        rank = np.full((n, n_items + 1), MISSING_RANK, dtype=np.float32)  # last column: empty slots
        rank[rows, lists[name]] = np.arange(1, lists[name].shape[1] + 1, dtype=np.float32)
        rank = rank[:, :n_items]
        cand |= rank < MISSING_RANK
        scores.append(s)
        ranks.append(rank)
    return cand, scores, ranks, lists


def build_features(
    data: Interactions,
    ctx: Context,
    generators: Mapping[str, Generator],
    user_rows: np.ndarray,
    depth: int,
    history_depth: int,
    mask: sp.csr_matrix | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates and their features for a batch of (warm or cold) user rows.

    Returns (pos, items, X): ``pos`` indexes ``user_rows`` and is non-decreasing (groups are
    contiguous), ``items`` are item columns, ``X`` has ``feature_names(generators)`` columns.
    Masked (user, item) cells are never candidates.
    """
    cand, scores, ranks, _ = generator_candidates(generators, user_rows, data.n_items, depth, mask)
    warm = user_rows >= 0
    safe = np.where(warm, user_rows, 0)
    for p in np.flatnonzero(warm):  # the user's own latest distinct items
        hist = data.history(int(user_rows[p]))[::-1]
        _, first = np.unique(hist, return_index=True)
        cand[p, hist[np.sort(first)[:history_depth]]] = True
    if mask is not None:
        coo = mask.tocoo()
        cand[coo.row, coo.col] = False
    pos, items = np.nonzero(cand)
    cols = []
    for s, rank in zip(scores, ranks, strict=True):
        v = s[pos, items]
        cols += [np.where(np.isfinite(v), v, 0.0).astype(np.float32), rank[pos, items]]
    u = safe[pos]
    uw = warm[pos]
    cold_user = np.array([0, 0, 0, NEVER_DAYS, NEVER_DAYS, 0], dtype=np.float32)
    user = np.where(uw[:, None], ctx.user[u], cold_user)
    count = _lookup(ctx.pair_count, u, items) * uw
    age = _lookup(ctx.pair_age, u, items) * uw
    first_age = _lookup(ctx.pair_first_age, u, items) * uw
    sessions = _lookup(ctx.pair_sessions, u, items) * uw
    since_last = np.where(age > 0, age - 1, NEVER_DAYS)
    since_first = np.where(first_age > 0, first_age - 1, NEVER_DAYS)
    gap = np.where(sessions >= 2, (since_first - since_last) / np.maximum(sessions - 1, 1), NEVER_DAYS)
    pair = np.column_stack(
        [
            count,
            sessions,
            since_last,
            (count > 0).astype(np.float32),
            _lookup(ctx.last_session, u, items) * uw,
            count / np.maximum(user[:, 0], 1),
            (
                ctx.user_category[u, np.maximum(data.item_category[items], 0)]
                * (data.item_category[items] >= 0)
                * uw
                if ctx.user_category is not None and data.item_category is not None
                else np.zeros(len(items), dtype=np.float32)
            ),
            since_first,
            gap,
            np.where(sessions >= 2, since_last / np.maximum(gap, 1e-3), 0.0),
            _category_of(ctx.user_interest, data, u, items) * uw,
        ]
    )
    X = np.column_stack([*cols, ctx.item[items], user, pair]).astype(np.float32)
    return pos, items, X


class RankerNoData(ValueError):
    """No label window holds a customer who came back: nothing to train the ranker on (a small or
    short export; LightGBM's own "Check failed: (num_data) > (0)" ended `evaluate recs` before)."""


class LearnedRanker(Recommends):
    """A generator that re-ranks the union of other generators' candidates with LightGBM."""

    name = "ours-ranker"

    def __init__(
        self,
        generators: Mapping[str, Callable[[], Generator]],
        depth: int = 100,
        history_depth: int = 200,
        label_days: float = 30.0,
        windows: int = 1,
        params: Mapping[str, Any] | None = None,
        num_rounds: int = NUM_ROUNDS,
        batch_size: int = 1024,
    ) -> None:
        self.makers = dict(generators)
        self.depth = depth
        self.history_depth = history_depth
        self.label_days = label_days
        self.windows = windows
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.num_rounds = num_rounds
        self.batch_size = batch_size
        self.data: Interactions | None = None
        self.generators: dict[str, Generator] = {}
        self.ctx: Context | None = None
        self.model: lgb.Booster | None = None
        self.train_info: dict[str, Any] = {}

    def _fit_generators(self, data: Interactions) -> dict[str, Generator]:
        return {name: make().fit(data) for name, make in self.makers.items()}

    def training_set(self, data: Interactions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, y, group sizes) from ``windows`` inner time splits of ``data``.

        Window k (1-based) labels the events in [end - k * label_days, end - (k - 1) * label_days)
        from generators fitted before it: more windows = more (older) training examples.
        """
        end = int(data.seq_times.max(initial=0)) + 1
        parts = []
        infos = []
        for k in range(1, self.windows + 1):
            cut = int(end - k * self.label_days * DAY)
            stop = int(end - (k - 1) * self.label_days * DAY)
            parts.append(self._window_set(data, cut, stop))
            infos.append(self.train_info)
        self.train_info = {
            "label_cut": infos[0]["label_cut"],
            "windows": infos,
            "label_users": sum(i["label_users"] for i in infos),
            "label_pairs": sum(i["label_pairs"] for i in infos),
            "positives_in_candidates": sum(i["positives_in_candidates"] for i in infos),
        }
        parts = [p for p in parts if len(p[2])] or parts[:1]
        return (
            np.vstack([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def _window_set(
        self, data: Interactions, cut: int, stop: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Training rows of one inner split: fit before ``cut``, label = events in [cut, stop)."""
        inner = truncate(data, cut)
        gens = self._fit_generators(inner)
        ctx = context(inner, now=cut)
        users = np.repeat(np.arange(data.n_users), np.diff(data.seq_indptr))
        later = (data.seq_times >= cut) & (data.seq_times < stop)
        warm = np.diff(inner.seq_indptr) > 0
        lab = later & warm[users]
        labels = sp.csr_matrix(
            (np.ones(int(lab.sum()), dtype=np.float32), (users[lab], data.seq_items[lab])),
            shape=(data.n_users, data.n_items),
        )
        labels.sum_duplicates()
        labels.data[:] = 1
        label_users = np.flatnonzero(np.diff(labels.indptr) > 0)
        xs, ys, groups = [], [], []
        for start in range(0, len(label_users), self.batch_size):
            chunk = label_users[start : start + self.batch_size]
            pos, items, X = build_features(inner, ctx, gens, chunk, self.depth, self.history_depth)
            y = _lookup(labels, chunk[pos], items)
            sizes = np.bincount(pos, minlength=len(chunk))
            pos_per_user = np.bincount(pos, weights=y, minlength=len(chunk))
            keep_user = pos_per_user > 0  # groups without a positive teach lambdarank nothing
            keep = keep_user[pos]
            xs.append(X[keep])
            ys.append(y[keep])
            groups.append(sizes[keep_user])
        self.train_info = {
            "label_cut": cut,
            "label_users": len(label_users),
            "label_pairs": int(labels.nnz),
            "positives_in_candidates": float(sum(y.sum() for y in ys)),
        }
        if not xs:  # a window before the data starts (or with no returning user) teaches nothing
            width = len(feature_names(self.makers))
            return np.zeros((0, width), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)

    def fit(self, data: Interactions) -> Self:
        X, y, groups = self.training_set(data)
        if len(y) == 0:
            raise RankerNoData(
                f"no training example: {self.train_info.get('label_users', 0)} customers in the label "
                "window(s), none of them with a candidate they then bought (too little history)"
            )
        ranking = self.params.get("objective") in ("lambdarank", "rank_xendcg")
        train = lgb.Dataset(
            X,
            y,
            group=groups if ranking else None,
            feature_name=feature_names(self.makers),
            free_raw_data=True,
        )
        self.model = lgb.train(self.params, train, num_boost_round=self.num_rounds)
        self.train_info.update(rows=len(y), groups=len(groups), positives=int(y.sum()))
        self.data = data
        self.generators = self._fit_generators(data)
        self.ctx = context(data)
        return self

    def _predict(self, X: np.ndarray) -> np.ndarray:
        assert self.model is not None
        return np.asarray(self.model.predict(X, num_threads=self.params.get("num_threads", 1)))

    def score(self, user_rows: np.ndarray, mask: sp.csr_matrix | None = None) -> np.ndarray:
        """Model scores for candidates, ``-inf`` elsewhere (and on masked cells)."""
        assert self.data is not None and self.ctx is not None, "fit first"
        rows = np.asarray(user_rows)
        out = np.full((len(rows), self.data.n_items), -np.inf, dtype=np.float32)
        pos, items, X = build_features(
            self.data, self.ctx, self.generators, rows, self.depth, self.history_depth, mask
        )
        if len(pos):
            out[pos, items] = self._predict(X)
        return out

    def importance(self) -> dict[str, float]:
        """Gain importance per feature, largest first."""
        assert self.model is not None
        gain = self.model.feature_importance("gain")
        names = self.model.feature_name()
        return dict(sorted(zip(names, gain.tolist(), strict=True), key=lambda kv: -kv[1]))
