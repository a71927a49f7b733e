"""Sensitivity by design for optimized interleaving (issue 15, round 13): what the LP optimises
among the exactly unbiased distributions over prefix-constrained lists, and how a query's credits
are scaled.

Why: Radlinski & Craswell choose, among the unbiased distributions, the most *sensitive* one;
round 11 used the paper's proxy, the "insensitivity" ``sum_L p_L (sum_i delta(L_i) / i) ** 2``
(how much a shopper clicking by position alone would already favour one ranker on list ``L``).
That term says nothing about the clicks' own noise (79 % - 87 % of the credit's variance on the
real pairs, round 11) nor about how far the chosen lists separate "A is right" from "B is right".
Everything here is a property of the two rankings and a fixed click prior, never of clicks, so the
design is fixed before any shopper is seen:

- ``prior_clicks``: a position-only click prior ``c_i = PRIOR_CTR / i`` (the paper's rank prior
  ``1 / i``; deliberately not the simulator's ``1 / log2(i + 1)``), clicks independent;
- ``null_second_moment``: per list, ``E_0[D ** 2]`` of the session credit ``D = sum_i X_i d_i``
  under that prior, ``sum_i c_i (1 - c_i) d_i ** 2 + (sum_i c_i d_i) ** 2`` - the click noise plus
  the paper's insensitivity with the prior's weights. Linear in the distribution, so minimising it
  is still a linear program ("null_variance");
- ``discrimination``: per list, ``sum_i c_i (g_B(L_i) - g_A(L_i)) d_i`` with ``g_X = 1 / rank in
  X``: the expected credit when shoppers click by B's ranking minus when they click by A's (both
  attractiveness priors the paper's ``1 / rank``). ``g_B - g_A`` is the inverse-rank credit, which
  has the linear credit's sign, so every list's discrimination is >= 0;
- ``"sensitivity"``: the distribution maximising ``S ** 2 / V`` (``S``, ``V`` the two above,
  expected over the lists) - sessions scale with ``V / S ** 2`` - found by the fixed point
  ``max S - t V`` with ``t = S / (2 V)`` (each step a linear program; the ratio never decreases:
  round 13's BENCHMARKS section shows the algebra);
- ``query_scale``: per-query normalisation of the credits (``"unit"``: ``1 / sqrt(V)``, every
  query one prior standard deviation; ``"prior_optimal"``: ``S / V``, the weight a z-test would
  give the query if the prior were the truth). Scaling every position of a query by one constant
  keeps each position's expected credit 0, so exact unbiasedness is untouched.
"""

from __future__ import annotations

import math

import numpy as np

#: first-position click probability of the design prior (a shop search's typical top CTR); it only
#: balances the click-noise term against the cross term in ``null_second_moment``
PRIOR_CTR = 0.3
OBJECTIVES = ("insensitivity", "null_variance", "sensitivity")
SCALES = ("none", "unit", "prior_optimal")
#: fixed-point steps for "sensitivity" (each one LP); it stops earlier when the ratio moves < 1e-6
SENS_STEPS = 4


def prior_clicks(n: int) -> np.ndarray:
    """The design prior's click probability at positions 1..n (module docstring)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return PRIOR_CTR / np.arange(1, n + 1)


def null_second_moment(d: np.ndarray) -> np.ndarray:
    """``E_0[D ** 2]`` per list (rows of ``d``: the credit at each position) under the prior."""
    d = np.atleast_2d(np.asarray(d, dtype=float))
    c = prior_clicks(d.shape[1])
    return (d * d) @ (c * (1 - c)) + (d @ c) ** 2


def discrimination(d: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Per list, the expected credit under B-ranked minus A-ranked attractiveness (docstring);
    ``inv``: ``1 / r_B - 1 / r_A`` of the item at each position, same shape as ``d``."""
    d = np.atleast_2d(np.asarray(d, dtype=float))
    inv = np.atleast_2d(np.asarray(inv, dtype=float))
    if d.shape != inv.shape:
        raise ValueError(f"credit and inverse-rank shapes differ: {d.shape} vs {inv.shape}")
    return (d * inv) @ prior_clicks(d.shape[1])


def query_scale(prior_var: float, prior_disc: float, how: str) -> float:
    """The constant a query's credits are multiplied by (module docstring). A query whose prior
    variance is 0 has only zero credits: scale 1."""
    if how not in SCALES:
        raise ValueError(f"unknown scale {how!r}; one of {', '.join(SCALES)}")
    if how == "none" or prior_var <= 0.0:
        return 1.0
    if how == "unit":
        return 1.0 / math.sqrt(prior_var)
    return prior_disc / prior_var
