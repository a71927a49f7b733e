"""Optimized interleaving (Radlinski & Craswell, "Optimized interleaving for online retrieval
evaluation", WSDM 2013) of two rankers' top ``k``.

Why: team draft and probabilistic interleaving fix *how* lists are drawn and then ask what a click
means; optimized interleaving fixes what a click means (a credit per item from its ranks in A and
B) and then *chooses* the distribution over lists, so that

1. every shown list is one a shopper would accept from either ranker: each prefix of it is the union
   of a prefix of A and a prefix of B (at every position the list shows A's or B's best item not yet
   shown; :func:`prefix_lists` enumerates them, at most ``2 ** k``);
2. a shopper whose clicks ignore the items (they depend on the position only) gives credit 0 in
   expectation: for every position ``i``, ``sum_L p_L delta(L_i) = 0`` (with this the credit of the
   clicks at ``i`` averages to 0 over the lists whatever the click probability at ``i`` is, so any
   position-only click model, cascades included, earns no ranker anything);
3. among such distributions, the most sensitive: the paper's objective, the expected
   "insensitivity" ``sum_L p_L (sum_i w_i delta(L_i)) ** 2`` with a rank-biased click prior
   ``w_i = 1 / i``, is minimised - lists on which a shopper clicking by position alone would
   already favour one ranker are avoided, so the credit's spread comes from what the shopper
   clicked rather than from which list was drawn.

This is a linear program in ``p`` (HiGHS, through ``highspy`` since session 18:
``interleave_opt_lp``, the same LP and answer as ``scipy.optimize.linprog``'s at a fraction of the
cost) with ``k + 1`` equality constraints, so a basic optimum uses at most ``k + 1`` lists; the
support is re-solved by least squares so the unbiasedness holds to rounding (~1e-15), not to the
solver's 1e-7 tolerance.

When no distribution is exactly unbiased (one query in 4,693 of each real pair of the search
evaluation, BENCHMARKS round 11: one ranker puts a new item first and keeps the other's items a
place lower, so nearly every credit is negative and one is large), the lists are drawn from the
distribution with the smallest largest per-position bias ``b_i = sum_L p_L delta(L_i)``
(:attr:`OptimizedDistribution.max_bias` reports it) and the credit of a click at position ``i`` is
*recentred*: ``delta(L_i) - b_i``. Then ``sum_L p_L (delta(L_i) - b_i) = 0`` for every position, so
position-only clicks earn exactly 0 again (to rounding), the shown lists stay prefix-constrained and
the credit keeps its scale (``b_i`` is small: 0.03 - 0.07 rank units on the two real queries).
Why not the probabilistic merge for such a query: its lists are not prefix-constrained, its credit
is on another scale, and its distribution over lists cannot be enumerated exactly. The credits are
recentred on every query (on a feasible one ``b_i`` is rounding, ~1e-15, or the solver's ~1e-7 when
the least-squares polish would make a probability negative), so the guarantee never rests on the
polish. Round 12 (BENCHMARKS) measures it.

Credits (``delta > 0`` favours B; ``r_X(d)`` is d's rank in X's top ``k``, ``m + 1`` if absent or
ranked below ``m``, ``m = min(|A|, |B|)`` - ``k`` when both fill the page): ``linear``
``r_A(d) - r_B(d)``, ``inverse`` ``1 / r_B(d) - 1 / r_A(d)``. (A binary credit,
``sign(r_A(d) - r_B(d))``, is left out: on 81 of 300 random pairs of top-10s it had no unbiased
distribution.) A session's credit is the sum over its clicked positions. The cut at ``m`` is ours, not the paper's:
where one ranker returned fewer than ``k`` items only the longer one's items can fill the last
positions, and crediting them there would credit position-only clicks to it (team draft's bias on
such lists, BENCHMARKS round 9) and can leave no unbiased distribution at all; beyond the shorter
list's end the shorter ranker said nothing, so those ranks are not compared.
``bench/experiments_opt.py`` measures it beside A/B and the served probabilistic interleaving.

Served (``definition.METHODS`` "optimized", round 12): :func:`served_interleave` merges a search
request's two rankings with the LP over the first ``SERVE_K`` positions, solutions cached per pair
of rankings (:class:`SolutionCache`), and the search route logs each position's credit in the
interleaving log's ``p_b`` column (:func:`credit_to_p_b`), which ``interleave_readout`` reads.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from shopmind.experiments.interleave_opt_lp import ShapeCache, index_lists, item_ids, solve_lp
from shopmind.experiments.interleave_opt_sens import (
    OBJECTIVES,
    SENS_STEPS,
    discrimination,
    null_second_moment,
    query_scale,
)

CREDITS: dict[str, Callable[[int, int], float]] = {
    "linear": lambda ra, rb: float(ra - rb),
    "inverse": lambda ra, rb: 1.0 / rb - 1.0 / ra,
}
DEFAULT_CREDIT = "inverse"
MAX_LISTS = 4096  # 2 ** 12: the enumeration's guard (k = 10 gives at most 1,024)


@dataclass(frozen=True)
class OptimizedDistribution:
    """The LP's solution for one pair of rankings: the lists with positive probability, each
    list's credit per position (``delta`` of its item recentred by the distribution's mean at that
    position, so every position's expected credit is 0 to rounding; > 0 favours B), the
    probabilities, how many prefix-constrained lists there were, and the largest per-position
    expected ``delta`` before recentring (``max_bias``: 0 up to rounding when the unbiased LP was
    feasible, ``feasible`` False otherwise)."""

    lists: tuple[tuple[str, ...], ...]
    credits: tuple[tuple[float, ...], ...]
    probs: tuple[float, ...]
    candidates: int
    max_bias: float
    feasible: bool
    #: the chosen distribution's expected null second moment and discrimination of the (recentred)
    #: credit under ``interleave_opt_sens``'s click prior (what its per-query scales read)
    prior_var: float = 0.0
    prior_disc: float = 0.0
    objective: str = "insensitivity"


@dataclass(frozen=True)
class OptInterleaved:
    """One merged list drawn from the distribution: the items and each position's credit."""

    items: tuple[str, ...]
    credits: tuple[float, ...]


