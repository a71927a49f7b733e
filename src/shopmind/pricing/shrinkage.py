"""Empirical-Bayes shrinkage of per-product slopes toward their category's mean.

Why a module of its own: it is a general random-effects step (DerSimonian-Laird between-product
variance, Morris's posterior variance) that knows nothing of prices; the elasticity estimator
applies it per category group, and it is tested on its own (tests/test_pricing.py).
"""

from __future__ import annotations

import numpy as np


def shrink(
    b: np.ndarray, se: np.ndarray, prior: tuple[float, float, float] | None = None
) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """Empirical-Bayes shrinkage of slopes toward their random-effects mean.

    Returns (posterior mean, posterior sd, mu, var(mu), tau^2). Entries with NaN ``b`` get the prior
    (mu, tau^2 + var(mu)): a product with no usable price variation takes its category's elasticity.
    ``prior``: another estimate of the group's mean slope, its variance and the between-entry variance,
    from more data than the entries with a slope (the pricing fit's pooled slope over every product whose
    price moved); where its mean is the more precise of the two, the entries with NaN ``b`` take it
    instead (mean, sd sqrt(its between variance + its variance)). The entries with a slope keep their
    random-effects step, which their own data is in.
    """
    ok = np.isfinite(b) & np.isfinite(se) & (se > 0)
    if ok.sum() == 0:
        return np.full_like(b, np.nan), np.full_like(b, np.nan), float("nan"), float("nan"), float("nan")
    bo, vo = b[ok], se[ok] ** 2
    w = 1.0 / vo
    mu_fe = (w * bo).sum() / w.sum()
    k = int(ok.sum())
    if k >= 2:
        q = (w * (bo - mu_fe) ** 2).sum()
        denom = w.sum() - (w**2).sum() / w.sum()
        tau2 = max(0.0, (q - (k - 1)) / denom) if denom > 0 else 0.0
    else:
        tau2 = float(vo[0])  # one product: its own sampling variance as the prior's spread
    wr = 1.0 / (vo + tau2)
    mu = float((wr * bo).sum() / wr.sum())
    var_mu = float(1.0 / wr.sum())
    post = np.full_like(b, mu)
    sd = np.full_like(b, np.sqrt(tau2 + var_mu))
    # Morris (1983): B is damped by (k-3)/(k-1) and the variance carries the uncertainty of B and mu
    # (estimated from only k products); the plain plug-in under-covers badly for k ~ 10.
    if k > 3:
        shrink_w = (k - 3) / (k - 1) * vo / (vo + tau2)
        var = vo * (1 - (k - 1) / k * shrink_w) + 2 / (k - 3) * shrink_w**2 * (bo - mu) ** 2
    else:
        shrink_w = vo / (vo + tau2)
        var = (1 - shrink_w) * vo + shrink_w**2 * var_mu
    if prior is not None and np.isfinite(prior[0]) and np.isfinite(prior[2]) and 0 < prior[1] < var_mu:
        post[:] = prior[0]
        sd[:] = np.sqrt(prior[2] + prior[1])
    post[ok] = (1 - shrink_w) * bo + shrink_w * mu
    sd[ok] = np.sqrt(var)
    return post, sd, mu, var_mu, tau2
