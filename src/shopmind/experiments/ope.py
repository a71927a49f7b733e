"""Off-policy evaluation: what would a new recommendation policy earn, from traffic logged under
another, randomised policy (the exploration slot logs its propensities).

Estimators (Dudík et al. 2011; Swaminathan & Joachims 2015), each with a normal interval from its
per-round terms (the estimators are means of i.i.d. terms; SNIPS, a ratio, by the delta method):

- DM   ``mean_i sum_a pi(a|x_i) q(x_i, a)``                             - biased if q is wrong
- IPS  ``mean_i w_i r_i``,  ``w_i = pi(a_i|x_i) / mu(a_i|x_i)``          - unbiased, high variance
- SNIPS ``sum_i w_i r_i / sum_i w_i``                                  - small bias, lower variance
- DR   ``DM_i + w_i (r_i - q(x_i, a_i))``                             - unbiased if mu is right
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """A policy value estimate with its (1 - alpha) normal interval."""

    name: str
    value: float
    ci_lower: float
    ci_upper: float
    se: float


def _normal(name: str, terms: np.ndarray, alpha: float, value: float | None = None) -> Estimate:
    v = float(terms.mean()) if value is None else value
    se = float(terms.std(ddof=1) / math.sqrt(len(terms))) if len(terms) > 1 else math.inf
    z = float(stats.norm.ppf(1 - alpha / 2))
    return Estimate(name, v, v - z * se, v + z * se, se)


def _check(reward: np.ndarray, pscore: np.ndarray, pi: np.ndarray) -> None:
    if not (reward.shape == pscore.shape == pi.shape) or reward.ndim != 1 or len(reward) == 0:
        raise ValueError("reward, pscore and the evaluation policy's probabilities need one value per round")
    if (pscore <= 0).any() or (pscore > 1).any():
        raise ValueError(
            "pscore: logged propensities must be in (0, 1]; a zero propensity cannot be reweighted"
        )
    if (pi < 0).any() or (pi > 1).any():
        raise ValueError("pi: evaluation probabilities must be in [0, 1]")


def ips(reward: ArrayLike, pscore: ArrayLike, pi: ArrayLike, alpha: float = 0.05) -> Estimate:
    """Inverse propensity scoring; ``pi`` is the evaluation policy's probability of the logged action."""
    r, mu, p = (np.asarray(v, dtype=float) for v in (reward, pscore, pi))
    _check(r, mu, p)
    return _normal("IPS", p / mu * r, alpha)


def snips(reward: ArrayLike, pscore: ArrayLike, pi: ArrayLike, alpha: float = 0.05) -> Estimate:
    """Self-normalised IPS; its variance by the delta method on the ratio of the two means."""
    r, mu, p = (np.asarray(v, dtype=float) for v in (reward, pscore, pi))
    _check(r, mu, p)
    w = p / mu
    if w.sum() == 0:
        raise ValueError("pi: the evaluation policy never takes a logged action; SNIPS is undefined")
    value = float((w * r).sum() / w.sum())
    return _normal("SNIPS", w * (r - value) / w.mean(), alpha, value)


def direct(q_pi: ArrayLike, alpha: float = 0.05) -> Estimate:
    """Direct method: ``q_pi[i] = sum_a pi(a|x_i) q(x_i, a)`` (the model's value of the policy per round)."""
    return _normal("DM", np.asarray(q_pi, dtype=float), alpha)


def doubly_robust(
    reward: ArrayLike,
    pscore: ArrayLike,
    pi: ArrayLike,
    q_logged: ArrayLike,
    q_pi: ArrayLike,
    alpha: float = 0.05,
) -> Estimate:
    """DR: the model's value corrected by the importance-weighted residual of the logged action.

    ``q_logged[i] = q(x_i, a_i)``; ``q_pi`` as in ``direct``. Fit q on other folds than it is
    applied to (cross-fitting), or the correction term shrinks towards zero and bias returns.
    """
    r, mu, p, ql, qp = (np.asarray(v, dtype=float) for v in (reward, pscore, pi, q_logged, q_pi))
    _check(r, mu, p)
    return _normal("DR", qp + p / mu * (r - ql), alpha)