def _top(ranking: Sequence[str], k: int) -> list[str]:
    """The first ``k`` distinct items of ``ranking`` (a repeated item keeps its first rank)."""
    out: list[str] = []
    for it in ranking:
        if it not in out:
            out.append(it)
            if len(out) == k:
                break
    return out


def prefix_lists(a: Sequence[str], b: Sequence[str], k: int) -> list[tuple[str, ...]]:
    """Every list of ``min(k, |A u B|)`` items whose every prefix is the union of a prefix of A's
    top ``k`` and a prefix of B's (built by appending A's or B's best unshown item, both branches
    when they differ; depth first, A's branch first). Raises ``ValueError`` for ``k < 1``."""
    items, idx = _index_lists(a, b, k)
    return [tuple(items[i] for i in row) for row in idx.tolist()]


def _index_lists(a: Sequence[str], b: Sequence[str], k: int) -> tuple[list[str], np.ndarray]:
    """:func:`prefix_lists` as item ids (``interleave_opt_lp.index_lists``) and the items by id."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    ta, tb = _top(a, k), _top(b, k)
    items, a_ids, b_ids = item_ids(ta, tb)
    n = min(k, len(items))
    try:
        return items, index_lists(a_ids, b_ids, n, MAX_LISTS)
    except ValueError as e:
        raise ValueError(f"{e}: k={k} too large") from None


def is_prefix_constrained(items: Sequence[str], a: Sequence[str], b: Sequence[str], k: int) -> bool:
    """Whether every prefix of ``items`` is the union of a prefix of A's top ``k`` and one of B's."""
    ta, tb = _top(a, k), _top(b, k)
    for n in range(1, len(items) + 1):
        pre = set(items[:n])
        if len(pre) != n:
            return False
        ja = next((j for j in range(len(ta) + 1) if j == len(ta) or ta[j] not in pre), 0)
        jb = next((j for j in range(len(tb) + 1) if j == len(tb) or tb[j] not in pre), 0)
        if set(ta[:ja]) | set(tb[:jb]) != pre:
            return False
    return True


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
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; one of {', '.join(OBJECTIVES)}")
    delta = item_credits(a, b, k, credit)
    inv_credit = item_credits(a, b, k, "inverse")
    items, idx = _index_lists(a, b, k)  # (lists, n) item ids, prefix_lists' order
    n = idx.shape[1]
    if n == 0:
        return OptimizedDistribution((), (), (), 0, 0.0, True, objective=objective)
    d = np.array([delta[x] for x in items])[idx]  # (lists, n)
    inv = np.array([inv_credit[x] for x in items])[idx]
    a_eq = np.vstack([np.ones(len(idx)), d.T])
    b_eq = np.zeros(n + 1)
    b_eq[0] = 1.0
    # "null_variance" and "sensitivity" both read the credit's null second moment under the prior
    insens = objective == "insensitivity"
    cost = (d @ (1.0 / np.arange(1, n + 1))) ** 2 if insens else null_second_moment(d)
    x = solve_lp(cost, a_eq, b_eq)
    feasible = x is not None
    if x is not None:
        p = _polish(x, a_eq, b_eq)
        if objective == "sensitivity":
            p = _max_sensitivity(p, cost, discrimination(d, inv), a_eq, b_eq)
    else:  # no exactly unbiased distribution: the least biased one (min t, |sum_L p_L d_Li| <= t)
        m = len(idx)
        c = np.zeros(m + 1)
        c[-1] = 1.0
        a_ub = np.vstack([np.hstack([d.T, -np.ones((n, 1))]), np.hstack([-d.T, -np.ones((n, 1))])])
        x = solve_lp(c, np.append(np.ones(m), 0.0)[None], np.array([1.0]), a_ub, np.zeros(2 * n))
        if x is None:
            raise RuntimeError("optimized interleaving LP failed: the least-biased LP has no solution")
        p = np.clip(x[:m], 0.0, None)
        p /= p.sum()
    keep = np.flatnonzero(p > 1e-12)
    p = p[keep] / p[keep].sum()
    mean = p @ d[keep]  # per-position expected delta: 0 when feasible, the least bias otherwise
    bias = float(np.abs(mean).max())
    cred = d[keep] - mean  # recentred (module docstring): every position's expected credit is 0
    return OptimizedDistribution(
        tuple(tuple(items[j] for j in idx[i]) for i in keep.tolist()),
        tuple(tuple(float(x) for x in row) for row in cred),
        tuple(float(x) for x in p),
        len(idx),
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

    def ratio(q: np.ndarray) -> float:
        v = float(q @ var)
        return float(q @ disc) ** 2 / v if v > 0 else 0.0

    best = ratio(p)
    for _ in range(SENS_STEPS):
        s, v = float(p @ disc), float(p @ var)
        if s <= 0 or v <= 0:
            break
        x = solve_lp(s / (2 * v) * var - disc, a_eq, b_eq)
        if x is None:
            break
        q = _polish(x, a_eq, b_eq)
        r = ratio(q)
        if r <= best * (1 + 1e-6):
            if r > best:
                p, best = q, r
            break
        p, best = q, r
    return p


def scaled(dist: OptimizedDistribution, how: str) -> OptimizedDistribution:
    """``dist`` with every credit multiplied by the query's scale (``interleave_opt_sens.query_scale``:
    ``none``, ``unit`` or ``prior_optimal``). One constant per query: each position's expected
    credit stays 0, so position-only clicks still earn exactly nothing."""
    s = query_scale(dist.prior_var, dist.prior_disc, how)
    if s == 1.0:
        return dist
    return replace(
        dist,
        credits=tuple(tuple(c * s for c in row) for row in dist.credits),
        prior_var=dist.prior_var * s * s,
        prior_disc=dist.prior_disc * s,
    )


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


def optimized_interleave(
    a: Sequence[str],
    b: Sequence[str],
    k: int,
    rng: random.Random,
    credit: str = DEFAULT_CREDIT,
    dist: OptimizedDistribution | None = None,
) -> OptInterleaved:
    """Draw one merged list of ``a`` and ``b`` from the optimized distribution (solved here unless
    ``dist``, e.g. cached per query, is given). Deterministic given ``rng``'s state."""
    dist = dist if dist is not None else optimize(a, b, k, credit)
    if not dist.lists:
        return OptInterleaved((), ())
    x = rng.random()
    i = len(dist.probs) - 1
    for j, pj in enumerate(dist.probs):
        x -= pj
        if x < 0:
            i = j
            break
    return OptInterleaved(dist.lists[i], dist.credits[i])


