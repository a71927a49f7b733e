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
price-constant product borrows its category's elasticity with the category's uncertainty. What it
borrows is read off every product whose price moved in two weeks with a sale (``fit._pooled_slope``:
one within slope, clustered by product, and the spread of the products' slopes around it) where that
is more precise than the mean of the products with their own slope: on a short history (the demo's
60 days) those are a few dozen long sellers and their mean was +-1 to +-5 wide (session 34).

Limits, said plainly: a week without a sale has no observed price, so the log-log fit drops it and
the Poisson fit carries the last seen price forward; either way the slowest sellers' slopes are
biased toward 0 (the simulator's bottom volume tercile shows it); volume-discount lines (lower unit price for bulk,
common in wholesale data such as Online Retail) are damped by using the week's *median line price*,
not the quantity-weighted one, but a shop's own list-price history would be better.

One job per module: ``observations`` (events and inventory history -> the weekly panel),
``fit`` (the per-group log-log backfit and Poisson refit with their standard errors),
``shrinkage`` (the empirical-Bayes step), ``errors`` (``PricingError``). This module holds the
result type and ``estimate``, which runs them per category group, and re-exports the names
callers import from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy import stats

from shopmind.pricing.errors import PricingError
from shopmind.pricing.fit import _dense, _fit_group, _fit_group_poisson, _pooled_slope
from shopmind.pricing.observations import POOLED, weekly_availability, weekly_observations
from shopmind.pricing.shrinkage import shrink

#: Re-exported: callers (pricing/__init__, release.py, suggest.py, the CLI, tests) import these
#: from here; ``_dense``/``_fit_group`` from tests/test_pricing_calibration.py.
__all__ = [
    "POOLED",
    "Elasticity",
    "PricingError",
    "_dense",
    "_fit_group",
    "estimate",
    "shrink",
    "weekly_availability",
    "weekly_observations",
]


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
        # the group's slope from every product whose price moved in two weeks with a sale (not only those
        # with ``min_weeks``): what a product without its own slope borrows, when it is the more precise
        pooled, pooled_se, between, movers = _pooled_slope(
            lq - np.log(np.where(avail > 0, avail, 1.0)), lp, pr
        )
        pooled_se *= stats.t.ppf(0.5 + level / 2, max(movers - 1, 1)) / z
        post, sd, mu, _, _ = shrink(b, se, prior=(pooled, pooled_se**2, between))
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
