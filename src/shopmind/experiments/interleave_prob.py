"""Probabilistic interleaving with marginalised credit (Hofmann, Whiteson & de Rijke 2011; the
marginalisation of their 2013 TOIS paper, "Fidelity, soundness, and efficiency of interleaved
comparison methods").

The merge: each ranker ``l`` turns its ranking into a distribution over its items,
``P_l(d) ~ 1 / rank_l(d) ** tau`` (softmax over ranks, ``tau`` = 3 as in the paper). For every
position a fair coin picks a ranker, an item is drawn from that ranker's distribution over the items
not yet shown, and the item is removed from both distributions. When one ranker has no item left its
coin side draws from the other's distribution.

The credit: instead of the coin that happened to place an item (team draft's noise: an item both
rankers rank alike is credited in full to whichever team drew it), a click on position ``i`` is
credited by the posterior of the coin given the list, ``p_B(i) = P_B(d_i) / (P_A(d_i) + P_B(d_i))``
(both over the items left at ``i``). The per-list difference is ``sum over clicks of 2 p_B(i) - 1``.

Why it is unbiased (the fidelity argument, exact here): the item at ``i`` is drawn from
``(P_A + P_B) / 2`` given the prefix, so ``E[p_B(i) | prefix] = sum_d (P_A(d) + P_B(d)) / 2 *
P_B(d) / (P_A(d) + P_B(d)) = 1/2`` for every prefix. Clicks that do not depend on the items (random
or position-only clicks) therefore have expected credit 0 whatever the two rankers are; with
identical rankers ``p_B`` is exactly 1/2 and every credit is 0.
The posterior factorises over positions because the distributions at ``i`` depend on the items
shown before it, not on which coin placed them. ``bench/experiments_sim.py`` measures the sessions
it needs beside team draft and its false-positive rate under random clicks.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

A, B = 0, 1
TAU = 3.0


@dataclass(frozen=True)
class ProbInterleaved:
    """The merged list, the coin per position (0 = A drew it, 1 = B) and the posterior ``p_b``
    that B placed the item given the list (what the credit reads)."""

    items: tuple[str, ...]
    teams: tuple[int, ...]
    p_b: tuple[float, ...]


def probabilistic_interleave(
    a: Sequence[str], b: Sequence[str], k: int, rng: random.Random, tau: float = TAU
) -> ProbInterleaved:
    """Merge rankings ``a`` and ``b`` (best first, no repeats within one) into at most ``k`` items
    (module docstring). Deterministic given ``rng``'s state."""
    if tau <= 0:
        raise ValueError(f"tau must be > 0, got {tau}")
    weights: list[dict[str, float]] = [{}, {}]
    for side, ranking in ((A, a), (B, b)):
        for r, item in enumerate(ranking, start=1):
            weights[side].setdefault(item, r**-tau)
    totals = [sum(weights[A].values()), sum(weights[B].values())]
    items: list[str] = []
    teams: list[int] = []
    p_b: list[float] = []
    while len(items) < k and (weights[A] or weights[B]):
        coin = A if rng.random() < 0.5 else B
        side = coin if weights[coin] else 1 - coin  # an exhausted ranker's side draws from the other
        x = rng.random() * totals[side]
        item = None
        for cand, w in weights[side].items():  # insertion order = rank order
            x -= w
            item = cand
            if x < 0:
                break
        assert item is not None
        pa = weights[A].get(item, 0.0) / totals[A] if weights[A] else None
        pb = weights[B].get(item, 0.0) / totals[B] if weights[B] else None
        # one side borrowed the other's distribution (P_A == P_B there): no evidence either way
        post = 0.5 if pa is None or pb is None else pb / (pa + pb)
        items.append(item)
        teams.append(coin)
        p_b.append(post)
        for s in (A, B):
            if weights[s].pop(item, None) is not None:  # re-summed, not subtracted: no drift
                totals[s] = sum(weights[s].values())
    return ProbInterleaved(tuple(items), tuple(teams), tuple(p_b))


def marginal_credit(shown: ProbInterleaved, clicked_positions: Iterable[int]) -> tuple[float, float]:
    """Expected credited clicks per ranker given the list: (sum of 1 - p_B, sum of p_B) over the
    clicked positions (each position once). Their difference is the list's credit for B."""
    ca = cb = 0.0
    for p in set(clicked_positions):
        if 0 <= p < len(shown.p_b):
            cb += shown.p_b[p]
            ca += 1.0 - shown.p_b[p]
    return ca, cb