def session_credit(shown: OptInterleaved, clicked_positions: Iterable[int]) -> float:
    """The session's credit for B (> 0) or A (< 0): the sum of ``delta`` over the clicked positions
    (each position once)."""
    return float(sum(shown.credits[p] for p in set(clicked_positions) if 0 <= p < len(shown.credits)))


# --- serving (issue 15, round 12) -----------------------------------------------------------------

#: The served merge: the LP over the first ``SERVE_K`` positions (the page every bench measured;
#: at most ``2 ** SERVE_K`` lists to enumerate) with round 11's credit; deeper positions are filled
#: with A's and B's next items in turn and credit nothing.
SERVE_K = 10
SERVE_CREDIT = "linear"
#: what the served LP optimises and how a query's credits are scaled (``interleave_opt_sens``):
#: round 13 chose among 3 x 3 designs on query tuning halves and kept rounds 11-12's (BENCHMARKS)
SERVE_OBJECTIVE = "insensitivity"
SERVE_SCALE = "none"
#: distinct (query rankings) whose solution a worker keeps: a solve costs milliseconds, a hit
#: microseconds (``bench/experiments_opt_serve.py``)
CACHE_SIZE = 4096
#: distinct shapes of a pair of top lists whose solution a worker keeps (``SolutionCache``)
SHAPE_CACHE_SIZE = 1024


