"""Each candidate generator on tiny hand-made interactions with exactly known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from shopmind.recommend.als import ALS, BPR
from shopmind.recommend.base import Generator, Interactions, recommend, top_k
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.fusion import RankFusion, fuse_lists
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.popularity import CategoryPopularity, Popularity

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def events(rows: list[tuple[str, str, int]], kind: str = "purchase", session: bool = False) -> pl.DataFrame:
    """(user, item, seconds after T0) -> canonical events."""
    return pl.DataFrame(
        {
            "user_id": [u for u, _, _ in rows],
            "item_id": [i for _, i, _ in rows],
            "type": [kind] * len(rows),
            "timestamp": [T0 + timedelta(seconds=s) for _, _, s in rows],
            "session_id": [f"{u}-{s // 1000}" for u, _, s in rows] if session else [None] * len(rows),
        }
    )


def test_interactions_structures():
    ev = events([("u1", "b", 2), ("u1", "a", 1), ("u2", "a", 5), ("u1", "a", 3)])
    data = Interactions.from_events(ev, items=["a", "b", "c"])
    assert list(data.item_ids) == ["a", "b", "c"]  # the universe keeps never-seen items
    assert data.matrix.shape == (2, 3)
    u1 = data.user_rows(["u1"])[0]
    assert [data.item_ids[i] for i in data.history(u1)] == ["a", "b", "a"]  # time order
    assert data.matrix[u1].toarray().ravel().tolist() == [8.0, 4.0, 0.0]  # 2 purchases x weight 4
    assert data.user_rows(["nobody", "u2"]).tolist() == [-1, data.user_rows(["u2"])[0]]
    assert data.item_user_counts().tolist() == [2.0, 1.0, 0.0]


def test_popularity_counts_distinct_users_and_excludes_seen():
    ev = events([("u1", "a", 1), ("u1", "a", 2), ("u2", "b", 1), ("u3", "b", 1), ("u4", "c", 1), ("u3", "c", 2),
                 ("u2", "c", 3)])  # fmt: skip
    data = Interactions.from_events(ev)
    pop = Popularity().fit(data)
    assert isinstance(pop, Generator)
    items, scores = recommend(pop, data, ["u1", "u4", "new"], k=2)
    assert items.tolist() == [["c", "b"], ["b", "a"], ["c", "b"]]
    assert scores[0].tolist() == [3.0, 2.0]


def test_trending_prefers_recent_events():
    day = 86400
    ev = events(
        [
            ("u1", "old", 0),
            ("u2", "old", 1),
            ("u3", "old", 2),
            ("u1", "new", 30 * day),
            ("u2", "new", 30 * day),
        ]
    )
    data = Interactions.from_events(ev)
    assert recommend(Popularity().fit(data), data, ["x"], k=1, exclude_seen=False)[0].tolist() == [["old"]]
    trend = Popularity(half_life_days=7).fit(data)
    items, scores = recommend(trend, data, ["x"], k=2, exclude_seen=False)
    assert items.tolist() == [["new", "old"]]
    assert scores[0, 0] == pytest.approx(2.0)
    assert scores[0, 1] == pytest.approx(3 * 0.5 ** (30 / 7), rel=1e-3)


def test_category_popularity_follows_the_users_categories():
    ev = events([("u1", "shoe1", 1), ("u2", "shoe2", 1), ("u3", "shoe2", 1), ("u2", "hat1", 2), ("u3", "hat1", 2),
                 ("u4", "hat1", 2), ("u5", "hat2", 1)])  # fmt: skip
    cats = pl.DataFrame(
        {"item_id": ["shoe1", "shoe2", "hat1", "hat2"], "category": ["shoes", "shoes", "hats", "hats"]}
    )
    data = Interactions.from_events(ev, item_categories=cats)
    gen = CategoryPopularity().fit(data)
    # u1 only bought shoes: the top unseen shoe first, although hat1 is globally more popular
    assert recommend(gen, data, ["u1"], k=1)[0].tolist() == [["shoe2"]]
    # u5 only bought a hat: hat1
    assert recommend(gen, data, ["u5"], k=1)[0].tolist() == [["hat1"]]
    # a cold user gets global popularity
    assert recommend(gen, data, ["new"], k=1)[0].tolist() == [["hat1"]]


def test_covisitation_pairs_and_recency():
    # u1: a b c, u2: a b, u3: b c  -> forward pairs a->b x2, b->c x2, a->c x1 (lag 2)
    ev = events([("u1", "a", 1), ("u1", "b", 2), ("u1", "c", 3), ("u2", "a", 1), ("u2", "b", 2), ("u3", "b", 1),
                 ("u3", "c", 2)])  # fmt: skip
    data = Interactions.from_events(ev)
    gen = CoVisitation(window=2, forward_weight=1.0, backward_weight=0.0, lag_decay=0.5).fit(data)
    m = gen.neighbours_matrix.toarray()
    a, b, c = data.item_rows(["a", "b", "c"])
    w = 4.0  # purchase weight
    assert m[a, b] == pytest.approx(2 * w)
    assert m[b, c] == pytest.approx(2 * w)
    assert m[a, c] == pytest.approx(0.5 * w)
    assert m[b, a] == 0.0 and m[c, b] == 0.0
    # u2's last item is b -> c is next; a (seen) is excluded
    assert recommend(gen, data, ["u2"], k=1)[0].tolist() == [["c"]]


def test_covisitation_time_gap_and_sessions():
    ev = events([("u1", "a", 0), ("u1", "b", 10), ("u1", "c", 5000)], session=True)
    data = Interactions.from_events(ev)
    gen = CoVisitation(window=1, backward_weight=0.0, gap_half_life_s=10.0, cross_session_weight=0.5).fit(
        data
    )
    m = gen.neighbours_matrix.toarray()
    a, b, c = data.item_rows(["a", "b", "c"])
    assert m[a, b] == pytest.approx(4.0 * 0.5)  # 10 s apart, half-life 10 s, same session
    assert m[b, c] == pytest.approx(4.0 * 0.5 ** (4990 / 10) * 0.5)  # other session


def test_covisitation_recent_items_decay():
    ev = events(
        [("u1", "a", 1), ("u1", "x", 2), ("u2", "b", 1), ("u2", "y", 2), ("u3", "a", 1), ("u3", "b", 2)]
    )
    data = Interactions.from_events(ev)
    gen = CoVisitation(window=1, backward_weight=0.0, recent=2, recency_decay=0.5).fit(data)
    # u3: last b (weight 1) -> y; earlier a (weight 0.5) -> x
    items, scores = recommend(gen, data, ["u3"], k=2)
    assert items.tolist() == [["y", "x"]]
    assert scores[0].tolist() == pytest.approx([4.0, 2.0])


def test_itemknn_cosine():
    # item a: users 1,2; item b: users 1,2,3; item c: user 3
    ev = events([("1", "a", 1), ("2", "a", 1), ("1", "b", 2), ("2", "b", 2), ("3", "b", 1), ("3", "c", 2)])
    data = Interactions.from_events(ev)
    gen = ItemKNN(neighbours=10).fit(data)
    s = gen.similarity.toarray()
    a, b, c = data.item_rows(["a", "b", "c"])
    assert s[a, b] == pytest.approx(2 / np.sqrt(2 * 3))
    assert s[b, c] == pytest.approx(1 / np.sqrt(3 * 1))
    assert s[a, c] == 0.0
    # user 3 (b, c): a scores sim(b,a) = 0.816
    items, scores = recommend(gen, data, ["3"], k=1)
    assert items.tolist() == [["a"]]
    assert scores[0, 0] == pytest.approx(2 / np.sqrt(6))
    top1 = ItemKNN(neighbours=1).fit(data).similarity.toarray()
    assert (top1 > 0).sum(axis=1).tolist() == [1, 1, 1]


def _blocks() -> pl.DataFrame:
    """Two taste groups: users 0-9 buy items g0..g4, users 10-19 buy h0..h4; each misses one."""
    rows = []
    for u in range(20):
        group = "g" if u < 10 else "h"
        for j in range(5):
            if j != u % 5:
                rows.append((f"u{u}", f"{group}{j}", j))
    return events(rows)


@pytest.mark.parametrize("make", [lambda: ALS(factors=4, regularization=0.01, iterations=20),
                                  lambda: BPR(factors=4, learning_rate=0.05, iterations=200)])  # fmt: skip
def test_factor_models_recommend_the_missing_item_of_the_block(make):
    data = Interactions.from_events(_blocks())
    gen = make().fit(data)
    items, _ = recommend(gen, data, [f"u{u}" for u in range(20)], k=1)
    expected = [[("g" if u < 10 else "h") + str(u % 5)] for u in range(20)]
    assert items.tolist() == expected


def test_als_fold_in_new_user():
    data = Interactions.from_events(_blocks())
    gen = ALS(factors=4, regularization=0.01, iterations=20).fit(data)
    scores = gen.fold_in(data.item_rows(["h0", "h1", "h2"]))
    ranked = [data.item_ids[i] for i in np.argsort(-scores)]
    assert set(ranked[:5]) == {"h0", "h1", "h2", "h3", "h4"}


def test_top_k_orders_and_breaks_ties_by_index():
    s = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 1.0, 2.0, 0.0]], dtype=np.float32)
    idx, vals = top_k(s, 3)
    assert idx.tolist() == [[1, 3, 2], [0, 2, 1]]
    assert vals[1].tolist() == [3.0, 2.0, 1.0]


def test_rank_fusion():
    lists = {"x": np.array([[0, 1, 2]]), "y": np.array([[2, 1, -1]])}
    # c=1, weights 1 and w: item0 = 1/2; item1 = (1 + w)/3; item2 = 1/4 + w/2; -1 = empty slot
    assert fuse_lists(lists, {"x": 1.0, "y": 0.0}, 1.0, 4, 2).tolist() == [[0, 1]]
    assert fuse_lists(lists, {"x": 1.0, "y": 3.0}, 1.0, 4, 3).tolist() == [[2, 1, 0]]
    assert fuse_lists(lists, {"x": 1.0, "y": 2.0}, 1.0, 4, 4).tolist() == [[2, 1, 0, 3]]  # 1.25, 1, 0.5, 0
    ev = events(
        [("u1", "a", 1), ("u2", "a", 1), ("u2", "b", 2), ("u3", "c", 1), ("u4", "c", 1), ("u5", "c", 1)]
    )
    data = Interactions.from_events(ev)
    fused = RankFusion({"pop": Popularity(), "knn": ItemKNN()}, {"pop": 1.0, "knn": 1.0}, c=1.0).fit(data)
    # u1 (a): knn -> b (rank 1), pop -> c (rank 1), b (rank 2): b = 1/2 + 1/3 beats c = 1/2
    assert recommend(fused, data, ["u1"], k=2)[0].tolist() == [["b", "c"]]


def test_every_generator_has_the_shared_api():
    data = Interactions.from_events(_blocks())
    for gen in (
        Popularity(),
        CategoryPopularity(),
        ItemKNN(),
        CoVisitation(),
        ALS(factors=4),
        BPR(factors=4),
    ):
        assert isinstance(gen, Generator)
        items, scores = gen.fit(data).recommend(["u0", "u10"], k=3)
        assert items.shape == (2, 3) and scores.shape == (2, 3)
        assert not {"g1", "g2", "g3", "g4"} & set(items[0])  # u0's own items are excluded


def test_category_popularity_without_any_category_is_plain_popularity():
    import polars as pl

    from shopmind.recommend.base import Interactions
    from shopmind.recommend.popularity import CategoryPopularity

    events = pl.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u3"],
            "item_id": ["a", "b", "a", "a"],
            "type": ["view"] * 4,
            "timestamp": [1, 2, 3, 4],
        }
    )
    cats = pl.DataFrame(
        {"item_id": ["a", "b"], "category": [None, None]}, schema={"item_id": pl.Utf8, "category": pl.Utf8}
    )
    data = Interactions.from_events(events, item_categories=cats)
    scores = CategoryPopularity().fit(data).score(np.arange(data.n_users))
    assert scores.shape == (3, 2)
    a, b = list(data.item_ids).index("a"), list(data.item_ids).index("b")
    assert (scores[:, a] > scores[:, b]).all()
