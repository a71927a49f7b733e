"""ALS half-steps over only the rows an update touched, warm-started from the old factors.

A month of new events moves the factors of the customers who bought and of the items they
bought; everyone else's confidences did not change. A refit runs ``iterations`` full sweeps
from random factors; a warm update can instead run conjugate-gradient half-steps for those
rows only: each touched user solved against all item factors, then each touched item against
all user factors (Hu, Koren & Volinsky's normal equations, ``YtY`` over all rows as a full
sweep uses), starting from the row's current factors.

Why ``implicit``'s own CG kernel and not a batched ``np.linalg.solve`` of the touched rows:
building each row's exact k x k system costs nnz x k^2 (Online Retail, m = 8: ~75k touched
user entries x 64^2 ~ 3e8 flops, several times a whole CG sweep), while the kernel's CG step
costs nnz x k + k^2 per row, multi-threaded, and warm-starts from the old factors as a full
sweep does. The kernel is handed the touched rows as their own CSR matrix and factor block.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.als import THREADS, one_blas_thread


def touched_rows(add: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """(users, items) with at least one entry in the new events' matrix ``add``."""
    add = add.tocoo()
    nonzero = add.data != 0  # explicit zeros are not events
    return np.unique(add.row[nonzero]).astype(np.int64), np.unique(add.col[nonzero]).astype(np.int64)


def _half_step(
    conf: sp.csr_matrix, rows: np.ndarray | None, x: np.ndarray, y: np.ndarray, reg: float, cg_steps: int
) -> None:
    """CG steps for ``x[rows]`` (in place; ``rows`` None: every row, no copies) against the
    fixed ``y``, given confidences ``conf``."""
    from implicit.cpu._als import least_squares_cg

    if rows is None:
        least_squares_cg(conf, x, y, reg, num_threads=THREADS, cg_steps=cg_steps)
        return
    if not len(rows):
        return
    block = np.ascontiguousarray(x[rows])
    least_squares_cg(conf[rows], block, y, reg, num_threads=THREADS, cg_steps=cg_steps)
    x[rows] = block


def solve_rows(
    conf: sp.csr_matrix, rows: np.ndarray | None, x: np.ndarray, y: np.ndarray, reg: float
) -> None:
    """The exact least-squares solution for ``x[rows]`` (in place; None: every row) against the
    fixed ``y`` given confidences ``conf`` (``implicit``'s Cholesky kernel, the one its
    ``recalculate_user`` folds a user in with). Why beside the CG steps: a row starting from
    the 0.01-scale random start (a customer or item first seen in the update) is far from its
    solution, and 3 CG steps from there are not it; the exact solve costs nnz x k^2 + k^3 per
    row, cheap for the few rows an update adds."""
    from implicit.cpu._als import least_squares

    if rows is not None and not len(rows):
        return
    with one_blas_thread():
        if rows is None:
            least_squares(conf, x, y, reg, num_threads=THREADS)
            return
        block = np.ascontiguousarray(x[rows])
        least_squares(conf[rows], block, y, reg, num_threads=THREADS)
        x[rows] = block


def _rounds(
    cui: sp.csr_matrix,
    ciu: sp.csr_matrix,
    block: tuple[np.ndarray | None, np.ndarray | None],
    x: np.ndarray,
    y: np.ndarray,
    reg: float,
    cg_steps: int,
    rounds: int,
) -> None:
    """``rounds`` rounds of CG half-steps for ``block``'s users, then its items (in place;
    None: every row)."""
    users, items = block
    for _ in range(rounds):
        _half_step(cui, users, x, y, reg, cg_steps)
        _half_step(ciu, items, y, x, reg, cg_steps)


def refine_touched(
    model: object,
    user_items: sp.csr_matrix,
    users: np.ndarray,
    items: np.ndarray | None,
    sweeps: int,
    cg_steps: int = 3,
    then_users: np.ndarray | None = None,
    full_sweeps: int = 0,
    exact_users: np.ndarray | None = None,
    exact_items: np.ndarray | None = None,
    sweep_users: np.ndarray | None = None,
    block: tuple[np.ndarray, np.ndarray] | None = None,
    block_rounds: int = 0,
    block_first: bool = False,
    fold_users: np.ndarray | None = None,
    fold_between: bool = False,
) -> None:
    """``sweeps`` rounds of: the ``users`` solved, then the ``items`` solved (None: every item)
    (in place on ``model``, an ``implicit`` CPU ALS model whose factors cover ``user_items``'
    rows and columns). ``user_items`` holds the event-weighted counts (``alpha`` applied here, as
    ``implicit``'s ``fit`` does). ``then_users``: one more half-step for these users at the
    end (e.g. all: customers without new events re-solved against the moved items).
    ``full_sweeps``: then that many sweeps over every user and item, ``implicit``'s own
    iterations (3 CG steps each, as its ``fit``) on the matrices already built here (``fit``
    would convert and transpose them again: ~30 % of a sweep's CPU on Online Retail).
    ``exact_users`` / ``exact_items``: before everything, these rows (e.g. the customers and
    items first seen in the update, still at the random start) are solved exactly
    (``solve_rows``), the users first. ``sweep_users``: the full sweeps' user half-step covers
    only these customers (None: every customer; the item half-step always covers every item).
    ``block`` = (users, items), ``block_rounds``: that many more rounds of CG half-steps for
    only those users then those items, after the full sweeps (``block_first``: before them;
    e.g. the customers first seen in the update and the items they bought: a refit fits those
    items to those customers for all its iterations, a warm update for one round and one sweep).
    ``fold_users``: these customers (e.g. those first seen in the update) solved exactly
    (``solve_rows``, the fold-in ``implicit``'s ``recalculate_user`` does) against the item
    factors as they stand at the end (``fold_between``: after the touched rounds, before the
    full sweeps, so the sweeps' item step fits their items to solved customers)."""
    alpha = float(getattr(model, "alpha", 1.0))
    reg = float(model.regularization)  # type: ignore[attr-defined]
    cui = user_items.astype(np.float32).tocsr()
    if alpha != 1.0:
        cui = cui * np.float32(alpha)
    ciu = cui.T.tocsr()
    x = np.asarray(model.user_factors)  # type: ignore[attr-defined]
    y = np.asarray(model.item_factors)  # type: ignore[attr-defined]
    if x.shape[0] != cui.shape[0] or y.shape[0] != cui.shape[1]:
        raise ValueError(
            f"factors {x.shape[0]} users x {y.shape[0]} items do not match the matrix {cui.shape}"
        )
    if exact_users is not None:
        solve_rows(cui, exact_users, x, y, reg)
    if exact_items is not None:
        solve_rows(ciu, exact_items, y, x, reg)
    with one_blas_thread():
        _rounds(cui, ciu, (users, items), x, y, reg, cg_steps, sweeps)
        if then_users is not None:
            _half_step(cui, then_users, x, y, reg, cg_steps)
        if block is not None and block_first:
            _rounds(cui, ciu, block, x, y, reg, cg_steps, block_rounds)
    if fold_users is not None and fold_between:
        solve_rows(cui, fold_users, x, y, reg)
    with one_blas_thread():
        for _ in range(full_sweeps):
            _half_step(cui, sweep_users, x, y, reg, 3)
            _half_step(ciu, None, y, x, reg, 3)
        if block is not None and not block_first:
            _rounds(cui, ciu, block, x, y, reg, cg_steps, block_rounds)
    if fold_users is not None and not fold_between:
        solve_rows(cui, fold_users, x, y, reg)
    model.user_factors, model.item_factors = x, y  # type: ignore[attr-defined]
