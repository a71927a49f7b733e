"""Markov: exact transition probabilities by hand, and the "i is followed by i+1" pattern."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from shopmind.recommend.base import Generator, Interactions, recommend
from shopmind.recommend.markov import Markov, collapse_repeats

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def events(seqs: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(u, i, k) for u, items in seqs.items() for k, i in enumerate(items)]
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "item_id": [r[1] for r in rows],
            "type": ["view"] * len(rows),
            "timestamp": [T0 + timedelta(seconds=r[2]) for r in rows],
        }
    )


def test_collapse_repeats_and_probabilities_by_hand():
    # u1: a a b c ; u2: a c ; u3: b c a. First order (window 1): a->b 1, a->c 1, b->c 2, c->a 1.
    data = Interactions.from_events(
        events({"u1": ["a", "a", "b", "c"], "u2": ["a", "c"], "u3": ["b", "c", "a"]}),
        items=["a", "b", "c", "d"],
    )
    indptr, items = collapse_repeats(data)
    assert np.diff(indptr).tolist() == [3, 2, 3]
    m = Markov(window=1, recent=1, second_order_weight=0.0, smoothing=0.0).fit(data)
    assert isinstance(m, Generator)
    first = m.first.toarray()
    np.testing.assert_allclose(first[0], [0, 0.5, 0.5, 0])  # P(. | a)
    np.testing.assert_allclose(first[1], [0, 0, 1, 0])  # P(. | b)
    np.testing.assert_allclose(first[2], [1, 0, 0, 0])  # P(. | c)
    u2 = data.user_rows(["u2"])[0]
    np.testing.assert_allclose(m.score(np.array([u2, -1])), [[1, 0, 0, 0], [0, 0, 0, 0]])
    # smoothing discounts rarely seen contexts: P(c | b) = 2 / (2 + 1)
    smooth = Markov(window=1, second_order_weight=0.0, smoothing=1.0).fit(data)
    np.testing.assert_allclose(smooth.first.toarray()[1, 2], 2 / 3, rtol=1e-6)


def test_second_order_separates_contexts_first_order_cannot():
    # after (a, x) comes p, after (b, x) comes q: first order on x alone is a coin flip
    seqs = {f"u{k}": (["a", "x", "p"] if k % 2 else ["b", "x", "q"]) for k in range(20)}
    seqs["ta"] = ["a", "x"]
    seqs["tb"] = ["b", "x"]
    data = Interactions.from_events(events(seqs))
    m = Markov(window=1, recent=1, second_order_weight=1.0).fit(data)
    items, _ = recommend(m, data, ["ta", "tb"], k=1)
    assert items[:, 0].tolist() == ["p", "q"]
    flat = Markov(window=1, recent=1, second_order_weight=0.0).fit(data).score(data.user_rows(["ta"]))
    col = {str(i): k for k, i in enumerate(data.item_ids)}
    assert flat[0, col["p"]] == flat[0, col["q"]]


def test_learns_successor_pattern():
    # item i is always followed by i + 1 (mod 30); each user sees a random window of the cycle
    rng = np.random.default_rng(0)
    n = 30
    seqs = {}
    for u in range(200):
        start, length = int(rng.integers(n)), int(rng.integers(3, 12))
        seqs[f"u{u}"] = [f"i{(start + k) % n}" for k in range(length)]
    data = Interactions.from_events(events(seqs), items=[f"i{k}" for k in range(n)])
    m = Markov().fit(data)
    rows = np.arange(data.n_users)
    scores = m.score(rows)
    assert not np.isnan(scores).any() and scores.shape == (data.n_users, n)
    last = np.array([data.history(r)[-1] for r in rows])
    nxt = np.array([int(str(data.item_ids[i])[1:]) for i in last]) + 1
    want = data.item_rows([f"i{k % n}" for k in nxt])
    hr1 = float(np.mean(scores.argmax(axis=1) == want))
    assert hr1 == 1.0
