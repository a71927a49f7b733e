"""Price elasticity of demand per product from a shop's own purchase history.

Model, per category ``c`` (products with a category of fewer than ``min_category`` members share
one pooled group): ``log q[i,t] = a[i] + g[c,t] + b[i] * log p[i,t] + d[i] * promo[i,t] + e``.
``g[c,t]`` is a category x week fixed effect: seasonality, holidays and any demand shock common to
the category are absorbed by it, so a product's slope ``b[i]`` is identified only by its price
moving *relative to its category's* weekly demand. Promotions (a flag column) get their own lift
``d[i]`` so a promoted week's extra demand is not credited to its lower price. Stock-outs (from the
shop's inventory history, :func:`weekly_availability`) enter as exposure: a week out of stock all
week is no observation at all, a partly stocked week's sales are a rate over its in-stock days (on
the simulator, ignoring them doubled the error: bench/pricing_sim.py ``--stockout``). The default fit is
log-log OLS on weeks with a sale, backfitted with the week effects (it always converges, and had the
lower error in bench/pricing_sim.py); ``model="poisson"`` refits each slope by Poisson pseudo-ML with
zero weeks kept, on the log-log week effects (better on a plain simulated market, worse on the
Online-Retail-calibrated one: both are in docs/BENCHMARKS.md).

Why this and not double ML: with ~50 weekly points per product a cross-fitted learner per product
has nothing to learn from, while the fixed-effect model is exact for seasonality/common shocks, fits in
closed form / batched Newton steps in numpy, and yields the per-product (HC3 sandwich) standard
errors the empirical-Bayes step needs. Slopes are then shrunk toward their category's mean
(DerSimonian-Laird between-product variance, Morris's posterior variance), so a thin or
price-constant product borrows its category's elasticity with the category's uncertainty.

Limits, said plainly: a week without a sale has no observed price, so the log-log fit drops it and
the Poisson fit carries the last seen price forward; either way the slowest sellers' slopes are
biased toward 0 (the simulator's bottom volume tercile shows it); volume-discount lines (lower unit price for bulk,
common in wholesale data such as Online Retail) are damped by using the week's *median line price*,
not the quantity-weighted one, but a shop's own list-price history would be better.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy import stats

POOLED = "*"


class PricingError(ValueError):
    """Bad pricing input or configuration: the message names the field or column at fault."""


@dataclass(frozen=True)
class Elasticity:
    """One product's elasticity: the raw fixed-effect slope and the category-shrunk estimate."""

    item_id: str
    category: str
    weeks: int
    raw: float  # NaN when unidentified (too few weeks or no price variation)
    raw_se: float
    estimate: float
    se: float
    lo: float
    hi: float
    price: float  # last observed median price
    weekly_qty: float  # mean weekly quantity over the last ``recent`` observed weeks
    note: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def weekly_observations(
    events: pl.DataFrame,
    categories: pl.DataFrame | None = None,
    promo: str | None = None,
    stock: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Accepted purchase events -> one row per (item, ISO week) with quantity, median price, promo
    and ``avail``, the share of the week the product was in stock.

    ``events`` needs item_id, timestamp, quantity, price (type, when present, keeps purchases only);
    ``categories`` (item_id, category) is optional; ``promo`` names a boolean/0-1 event column;
    ``stock`` is the shop's inventory history (see :func:`weekly_availability`). Without it every
    week counts as fully in stock. With it, a week without a sale that was out of stock some or all
    of the time is kept as a row with ``qty = 0``, no price and its ``avail``, so no estimator reads
    it as "no demand at this price" (the Poisson fit weighs it by its in-stock share; all week out:
    left out), and a partly stocked week's sales are read as a rate over its in-stock days.
    """
    for col in ("item_id", "timestamp", "quantity", "price"):
        if col not in events.columns:
            raise PricingError(f"events: missing column {col!r}")
    if promo is not None and promo not in events.columns:
        raise PricingError(f"events: promo column {promo!r} not found")
    ev = events.with_columns(pl.col("item_id").cast(pl.Utf8))
    if "type" in ev.columns:
        ev = ev.filter(pl.col("type") == "purchase")
    ts = pl.col("timestamp")
    if ev.schema["timestamp"] == pl.Utf8:
        ts = ts.str.to_datetime(strict=False)
    ev = ev.with_columns(
        pl.col("quantity").cast(pl.Float64).alias("_q"),
        pl.col("price").cast(pl.Float64).alias("_p"),
        ts.dt.truncate("1w").cast(pl.Date).alias("week"),
        (pl.col(promo).cast(pl.Float64) if promo else pl.lit(0.0)).alias("_promo"),
    ).filter((pl.col("_q") > 0) & (pl.col("_p") > 0) & pl.col("week").is_not_null())
    out = (
        ev.group_by("item_id", "week")
        .agg(
            pl.col("_q").sum().alias("qty"),
            pl.col("_p").median().alias("price"),
            pl.col("_promo").max().alias("promo"),
        )
        .sort("item_id", "week")
    )
    if stock is not None:
        avail = weekly_availability(stock)
        out = out.join(avail, on=["item_id", "week"], how="left").with_columns(
            # a week with a sale had stock: end-of-day snapshots of 0 on every day mean it was
            # restocked and sold out between two of them, half a day as at any sell-out (reading
            # the week as fully stocked instead doubled the simulator's error at 5 % stock-outs)
            pl.when(pl.col("avail").is_null())
            .then(1.0)
            .otherwise(pl.col("avail").clip(0.5 / 7, 1.0))
            .alias("avail")
        )
        gone = avail.filter(pl.col("avail") < 1).join(
            out.select("item_id", "week"), on=["item_id", "week"], how="anti"
        )
        out = pl.concat(
            [
                out,
                gone.select(
                    "item_id",
                    "week",
                    pl.lit(0.0).alias("qty"),
                    pl.lit(None, pl.Float64).alias("price"),
                    pl.lit(0.0).alias("promo"),
                    "avail",
                ),
            ]
        ).sort("item_id", "week")
    else:
        out = out.with_columns(pl.lit(1.0).alias("avail"))
    if categories is not None:
        out = out.join(
            categories.select("item_id", pl.col("category").cast(pl.Utf8)), on="item_id", how="left"
        )
    else:
        out = out.with_columns(pl.lit(None, pl.Utf8).alias("category"))
    return out.with_columns(pl.col("category").fill_null(POOLED), pl.col("item_id").cast(pl.Utf8))


def weekly_availability(stock: pl.DataFrame) -> pl.DataFrame:
    """Inventory snapshots -> (item_id, week, avail): the share of each week's days in stock.

    ``stock`` has ``item_id``, a ``date`` (or ``timestamp``) column and either ``in_stock``
    (boolean/0-1) or ``stock`` (units on hand at the end of the day; > 0 is in stock). A snapshot is
    a state: each day takes the item's latest snapshot at or before it (several on one day: the
    last), from the item's first snapshot to its last; days outside that span are not covered (their
    weeks count as in stock). The day a product runs out (in stock the evening before, out this
    evening) counts as half a day in stock: it sold until some time that day, on average midday
    (counting it as 0 or 1 day biased the demand rate of sell-out weeks, which are the low-price ones).
    Why a share and not a flag: a product that sells out on Wednesday sold its week's units in 2.5
    days, which is a demand rate, not low demand.
    """
    when = "timestamp" if "timestamp" in stock.columns and "date" not in stock.columns else "date"
    level = "in_stock" if "in_stock" in stock.columns else "stock"
    for col in ("item_id", when, level):
        if col not in stock.columns:
            raise PricingError(
                f"stock: missing column {col!r} (needs item_id, date or timestamp, in_stock or stock)"
            )
    day = pl.col(when)
    if stock.schema[when] == pl.Utf8:
        day = day.str.to_datetime(strict=False)
    try:
        snaps = stock.select(
            pl.col("item_id").cast(pl.Utf8),
            day.cast(pl.Date).alias("day"),
            (pl.col(level).cast(pl.Float64) > 0).alias("ok"),
        )
    except pl.exceptions.PolarsError as exc:
        raise PricingError(f"stock: column {level!r} must be numeric or boolean ({exc})") from None
    bad = snaps.filter(pl.col("day").is_null() | pl.col("ok").is_null())
    if bad.height:
        raise PricingError(f"stock: {bad.height} snapshot(s) with an unreadable {when} or {level}")
    snaps = snaps.group_by("item_id", "day", maintain_order=True).last()
    span = snaps.group_by("item_id").agg(pl.col("day").min().alias("a"), pl.col("day").max().alias("b"))
    days = span.select("item_id", pl.date_ranges("a", "b", "1d").alias("day")).explode("day")
    daily = (
        days.join(snaps, on=["item_id", "day"], how="left")
        .sort("item_id", "day")
        .with_columns(pl.col("ok").forward_fill().over("item_id").cast(pl.Float64))
        .with_columns(
            pl.when((pl.col("ok") == 0) & (pl.col("ok").shift(1).over("item_id") == 1))
            .then(0.5)
            .otherwise(pl.col("ok"))
            .alias("ok")
        )
    )
    return (
        daily.with_columns(pl.col("day").dt.truncate("1w").alias("week"))
        .group_by("item_id", "week")
        .agg(pl.col("ok").mean().alias("avail"))
    )


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
    xbar = np.where(n_obs > 0, x.sum(1) / np.maximum(n_obs, 1), 0.0)
    xvar = (mf * (x - xbar[:, None]) ** 2).sum(1) / np.maximum(n_obs, 1)
    xrange = np.where(m, x, -np.inf).max(1) - np.where(m, x, np.inf).min(1)
    ok = (n_obs >= min_weeks) & (xvar > 1e-5) & (xrange < np.log(10))  # see _fit_group_poisson
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
    xbar = x.sum(1) / np.maximum(n_act, 1)
    xvar = (mf * (x - xbar[:, None]) ** 2).sum(1) / np.maximum(n_act, 1)
    # A tenfold swing of a week's median price is not a price change but a different thing sold under
    # one code (postage, manual lines, samples): not used to identify an elasticity.
    xrange = np.where(m, x, -np.inf).max(1) - np.where(m, x, np.inf).min(1)
    ok = (n_obs >= min_weeks) & (xvar > 1e-5) & (xrange < np.log(10))
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


def shrink(b: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """Empirical-Bayes shrinkage of slopes toward their random-effects mean.

    Returns (posterior mean, posterior sd, mu, var(mu), tau^2). Entries with NaN ``b`` get the prior
    (mu, tau^2 + var(mu)): a product with no usable price variation takes its category's elasticity.
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
    post[ok] = (1 - shrink_w) * bo + shrink_w * mu
    sd[ok] = np.sqrt(var)
    return post, sd, mu, var_mu, tau2


