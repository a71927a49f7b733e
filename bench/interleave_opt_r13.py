"""Round 13's cold solve of optimized interleaving, frozen as it was served before session 18
(``src/shopmind/experiments/interleave_opt.py`` at commit aefed0c): the recursive enumeration of the
prefix-constrained lists and ``scipy.optimize.linprog``.

Why it is kept: session 18 made the solve cheaper on the promise that its answer (the distribution
over lists, hence every served list and logged credit) is unchanged. ``bench/experiments_opt_cold.py``
times it beside the new one, request by request, and checks the answers on every real query;
``tests/test_interleave_opt_lp.py`` checks them on seeded random pairs. Not used by serving.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shopmind.experiments.interleave_opt import (
    CREDITS,
    DEFAULT_CREDIT,
    MAX_LISTS,
    OptimizedDistribution,
    _top,
)
from shopmind.experiments.interleave_opt_sens import (
    OBJECTIVES,
    SENS_STEPS,
    discrimination,
    null_second_moment,
)


def prefix_lists(a: Sequence[str], b: Sequence[str], k: int) -> list[tuple[str, ...]]:
    """Every list of ``min(k, |A u B|)`` items whose every prefix is the union of a prefix of A's
    top ``k`` and a prefix of B's (built by appending A's or B's best unshown item, both branches
    when they differ). Raises ``ValueError`` for ``k < 1``."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    ta, tb = _top(a, k), _top(b, k)
    n = min(k, len(set(ta) | set(tb)))
    out: list[tuple[str, ...]] = []

    def grow(prefix: tuple[str, ...], seen: frozenset[str]) -> None:
        if len(prefix) == n:
            out.append(prefix)
            if len(out) > MAX_LISTS:
                raise ValueError(f"more than {MAX_LISTS} prefix-constrained lists: k={k} too large")
            return
        nexts = []
        for t in (ta, tb):
            nxt = next((x for x in t if x not in seen), None)
            if nxt is not None and nxt not in nexts:
                nexts.append(nxt)
        for x in nexts:
            grow((*prefix, x), seen | {x})

    grow((), frozenset())
    return out


def item_credits(
    a: Sequence[str], b: Sequence[str], k: int, credit: str = DEFAULT_CREDIT
) -> dict[str, float]:
    """``delta(d)`` for every item of either top ``k`` (> 0: B ranks it higher; module docstring)."""
    if credit not in CREDITS:
        raise ValueError(f"unknown credit {credit!r}; one of {', '.join(CREDITS)}")
    ta, tb = _top(a, k), _top(b, k)
    m = min(len(ta), len(tb))  # ranks are compared down to the shorter list's end (docstring)
    ra = {x: min(i + 1, m + 1) for i, x in enumerate(ta)}
    rb = {x: min(i + 1, m + 1) for i, x in enumerate(tb)}
    f = CREDITS[credit]
    return {x: f(ra.get(x, m + 1), rb.get(x, m + 1)) for x in (*ta, *tb)}


