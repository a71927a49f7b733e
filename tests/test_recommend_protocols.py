"""Protocol splits on tiny fixtures: the right items go to train, validation and test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from shopmind.recommend.protocols import leave_one_out, recbole_random, split_counts, time_split

T0 = datetime(2000, 1, 1, tzinfo=UTC)


def _events(seqs: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(u, i, p) for u, items in seqs.items() for p, i in enumerate(items)]
    return pl.DataFrame(
        {
            "_row": list(range(len(rows))),
            "user_id": [u for u, _, _ in rows],
            "item_id": [i for _, i, _ in rows],
            "type": ["purchase"] * len(rows),
            "timestamp": [T0 + timedelta(seconds=p) for _, _, p in rows],
        }
    )


def _pairs(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("user_id", "item_id").iter_rows())


def test_leave_one_out_picks_last_and_second_last():
    ev = _events({"u1": ["a", "b", "c", "d"], "u2": ["c", "a", "e"], "u3": ["x", "y"]})
    s = leave_one_out(ev.sample(fraction=1.0, shuffle=True, seed=1))  # input order must not matter
    assert _pairs(s.test.truth) == {("u1", "d"), ("u2", "e")}
    assert _pairs(s.valid.truth) == {("u1", "c"), ("u2", "a")}
    assert _pairs(s.valid.fit) == {("u1", "a"), ("u1", "b"), ("u2", "c"), ("u3", "x"), ("u3", "y")}
    assert _pairs(s.test.fit) == _pairs(s.valid.fit) | {("u1", "c"), ("u2", "a")}
    assert not _pairs(s.test.truth) & _pairs(s.test.fit)  # no test item leaks into training
    assert not _pairs(s.valid.truth) & _pairs(s.valid.fit)
    assert s.test.history is not None and _pairs(s.test.history) == _pairs(s.test.fit)
    assert sorted(s.items) == ["a", "b", "c", "d", "e", "x", "y"]  # full ranking universe


def test_leave_one_out_holds_out_baskets():
    """Events sharing a user's timestamp are one basket: the last basket is the test, the one before
    it the validation (t12g, session 31: two items of one Groceries basket were the validation and
    the test target of every member, ties broken by source row)."""
    day = timedelta(days=1)
    rows = [("u1", "a", 0), ("u1", "b", 1), ("u1", "c", 1), ("u1", "d", 2), ("u1", "e", 2), ("u1", "f", 2),
            ("u2", "a", 0), ("u2", "b", 0), ("u2", "c", 5)]  # fmt: skip
    ev = pl.DataFrame(
        {
            "_row": list(range(len(rows))),
            "user_id": [u for u, _, _ in rows],
            "item_id": [i for _, i, _ in rows],
            "type": ["purchase"] * len(rows),
            "timestamp": [T0 + d * day for _, _, d in rows],
        }
    )
    s = leave_one_out(ev.sample(fraction=1.0, shuffle=True, seed=3))
    assert _pairs(s.test.truth) == {("u1", "d"), ("u1", "e"), ("u1", "f")}  # u2: two baskets, trains only
    assert _pairs(s.valid.truth) == {("u1", "b"), ("u1", "c")}
    assert _pairs(s.valid.fit) == {("u1", "a"), ("u2", "a"), ("u2", "b"), ("u2", "c")}
    assert _pairs(s.test.fit) == _pairs(s.valid.fit) | {("u1", "b"), ("u1", "c")}
    assert "basket" in s.protocol and any("baskets" in n for n in s.notes)


def test_leave_one_out_without_ties_is_s3rec():
    """Distinct timestamps (the S3-Rec files): one event per step, no note about baskets."""
    s = leave_one_out(_events({"u1": ["a", "b", "c", "d"]}))
    assert _pairs(s.test.truth) == {("u1", "d")} and _pairs(s.valid.truth) == {("u1", "c")}
    assert s.protocol == "leave-one-out (S3-Rec)" and not any("baskets" in n for n in s.notes)


def test_recbole_split_counts():
    # RecBole _calcu_split_ids with [0.8, 0.1, 0.1]
    got = split_counts(np.array([20, 25, 10, 5, 3]), (0.8, 0.1, 0.1))
    assert got.tolist() == [[16, 2, 2], [21, 2, 2], [8, 1, 1], [3, 1, 1], [1, 1, 1]]


def test_recbole_split_sizes_disjoint_and_seeded():
    rng = np.random.default_rng(0)
    seqs = {f"u{u}": [f"i{j}" for j in rng.choice(200, size=20 + u, replace=False)] for u in range(10)}
    ev = _events(seqs)
    s = recbole_random(ev)
    for u, items in seqs.items():
        n = len(items)
        tr = s.valid.fit.filter(pl.col("user_id") == u).height
        va = s.valid.truth.filter(pl.col("user_id") == u).height
        te = s.test.truth.filter(pl.col("user_id") == u).height
        assert (tr, va, te) == tuple(split_counts(np.array([n]), (0.8, 0.1, 0.1))[0])
    train, valid, test = _pairs(s.valid.fit), _pairs(s.valid.truth), _pairs(s.test.truth)
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert train | valid | test == _pairs(ev)
    assert _pairs(s.test.fit) == train  # RecBole trains on train only
    assert s.test.history is not None and _pairs(s.test.history) == train | valid
    assert _pairs(recbole_random(ev).test.truth) == test  # same seed, same split
    assert _pairs(recbole_random(ev, seed=7).test.truth) != test


def test_time_split_purchases_and_warm_users():
    day = timedelta(days=1)
    cut, vcut = datetime(2011, 11, 1, tzinfo=UTC), datetime(2011, 10, 1, tzinfo=UTC)
    ev = pl.DataFrame(
        {
            "_row": list(range(7)),
            "user_id": ["a", "a", "a", "b", "c", "a", "a"],
            "item_id": ["x", "y", "z", "x", "x", "w", "v"],
            "type": ["purchase", "purchase", "purchase", "purchase", "purchase", "return", "purchase"],
            "quantity": [1, 2, 1, 1, 1, -1, 0],
            "order_id": ["1", "2", "3", "4", "5", "C6", "7"],
            "timestamp": [vcut - day, vcut + day, cut + day, cut + day, vcut - day, cut + day, cut + day],
        }
    )
    s = time_split(ev, cut, vcut)
    assert _pairs(s.test.fit) == {("a", "x"), ("a", "y"), ("c", "x")}
    assert _pairs(s.test.truth) == {("a", "z")}  # b is cold; the return and quantity 0 are not purchases
    assert _pairs(s.valid.fit) == {("a", "x"), ("c", "x")}
    assert _pairs(s.valid.truth) == {("a", "y")}
    assert s.test.history is None


def test_time_split_notes_say_what_the_purchases_rule_did_and_keep_c_orders() -> None:
    """The note named Online Retail's "invoice not starting with 'C'" on every dataset, and the rule
    dropped a shop's own orders whose ids start with C (first-hour walk, session 28)."""
    day = timedelta(days=1)
    cut, vcut = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    ev = pl.DataFrame(
        {
            "_row": list(range(6)),
            "user_id": ["a", "a", "a", "a", "b", "a"],
            "item_id": ["x", "y", "z", "w", "x", "v"],
            "type": ["purchase", "purchase", "purchase", "view", "purchase", "purchase"],
            "quantity": [1, 1, 1, None, 1, -2],
            "order_id": ["CA-1", "CA-2", "CA-3", None, "CB-1", "CA-4"],
            "timestamp": [vcut - day, vcut + day, cut + day, cut + day, cut + day, cut + day],
        }
    )
    s = time_split(ev, cut, vcut)
    assert _pairs(s.test.truth) == {("a", "z")}  # a C order is a purchase like any other
    note = s.notes[0]
    assert "'C'" not in note and "invoice" not in note
    assert note.startswith("purchases only: 4 purchase lines") and "left out 1 view" in note
    assert "1 purchase lines with quantity <= 0" in note