def estimate(
    obs: pl.DataFrame,
    level: float = 0.95,
    min_weeks: int = 8,
    min_category: int = 5,
    recent: int = 8,
    model: str = "loglog",
) -> list[Elasticity]:
    """Elasticities for every product in ``obs`` (from :func:`weekly_observations`).

    ``model``: ``loglog`` (OLS of log q on weeks with a sale, the default) or ``poisson`` (pseudo-ML
    with zero weeks, on the log-log week effects).
    """
    if model not in ("poisson", "loglog"):
        raise PricingError(f"model must be poisson or loglog, got {model!r}")
    if not 0.5 <= level < 1:
        raise PricingError(f"level must be in [0.5, 1), got {level}")
    if obs.is_empty():
        raise PricingError("no purchase observations with positive quantity and price")
    sizes = obs.group_by("category").agg(pl.col("item_id").n_unique().alias("n"))
    small = sizes.filter(pl.col("n") < min_category)["category"].to_list()
    obs = obs.with_columns(
        pl.when(pl.col("category").is_in(small))
        .then(pl.lit(POOLED))
        .otherwise(pl.col("category"))
        .alias("_grp")
    )
    z = float(stats.norm.ppf(0.5 + level / 2))
    out: list[Elasticity] = []
    for grp in sorted(obs["_grp"].unique().to_list()):
        sub = obs.filter(pl.col("_grp") == grp)
        items, cats, lq, lp, pr, q, avail = _dense(sub)
        # a partly stocked week: its units sold in its in-stock days, i.e. a weekly demand rate of
        # q / avail (avail > 0 wherever a sale was seen)
        rate = q / avail
        fit = _fit_group(lq - np.log(np.where(avail > 0, avail, 1.0)), lp, pr, min_weeks)
        b, se, n_obs, g, df, se_cl, dof = fit
        if model == "poisson":
            b, se, n_obs = _fit_group_poisson(q, lp, pr, g, min_weeks, avail)
        # the raw slope's t interval (df above) as an equivalent normal sd, so the shrinkage and the
        # posterior carry the sandwich variance's own uncertainty
        se = se * stats.t.ppf(0.5 + level / 2, np.maximum(df, 1.0)) / z
        if model == "loglog":
            se = np.fmax(se, se_cl * stats.t.ppf(0.5 + level / 2, np.maximum(dof, 1.0)) / z)
        post, sd, mu, _, _ = shrink(b, se)
        for i, item in enumerate(items):
            seen = np.flatnonzero(~np.isnan(lq[i]))
            last = seen[-recent:]
            if np.isnan(post[i]):
                note = "no product in its group has usable price variation"
            elif np.isnan(b[i]):
                note = f"category elasticity (own history: {int(n_obs[i])} weeks, no usable price variation)"
            else:
                note = "own history shrunk toward category"
            out.append(
                Elasticity(
                    item_id=str(item),
                    category=str(cats[i]),
                    weeks=int(n_obs[i]),
                    raw=float(b[i]),
                    raw_se=float(se[i]),
                    estimate=float(post[i]),
                    se=float(sd[i]),
                    lo=float(post[i] - z * sd[i]),
                    hi=float(post[i] + z * sd[i]),
                    price=round(float(np.exp(lp[i, seen[-1]])), 6) if seen.size else float("nan"),
                    weekly_qty=float(np.mean(rate[i, last])) if last.size else 0.0,
                    note=note,
                )
            )
    return out
