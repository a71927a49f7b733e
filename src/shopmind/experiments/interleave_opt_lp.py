"""The cold solve of optimized interleaving made cheaper without changing its answer (issue 15,
session 18).

Why: a cache miss of the served merge (``interleave_opt.SolutionCache``) cost CPU p99 11.7 - 12.7 ms
per request in round 13, over the serving rule's 10 ms. Its profile: scipy's ``linprog`` wrapper
~40 % (input checks, a sparse copy, a Python loop over every column's basis status), enumerating the
prefix-constrained lists in Python ~24 %, HiGHS itself ~20 %. Here:

- :func:`index_lists` enumerates the lists as an integer array from a table of at most
  ``(|A| + 1) (|B| + 1)`` states, one numpy step per position for all partial lists at once, in the
  recursive enumeration's order (A's branch before B's), so the LP's columns are the same columns
  in the same order;
- :func:`solve_lp` hands the same LP (rows ``A_ub`` then ``A_eq``, ``0 <= x``, the same compressed
  columns) to HiGHS through ``highspy``, the HiGHS project's own Python interface, with the options
  ``linprog(method="highs")`` sets (presolve on, dual simplex strategy, no output), and applies
  ``linprog``'s own acceptance check (a solution off its constraints by more than ``sqrt(1e-9) * 10``
  is not accepted). ``highspy`` is pinned to the HiGHS release scipy bundles (1.12.0), so the simplex
  takes the same path and returns the same vertex: ``tests/test_interleave_opt_lp.py`` checks the
  distribution, lists and credits against round 13's code to 1e-9, and
  ``bench/experiments_opt_cold.py`` does it on every real query.

- :class:`ShapeCache` keeps solutions per shape of a pair of top lists (which positions of A the
  items of B hold): queries of one shape share one solve, relabelled exactly.

Pruning lists that could never get probability was not done: dropping columns changes the simplex's
path, so among equally good distributions it could pick another one (a different answer).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

#: ``linprog``'s acceptance tolerance for HiGHS solutions (``_check_result``: ``sqrt(tol) * 10``)
ACCEPT_TOL = float(np.sqrt(1e-9) * 10)


def item_ids(ta: Sequence[str], tb: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Integer ids for the items of two top lists: A's items are ``0..|A|-1`` in A's order, B's
    items not in A follow in B's order. Returns (items by id, A as ids, B as ids)."""
    ids = {x: i for i, x in enumerate(ta)}
    items = list(ta)
    for x in tb:
        if x not in ids:
            ids[x] = len(items)
            items.append(x)
    return items, np.arange(len(ta), dtype=np.int64), np.array([ids[x] for x in tb], dtype=np.int64)


def index_lists(a_ids: np.ndarray, b_ids: np.ndarray, n: int, max_lists: int) -> np.ndarray:
    """Every prefix-constrained list of ``n`` items as a (lists, n) array of item ids, in the order
    of round 13's recursive enumeration (depth first, A's best unshown item before B's).

    How: the items shown after a prefix are ``A[:ja] | B[:jb]`` (``ja``, ``jb``: how far each
    ranking is shown without a gap), so a partial list's future depends on ``(ja, jb)`` only - at
    most ``(|A| + 1) (|B| + 1)`` states, found once in Python with their two children. The lists
    are then grown one position at a time for all partial lists at once by table look-ups, putting
    each partial list's children next to each other, A's child first; that keeps the partial lists
    in lexicographic order of their branch choices, which is the depth-first order. Raises
    ``ValueError`` past ``max_lists``."""
    if n <= 0:
        return np.zeros((1, 0), dtype=np.int64)
    a, b = a_ids.tolist(), b_ids.tolist()
    la, lb = len(a), len(b)
    pre_a, pre_b = [0], [0]  # bit masks of the shown items of A[:j] and B[:j]
    for x in a:
        pre_a.append(pre_a[-1] | (1 << x))
    for x in b:
        pre_b.append(pre_b[-1] | (1 << x))
    code = {(0, 0): 0}
    states = [(0, 0)]
    child_item: list[list[int]] = []  # per state: the item A's / B's branch shows (-1: no branch)
    child_state: list[list[int]] = []
    i = 0
    while i < len(states):
        ja, jb = states[i]
        i += 1
        shown = pre_a[ja] | pre_b[jb]
        nxt = [a[ja] if ja < la else -1, b[jb] if jb < lb else -1]
        if nxt[1] == nxt[0]:
            nxt[1] = -1  # both rankers' best unshown item is the same item: one branch
        to = [0, 0]
        for c, x in enumerate(nxt):
            if x < 0:
                continue
            m = shown | (1 << x)
            ja2, jb2 = ja, jb
            while ja2 < la and m >> a[ja2] & 1:
                ja2 += 1
            while jb2 < lb and m >> b[jb2] & 1:
                jb2 += 1
            s = code.get((ja2, jb2))
            if s is None:
                s = code[(ja2, jb2)] = len(states)
                states.append((ja2, jb2))
            to[c] = s
        child_item.append(nxt)
        child_state.append(to)
    t_item = np.array(child_item, dtype=np.int64)
    t_state = np.array(child_state, dtype=np.int64)
    state = np.zeros(1, dtype=np.int64)
    parents, picks = [], []
    for _ in range(n):
        cand = t_item[state]
        parent, col = np.nonzero(cand >= 0)  # row-major: A's child before B's, parents in order
        if len(parent) > max_lists:
            raise ValueError(f"more than {max_lists} prefix-constrained lists")
        picks.append(cand[parent, col])
        parents.append(parent)
        state = t_state[state[parent], col]
    out = np.empty((len(state), n), dtype=np.int64)
    row = np.arange(len(state))
    for pos in range(n - 1, -1, -1):  # each list's items, from its last position back
        out[:, pos] = picks[pos][row]
        row = parents[pos][row]
    return out


