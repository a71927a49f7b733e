"""CG half-steps over only the touched rows (``learn.warm_als``): over all rows they are
``implicit``'s own ALS sweeps; over some rows they leave the others alone and lower the
training loss of the rows they solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.learn.warm_als import refine_touched, touched_rows
from shopmind.recommend.als import ALS


def _counts(seed: int, users: int = 120, items: int = 80) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    m = sp.random(users, items, density=0.08, random_state=rng, format="csr", dtype=np.float32)
    m.data = np.ceil(m.data * 4).astype(np.float32)  # event-weighted counts 1..4
    return m


def _loss(model: object, counts: sp.csr_matrix, rows: np.ndarray) -> float:
    """Hu et al.'s weighted squared error of the given users' rows (confidence 1 + alpha r)."""
    x, y = np.asarray(model.user_factors)[rows], np.asarray(model.item_factors)  # type: ignore[attr-defined]
    dense = counts[rows].toarray()
    conf = 1.0 + model.alpha * dense  # type: ignore[attr-defined]
    return float((conf * ((dense > 0) - x @ y.T) ** 2).sum())


def _pair(counts: sp.csr_matrix, alpha: float, iterations: int) -> tuple[ALS, ALS]:
    """Two ALS models starting from the same factors (2 sweeps fitted on ``counts``): the first
    then fitted ``iterations`` more sweeps by ``implicit`` (it keeps factors it already has)."""
    start = ALS(factors=8, regularization=0.1, iterations=2, alpha=alpha, seed=3).fit(_data(counts))
    u0, i0 = np.array(start.model.user_factors), np.array(start.model.item_factors)
    ref, ours = (ALS(factors=8, regularization=0.1, iterations=iterations, alpha=alpha, seed=3) for _ in "ab")
    for m in (ref, ours):
        m.model.user_factors, m.model.item_factors = u0.copy(), i0.copy()
    ref.fit(_data(counts))
    return ref, ours


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_all_rows_equal_implicits_sweeps(alpha: float) -> None:
    counts = _counts(0)
    ref, ours = _pair(counts, alpha, 3)
    refine_touched(ours.model, counts, np.arange(120), np.arange(80), sweeps=3)
    np.testing.assert_allclose(ours.model.user_factors, ref.model.user_factors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.model.item_factors, ref.model.item_factors, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_full_sweeps_equal_implicits_sweeps(alpha: float) -> None:
    """``full_sweeps`` (every row in place, the matrices built once) = ``implicit``'s ``fit``."""
    counts = _counts(4)
    ref, ours = _pair(counts, alpha, 2)
    u0 = np.array(ours.model.user_factors)
    refine_touched(ours.model, counts, np.arange(0), np.arange(0), sweeps=0, full_sweeps=2)
    assert np.abs(ours.model.user_factors - u0).max() > 1e-3  # it did move
    np.testing.assert_allclose(ours.model.user_factors, ref.model.user_factors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.model.item_factors, ref.model.item_factors, rtol=1e-5, atol=1e-6)


def _data(m: sp.csr_matrix) -> object:
    """The stand-in for ``Interactions`` that ``ALS.fit`` reads (its matrix only)."""

    class _Data:
        matrix = m

    return _Data()


def test_only_touched_rows_move_and_their_loss_falls() -> None:
    counts = _counts(1)
    als = ALS(factors=8, regularization=0.1, iterations=4, seed=5).fit(_data(counts))
    add = _counts(2) * 0  # explicit zeros: not events, not touched
    add = add.tolil()
    rng = np.random.default_rng(7)
    users = np.sort(rng.choice(120, 30, replace=False))
    bought: set[int] = set()
    for u in users:  # each touched customer buys 3 random items
        for i in rng.choice(80, 3, replace=False):
            add[u, i] = 2.0
            bought.add(int(i))
    add = add.tocsr()
    got_users, got_items = touched_rows(add)
    np.testing.assert_array_equal(got_users, users)
    assert set(got_items.tolist()) == bought and len(bought) < 80
    merged = (counts + add).tocsr()
    u0, i0 = np.array(als.model.user_factors), np.array(als.model.item_factors)
    before = _loss(als.model, merged, users)
    refine_touched(als.model, merged, got_users, got_items, sweeps=1)
    u1, i1 = np.asarray(als.model.user_factors), np.asarray(als.model.item_factors)
    others = np.setdiff1d(np.arange(120), users)
    np.testing.assert_array_equal(u1[others], u0[others])
    untouched_items = np.setdiff1d(np.arange(80), got_items)
    np.testing.assert_array_equal(i1[untouched_items], i0[untouched_items])
    assert np.abs(u1[users] - u0[users]).max(axis=1).min() > 0
    assert _loss(als.model, merged, users) < 0.9 * before


def test_mismatched_factors_are_refused() -> None:
    als = ALS(factors=4, iterations=1, seed=0).fit(_data(_counts(0)))
    with pytest.raises(ValueError, match="do not match"):
        refine_touched(als.model, _counts(0, users=121), np.arange(3), np.arange(3), sweeps=1)


def test_then_users_resolves_the_other_customers_too() -> None:
    """``then_users``: after the touched rounds, one half-step for the customers given (here
    all), so customers without new events move with the items."""
    counts = _counts(3)
    als = ALS(factors=8, regularization=0.1, iterations=4, seed=5).fit(_data(counts))
    u0 = np.array(als.model.user_factors)
    users, items = np.arange(10), np.arange(20)
    dense = counts.toarray()
    dense[:10, :20] += 1.0  # new events for 10 customers on 20 items
    merged = sp.csr_matrix(dense)
    refine_touched(als.model, merged, users, items, sweeps=1, then_users=np.arange(120))
    moved = np.abs(np.asarray(als.model.user_factors) - u0).max(axis=1)
    others = np.setdiff1d(np.arange(120), users)
    assert (moved[others] > 0).mean() > 0.9  # customers who bought one of the moved items


def test_items_none_solves_every_item_after_the_touched_users() -> None:
    """``items=None``: the item half-step covers every item (the same as listing them all), so
    items without new events move with their buyers; untouched customers still keep theirs."""
    counts = _counts(5)
    fitted = ALS(factors=8, regularization=0.1, iterations=4, seed=5).fit(_data(counts))
    u0, i0 = np.array(fitted.model.user_factors), np.array(fitted.model.item_factors)
    dense = counts.toarray()
    dense[:10, :20] += 1.0  # new events for 10 customers on 20 items
    merged = sp.csr_matrix(dense)
    users = np.arange(10)
    runs = []
    for items in (None, np.arange(80)):
        als = ALS(factors=8, regularization=0.1, iterations=4, seed=5)
        als.model.user_factors, als.model.item_factors = u0.copy(), i0.copy()
        refine_touched(als.model, merged, users, items, sweeps=1)
        runs.append((np.asarray(als.model.user_factors), np.asarray(als.model.item_factors)))
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(runs[0][0][10:], u0[10:])
    assert np.abs(runs[0][1][20:] - i0[20:]).max(axis=1).min() > 0  # items without new events moved
