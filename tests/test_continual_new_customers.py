"""Session 21's candidates aimed at the new customers of an update (``learn.recs``): the
ALS block of the customers first seen in the update and the items they bought
(``warm_new_block``), and the fused list's ALS weight for new customers
(``new_customer_als_weight``, a serving rule applied to any models).

Real data: the groceries baskets through the quality gate (skipped only without $SHOPMIND_DATA).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from continual_util import groceries_events
from shopmind.learn.diagnose import als_factors
from shopmind.learn.merge import added
from shopmind.learn.recs import BehaviourModels, LearnConfig, _new_block
from shopmind.recommend.evaluate import DEPTH, PhaseData, _pair_matrix, ranked_lists
from shopmind.recommend.fusion import fuse_lists

SMALL_ALS = {"factors": 16, "regularization": 0.05, "iterations": 5}


@pytest.fixture(scope="module")
def split() -> dict[str, pl.DataFrame]:
    """Old events (to 70 % of the time range), the update (to 85 %), the test truth."""
    ev = groceries_events()
    t = ev["timestamp"]
    a, b = t.min() + (t.max() - t.min()) * 0.70, t.min() + (t.max() - t.min()) * 0.85
    return {
        "old": ev.filter(pl.col("timestamp") < a),
        "new": ev.filter((pl.col("timestamp") >= a) & (pl.col("timestamp") < b)),
        "truth": ev.filter(pl.col("timestamp") >= b).select("user_id", "item_id").unique(maintain_order=True),
    }


def test_new_block_is_the_new_customers_and_what_they_bought(split: dict[str, pl.DataFrame]) -> None:
    old = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS)))
    add = added(old.data, split["new"], old.cfg.event_weights)
    users, items = _new_block(add.matrix, old.data.n_users)
    known = set(split["old"]["user_id"].to_list())
    fresh = split["new"].filter(~pl.col("user_id").is_in(list(known)))
    assert len(users) == fresh["user_id"].n_unique() > 10
    assert set(add.user_ids[users].astype(str)) == set(fresh["user_id"].to_list())
    assert set(add.item_ids[items].astype(str)) == set(fresh["item_id"].cast(pl.Utf8).to_list())
    assert len(items) < add.n_items  # not every item: a block, not a sweep


def test_warm_new_block_moves_only_the_new_customers_and_their_items(split: dict[str, pl.DataFrame]) -> None:
    """With no touched round and no sweep, the block round alone: old customers and items no
    new customer bought keep their factors; the new customers and their items move."""
    cfg = LearnConfig(als=dict(SMALL_ALS), warm_touched=0, warm_iterations=0, warm_new_block=1)
    old = BehaviourModels.fit(split["old"], cfg)
    new = old.update(split["new"])
    users, items = _new_block(added(old.data, split["new"], cfg.event_weights).matrix, old.data.n_users)
    x_old, y_old = als_factors(old)
    x, y = als_factors(new)
    n_u, n_i = len(x_old), len(y_old)
    np.testing.assert_array_equal(x[:n_u], x_old)
    rest = np.setdiff1d(np.arange(n_i), items)
    np.testing.assert_array_equal(y[rest], y_old[rest])
    assert np.abs(x[users]).max(axis=1).min() > 0.02  # solved, no longer the 0.01-scale start
    old_items = items[items < n_i]
    assert np.abs(y[old_items] - y_old[old_items]).max(axis=1).min() > 0
    # the default schedule plus the block ends elsewhere than the default alone
    a = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS))).update(split["new"])
    b = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_new_block=1)).update(
        split["new"]
    )
    assert np.abs(als_factors(a)[1][items] - als_factors(b)[1][items]).max() > 1e-4
    np.testing.assert_array_equal(als_factors(a)[1][rest], als_factors(b)[1][rest])


def test_new_customers_are_those_first_seen_in_the_newest_days(split: dict[str, pl.DataFrame]) -> None:
    both = pl.concat([split["old"], split["new"]], how="diagonal_relaxed")
    models = BehaviourModels.fit(both, LearnConfig(als=dict(SMALL_ALS), new_customer_days=45.0))
    first = both.group_by("user_id").agg(pl.col("timestamp").min())
    cutoff = both["timestamp"].max() - timedelta(days=45)
    expect = set(first.filter(pl.col("timestamp") >= cutoff)["user_id"].to_list())
    rows = np.arange(models.data.n_users)
    got = set(models.data.user_ids[models.new_customers(rows)].astype(str))
    assert got == expect and 0 < len(got) < len(rows)
    some = rows[::3]
    np.testing.assert_array_equal(models.new_customers(some), models.new_customers(rows)[::3])


def test_new_customer_als_weight_fuses_their_lists_without_als(split: dict[str, pl.DataFrame]) -> None:
    """Weight 0: a new customer's fused list is the fusion of the other generators; everyone
    else's is the default one; the weight equal to the default changes nothing."""
    both = pl.concat([split["old"], split["new"]], how="diagonal_relaxed")
    base = LearnConfig(als=dict(SMALL_ALS), new_customer_days=45.0)
    models = BehaviourModels.fit(both, base)
    users = split["truth"]["user_id"].unique(maintain_order=True).to_list()
    rows = models.data.user_rows(users)
    users = [u for u, r in zip(users, rows, strict=True) if r >= 0]
    pd_ = PhaseData(models.data, rows[rows >= 0], _pair_matrix(split["truth"], models.data, users), None)
    new = models.new_customers(pd_.rows)
    assert 0 < new.sum() < len(new)
    default = models.top(pd_)
    models.cfg = replace(base, new_customer_als_weight=0.0)
    fallback = models.top(pd_)
    np.testing.assert_array_equal(fallback[~new], default[~new])
    lists = {n: ranked_lists(g, pd_, DEPTH)[1][new] for n, g in models.generators.items() if n != "als"}
    weights = {n: w for n, w in base.weights.items() if n != "als"}
    np.testing.assert_array_equal(
        fallback[new], fuse_lists(lists, weights, base.rrf_c, models.data.n_items, 20)
    )
    assert (fallback[new] != default[new]).any()
    models.cfg = replace(base, new_customer_als_weight=base.weights["als"])
    np.testing.assert_array_equal(models.top(pd_), default)