def optimize(
    a: Sequence[str],
    b: Sequence[str],
    k: int,
    credit: str = DEFAULT_CREDIT,
    objective: str = "insensitivity",
) -> OptimizedDistribution:
    """Solve the optimized-interleaving LP for rankings ``a`` and ``b`` (module docstring).
    ``objective`` (``interleave_opt_sens.OBJECTIVES``) is what is optimised among the unbiased
    distributions: the paper's insensitivity (rounds 11-12), the credit's null second moment under
    a position-only click prior, or the prior sensitivity ``S ** 2 / V`` (round 13)."""
    from scipy.optimize import linprog  # lazily: only a merge that is not cached pays the import

    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; one of {', '.join(OBJECTIVES)}")
    delta = item_credits(a, b, k, credit)
    inv_credit = item_credits(a, b, k, "inverse")
    lists = prefix_lists(a, b, k)
    if not lists:
        return OptimizedDistribution((), (), (), 0, 0.0, True, objective=objective)
    n = len(lists[0])
    if n == 0:
        return OptimizedDistribution((), (), (), 0, 0.0, True, objective=objective)
    d = np.array([[delta[x] for x in lst] for lst in lists])  # (lists, n)
    inv = np.array([[inv_credit[x] for x in lst] for lst in lists])
    a_eq = np.vstack([np.ones(len(lists)), d.T])
    b_eq = np.zeros(n + 1)
    b_eq[0] = 1.0
    # "null_variance" and "sensitivity" both read the credit's null second moment under the prior
    insens = objective == "insensitivity"
    cost = (d @ (1.0 / np.arange(1, n + 1))) ** 2 if insens else null_second_moment(d)
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    feasible = res.status == 0
    if feasible:
        p = _polish(np.asarray(res.x), a_eq, b_eq)
        if objective == "sensitivity":
            p = _max_sensitivity(p, cost, discrimination(d, inv), a_eq, b_eq)
    else:  # no exactly unbiased distribution: the least biased one (min t, |sum_L p_L d_Li| <= t)
        m = len(lists)
        c = np.zeros(m + 1)
        c[-1] = 1.0
        a_ub = np.vstack([np.hstack([d.T, -np.ones((n, 1))]), np.hstack([-d.T, -np.ones((n, 1))])])
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=np.zeros(2 * n),
            A_eq=np.append(np.ones(m), 0.0)[None],
            b_eq=[1.0],
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"optimized interleaving LP failed: {res.message}")
        p = np.clip(np.asarray(res.x[:m]), 0.0, None)
        p /= p.sum()
    keep = np.flatnonzero(p > 1e-12)
    p = p[keep] / p[keep].sum()
    mean = p @ d[keep]  # per-position expected delta: 0 when feasible, the least bias otherwise
    bias = float(np.abs(mean).max())
    cred = d[keep] - mean  # recentred (module docstring): every position's expected credit is 0
    return OptimizedDistribution(
        tuple(lists[i] for i in keep),
        tuple(tuple(float(x) for x in row) for row in cred),
        tuple(float(x) for x in p),
        len(lists),
        bias,
        feasible,
        float(p @ null_second_moment(cred)),
        float(p @ discrimination(cred, inv[keep])),
        objective,
    )


def _max_sensitivity(
    p: np.ndarray, var: np.ndarray, disc: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray
) -> np.ndarray:
    """Among the unbiased distributions, the one with the largest ``S ** 2 / V`` (``S = p @ disc``,
    ``V = p @ var``), from ``p`` by the fixed point ``max S - t V``, ``t = S / (2 V)``. Why it
    never gets worse: the step's optimum ``p'`` has ``S' - t V' >= S - t V = S / 2``, and
    ``(S / 2 + t V') ** 2 / V' >= S ** 2 / V`` for every ``V' > 0``. Each step is one LP."""
    from scipy.optimize import linprog

    def ratio(q: np.ndarray) -> float:
        v = float(q @ var)
        return float(q @ disc) ** 2 / v if v > 0 else 0.0

    best = ratio(p)
    for _ in range(SENS_STEPS):
        s, v = float(p @ disc), float(p @ var)
        if s <= 0 or v <= 0:
            break
        res = linprog(s / (2 * v) * var - disc, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if res.status != 0:
            break
        q = _polish(np.asarray(res.x), a_eq, b_eq)
        r = ratio(q)
        if r <= best * (1 + 1e-6):
            if r > best:
                p, best = q, r
            break
        p, best = q, r
    return p


def _polish(p: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """Re-solve the equalities on the LP's support by least squares (the solver meets them to
    ~1e-7; the unbiasedness test wants rounding error). Keeps the LP's ``p`` if that would make a
    probability negative."""
    p = np.clip(p, 0.0, None)
    s = np.flatnonzero(p > 1e-12)
    q, *_ = np.linalg.lstsq(a_eq[:, s], b_eq, rcond=None)
    if (q >= 0).all():
        out = np.zeros_like(p)
        out[s] = q
        return out
    return p / p.sum()