class SolutionCache:
    """Least-recently-used solutions per (A's top k, B's top k, k, credit, objective, scale). Why:
    the LP costs a few milliseconds per query (more for pairs with many prefix-constrained lists),
    while a shop's traffic repeats its queries; the key is the two rankings, not the query text, so a changed
    ranking (a new release, a catalog update) is solved afresh. On a miss, a solution of the same
    shape (``interleave_opt_lp.ShapeCache``, ``shape_size`` shapes; 0: none) is relabelled instead of
    solving. ``solve`` is ``optimize`` (a bench passes round 13's to time both). Thread-safe (one
    per worker)."""

    def __init__(
        self,
        size: int = CACHE_SIZE,
        shape_size: int = SHAPE_CACHE_SIZE,
        solve: Callable[..., OptimizedDistribution] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"cache size must be >= 1, got {size}")
        self.size = size
        self._items: OrderedDict[tuple, OptimizedDistribution] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.shapes = ShapeCache(shape_size)
        self._solve = solve if solve is not None else optimize

    def get(
        self,
        a: Sequence[str],
        b: Sequence[str],
        k: int,
        credit: str,
        objective: str = SERVE_OBJECTIVE,
        scale: str = SERVE_SCALE,
    ) -> OptimizedDistribution:
        ta, tb = tuple(_top(a, k)), tuple(_top(b, k))
        key = (ta, tb, k, credit, objective, scale)
        with self._lock:
            dist = self._items.get(key)
            if dist is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return dist
        # outside the lock: two workers' threads may both solve once
        shape, items = ShapeCache.key(ta, tb, key[2:]) if self.shapes.size else ((), [])
        dist = self.shapes.get(shape, items) if self.shapes.size else None
        if dist is None:
            dist = scaled(self._solve(ta, tb, k, credit, objective), scale)
            self.shapes.put(shape, items, dist)
        with self._lock:
            self.misses += 1
            self._items[key] = dist
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return dist


