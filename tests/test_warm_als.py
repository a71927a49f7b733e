"""CG half-steps over only the touched rows (``learn.warm_als``): over all rows they are
``implicit``'s own ALS sweeps; over some rows they leave the others alone and lower the
training loss of the rows they solve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from shopmind.learn.warm_als import refine_touched, solve_rows, touched_rows
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


def _exact(counts: sp.csr_matrix, y: np.ndarray, reg: float, alpha: float, row: int) -> np.ndarray:
    """Hu et al.'s normal equations for one row, written out in numpy (float64)."""
    r = counts[row].toarray().ravel().astype(np.float64)
    c = alpha * r  # implicit's confidence: alpha * count on observed entries
    y = y.astype(np.float64)
    a = y.T @ y + reg * np.eye(y.shape[1]) + (y.T * np.where(r > 0, c - 1.0, 0.0)) @ y
    return np.linalg.solve(a, y.T @ np.where(r > 0, c, 0.0))


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_solve_rows_is_the_exact_least_squares_solution_of_those_rows_only(alpha: float) -> None:
    counts = _counts(6)
    als = ALS(factors=8, regularization=0.1, iterations=3, alpha=alpha, seed=2).fit(_data(counts))
    x0, y = np.array(als.model.user_factors), np.array(als.model.item_factors)
    x = x0.copy()
    rows = np.array([3, 17, 40, 99])
    solve_rows((counts * np.float32(alpha)).tocsr(), rows, x, y, 0.1)
    for r in rows:
        np.testing.assert_allclose(x[r], _exact(counts, y, 0.1, alpha, r), rtol=1e-3, atol=1e-4)
    others = np.setdiff1d(np.arange(120), rows)
    np.testing.assert_array_equal(x[others], x0[others])
    # CG half-steps from the 0.01-scale start approach the same solution only with many steps
    start = (np.random.default_rng(0).random((120, 8)) * 0.01).astype(np.float32)
    few, many = start.copy(), start.copy()
    conf = (counts * np.float32(alpha)).tocsr()
    refine_touched(_Model(few, y.copy(), alpha), counts, rows, np.arange(0), sweeps=1, cg_steps=3)
    refine_touched(_Model(many, y.copy(), alpha), counts, rows, np.arange(0), sweeps=1, cg_steps=40)
    far = np.abs(few[rows] - x[rows]).max()
    near = np.abs(many[rows] - x[rows]).max()
    assert near < 1e-3 < far
    # every row (None) at once: the same as row by row
    every = x0.copy()
    solve_rows(conf, None, every, y, 0.1)
    np.testing.assert_allclose(every[rows], x[rows], rtol=1e-4, atol=1e-5)


class _Model:
    """The attributes ``refine_touched`` reads and writes on an ``implicit`` model."""

    def __init__(self, x: np.ndarray, y: np.ndarray, alpha: float) -> None:
        self.user_factors, self.item_factors, self.alpha, self.regularization = x, y, alpha, 0.1


def test_exact_rows_are_solved_first_users_then_items() -> None:
    """``exact_users`` / ``exact_items``: solved exactly before the rounds, the users against
    the old items, then the items against those users; nothing else moves without rounds."""
    counts = _counts(7)
    als = ALS(factors=8, regularization=0.1, iterations=3, seed=2).fit(_data(counts))
    x0, y0 = np.array(als.model.user_factors), np.array(als.model.item_factors)
    users, items = np.array([5, 60, 119]), np.array([1, 2, 79])
    model = _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(model, counts, np.arange(0), np.arange(0), sweeps=0, exact_users=users, exact_items=items)
    x_ref, y_ref = x0.copy(), y0.copy()
    solve_rows(counts, users, x_ref, y0, 0.1)
    solve_rows(counts.T.tocsr(), items, y_ref, x_ref, 0.1)
    np.testing.assert_allclose(model.user_factors, x_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.item_factors, y_ref, rtol=1e-5, atol=1e-6)
    assert np.abs(x_ref[users] - x0[users]).max() > 1e-3 and np.abs(y_ref[items] - y0[items]).max() > 1e-3
    np.testing.assert_array_equal(
        model.user_factors[np.setdiff1d(np.arange(120), users)], x0[np.setdiff1d(np.arange(120), users)]
    )


