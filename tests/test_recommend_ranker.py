"""ours-ranker: features on a hand-made example, and learning "buy again" on synthetic data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Interactions, top_k
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.ranker import (
    DAY,
    MISSING_RANK,
    NEVER_DAYS,
    LearnedRanker,
    build_features,
    context,
    feature_names,
    truncate,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def events(rows: list[tuple[str, str, float, str]]) -> pl.DataFrame:
    """(user, item, days after T0, session) -> canonical purchase events."""
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "item_id": [r[1] for r in rows],
            "type": ["purchase"] * len(rows),
            "timestamp": [T0 + timedelta(days=r[2]) for r in rows],
            "session_id": [r[3] for r in rows],
        }
    )


def small() -> Interactions:
    # u1 buys a twice (days 0, 2; sessions s1, s2) and b in its last session s2;
    # u2 buys c on day 1 and a on day 4. Item d is never bought.
    ev = events(
        [
            ("u1", "a", 0, "s1"),
            ("u1", "a", 2, "s2"),
            ("u1", "b", 2, "s2"),
            ("u2", "c", 1, "s3"),
            ("u2", "a", 4, "s4"),
        ]
    )
    return Interactions.from_events(ev, items=["a", "b", "c", "d"], users=["u1", "u2"])


def test_context_and_features_by_hand():
    data = small()
    now = data.seq_times.max() + DAY  # day 5
    ctx = context(data, now=now)
    np.testing.assert_allclose(ctx.item[:, 0], [2, 1, 1, 0])  # distinct users per item
    np.testing.assert_allclose(ctx.item[:, 1], [3, 1, 1, 0])  # events per item
    np.testing.assert_allclose(ctx.item[:, 4], [1, 3, 4, NEVER_DAYS])  # days since last purchase
    np.testing.assert_allclose(ctx.user[:, 0], [3, 2])  # events per user
    np.testing.assert_allclose(ctx.user[:, 2], [2, 2])  # sessions per user
    np.testing.assert_allclose(ctx.user[:, 3], [3, 1])  # days since the user's last event

    pop = Popularity().fit(data)  # scores a=2, b=1, c=1, d=0 (d = no evidence, not a candidate)
    gens = {"popularity": pop}
    rows = np.array([0, 1, -1])  # u1, u2, a cold user
    pos, items, X = build_features(data, ctx, gens, rows, depth=1, history_depth=10)
    names = feature_names(gens)
    assert X.shape == (len(pos), len(names))
    assert np.all(np.diff(pos) >= 0)  # groups are contiguous
    got = {
        (int(p), data.item_ids[i]): dict(zip(names, x, strict=True))
        for p, i, x in zip(pos, items, X, strict=True)
    }
    # candidates: popularity's top-1 (a) for everyone, plus each user's own items
    assert sorted(got) == [(0, "a"), (0, "b"), (1, "a"), (1, "c"), (2, "a")]
    a1, b1, c2, cold = got[(0, "a")], got[(0, "b")], got[(1, "c")], got[(2, "a")]
    assert a1["popularity_rank"] == 1 and a1["popularity_score"] == 2
    assert b1["popularity_rank"] == MISSING_RANK and b1["popularity_score"] == 1  # dense score kept
    assert a1["ui_count"] == 2 and a1["ui_sessions"] == 2 and a1["ui_bought"] == 1
    assert a1["ui_days_since_last"] == pytest.approx(3)
    assert a1["ui_in_last_session"] == 1 and b1["ui_in_last_session"] == 1
    assert a1["ui_share"] == pytest.approx(2 / 3)
    assert c2["ui_in_last_session"] == 0 and c2["ui_days_since_last"] == pytest.approx(4)
    assert cold["ui_count"] == 0 and cold["ui_days_since_last"] == NEVER_DAYS and cold["user_events"] == 0

    # a masked cell is never a candidate
    mask = sp.csr_matrix(([1.0], ([0], [0])), shape=(3, data.n_items))
    pos, items, _ = build_features(data, ctx, gens, rows, depth=1, history_depth=10, mask=mask)
    assert (0, 0) not in set(zip(pos.tolist(), items.tolist(), strict=True))


def test_truncate_keeps_rows_and_columns():
    data = small()
    cut = int(data.seq_times.min() + 1.5 * DAY)  # keeps day 0 and day 1
    inner = truncate(data, cut)
    assert inner.n_users == data.n_users and inner.n_items == data.n_items
    assert list(np.diff(inner.seq_indptr)) == [1, 1]
    assert inner.matrix[0, 0] == data.matrix[0, 0] / 2  # one of u1's two purchases of a


def repeat_world(seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every user re-buys two personal items; five shop-wide hits are bought once by many.

    Returns (events before day 100, purchases in days 100-120). Popularity can only show the
    hits; the personal items are what users buy next.
    """
    rng = np.random.default_rng(seed)
    rows, later = [], []
    for u in range(30):
        mine = [f"p{2 * u}", f"p{2 * u + 1}"]
        for day in range(0, 120, 6):
            for item in mine:
                if rng.random() < 0.6:
                    (later if day >= 100 else rows).append((f"u{u}", item, day + rng.random(), f"u{u}-{day}"))
            if rng.random() < 0.3:
                hit = f"h{rng.integers(5)}"
                (later if day >= 100 else rows).append((f"u{u}", hit, day + rng.random(), f"u{u}-{day}"))
    return events(rows), events(later)


