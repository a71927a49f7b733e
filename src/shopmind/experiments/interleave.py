"""Team-draft interleaving (Radlinski, Kurup & Joachims 2008) of two rankers in one result list.

Why: an A/B test compares two populations, so between-user variance swamps a small ranking
difference; interleaving shows each shopper both rankers at once and asks which one's items got
the clicks, a paired comparison that needs one to two orders of magnitude fewer sessions
(Chapelle et al. 2012). ``bench/experiments_sim.py`` measures the factor on graded judgments.
"""

from __future__ import annotations

import math
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


def credit_counts(shown: Interleaved, clicked_positions: Iterable[int]) -> tuple[int, int]:
    """Clicked items per team: (clicks on A's items, clicks on B's items)."""
    counts = [0, 0]
    for p in clicked_positions:
        if 0 <= p < len(shown.teams):
            counts[shown.teams[p]] += 1
    return counts[A], counts[B]


def credit(shown: Interleaved, clicked_positions: Iterable[int]) -> int:
    """The session's winner from its clicks: 0 = A, 1 = B, -1 = tie (including no click)."""
    ca, cb = credit_counts(shown, clicked_positions)
    if ca == cb:
        return -1
    return A if ca > cb else B


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


@dataclass(frozen=True)
class CreditTest:
    """The paired test on per-list credit differences: mean ``clicks_B - clicks_A`` per list, its
    standard error and the two-sided t-test p-value (> 0: B's items got more of the clicks)."""

    lists: int
    mean_diff: float
    se: float
    pvalue: float

    @property
    def winner(self) -> str | None:
        if self.mean_diff == 0:
            return None
        return "B" if self.mean_diff > 0 else "A"


def credit_diff_test(credit_a: Sequence[float], credit_b: Sequence[float]) -> CreditTest:
    """Paired t-test on each list's credit difference ``credit_b - credit_a`` (ties count as 0).

    Why not the sign test: the sign test reduces a list to who won, dropping the size of a win
    (3 clicks to 0 counts as 1 to 0); a t-test on the per-list click difference keeps it (the
    "linear" credit of Chapelle et al. 2012, sec. 5, and the statistic Yue et al. 2010 generalise).
    Under H0 (no preference) team draft makes each list's difference symmetric about 0, so the
    test keeps its level; ``bench/experiments_sim.py`` checks that with identical rankers (A/A) and
    measures the sessions it saves over the sign test.
    """
    import numpy as np
    from scipy import stats  # lazily, as sign_test

    d = np.asarray(credit_b, dtype=float) - np.asarray(credit_a, dtype=float)
    n = len(d)
    if n < 2:
        return CreditTest(n, float(d.mean()) if n else 0.0, math.inf, 1.0)
    se = float(d.std(ddof=1) / math.sqrt(n))
    if se == 0:  # every list the same difference: 0 is no evidence; a constant non-zero is decisive
        return CreditTest(n, float(d.mean()), 0.0, 1.0 if d[0] == 0 else 0.0)
    t = float(d.mean()) / se
    return CreditTest(n, float(d.mean()), se, float(2 * stats.t.sf(abs(t), n - 1)))