def test_sweep_users_leaves_the_other_customers_and_moves_every_item() -> None:
    """``sweep_users``: the full sweep re-solves only those customers, and every item."""
    counts = _counts(8)
    als = ALS(factors=8, regularization=0.1, iterations=3, seed=2).fit(_data(counts))
    x0, y0 = np.array(als.model.user_factors), np.array(als.model.item_factors)
    dense = counts.toarray()
    dense[:10, :20] += 1.0  # new events for 10 customers on 20 items
    merged = sp.csr_matrix(dense)
    model = _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(
        model, merged, np.arange(10), np.arange(20), sweeps=1, full_sweeps=1, sweep_users=np.arange(10)
    )
    np.testing.assert_array_equal(model.user_factors[10:], x0[10:])
    assert np.abs(model.user_factors[:10] - x0[:10]).max(axis=1).min() > 0
    assert (np.abs(model.item_factors - y0).max(axis=1) > 0).all()
    # the same schedule with every customer in the sweep moves the others too
    every = _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(every, merged, np.arange(10), np.arange(20), sweeps=1, full_sweeps=1)
    assert (np.abs(every.user_factors[10:] - x0[10:]).max(axis=1) > 0).mean() > 0.9


def test_block_rounds_move_only_the_block_before_or_after_the_sweeps() -> None:
    """``block`` rounds: alone they are a touched round over the block's rows (nothing else
    moves); ``block_first`` puts them before the full sweeps, otherwise they come after, and
    the two orders end in different factors."""
    counts = _counts(9)
    als = ALS(factors=8, regularization=0.1, iterations=3, seed=2).fit(_data(counts))
    x0, y0 = np.array(als.model.user_factors), np.array(als.model.item_factors)
    users, items = np.array([3, 50, 51, 110]), np.array([0, 7, 40, 79])
    block, ref = _Model(x0.copy(), y0.copy(), 1.0), _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(block, counts, np.arange(0), np.arange(0), sweeps=0, block=(users, items), block_rounds=1)
    refine_touched(ref, counts, users, items, sweeps=1)
    np.testing.assert_array_equal(block.user_factors, ref.user_factors)
    np.testing.assert_array_equal(block.item_factors, ref.item_factors)
    rest_u, rest_i = np.setdiff1d(np.arange(120), users), np.setdiff1d(np.arange(80), items)
    np.testing.assert_array_equal(block.user_factors[rest_u], x0[rest_u])
    np.testing.assert_array_equal(block.item_factors[rest_i], y0[rest_i])
    assert np.abs(block.item_factors[items] - y0[items]).max(axis=1).min() > 0
    first, before = _Model(x0.copy(), y0.copy(), 1.0), _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(
        first,
        counts,
        users,
        items,
        sweeps=0,
        full_sweeps=1,
        block=(users, items),
        block_rounds=1,
        block_first=True,
    )
    refine_touched(before, counts, users, items, sweeps=1, full_sweeps=1)  # the same order, spelled out
    np.testing.assert_array_equal(first.user_factors, before.user_factors)
    np.testing.assert_array_equal(first.item_factors, before.item_factors)
    after = _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(after, counts, users, items, sweeps=0, full_sweeps=1, block=(users, items), block_rounds=1)
    assert np.abs(after.item_factors - first.item_factors).max() > 1e-4
    # no block: the rounds are ignored
    none = _Model(x0.copy(), y0.copy(), 1.0)
    refine_touched(none, counts, users, items, sweeps=0, block_rounds=2)
    np.testing.assert_array_equal(none.user_factors, x0)
