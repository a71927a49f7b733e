"""Session 28's candidates for the update month's new customers (``warm_fold_new_users``): the
customers first seen in the update solved exactly (fold-in) against the item factors, after
the full sweeps ("after") or between the touched rounds and the sweeps ("between").

Synthetic matrices for the schedule, the groceries baskets for the update path (skipped only
without $SHOPMIND_DATA).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from continual_util import groceries_split
from shopmind.learn.diagnose import als_factors
from shopmind.learn.recs import BehaviourModels, LearnConfig
from shopmind.learn.warm_als import refine_touched, solve_rows

SMALL_ALS = {"factors": 16, "regularization": 0.05, "iterations": 5}


class _Model:
    """The attributes ``refine_touched`` reads and writes on an ``implicit`` model."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.user_factors, self.item_factors, self.alpha, self.regularization = x, y, 1.0, 0.1


def _start(seed: int, users: int = 100, items: int = 60) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = sp.random(users, items, density=0.1, random_state=rng, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 3).astype(np.float32)
    x = (rng.standard_normal((users, 8)) * 0.3).astype(np.float32)
    y = (rng.standard_normal((items, 8)) * 0.3).astype(np.float32)
    return counts, x, y


def test_fold_after_is_the_exact_solve_against_the_final_items() -> None:
    counts, x0, y0 = _start(1)
    users, items, new = np.arange(30), np.arange(20), np.array([90, 95, 99])
    plain, fold = _Model(x0.copy(), y0.copy()), _Model(x0.copy(), y0.copy())
    refine_touched(plain, counts, users, items, sweeps=1, full_sweeps=1)
    refine_touched(fold, counts, users, items, sweeps=1, full_sweeps=1, fold_users=new)
    np.testing.assert_array_equal(fold.item_factors, plain.item_factors)  # items as without it
    rest = np.setdiff1d(np.arange(100), new)
    np.testing.assert_array_equal(fold.user_factors[rest], plain.user_factors[rest])
    want = np.array(plain.user_factors)
    solve_rows(counts, new, want, np.asarray(plain.item_factors), 0.1)
    np.testing.assert_allclose(fold.user_factors[new], want[new], rtol=1e-5, atol=1e-6)
    assert np.abs(fold.user_factors[new] - plain.user_factors[new]).max() > 1e-3  # it moved them


def test_fold_between_solves_before_the_sweeps_so_every_item_sees_them() -> None:
    counts, x0, y0 = _start(2)
    users, items, new = np.arange(30), np.arange(20), np.array([90, 95, 99])
    between = _Model(x0.copy(), y0.copy())
    refine_touched(between, counts, users, items, sweeps=1, full_sweeps=1, fold_users=new, fold_between=True)
    ref = _Model(x0.copy(), y0.copy())  # the same schedule spelled out step by step
    refine_touched(ref, counts, users, items, sweeps=1)
    x, y = np.asarray(ref.user_factors), np.asarray(ref.item_factors)
    solve_rows(counts, new, x, y, 0.1)
    refine_touched(_Model(x, y), counts, np.arange(0), np.arange(0), sweeps=0, full_sweeps=1)
    np.testing.assert_allclose(between.user_factors, x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(between.item_factors, y, rtol=1e-5, atol=1e-6)
    plain = _Model(x0.copy(), y0.copy())
    refine_touched(plain, counts, users, items, sweeps=1, full_sweeps=1)
    assert np.abs(between.item_factors - plain.item_factors).max() > 1e-5  # the sweep's items differ


@pytest.fixture(scope="module")
def split() -> dict[str, pl.DataFrame]:
    """Old events (to 70 % of the time range) and the update (to 85 %)."""
    return groceries_split()


def test_update_folds_in_only_the_customers_first_seen_in_it(split: dict[str, pl.DataFrame]) -> None:
    """Through ``BehaviourModels.update``: with "after", the new customers' factors are the
    exact solution against the final items, and every other factor is the default update's."""
    default = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS)))
    fold = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_fold_new_users="after"))
    a, b = default.update(split["new"]), fold.update(split["new"])
    n_old = default.data.n_users
    xa, ya = als_factors(a)
    xb, yb = als_factors(b)
    assert len(xa) - n_old > 10  # the update has new customers
    np.testing.assert_array_equal(yb, ya)
    np.testing.assert_array_equal(xb[:n_old], xa[:n_old])
    assert np.abs(xb[n_old:] - xa[n_old:]).max() > 1e-4
    model = b.generators["als"].model  # type: ignore[attr-defined]
    want = xa.copy()
    conf = b.data.matrix.astype(np.float32).tocsr() * np.float32(getattr(model, "alpha", 1.0))
    solve_rows(conf, np.arange(n_old, len(xa)), want, ya, float(model.regularization))
    np.testing.assert_allclose(xb[n_old:], want[n_old:], rtol=1e-4, atol=1e-5)


def test_an_unknown_fold_setting_is_refused(split: dict[str, pl.DataFrame]) -> None:
    old = BehaviourModels.fit(split["old"], LearnConfig(als=dict(SMALL_ALS), warm_fold_new_users="later"))
    with pytest.raises(ValueError, match="warm_fold_new_users"):
        old.update(split["new"])