def recall(lists: np.ndarray, data: Interactions, truth: pl.DataFrame) -> float:
    rows = data.user_rows(truth["user_id"].unique().to_list())
    want = truth.group_by("user_id").agg(pl.col("item_id").unique())
    want_by_user = dict(zip(want["user_id"], want["item_id"], strict=True))
    got = []
    for r, items in zip(rows, lists[rows], strict=True):
        rel = set(want_by_user[data.user_ids[r]])
        got.append(len(rel & {data.item_ids[i] for i in items}) / min(len(rel), lists.shape[1]))
    return float(np.mean(got))


def test_ranker_learns_repeat_purchases_and_beats_popularity():
    fit, truth = repeat_world()
    data = Interactions.from_events(fit)
    ranker = LearnedRanker(
        {"popularity": Popularity},
        depth=3,
        label_days=30,
        params={"min_data_in_leaf": 5, "num_leaves": 7},
        num_rounds=30,
    ).fit(data)
    assert ranker.train_info["positives"] > 0 and ranker.train_info["groups"] > 0
    rows = np.arange(data.n_users)
    ours = top_k(ranker.score(rows), 2)[0]
    base = top_k(Popularity().fit(data).score(rows), 2)[0]
    r_ours, r_base = recall(ours, data, truth), recall(base, data, truth)
    assert r_ours > 0.8 and r_ours > r_base + 0.5
    top = list(ranker.importance())[:3]
    assert {"ui_count", "ui_sessions", "ui_share", "ui_days_since_last", "ui_bought"} & set(top)


def time_phases(seed: int = 1) -> tuple:
    """(validation, test) PhaseData of a time split of ``repeat_world`` and a popularity family."""
    from shopmind.recommend import evaluate
    from shopmind.recommend.protocols import time_split

    fit, later = repeat_world(seed=seed)
    split = time_split(pl.concat([fit, later]), T0 + timedelta(days=100), T0 + timedelta(days=80))
    valid = evaluate.prepare(split.valid, split.items, None)
    test = evaluate.prepare(split.test, split.items, None)
    return valid, test, [evaluate.Family("popularity", Popularity, [{}])]


def test_evaluate_adds_ours_ranker_on_a_time_split():
    from shopmind.recommend import evaluate

    valid, test, fams = time_phases()
    out = evaluate.Outcome(chosen={"popularity": {"params": {}}})
    info = evaluate.learned_ranker(fams, out, valid, test, "recall@20", log=lambda _: None)
    assert set(out.test) == {"ours-ranker"} and out.timings["ours-ranker"]["users"] == len(test.rows)
    assert info["valid_recall@20"] > 0.8 and out.test["ours-ranker"]["recall@20"] > 0.8
    assert info["test_train"]["label_cut"] < int((T0 + timedelta(days=100)).timestamp())  # labels before test
