"""The per-group fits of the elasticity model: log-log backfit with week effects, Poisson refit.

Why a module of its own: this is the numerical core (batched normal equations and Newton steps
over item x week matrices, HC3 sandwich and conventional standard errors, Bell-McCaffrey degrees
of freedom), tested on its own against known slopes (tests/test_pricing_calibration.py); the
model and its limits are described in :mod:`shopmind.pricing.elasticity`.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def _dense(
    obs: pl.DataFrame,
) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(items, categories, log q, log p, promo, qty, avail) as item x week matrices: the first four
    NaN where no sale was observed, ``avail`` (share of the week in stock) 1 where unknown."""
    items = obs["item_id"].unique(maintain_order=True).to_list()
    weeks = sorted(obs["week"].unique().to_list())
    ii = {k: n for n, k in enumerate(items)}
    ww = {k: n for n, k in enumerate(weeks)}
    r = np.fromiter((ii[k] for k in obs["item_id"]), int, obs.height)
    c = np.fromiter((ww[k] for k in obs["week"]), int, obs.height)
    shape = (len(items), len(weeks))
    lq, lp, pr, q = (np.full(shape, np.nan) for _ in range(4))
    avail = np.ones(shape)
    if "avail" in obs.columns:
        avail[r, c] = obs["avail"].to_numpy()
    sold = obs["qty"].to_numpy() > 0  # out-of-stock weeks are rows without a sale (or a price)
    r, c = r[sold], c[sold]
    q[r, c] = obs["qty"].to_numpy()[sold]
    lq[r, c] = np.log(q[r, c])
    lp[r, c] = np.log(obs["price"].to_numpy()[sold])
    pr[r, c] = obs["promo"].to_numpy()[sold]
    cat_of = dict(zip(obs["item_id"], obs["category"], strict=False))
    return items, [cat_of[k] for k in items], lq, lp, pr, q, avail


def _price_moved(m: np.ndarray, x: np.ndarray, n_weeks: np.ndarray, min_weeks: int) -> np.ndarray:
    """Per product: can its weeks ``m`` (log prices ``x``, 0 outside ``m``) identify a slope - ``n_weeks`` >=
    ``min_weeks``, some price variance, and no tenfold swing of a week's median price, which is not a price
    change but a different thing sold under one code (postage, manual lines, samples). One rule for the
    log-log, Poisson and pooled fits."""
    n_m = m.sum(1)
    xbar = x.sum(1) / np.maximum(n_m, 1)
    xvar = (m * (x - xbar[:, None]) ** 2).sum(1) / np.maximum(n_m, 1)
    xrange = np.where(m, x, -np.inf).max(1) - np.where(m, x, np.inf).min(1)
    return (n_weeks >= min_weeks) & (xvar > 1e-5) & (xrange < np.log(10))


