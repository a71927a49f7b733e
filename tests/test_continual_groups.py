"""Where a warm update loses, by customer group and by ALS factors (``learn.diagnose``):
the groups partition the customers, their contributions add up to the whole difference, the
counts-based generators contribute nothing (they are exact), and the exact re-solve of ALS
rows is what it says.

Real data: the groceries baskets through the quality gate (skipped only without $SHOPMIND_DATA).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from continual_util import groceries_events
from shopmind.learn.diagnose import (
    FUSED,
    GROUPS,
    als_factors,
    by_group,
    customer_groups,
    generator_recalls,
    known_users,
    resolved,
)
from shopmind.learn.recs import BehaviourModels, LearnConfig

SMALL_ALS = {"factors": 16, "regularization": 0.05, "iterations": 5}


@pytest.fixture(scope="module")
def setup() -> dict[str, object]:
    """Old events (to 70 % of the time range), the update (to 85 %), the test truth; a warm
    update and two refits."""
    ev = groceries_events()
    t = ev["timestamp"]
    a, b = t.min() + (t.max() - t.min()) * 0.70, t.min() + (t.max() - t.min()) * 0.85
    old = ev.filter(pl.col("timestamp") < a)
    new = ev.filter((pl.col("timestamp") >= a) & (pl.col("timestamp") < b))
    truth = ev.filter(pl.col("timestamp") >= b).select("user_id", "item_id").unique(maintain_order=True)
    cfg = LearnConfig(als=dict(SMALL_ALS))
    warm = BehaviourModels.fit(old, cfg).update(new)
    both = pl.concat([old, new], how="diagonal_relaxed")
    refits = [BehaviourModels.fit(both, LearnConfig(als=dict(SMALL_ALS), seed=s)) for s in (0, 1)]
    return {"old": old, "new": new, "truth": truth, "warm": warm, "refits": refits}


def test_groups_partition_the_customers_and_refuse_strangers() -> None:
    g = customer_groups(["a", "b", "c", "b"], old_users={"a", "b", "x"}, update_users={"b", "c"})
    assert {k: g[k].tolist() for k in GROUPS} == {
        "new": [False, False, True, False],
        "returning": [False, True, False, True],
        "untouched": [True, False, False, False],
    }
    with pytest.raises(ValueError, match="1 customers have events in neither period"):
        customer_groups(["a", "z"], old_users={"a"}, update_users=set())


def test_groceries_has_three_groups_and_they_add_up(setup: dict[str, object]) -> None:
    warm, refits, truth = setup["warm"], setup["refits"], setup["truth"]
    old, new = setup["old"], setup["new"]
    users = known_users(warm, truth)  # type: ignore[arg-type]
    groups = customer_groups(
        users,
        set(old["user_id"].unique().to_list()),  # type: ignore[index]
        set(new["user_id"].unique().to_list()),  # type: ignore[index]
    )
    sizes = {k: int(v.sum()) for k, v in groups.items()}
    assert sum(sizes.values()) == len(users) and min(sizes.values()) > 0, sizes
    w = generator_recalls(warm, truth, users)  # type: ignore[arg-type]
    rs = [generator_recalls(r, truth, users) for r in refits]  # type: ignore[union-attr]
    table = by_group(w, rs, groups)
    for name in w:
        total = float((w[name] - (rs[0][name] + rs[1][name]) / 2).mean())
        parts = sum(table[g][name]["contribution"] for g in GROUPS)  # type: ignore[index]
        assert parts == pytest.approx(total, abs=1e-12)
        for g in GROUPS:  # the within-group mean and the contribution say the same thing
            row = table[g][name]  # type: ignore[index]
            assert row["contribution"] == pytest.approx(  # type: ignore[index]
                row["paired"]["mean"] * sizes[g] / len(users),
                abs=1e-12,  # type: ignore[index]
            )
    for name in ("covisit", "popularity", "trending"):  # exact in a warm update: no difference anywhere
        assert all(table[g][name]["contribution"] == 0.0 for g in GROUPS)  # type: ignore[index]
    assert any(table[g]["als"]["paired"]["mean"] != 0.0 for g in GROUPS)  # type: ignore[index]


def test_resolved_solves_the_rows_it_is_given_exactly_and_shares_the_rest(setup: dict[str, object]) -> None:
    warm: BehaviourModels = setup["warm"]  # type: ignore[assignment]
    x0, y0 = als_factors(warm)
    rows = np.arange(0, warm.data.n_users, 7)
    once = resolved(warm, users=rows)
    x1, y1 = als_factors(once)
    np.testing.assert_array_equal(y1, y0)
    others = np.setdiff1d(np.arange(warm.data.n_users), rows)
    np.testing.assert_array_equal(x1[others], x0[others])
    assert np.abs(x1[rows] - x0[rows]).max() > 1e-3
    twice = resolved(once, users=rows)  # already the solution: solving again does not move it
    np.testing.assert_allclose(als_factors(twice)[0][rows], x1[rows], rtol=1e-3, atol=1e-4)
    assert once.generators["covisit"] is warm.generators["covisit"]
    assert als_factors(warm)[0] is not x1 and np.array_equal(als_factors(warm)[0], x0)  # warm untouched
    # items too, after every user; the fused list changes with ALS only
    both = resolved(warm, users=None, items=np.arange(5))
    xb, yb = als_factors(both)
    assert np.abs(yb[:5] - y0[:5]).max() > 1e-3 and np.array_equal(yb[5:], y0[5:])
    truth = setup["truth"]
    users = known_users(warm, truth)  # type: ignore[arg-type]
    a, b = generator_recalls(warm, truth, users), generator_recalls(both, truth, users)  # type: ignore[arg-type]
    assert np.array_equal(a["covisit"], b["covisit"]) and not np.array_equal(a["als"], b["als"])
    assert FUSED in b


def test_warm_exact_new_users_solves_the_new_customers_before_anything_else(setup: dict[str, object]) -> None:
    """``warm_exact_new_users`` with no rounds and no sweeps: old customers and every item keep
    their factors, and each new customer's factors are the exact solution against them (a
    second exact solve does not move them) — not the 0.01-scale random start."""
    old_ev, new_ev = setup["old"], setup["new"]
    cfg = LearnConfig(als=dict(SMALL_ALS), warm_touched=0, warm_iterations=0, warm_exact_new_users=True)
    old = BehaviourModels.fit(old_ev, cfg)  # type: ignore[arg-type]
    new = old.update(new_ev)  # type: ignore[arg-type]
    x_old, y_old = als_factors(old)
    x, y = als_factors(new)
    n = len(x_old)
    fresh = np.arange(n, len(x))
    assert len(fresh) > 10
    np.testing.assert_array_equal(x[:n], x_old)
    np.testing.assert_array_equal(y[: len(y_old)], y_old)
    assert np.abs(x[fresh]).max() > 0.05
    again = als_factors(resolved(new, users=fresh))[0]
    np.testing.assert_allclose(again[fresh], x[fresh], rtol=1e-3, atol=1e-4)
    # the default (a CG round from the random start, then a sweep) ends elsewhere
    default = BehaviourModels.fit(old_ev, LearnConfig(als=dict(SMALL_ALS))).update(new_ev)  # type: ignore[arg-type]
    assert np.abs(als_factors(default)[0][fresh] - x[fresh]).max() > 1e-3
