"""Control variates for probabilistic interleaving's credit: the merge's own randomness as covariate.

Why: a list's credit ``D = sum over clicks of (2 p_B(i) - 1)`` varies partly because of *which*
list the coins drew: when B's items happen to fill the top positions, B collects credit from clicks
that any item there would have got. The per-position credits of the shown list, ``c_i = 2 p_B(i) - 1``
(0 past its end), are known before any click, and ``E[c_i] = 0`` exactly for every position whatever
the rankers and whatever the shoppers do (``interleave_prob``'s fidelity argument: the item at ``i``
is drawn from ``(P_A + P_B) / 2`` given the prefix). So ``D - beta . c`` has the same mean as ``D``
for any fixed ``beta``, and the least-squares ``beta`` removes the part of the variance the draw
explains - CUPED with the randomisation as the pre-period covariate, but with a known mean 0 instead
of an estimated one, and valid for any click behaviour.

``bench/experiments_exact.py`` measures the variance removed (exactly, per click model) and
``bench/experiments_sim.py`` the power and the level of the test at the sizes it implies. Not used
for team draft: its per-position team signs have mean 0 only while neither ranker runs out of items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shopmind.experiments.interleave import CreditTest, credit_diff_test

#: positions used as controls: clicks below the first page are rare, and every control costs about
#: 1/n of the variance back (its coefficient is estimated)
CV_POSITIONS = 10


def position_credits(p_b: Sequence[Sequence[float] | None], positions: int = CV_POSITIONS) -> np.ndarray:
    """(lists, positions) controls ``2 p_B(i) - 1`` of each list's first ``positions`` positions
    (0 past a list's end, and for a list without posteriors, e.g. a team-draft list)."""
    out = np.zeros((len(p_b), positions))
    for r, post in enumerate(p_b):
        if post is not None:
            head = np.asarray(list(post)[:positions], dtype=float)
            out[r, : len(head)] = 2 * head - 1
    return out


def adjusted_credit(diff: Sequence[float] | np.ndarray, controls: np.ndarray) -> np.ndarray:
    """``diff - controls @ beta`` with ``beta`` the least-squares slope of the per-list credit
    difference on the controls (with an intercept); the controls' known mean 0 keeps the mean.
    Returns ``diff`` unchanged when there are too few lists to fit the slopes (n <= controls + 2)
    or every control is 0 (identical rankers, team-draft lists)."""
    d = np.asarray(diff, dtype=float)
    c = np.asarray(controls, dtype=float).reshape(len(d), -1)
    c = c[:, c.std(axis=0) > 0] if len(d) else c
    if c.shape[1] == 0 or len(d) <= c.shape[1] + 2:
        return d
    x = np.column_stack([np.ones(len(d)), c - c.mean(axis=0)])
    beta = np.linalg.lstsq(x, d, rcond=None)[0][1:]
    return d - c @ beta


def credit_cv_test(diff: Sequence[float] | np.ndarray, controls: np.ndarray) -> CreditTest:
    """The paired t-test (``interleave.credit_diff_test``) on the control-adjusted per-list credit."""
    adj = adjusted_credit(diff, controls)
    return credit_diff_test(np.zeros(len(adj)), adj)
