"""Live state: pairs formed like the batch co-visitation, trending decay, JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from shopmind.recommend.base import EVENT_WEIGHTS, Interactions
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.live import DAY, LiveState


def test_live_pairs_equal_batch_covisitation() -> None:
    """Feeding one visitor's events one by one gives the batch pair matrix (same session)."""
    seq = [
        ("a", "view"),
        ("b", "view"),
        ("c", "add_to_cart"),
        ("a", "view"),
        ("d", "purchase"),
        ("b", "click"),
    ]
    items = ["a", "b", "c", "d"]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    events = pl.DataFrame(
        {
            "user_id": ["u"] * len(seq),
            "item_id": [s[0] for s in seq],
            "type": [s[1] for s in seq],
            "timestamp": [t0.replace(minute=i) for i in range(len(seq))],
            "session_id": ["s1"] * len(seq),
        }
    )
    data = Interactions.from_events(events, items=items)
    batch = CoVisitation(window=3).pair_matrix(data).toarray()
    live = LiveState(len(items), EVENT_WEIGHTS, window=3)
    for i, (item, type_) in enumerate(seq):
        live.add("u", items.index(item), type_, float(i))
    dense = np.zeros_like(batch)
    for a, row in live.covisit.items():
        for b, v in row.items():
            dense[a, b] = v
    # the repeated "a" (lag 3) is skipped by both; every other pair must match exactly
    np.testing.assert_allclose(dense, batch, rtol=1e-6)


def test_trending_halves_per_half_life_and_popularity_accumulates() -> None:
    live = LiveState(3, EVENT_WEIGHTS, half_life_days=2.0)
    live.add("u", 1, "purchase", 0.0)
    live.add("v", 1, "view", 0.0)
    assert live.popularity[1] == pytest.approx(5.0)
    assert live.trending(at=2 * DAY)[1] == pytest.approx(2.5)
    assert live.trending(at=4 * DAY)[1] == pytest.approx(1.25)
    live.add("w", 1, "view", 2 * DAY)  # decays the old mass before adding
    assert live.trending()[1] == pytest.approx(3.5)


def test_purchases_per_order_form_cobought_pairs() -> None:
    live = LiveState(5, EVENT_WEIGHTS)
    live.add("u", 0, "purchase", 1.0, order="o1")
    live.add("u", 1, "purchase", 2.0, order="o1")
    live.add("u", 2, "purchase", 3.0, order="o2")
    assert live.cobought == {0: {1: 1.0}, 1: {0: 1.0}}
    assert live.purchased["u"] == [0, 1, 2]


def test_search_and_zero_weight_events_do_not_enter_history() -> None:
    live = LiveState(3, EVENT_WEIGHTS)
    live.add("u", 0, "view", 1.0)
    live.add("u", 1, "return", 2.0)  # weight 0
    assert [e[0] for e in live.events["u"]] == [0]
    assert live.covisit == {}


def test_history_is_bounded_and_state_round_trips_through_json() -> None:
    live = LiveState(50, EVENT_WEIGHTS, recent=5)
    rng = np.random.default_rng(0)
    for t in range(40):
        live.add(
            f"u{t % 3}", int(rng.integers(50)), "view" if t % 4 else "purchase", float(t), order=f"o{t // 5}"
        )
    assert all(len(v) <= 5 for v in live.events.values())
    copy = LiveState.from_dict(json.loads(json.dumps(live.to_dict())))
    assert copy.events == live.events
    assert copy.covisit == live.covisit
    assert copy.cobought == live.cobought
    assert copy.purchased == live.purchased
    np.testing.assert_allclose(copy.trending(), live.trending())
    np.testing.assert_allclose(copy.popularity, live.popularity)


def test_pair_table_reads_the_same_before_and_after_folding() -> None:
    """Bumps split between the CSR part and the dict buffer read back as one row."""
    from shopmind.recommend.live import PairTable

    rng = np.random.default_rng(3)
    small, never = PairTable(30, fold_every=7), PairTable(30, fold_every=10**9)
    expect: dict[int, dict[int, float]] = {}
    for _ in range(500):
        a, b, w = int(rng.integers(30)), int(rng.integers(30)), float(rng.random())
        small.bump(a, b, w)
        never.bump(a, b, w)
        expect.setdefault(a, {})[b] = expect.get(a, {}).get(b, 0.0) + w
    assert small._csr.nnz > 0 and small._buffered < 7  # folded many times, some still buffered
    for a in range(30):
        got, ref = small.get(a, {}), expect.get(a, {})
        assert got.keys() == ref.keys()
        assert all(abs(got[b] - ref[b]) < 1e-9 for b in ref)
    assert small.get(99) is None  # out of range: no row
    back = PairTable.from_json(30, json.loads(json.dumps(small.to_json()))).as_dict()
    ref = never.as_dict()
    assert back.keys() == ref.keys()
    assert all(back[a].keys() == ref[a].keys() for a in ref)
    assert all(abs(back[a][b] - v) < 1e-9 for a in ref for b, v in ref[a].items())


def test_pair_table_row_arrays_match_get() -> None:
    from shopmind.recommend.live import PairTable

    rng = np.random.default_rng(5)
    t = PairTable(20, fold_every=9)
    for _ in range(300):
        t.bump(int(rng.integers(20)), int(rng.integers(20)), float(rng.random()))
    for a in range(-1, 21):
        cols, vals = t.row_arrays(a)
        assert len(set(cols.tolist())) == len(cols)  # one entry per column, buffer merged in
        assert dict(zip(cols.tolist(), vals.tolist(), strict=True)) == pytest.approx(t.get(a, {}))