def _fit_group(
    lq: np.ndarray, lp: np.ndarray, pr: np.ndarray, min_weeks: int, iters: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backfit a[i] + g[t] + b[i] lp + d[i] promo on one group; returns (b, se_b, weeks used, g,
    df of se_b).

    Alternates: g = mean over products of the residual per week; per product OLS of (lq - g) on
    [1, lp, promo] via batched normal equations. Converges to the joint least-squares fit.
    """
    m = ~np.isnan(lq)
    n_obs = m.sum(axis=1)
    x = np.where(m, lp, 0.0)
    p = np.where(m, np.nan_to_num(pr), 0.0)
    y = np.where(m, lq, 0.0)
    mf = m.astype(float)
    # Identified only with price variation and enough weeks; others get b = 0 in the backfit.
    ok = _price_moved(m, x, n_obs, min_weeks)
    design = np.stack([mf, x, p], axis=2)  # (n, T, 3), zero rows where unobserved
    xtx = np.einsum("ntk,ntl->nkl", design, design) + np.eye(3) * 1e-9
    g = np.zeros(lq.shape[1])
    coef = np.zeros((lq.shape[0], 3))
    for _ in range(iters):
        target = y - g[None, :] * mf
        xty = np.einsum("ntk,nt->nk", design, target)
        coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
        coef[~ok, 1:] = 0.0
        coef[~ok, 0] = (target * mf).sum(1)[~ok] / np.maximum(n_obs[~ok], 1)
        fit = np.einsum("ntk,nk->nt", design, coef)
        resid = (y - fit) * mf  # y - a - b lp - d promo: what g must explain
        cnt = mf.sum(0)
        g_new = np.where(cnt > 0, resid.sum(0) / np.maximum(cnt, 1), 0.0)
        g_new -= g_new[cnt > 0].mean() if (cnt > 0).any() else 0.0
        if np.max(np.abs(g_new - g)) < 1e-9:
            g = g_new
            break
        g = g_new
    resid = (y - g[None, :] * mf - np.einsum("ntk,nk->nt", design, coef)) * mf
    has_promo = (p.max(1) > p.min(1)) | (p.max(1) > 0)
    # The week effects cost each product its share of them (sum over its weeks of 1 / products that week).
    cnt = mf.sum(0)
    fe_share = (mf / np.maximum(cnt, 1)[None, :]).sum(1)
    dof = n_obs - 2 - has_promo.astype(int) - fe_share
    # HC3 sandwich: demand noise is heteroscedastic in price (fewer units sold at a higher price ->
    # noisier log quantity), and real price paths often move in a few weeks only (high leverage),
    # where the classical and HC1 formulas both under-cover; HC3 inflates each residual by 1/(1-h).
    inv = np.linalg.inv(xtx)
    lev = np.clip(np.einsum("ntk,nkl,ntl->nt", design, inv, design), 0.0, 0.99)
    r2 = (
        resid**2
        / (1 - lev) ** 2
        * (n_obs / np.maximum(dof, 1))[:, None]
        * np.where(n_obs > 0, 1.0, 0.0)[:, None]
    )
    meat = np.einsum("ntk,nt,ntl->nkl", design, r2, design)
    cov = inv @ meat @ inv
    se = np.sqrt(np.maximum(cov[:, 1, 1], 0.0))
    b = np.where(ok & (dof > 0), coef[:, 1], np.nan)
    se = np.where(ok & (dof > 0), se, np.nan)
    # the conventional (homoscedastic) variance too: where a price moved in one or two weeks those
    # weeks' leverage is ~1, their residuals ~0, and the sandwich sees almost none of the noise it
    # must measure (HC3's 1/(1-h) cannot undo it once h is clipped); the conventional variance reads
    # the noise off every week. ``estimate`` takes the wider of the two intervals (Angrist & Pischke,
    # Mostly Harmless Econometrics 8.1: max(robust, conventional) guards the robust one's small-
    # sample downward bias).
    s2 = (resid**2).sum(1) / np.maximum(dof, 1)
    se_cl = np.where(ok & (dof > 0), np.sqrt(np.maximum(s2 * inv[:, 1, 1], 0.0)), np.nan)
    return b, se, n_obs, g, _bell_mccaffrey_df(design, inv, lev, mf), se_cl, dof


def _bell_mccaffrey_df(design: np.ndarray, inv: np.ndarray, lev: np.ndarray, mf: np.ndarray) -> np.ndarray:
    """Satterthwaite degrees of freedom of the HC3 variance of each slope (Bell & McCaffrey 2002).

    Why: a real price path often moves in two or three weeks only, so the sandwich variance rests on
    a handful of residuals and is itself very noisy; a normal quantile then under-covers (the
    simulator's high-volume products covered 84 % at 95 %). The HC3 estimate is ``e' A e`` with
    ``e = M y``; for homoscedastic errors its Satterthwaite df is ``tr(MAM)^2 / tr((MAM)^2)``, and
    the interval uses that t quantile instead of the normal one."""
    w = np.einsum("nl,ntl->nt", inv[:, 1, :], design)  # slope = sum_t w_t y_t
    a = w**2 / (1 - lev) ** 2 * mf
    hat = np.einsum("ntk,nkl,nsl->nts", design, inv, design)
    m = mf[:, :, None] * np.eye(mf.shape[1])[None] - hat
    bmat = (m * a[:, None, :]) @ m
    tr = np.trace(bmat, axis1=1, axis2=2)
    tr2 = (bmat * bmat).sum(axis=(1, 2))
    return np.where(tr2 > 0, tr**2 / np.maximum(tr2, 1e-300), np.inf)


def _fit_group_poisson(
    q: np.ndarray,
    lp: np.ndarray,
    pr: np.ndarray,
    g: np.ndarray,
    min_weeks: int,
    avail: np.ndarray | None = None,
    iters: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson pseudo-ML of ``E[q] = exp(a[i] + g[t] + b[i] lp + d[i] promo)`` on one group.

    Weeks without a sale inside a product's span (first to last sale) count as zero demand at the
    last seen price, so slow sellers are not biased toward 0 the way dropping log(0) weeks biases
    them. The week effects ``g`` are an offset taken from the log-log backfit (a common shock seen by
    every product of the group; alternating them with the Poisson fit converged too slowly on Online
    Retail's 3,900-product group), then a damped batched Newton per product; HC3-style sandwich SEs.
    ``avail`` (share of each week in stock) is the exposure: ``log avail`` is an offset, and a week
    with no stock at all is left out, never counted as a zero-demand week.
    """
    n, t_len = q.shape
    avail = np.ones(q.shape) if avail is None else avail
    seen = ~np.isnan(q)
    t = np.arange(t_len)
    first = seen.argmax(1)
    last = t_len - 1 - seen[:, ::-1].argmax(1)
    m = (t[None, :] >= first[:, None]) & (t[None, :] <= last[:, None]) & seen.any(1)[:, None]
    m &= avail > 0
    offset = np.log(np.where(avail > 0, avail, 1.0)) + g[None, :]
    idx = np.maximum.accumulate(np.where(seen, t[None, :], 0), axis=1)
    x = np.where(m, np.nan_to_num(np.take_along_axis(lp, idx, axis=1)), 0.0)
    y = np.where(m, np.nan_to_num(q), 0.0)
    p = np.where(seen & m, np.nan_to_num(pr), 0.0)
    mf = m.astype(float)
    n_obs, n_act = seen.sum(1), mf.sum(1)
    ok = _price_moved(m, x, n_obs, min_weeks)
    design = np.stack([mf, x, p], axis=2)
    coef = np.zeros((n, 3))
    coef[:, 0] = np.log(np.maximum(y.sum(1) / np.maximum(n_act, 1), 1e-3))
    ridge = np.eye(3) * 1e-9
    for _ in range(iters):
        mu = np.exp(np.clip(np.einsum("ntk,nk->nt", design, coef) + offset, -60, 60)) * mf
        grad = np.einsum("ntk,nt->nk", design, y - mu)
        hess = np.einsum("ntk,nt,ntl->nkl", design, mu, design)
        hess += ridge * (1.0 + np.trace(hess, axis1=1, axis2=2))[:, None, None]
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        step[~ok, 1:] = 0.0
        step[~ok, 0] = grad[~ok, 0] / np.maximum(hess[~ok, 0, 0], 1e-12)
        # Damped Newton: no week's linear predictor moves by more than 1 per step (clipping the
        # coefficients instead let wide-price products overshoot and keep every week effect oscillating).
        move = np.abs(np.einsum("ntk,nk->nt", design, step)).max(1)
        step *= np.minimum(1.0, 1.0 / np.maximum(move, 1e-12))[:, None]
        coef += step
        # A slope walking off (near-flat price: the likelihood is flat in b) is not an estimate; freeze
        # it at 0 so it stops moving the week effects, and let the product take its category's value.
        wild = ok & (np.abs(coef[:, 1]) > 15)
        if wild.any():
            ok &= ~wild
            coef[wild, 1:] = 0.0
        if np.max(np.abs(step)) < 1e-8:
            break
    converged = np.abs(step).max(1) < 1e-6
    mu = np.exp(np.clip(np.einsum("ntk,nk->nt", design, coef) + offset, -60, 60)) * mf
    hess = np.einsum("ntk,nt,ntl->nkl", design, mu, design)
    hess += ridge * (1.0 + np.trace(hess, axis1=1, axis2=2))[:, None, None]
    inv = np.linalg.inv(hess)
    lev = np.clip(mu * np.einsum("ntk,nkl,ntl->nt", design, inv, design), 0.0, 0.99)
    has_promo = p.max(1) > 0
    fe_share = (mf / np.maximum(mf.sum(0), 1)[None, :]).sum(1)
    dof = n_act - 2 - has_promo.astype(int) - fe_share
    r2 = (y - mu) ** 2 / (1 - lev) ** 2 * (n_act / np.maximum(dof, 1))[:, None]
    cov = inv @ np.einsum("ntk,nt,ntl->nkl", design, r2, design) @ inv
    se = np.sqrt(np.maximum(cov[:, 1, 1], 0.0))
    good = ok & converged & (dof > 0) & np.isfinite(coef[:, 1])
    return np.where(good, coef[:, 1], np.nan), np.where(good, se, np.nan), n_obs


def _pooled_slope(
    y: np.ndarray, lp: np.ndarray, pr: np.ndarray, iters: int = 500
) -> tuple[float, float, float, int]:
    """One slope for a whole group, with product and week fixed effects: (slope, its cluster-robust se, the
    between-product variance of the slopes, products used).

    Why: a product gets its own slope only with ``min_weeks`` weeks of sales, and the group's mean slope was read
    off those products alone; on a short history (the demo's 60 days: ~60 of 2,000 products, raw se 3-70) the
    category's elasticity, which every other product borrows, was +-1 to +-5 wide although ~800 other products'
    prices had moved in weeks with a sale. Here every product with two such weeks at different prices counts: the
    within (two-way demeaned, alternating projections) slope of ``y`` (log quantity, NaN = no sale) on ``lp`` with
    the promotion flag partialled out, its variance clustered by product (CR1: a product's weeks are not independent
    draws). The between-product variance (what a product's own elasticity adds to the group's) is DerSimonian-Laird
    over every mover's own within slope, each with the residual variance of all of them (a mover's two or three
    weeks cannot give its own); read off the few long sellers instead, it was noise (sd 6 from three flat-priced
    ones). Returns NaN slope/se/variance when fewer than two products move their price.
    """
    nan = float("nan")
    m = ~np.isnan(y)
    n_obs = m.sum(1)
    x = np.where(m, lp, 0.0)
    use = _price_moved(m, x, n_obs, 2)  # as the per-product fits read a price move
    n_used = int(use.sum())
    if n_used < 2:
        return nan, nan, nan, n_used
    mf = (m & use[:, None]).astype(float)
    cols = np.stack([np.where(m, y, 0.0), x, np.where(m, np.nan_to_num(pr), 0.0)]) * mf  # (3, n, T)
    rows_n, weeks_n = np.maximum(mf.sum(1), 1), np.maximum(mf.sum(0), 1)
    for _ in range(iters):
        before = cols.copy()
        cols = (cols - (cols.sum(2) / rows_n)[:, :, None]) * mf
        cols = (cols - (cols.sum(1) / weeks_n)[:, None, :]) * mf
        if np.max(np.abs(cols - before)) < 1e-10:
            break
    yt, xt, pt = cols
    design = [xt, pt] if np.abs(pt).max() > 1e-9 else [xt]
    xs = np.stack([d.ravel() for d in design], axis=1)
    xtx_inv = np.linalg.pinv(xs.T @ xs)
    coef = xtx_inv @ (xs.T @ yt.ravel())
    resid = (yt - sum(c * d for c, d in zip(coef, design, strict=True))) * mf
    scores = np.stack([(d * resid).sum(1) for d in design], axis=1)[use]  # one per product (cluster)
    var = xtx_inv @ (scores.T @ scores * n_used / (n_used - 1)) @ xtx_inv
    # each mover's own slope around the pooled one, with the residual variance left after all of them
    sxx = (xt * xt).sum(1)[use]
    own = (xt * resid).sum(1)[use] / sxx  # its slope minus the pooled one
    left = resid[use] - own[:, None] * xt[use]
    dof = (
        mf.sum() - 2 * n_used - ((mf.sum(0) > 0).sum() - 1) - (len(design) - 1)
    )  # means, slopes, weeks, promo
    s2 = float((left * left).sum() / dof) if dof > 0 else 0.0
    if s2 <= 0:  # every mover's weeks fit its own slope exactly (two weeks each): no spread can be read
        return float(coef[0]), float(np.sqrt(max(var[0, 0], 0.0))), nan, n_used
    w = sxx / s2
    q = float((w * (own - (w * own).sum() / w.sum()) ** 2).sum())
    tau2 = max(0.0, (q - (n_used - 1)) / (w.sum() - (w * w).sum() / w.sum()))
    return float(coef[0]), float(np.sqrt(max(var[0, 0], 0.0))), tau2, n_used