def solve_lp(
    c: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    a_ub: np.ndarray | None = None,
    b_ub: np.ndarray | None = None,
) -> np.ndarray | None:
    """``min c @ x`` s.t. ``a_ub @ x <= b_ub``, ``a_eq @ x == b_eq``, ``x >= 0``: the LP
    ``scipy.optimize.linprog(..., bounds=(0, None), method="highs")`` solves, given to HiGHS as
    ``linprog`` gives it (module docstring). Returns ``x``, or ``None`` where ``linprog``'s status
    would not be 0 (infeasible, unbounded, or a solution off its constraints)."""
    import highspy

    c = np.asarray(c, dtype=float)
    a_eq = np.atleast_2d(np.asarray(a_eq, dtype=float))
    b_eq = np.asarray(b_eq, dtype=float)
    if a_ub is None:
        a = a_eq
        lhs, rhs = b_eq, b_eq
        n_ub = 0
    else:
        a_ub = np.atleast_2d(np.asarray(a_ub, dtype=float))
        b_ub = np.asarray(b_ub, dtype=float)
        a = np.vstack([a_ub, a_eq])
        lhs = np.concatenate([np.full(len(b_ub), -highspy.kHighsInf), b_eq])
        rhs = np.concatenate([b_ub, b_eq])
        n_ub = len(b_ub)
    m, ncol = a.shape
    if c.shape != (ncol,):
        raise ValueError(f"cost has shape {c.shape}, the constraints {ncol} columns")
    at = a.T  # column-wise: the nonzeros of each column, rows ascending (scipy's csc_array of it)
    nz = at != 0
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = m
    lp.col_cost_ = c
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.full(ncol, highspy.kHighsInf)
    lp.row_lower_ = lhs
    lp.row_upper_ = rhs
    mat = lp.a_matrix_
    mat.format_ = highspy.MatrixFormat.kColwise
    mat.num_col_ = ncol
    mat.num_row_ = m
    mat.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
    mat.index_ = np.nonzero(nz)[1].astype(np.int32)
    mat.value_ = at[nz]
    h = highspy.Highs()
    for key, val in _OPTIONS:
        h.setOptionValue(key, val)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    x = np.array(sol.col_value)
    r = np.array(sol.row_value)
    # linprog's _check_result: bounds, inequality slack and equality residual within its tolerance
    if (
        np.isnan(x).any()
        or (x < -ACCEPT_TOL).any()
        or (rhs[:n_ub] - r[:n_ub] < -ACCEPT_TOL).any()
        or (np.abs(b_eq - r[n_ub:]) > ACCEPT_TOL).any()
    ):
        return None
    return x


#: what ``linprog(method="highs")`` sets (scipy 1.17 ``_linprog_highs``; its ``None`` options are
#: HiGHS's defaults and are not set)
_OPTIONS: tuple[tuple[str, object], ...] = (
    ("presolve", "on"),
    ("highs_debug_level", 0),
    ("log_to_console", False),
    ("output_flag", False),
    ("simplex_strategy", 1),  # kSimplexStrategyDual
)


class ShapeCache:
    """Least-recently-used solutions per *shape* of a pair of top lists: ``|A|`` and B's items as
    item ids (:func:`item_ids`), with the LP's settings. Why: everything the LP reads - the lists,
    each item's ranks and so its credit - is a function of the shape, so two queries of one shape
    have the same distribution up to the items' names (HiGHS is deterministic), and relabelling a
    solution is exact. Shapes repeat where rankings do not: on the search evaluation's real pairs
    1.9 % of queries have two disjoint top 10s (the largest LP, 1,024 lists) and 1.3 % no results.
    Thread-safe; ``interleave_opt.SolutionCache`` asks it on a miss of its own key."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"shape cache size must be >= 0, got {size}")
        self.size = size
        self._items: OrderedDict[tuple, tuple[Any, tuple[tuple[int, ...], ...]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def key(ta: Sequence[str], tb: Sequence[str], settings: tuple) -> tuple[tuple, list[str]]:
        """The shape key of top lists ``ta``/``tb`` (distinct items) under ``settings`` (k, credit,
        objective, scale), and the items by id."""
        items, _, b_ids = item_ids(ta, tb)
        return (len(ta), tuple(b_ids.tolist()), *settings), items

    def get(self, key: tuple, items: Sequence[str]) -> Any | None:
        """The solution stored under ``key`` with its lists named by ``items``, or ``None``."""
        with self._lock:
            got = self._items.get(key)
            if got is None:
                return None
            self._items.move_to_end(key)
            self.hits += 1
        dist, lists = got
        return replace(dist, lists=tuple(tuple(items[i] for i in row) for row in lists))

    def put(self, key: tuple, items: Sequence[str], dist: Any) -> None:
        """Keep ``dist`` (an ``OptimizedDistribution`` whose lists name ``items``) under ``key``."""
        if self.size == 0:
            return
        pos = {x: i for i, x in enumerate(items)}
        lists = tuple(tuple(pos[x] for x in row) for row in dist.lists)
        with self._lock:
            self._items[key] = (dist, lists)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
