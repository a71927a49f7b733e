"""The readout's statistics: ratio metrics by the delta method, CUPED, Welch intervals, sample-ratio
mismatch, always-valid (mSPRT) p-values and confidence sequences, and sample sizes.

Hand-written on numpy/scipy because the product path needs a few closed forms, not a framework; the
fixed-horizon estimates and intervals follow tea-tasting's conventions (Deng et al. 2018 delta method,
CUPED coefficient from the pooled sample, Welch/Student-t) and ``tests/test_experiments_stats.py``
requires them equal to ``tea_tasting`` on the same data to 1e-6.

Units: every array holds one value per *randomisation unit* (user or session). A per-session metric
on a user-randomised experiment is a ratio ``sum(numerator) / sum(denominator)`` over users - that is
why the delta method is needed: sessions of one user are not independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

SRM_ALPHA = 0.001  # the conventional (Kohavi/Fabijan) threshold: an SRM at this level blocks the readout


@dataclass(frozen=True)
class Effect:
    """Treatment vs control for one metric (absolute and relative, with intervals and a p-value)."""

    control: float
    treatment: float
    effect: float
    ci_lower: float
    ci_upper: float
    rel_effect: float
    rel_ci_lower: float
    rel_ci_upper: float
    pvalue: float
    se: float
    n_control: int
    n_treatment: int


@dataclass(frozen=True)
class _Moments:
    mean: dict[str, float]
    cov: np.ndarray  # sample covariance (ddof=1) of the columns, in _COLS order
    n: int


_COLS = ("y", "d", "x", "e")  # numerator, denominator, covariate numerator, covariate denominator


def _moments(y: np.ndarray, d: np.ndarray, x: np.ndarray, e: np.ndarray) -> _Moments:
    m = np.vstack([y, d, x, e]).astype(float)
    n = m.shape[1]
    if n < 2:
        raise ValueError("each variant needs at least 2 units for a variance")
    return _Moments(dict(zip(_COLS, m.mean(axis=1).tolist(), strict=True)), np.cov(m, ddof=1), n)


def _ratio_cov(mo: _Moments, a: tuple[int, int], b: tuple[int, int]) -> float:
    """Delta-method covariance of ratio a = mean(a0)/mean(a1) and ratio b."""
    mean = [mo.mean[c] for c in _COLS]
    ra, rb = mean[a[0]] / mean[a[1]], mean[b[0]] / mean[b[1]]
    c = mo.cov
    return float(
        (c[a[0], b[0]] - c[a[0], b[1]] * rb - c[a[1], b[0]] * ra + c[a[1], b[1]] * ra * rb)
        / mean[a[1]]
        / mean[b[1]]
    )


def _as_arrays(n: int, *cols: ArrayLike | None) -> list[np.ndarray]:
    return [np.ones(n) if c is None else np.asarray(c, dtype=float) for c in cols]


def compare(
    control: ArrayLike,
    treatment: ArrayLike,
    *,
    control_denom: ArrayLike | None = None,
    treatment_denom: ArrayLike | None = None,
    control_covariate: ArrayLike | None = None,
    treatment_covariate: ArrayLike | None = None,
    control_covariate_denom: ArrayLike | None = None,
    treatment_covariate_denom: ArrayLike | None = None,
    confidence: float = 0.95,
    use_t: bool = True,
) -> Effect:
    """Difference of (ratio of) means, optionally CUPED-adjusted, with Welch intervals.

    ``control``/``treatment`` are per-unit numerators; ``*_denom`` per-unit denominators (omit for a
    plain mean); ``*_covariate`` the same metric (or any pre-period covariate) before the experiment,
    which CUPED uses: ``Y_adj = Y - theta (X - mean X)`` with ``theta = cov(Y, X) / var(X)`` on the
    pooled sample (so both variants use one theta and the estimate stays unbiased).
    The relative interval is on the log scale of the ratio of means, as tea-tasting does.
    """
    c_y = np.asarray(control, dtype=float)
    t_y = np.asarray(treatment, dtype=float)
    cuped = control_covariate is not None or treatment_covariate is not None
    if cuped and (control_covariate is None or treatment_covariate is None):
        raise ValueError("CUPED needs the covariate for both variants")
    c = _moments(c_y, *_as_arrays(len(c_y), control_denom, control_covariate, control_covariate_denom))
    t = _moments(t_y, *_as_arrays(len(t_y), treatment_denom, treatment_covariate, treatment_covariate_denom))
    if cuped:
        pooled = _moments(
            np.concatenate([c_y, t_y]),
            *(
                np.concatenate(pair)
                for pair in zip(
                    _as_arrays(len(c_y), control_denom, control_covariate, control_covariate_denom),
                    _as_arrays(len(t_y), treatment_denom, treatment_covariate, treatment_covariate_denom),
                    strict=True,
                )
            ),
        )
        xvar = _ratio_cov(pooled, (2, 3), (2, 3))
        theta = 0.0 if xvar == 0 else _ratio_cov(pooled, (0, 1), (2, 3)) / xvar
        x_mean = pooled.mean["x"] / pooled.mean["e"]
    else:
        theta, x_mean = 0.0, 0.0

    def mean_var(mo: _Moments) -> tuple[float, float]:
        value = mo.mean["y"] / mo.mean["d"]
        var = _ratio_cov(mo, (0, 1), (0, 1))
        if cuped:
            value -= theta * (mo.mean["x"] / mo.mean["e"] - x_mean)
            var += theta * theta * _ratio_cov(mo, (2, 3), (2, 3)) - 2 * theta * _ratio_cov(mo, (0, 1), (2, 3))
        return value, var

    (cm, cv), (tm, tv) = mean_var(c), mean_var(t)
    return _welch(cm, cv, c.n, tm, tv, t.n, confidence, use_t)


def _welch(
    cm: float, cv: float, cn: int, tm: float, tv: float, tn: int, confidence: float, use_t: bool
) -> Effect:
    def distr(vc: float, vt: float) -> tuple[stats.rv_continuous, float]:
        scale = math.sqrt(vc / cn + vt / tn)
        if not use_t:
            return stats.norm(scale=scale), scale
        mc, mt = vc / cn, vt / tn
        df = (mc + mt) ** 2 / (mc * mc / (cn - 1) + mt * mt / (tn - 1)) if mc + mt > 0 else cn + tn - 2
        return stats.t(df=df, scale=scale), scale

    d, scale = distr(cv, tv)
    q = (1 + confidence) / 2
    effect = tm - cm
    half = float(d.ppf(q)) if scale > 0 else 0.0
    ratio = tm / cm if cm != 0 else math.nan
    if cm != 0 and tm != 0:
        log_d, _ = distr(cv / cm / cm, tv / tm / tm)
        rel_half = math.exp(float(log_d.ppf(q)))
    else:
        rel_half = math.nan
    pvalue = float(2 * d.sf(abs(effect))) if scale > 0 else (1.0 if effect == 0 else 0.0)
    return Effect(
        control=cm,
        treatment=tm,
        effect=effect,
        ci_lower=effect - half,
        ci_upper=effect + half,
        rel_effect=ratio - 1,
        rel_ci_lower=ratio / rel_half - 1,
        rel_ci_upper=ratio * rel_half - 1,
        pvalue=pvalue,
        se=scale,
        n_control=cn,
        n_treatment=tn,
    )


def cuped_variance_reduction(y: ArrayLike, x: ArrayLike) -> float:
    """Share of the variance of the mean CUPED removes with covariate ``x``: rho(y, x)^2."""
    yy, xx = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    if yy.std() == 0 or xx.std() == 0:
        return 0.0
    return float(np.corrcoef(yy, xx)[0, 1] ** 2)


# --- sample-ratio mismatch ---------------------------------------------------------------------


@dataclass(frozen=True)
class SRM:
    """Pearson chi-square of observed unit counts against the designed weights."""

    counts: tuple[int, ...]
    expected_shares: tuple[float, ...]
    chi2: float
    pvalue: float
    mismatch: bool  # True blocks the readout: the randomisation or the logging is broken


def srm_check(counts: ArrayLike, weights: ArrayLike, alpha: float = SRM_ALPHA) -> SRM:
    """A mismatch means the variants did not get the traffic they were designed to get, so every
    metric difference may come from who was logged rather than from the variant: block the readout."""
    obs = np.asarray(counts, dtype=float)
    w = np.asarray(weights, dtype=float)
    if obs.shape != w.shape or len(obs) < 2:
        raise ValueError("srm_check needs one count and one weight per variant (at least two)")
    shares = w / w.sum()
    total = obs.sum()
    if total == 0:
        return SRM(tuple(int(c) for c in obs), tuple(shares), 0.0, 1.0, False)
    expected = shares * total
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    p = float(stats.chi2.sf(chi2, len(obs) - 1))
    return SRM(tuple(int(c) for c in obs), tuple(float(s) for s in shares), chi2, p, p < alpha)


# --- always-valid inference (mixture SPRT, Johari et al. 2017 / 2022) ---------------------------


@dataclass(frozen=True)
class AlwaysValid:
    """One look: the always-valid p-value and confidence sequence *so far* (running min / intersection)."""

    pvalue: float
    ci_lower: float
    ci_upper: float
    effect: float


def msprt_look(effect: float, var: float, tau2: float, alpha: float = 0.05) -> tuple[float, float, float]:
    """Normal-mixture SPRT at one look: (p-value of this look, CS lower, CS upper).

    ``var`` is the variance of the effect estimate (se^2). The mixture likelihood ratio of
    H1: delta ~ N(0, tau2) against H0: delta = 0 is
    ``L = sqrt(V/(V+tau2)) exp(tau2 d^2 / (2 V (V+tau2)))``; by Ville's inequality
    ``P(sup_n L_n >= 1/alpha) <= alpha`` under H0, so ``min(1, 1/L)`` may be read at every look.
    Inverting ``L < 1/alpha`` in d gives the confidence sequence's half-width.
    """
    if var <= 0:
        return (1.0 if effect == 0 else 0.0), effect, effect
    log_l = 0.5 * math.log(var / (var + tau2)) + tau2 * effect * effect / (2 * var * (var + tau2))
    p = 1.0 if log_l <= 0 else min(1.0, math.exp(-log_l))
    half = math.sqrt(var * (var + tau2) / tau2 * (2 * math.log(1 / alpha) + math.log((var + tau2) / var)))
    return p, effect - half, effect + half


class Sequential:
    """Accumulates looks (e.g. daily) and reports the running always-valid p-value and CS.

    ``tau2`` is the mixing variance: the squared effect size the test is most sensitive to. A good
    default is the square of the smallest effect worth detecting (set from the control mean).
    """

    def __init__(self, tau2: float, alpha: float = 0.05) -> None:
        if tau2 <= 0:
            raise ValueError("tau2 must be positive")
        self.tau2, self.alpha = tau2, alpha
        self.p, self.lo, self.hi = 1.0, -math.inf, math.inf

    def look(self, effect: float, se: float) -> AlwaysValid:
        p, lo, hi = msprt_look(effect, se * se, self.tau2, self.alpha)
        self.p = min(self.p, p)
        self.lo, self.hi = max(self.lo, lo), min(self.hi, hi)
        return AlwaysValid(self.p, self.lo, self.hi, effect)


def msprt_pvalues(effects: np.ndarray, variances: np.ndarray, tau2: float) -> np.ndarray:
    """Vectorised running always-valid p-values over the last axis (looks), for simulations."""
    v = np.maximum(variances, 1e-300)
    log_l = 0.5 * np.log(v / (v + tau2)) + tau2 * effects**2 / (2 * v * (v + tau2))
    p = np.minimum(1.0, np.exp(-np.maximum(log_l, 0.0)))
    return np.minimum.accumulate(p, axis=-1)


# --- sample size ---------------------------------------------------------------------------------


def sessions_for_power(p0: float, rel_lift: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Units per variant for a two-sided z-test of proportions p0 vs p0 (1 + rel_lift) at the given power
    (unpooled variances, the same normal approximation the readout uses at large n)."""
    p1 = p0 * (1 + rel_lift)
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.ceil(z * z * (p0 * (1 - p0) + p1 * (1 - p1)) / (p1 - p0) ** 2)
