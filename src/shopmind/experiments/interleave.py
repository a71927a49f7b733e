"""Team-draft interleaving (Radlinski, Kurup & Joachims 2008) of two rankers in one result list.

Why: an A/B test compares two populations, so between-user variance swamps a small ranking
difference; interleaving shows each shopper both rankers at once and asks which one's items got
the clicks, a paired comparison that needs one to two orders of magnitude fewer sessions
(Chapelle et al. 2012). ``bench/experiments_sim.py`` measures the factor on graded judgments.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

A, B = 0, 1


@dataclass(frozen=True)
class Interleaved:
    """The merged list and, per position, which ranker (team 0 = A, 1 = B) contributed the item."""

    items: tuple[str, ...]
    teams: tuple[int, ...]


def team_draft(a: Sequence[str], b: Sequence[str], k: int, rng: random.Random) -> Interleaved:
    """Merge rankings ``a`` and ``b`` into at most ``k`` items.

    Each round the team with fewer picks (a coin flip on a tie) adds its highest-ranked item not
    yet shown; an item both rankers share is credited to the team that placed it. With equal picks
    guaranteed by the rule, neither ranker gains from position alone.
    """
    items: list[str] = []
    teams: list[int] = []
    seen: set[str] = set()
    ia = ib = 0
    picks = [0, 0]
    while len(items) < k:
        while ia < len(a) and a[ia] in seen:
            ia += 1
        while ib < len(b) and b[ib] in seen:
            ib += 1
        a_left, b_left = ia < len(a), ib < len(b)
        if not (a_left or b_left):
            break
        if a_left and (not b_left or picks[A] < picks[B] or (picks[A] == picks[B] and rng.random() < 0.5)):
            team, item = A, a[ia]
        else:
            team, item = B, b[ib]
        items.append(item)
        teams.append(team)
        seen.add(item)
        picks[team] += 1
    return Interleaved(tuple(items), tuple(teams))


def credit(shown: Interleaved, clicked_positions: Iterable[int]) -> int:
    """The session's winner from its clicks: 0 = A, 1 = B, -1 = tie (including no click)."""
    counts = [0, 0]
    for p in clicked_positions:
        if 0 <= p < len(shown.teams):
            counts[shown.teams[p]] += 1
    if counts[A] == counts[B]:
        return -1
    return A if counts[A] > counts[B] else B


@dataclass(frozen=True)
class InterleaveResult:
    """Wins per ranker, the preference ``delta`` (> 0: B better) and the two-sided binomial p-value."""

    wins_a: int
    wins_b: int
    ties: int
    delta: float  # (wins_b - wins_a) / sessions, Chapelle et al.'s Delta_AB with ties counted
    pvalue: float

    @property
    def winner(self) -> str | None:
        if self.wins_a == self.wins_b:
            return None
        return "B" if self.wins_b > self.wins_a else "A"


def sign_test(wins_a: int, wins_b: int, ties: int = 0) -> InterleaveResult:
    """Sign test over non-tied sessions: under H0 (no preference) each decided session is a fair coin."""
    from scipy import stats  # lazily: the server merges lists on the request path without scipy

    decided = wins_a + wins_b
    p = float(stats.binomtest(wins_b, decided, 0.5).pvalue) if decided else 1.0
    n = decided + ties
    return InterleaveResult(wins_a, wins_b, ties, (wins_b - wins_a) / n if n else 0.0, p)