@dataclass(frozen=True)
class ServedOpt:
    """A served optimized list: items, the ranker each item came from (0 = A: it was A's best item
    not yet shown, 1 = B otherwise) and each position's credit (> 0 favours B; 0 past ``SERVE_K``).
    ``p_b`` is the credit as the interleaving log's ``p_b`` column carries it (:func:`credit_to_p_b`)."""

    items: tuple[str, ...]
    teams: tuple[int, ...]
    credits: tuple[float, ...]

    @property
    def p_b(self) -> tuple[float, ...]:
        return tuple(credit_to_p_b(c) for c in self.credits)


def credit_to_p_b(credit: float, k: int = SERVE_K) -> float:
    """The logged form of a position's credit, ``(1 + credit / k) / 2``. Why this form: the readout
    credits a logged ``p_b`` as ``p_b`` to B and ``1 - p_b`` to A, i.e. ``2 p_b - 1 = credit / k``
    per click, a linear map, so the per-list credit difference, its t-test, the controls
    (``2 p_b - 1`` per position, mean 0 as the credits) and the win/tie outcome read the optimized
    credit in units of ``k`` ranks, where a click's credit lies in [-1, 1] like a probabilistic
    list's. (A recentred credit can put ``p_b`` a hair outside [0, 1]: it is a number, not a
    probability, for an optimized list.)"""
    return 0.5 + credit / (2 * k)


def served_interleave(
    a: Sequence[str],
    b: Sequence[str],
    depth: int,
    rng: random.Random,
    cache: SolutionCache | None = None,
    k: int = SERVE_K,
    credit: str = SERVE_CREDIT,
    objective: str = SERVE_OBJECTIVE,
    scale: str = SERVE_SCALE,
) -> ServedOpt:
    """The served merge of rankings ``a`` and ``b`` to ``depth`` items: the optimized distribution's
    list over the first ``k`` positions (solved, or taken from ``cache``), then A's and B's next
    unshown items in turn (who starts: a coin), with credit 0. Every prefix stays the union of a
    prefix of A and one of B. Deterministic given ``rng``'s state; a deeper ``depth`` with the same
    seed extends the shallower list (paging)."""
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    if cache is not None:
        dist = cache.get(a, b, k, credit, objective, scale)
    else:
        dist = scaled(optimize(a, b, k, credit, objective), scale)
    head = optimized_interleave(a, b, k, rng, credit, dist)
    items, credits = list(head.items[:depth]), list(head.credits[:depth])
    seen = set(items)
    side = 0 if rng.random() < 0.5 else 1
    pos = [0, 0]
    rankings = (list(a), list(b))
    while len(items) < depth:
        nxt = [None, None]
        for s in (0, 1):
            r = rankings[s]
            while pos[s] < len(r) and r[pos[s]] in seen:
                pos[s] += 1
            nxt[s] = r[pos[s]] if pos[s] < len(r) else None
        pick = nxt[side] if nxt[side] is not None else nxt[1 - side]
        if pick is None:
            break
        items.append(pick)
        credits.append(0.0)
        seen.add(pick)
        side = 1 - side
    return ServedOpt(tuple(items), _teams(items, a, b), tuple(credits))


def _teams(items: Sequence[str], a: Sequence[str], b: Sequence[str]) -> tuple[int, ...]:
    """Per position 0 when the item was A's best item not yet shown, else 1 (B's)."""
    out: list[int] = []
    seen: set[str] = set()
    ia = 0
    for it in items:
        while ia < len(a) and a[ia] in seen:
            ia += 1
        out.append(0 if ia < len(a) and a[ia] == it else 1)
        seen.add(it)
    return tuple(out)
