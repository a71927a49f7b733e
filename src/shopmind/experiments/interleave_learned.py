"""A learned click credit for interleaving (Yue, Gao, Chapelle, Zhang & Joachims, "Learning more
powerful test statistics for click-based retrieval evaluation", SIGIR 2010).

Why: the plain credit counts every click alike, ``D = sum over clicks of c_i`` with ``c_i`` the
click's assignment term (probabilistic interleaving: the marginalised ``2 p_B(i) - 1``; team draft:
+1 for B's item, -1 for A's). Some clicks say more about which ranker is better than others - a
lone click at rank 1 is likely a good first answer, the fourth click of a session is likely
browsing. Yue et al. credit a session by ``w . phi`` where ``phi_k = sum over clicks of c_i f_k(i,
clicks)`` and ``f_k`` are features of the click *within the click pattern* (its rank, whether it
is the first / last / only click, how many clicks the session has, whether it follows a skipped
position), and choose ``w`` to maximise the z-score of the mean credit: ``w ~ Sigma^-1 mu`` (``mu``,
``Sigma``: mean and covariance of ``phi`` over sessions), shrunk towards the diagonal because both
are estimated.

Why it stays unbiased for ANY ``w``: the features read positions and the click pattern, never the
items. Under clicks that ignore the items (the pattern's distribution is the same whatever list was
shown), ``E[phi_k] = sum_i E[c_i] E[X_i f_k(i, X)]``, and ``E[c_i] = 0`` for every position
(probabilistic interleaving's fidelity argument, exact; team draft only while neither ranker runs
out of items, ``interleave_cv``). So a learned ``w`` changes the power, never the level.
``tests/test_interleave_learned.py`` checks this on an exhaustively enumerated merge and
``bench/experiments_learned.py`` measures the sessions it saves, with ``w`` learned on other
queries than the ones it is measured on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: the per-click features, in the order of ``phi`` (``click`` alone is the plain credit)
FEATURES: tuple[str, ...] = (
    "click",  # every click
    "rank1",  # the click is at position 1
    "rank2_3",  # at position 2 or 3
    "first",  # no click above it
    "last",  # no click below it
    "only",  # the session's only click
    "many",  # the session has 3 or more clicks
    "after_skip",  # the position just above it was shown and not clicked
)


def click_features(clicked: Sequence[bool]) -> np.ndarray:
    """(positions, features) matrix: row ``i`` holds ``f_k(i, clicks)`` for a clicked position and
    zeros for an unclicked one. ``clicked[i]``: whether position ``i`` (0 = top) was clicked."""
    x = np.asarray(clicked, dtype=bool)
    out = np.zeros((len(x), len(FEATURES)))
    idx = np.flatnonzero(x)
    n = len(idx)
    for j, i in enumerate(idx):
        out[i] = (
            1.0,
            float(i == 0),
            float(i in (1, 2)),
            float(j == 0),
            float(j == n - 1),
            float(n == 1),
            float(n >= 3),
            float(i > 0 and not x[i - 1]),
        )
    return out


def session_phi(credits: Sequence[float], clicked_positions: Iterable[int]) -> np.ndarray:
    """``phi`` of one shown list: the per-position assignment terms ``credits`` (``2 p_B - 1`` or
    the team's +-1) times each click's features, summed over the clicks (positions past the list's
    end are ignored; a position clicked twice counts once)."""
    c = np.asarray(credits, dtype=float)
    clicked = np.zeros(len(c), dtype=bool)
    for p in clicked_positions:
        if 0 <= p < len(c):
            clicked[p] = True
    return c @ click_features(clicked)


def learn_weights(mean: np.ndarray, cov: np.ndarray, shrink: float) -> np.ndarray:
    """``w ~ Sigma_s^-1 mu`` with ``Sigma_s = (1 - shrink) Sigma + shrink diag(Sigma)``: the ``w``
    maximising ``(w . mu) / sqrt(w' Sigma_s w)``, i.e. the z-score of the mean credit; scaled to unit
    length (the test is scale-free) and signed so the training pair's better ranker gets positive
    credit. A feature without variance gets weight 0."""
    if not 0.0 <= shrink <= 1.0:
        raise ValueError(f"shrink must be in [0, 1], got {shrink}")
    mu = np.asarray(mean, dtype=float)
    sigma = np.asarray(cov, dtype=float)
    live = np.diag(sigma) > 1e-15
    w = np.zeros(len(mu))
    if not live.any():
        return w
    s = sigma[np.ix_(live, live)]
    s = (1.0 - shrink) * s + shrink * np.diag(np.diag(s))
    w[live] = np.linalg.solve(s, mu[live])
    norm = float(np.linalg.norm(w))
    return w / norm if norm > 0 else w


def learn_from_sessions(phi: np.ndarray, shrink: float) -> np.ndarray:
    """``learn_weights`` from logged sessions' ``phi`` rows (an earlier interleaving experiment)."""
    p = np.asarray(phi, dtype=float)
    if p.ndim != 2 or p.shape[1] != len(FEATURES) or len(p) < 2:
        raise ValueError(f"need a (sessions >= 2, {len(FEATURES)}) phi matrix, got shape {p.shape}")
    return learn_weights(p.mean(axis=0), np.cov(p, rowvar=False), shrink)


def sessions_for_power(mean: np.ndarray, cov: np.ndarray, w: np.ndarray, z2: float) -> float | None:
    """Sessions a one-sample test of ``w . phi`` needs: ``z2 w' Sigma w / (w . mu)^2`` (``z2`` =
    (z_alpha/2 + z_power)^2); None when the credit's mean is 0 (no power at any size)."""
    m = float(w @ mean)
    if m == 0:
        return None
    return z2 * float(w @ cov @ w) / (m * m)
