"""The ``forecast`` release component: demand forecasts, stock projection and the reorder list.

Built with every release from the store's accepted purchase events (returns netted; purchases the
gate flagged as quantity outliers and their returns left out: ``shopmind.forecast.flagged``) and the
catalog's ``stock`` column, so forecasts are versioned and rolled back with the release. Settings
come from ``[forecast]`` in the shop TOML (:class:`ForecastSettings`; an unknown key is an error
naming it). The model set defaults to the fast ones (seasonal naive, TSB, ADIDA: no AutoARIMA /
AutoETS per series, and not CrostonOptimized, whose first call JIT-compiles for ~3 s), the
history to the last ``history_days`` and the series to the ``max_products`` best sellers, so a
build stays bounded. Too little history is not an error: the component is skipped with the
reason in the manifest.

Files in the component folder (read by ``serve/routes/forecast.py``):

- ``forecast.json``: settings, as-of date, grain, chosen models per demand class, counts;
- ``history.parquet``: product_id, date, value (the last ``history_shown`` periods);
- ``forecast.parquet``: product_id, step, date, mean, lo80/hi80/lo95/hi95, and the stock
  projection (``stock_expected`` = on hand minus cumulative forecast, ``stock_low95`` = on hand
  minus the 95 % conformal upper bound of cumulative demand, capped at 5 x days x the product's
  largest period demand: :func:`cap_bound`);
- ``policy.parquet``: one row per forecast product with the inventory figures;
- ``reorder.csv``: the reorder list with each product's title (what the API's ``format=csv`` answers too).
"""

from __future__ import annotations

import csv
import io
import json
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shopmind.forecast.flagged import DEFAULT_MODE as DEFAULT_FLAGGED

#: the folder's files
META, HISTORY, FORECAST, POLICY, REORDER = (
    "forecast.json",
    "history.parquet",
    "forecast.parquet",
    "policy.parquet",
    "reorder.csv",
)
#: reorder list columns, in CSV order
REORDER_COLUMNS = (
    "product_id",
    "on_hand",
    "order_qty",
    "reorder_point",
    "order_up_to",
    "safety_stock",
    "days_of_cover",
    "stockout_risk",
)
#: the reorder CSV's columns: the product's title (a planner orders by name) after its id
CSV_COLUMNS = ("product_id", "title", *REORDER_COLUMNS[1:])


@dataclass(frozen=True)
class ForecastSettings:
    """``[forecast]`` in the shop TOML. Lead time and review period are days (the policy's unit)."""

    enabled: bool = True
    grain: str = "D"  # "D" (product-day) or "W" (product-week)
    horizon: int = 28  # periods forecast ahead
    windows: int = 2  # rolling-origin backtest windows that choose the ensemble and its intervals
    models: Sequence[str] = ("SeasonalNaive", "TSB", "ADIDA")
    min_periods: int = 28  # fewer periods of history: skipped, with the reason in the manifest
    history_days: int = 365  # history read (bounds the build time)
    history_shown: int = 90  # periods of history saved for the plots
    max_products: int = 5000  # best sellers forecast (bounds the build time)
    service_level: float = 0.95
    lead_time_days: float = 7.0
    review_days: float = 7.0
    #: stock-out risk in search and recommendations (``shopmind.forecast.stockout``): "off",
    #: "deboost" or "hide" products whose risk of selling out within the lead time >= threshold
    stockout: str = "off"
    stockout_threshold: float = 0.5
    stockout_deboost: float = 0.5  # a de-boosted product's rank/score multiplier
    #: purchases the gate flagged EVT_QTY_OUTLIER (a unit slip or a one-off bulk order) and the returns linked
    #: to them: "leave_out" of demand (counted in the manifest) or "keep" (a shop whose bulk orders recur);
    #: shopmind.forecast.flagged says why
    flagged: str = DEFAULT_FLAGGED

    def __post_init__(self) -> None:
        if self.grain not in ("D", "W"):
            raise ValueError(f"grain must be 'D' or 'W', not {self.grain!r}")
        for name in ("horizon", "windows", "min_periods", "history_days", "history_shown", "max_products"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, not {v!r}")
        if isinstance(self.models, str) or not self.models:
            raise ValueError("models must be a non-empty list of model names")
        from shopmind.forecast.inventory import PolicyConfig
        from shopmind.forecast.models import make_models

        make_models(list(self.models))  # an unknown name is an error naming it
        from shopmind.forecast.stockout import check_settings

        check_settings(self.stockout, self.stockout_threshold, self.stockout_deboost)
        from shopmind.forecast.flagged import check_mode

        check_mode(self.flagged)
        PolicyConfig(self.service_level, self.lead_time_days, self.review_days)


def _settings(ctx: Any) -> ForecastSettings:
    from shopmind.release.components import config_from

    values = dict(ctx.settings.get("forecast", {}))
    if "models" in values and isinstance(values["models"], list):
        values["models"] = tuple(values["models"])
    return config_from(ForecastSettings, "forecast", values)


def build_forecast(ctx: Any, folder: Path) -> Mapping[str, Any]:
    """Forecast every selling product, project its stock and compute the reorder list; facts for
    the manifest (or ``{"forecast": "skipped", "reason": ...}``)."""
    cfg = _settings(ctx)
    if not cfg.enabled:
        return {"forecast": "off", "reason": "[forecast] enabled = false"}
    t0 = time.perf_counter()
    from shopmind.forecast.flagged import demand_events
    from shopmind.forecast.series import SeriesError, demand_panel

    events = ctx.events
    if "item_id" not in events.columns or "type" not in events.columns:
        return {"forecast": "skipped", "reason": "the events have no item_id/type columns"}
    end = events["timestamp"].max() if "timestamp" in events.columns and events.height else None
    since = None if end is None else end - timedelta(days=cfg.history_days)
    # linked before the window is cut, so a return in the window of a flagged purchase before it goes too
    events, flagged = demand_events(events, cfg.flagged, since)
    if since is not None:
        events = events.filter(pl.col("timestamp") > since)
    try:
        panel = demand_panel(events, freq=cfg.grain)
    except SeriesError as exc:
        return {"forecast": "skipped", "reason": str(exc)}
    if cfg.min_periods > panel.T:
        return {
            "forecast": "skipped",
            "reason": f"{panel.T} periods of sales history (< min_periods {cfg.min_periods})",
        }
    total = np.nansum(panel.y, axis=1)
    keep = np.argsort(-total, kind="stable")[: cfg.max_products]
    panel = panel.subset(np.sort(keep))
    facts = _fit_and_save(ctx, cfg, panel, folder)
    if "reason" in facts:
        return facts
    return {**facts, **flagged, "seconds_fit": round(time.perf_counter() - t0, 3)}


def _stock(products: pl.DataFrame, ids: list[str]) -> np.ndarray:
    """On hand per id from the catalog's ``stock`` (NaN where unknown or not in the catalog)."""
    if "stock" not in products.columns or "product_id" not in products.columns:
        return np.full(len(ids), np.nan)
    table = dict(
        products.select(pl.col("product_id").cast(pl.Utf8), pl.col("stock").cast(pl.Float64)).iter_rows()
    )
    return np.array([np.nan if table.get(i) is None else table[i] for i in ids], dtype=float)


def served_intervals(panel: Any, fc: Any, bt: Any, choice: Any) -> str:
    """Replace ``fc``'s bands by the ones served and say which: for count demand the quantiles of its
    negative binomial (calibrated on discrete data, ``shopmind.forecast.counts``), else the ensemble's
    conformal bands as they are. Also what ``shopmind forecast --file`` writes."""
    from shopmind.forecast import calibrate, counts
    from shopmind.forecast.ensemble import LEVELS, chosen_backtest

    if not counts.is_count(panel.y):
        return "conformal"
    pred_bt = chosen_backtest(bt, choice, fc.classes)
    volume = calibrate.volume_group(panel)  # the cells of calibrate.DEFAULT_SCHEME, as evaluate uses
    fc.lo, fc.hi, _ = calibrate.scheme_intervals(fc.mean, pred_bt, bt.actual, fc.classes, volume, LEVELS)
    return "negative binomial"


def _fit_and_save(ctx: Any, cfg: ForecastSettings, panel: Any, folder: Path) -> dict[str, Any]:
    from shopmind.forecast.ensemble import fit_forecast
    from shopmind.forecast.inventory import PolicyConfig, policy
    from shopmind.forecast.models import make_models

    h = cfg.horizon
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # series that start after a backtest cut
        try:
            fc, bt, choice, _ = fit_forecast(panel, make_models(list(cfg.models)), h, cfg.windows)
        except ValueError as exc:
            return {"forecast": "skipped", "reason": str(exc)}
        upper95 = np.stack([fc.upper(d, 0.95) for d in range(1, h + 1)], axis=1)
    upper95, capped = cap_bound(upper95, panel.y, np.cumsum(fc.mean, axis=1))
    # the bands served are, for count demand, the quantiles of its negative binomial (calibrated on
    # discrete data, shopmind.forecast.counts); the policy's spread floor (below) reads both bands
    band = (fc.hi[80][:, 0] - fc.mean[:, 0]) / 1.2816
    interval_kind = served_intervals(panel, fc, bt, choice)
    if interval_kind != "conformal":
        band = np.maximum(band, (fc.hi[80][:, 0] - fc.mean[:, 0]) / 1.2816)  # never below the band served
    on_hand = _stock(ctx.products, panel.ids)
    days = 7 if cfg.grain == "W" else 1
    daily = np.repeat(fc.mean / days, days, axis=1)
    # the backtest RMSE is ~0 for a product whose sales began after the backtest's cut (its errors
    # there are 0 - 0), which would give a new best seller no safety stock: floor it by the normal
    # sigma the conformal 80 % band of step 1 implies (half-width / z_0.9)
    sigma = np.maximum(fc.sigma, band) / np.sqrt(days)
    stocked = np.isfinite(on_hand)
    pcfg = PolicyConfig(cfg.service_level, cfg.lead_time_days, cfg.review_days)
    figures = policy(daily[stocked], sigma[stocked], on_hand[stocked], config=pcfg)
    n, ids = panel.n, panel.ids
    dates = [str(d) for d in fc.dates.astype("datetime64[D]")]
    expected = on_hand[:, None] - np.cumsum(fc.mean, axis=1)
    low95 = on_hand[:, None] - upper95
    frame = pl.DataFrame(
        {
            "product_id": np.repeat(np.array(ids, dtype=object), h).tolist(),
            "step": np.tile(np.arange(1, h + 1), n),
            "date": dates * n,
            "mean": fc.mean.ravel(),
            "lo80": fc.lo[80].ravel(),
            "hi80": fc.hi[80].ravel(),
            "lo95": fc.lo[95].ravel(),
            "hi95": fc.hi[95].ravel(),
            "stock_expected": expected.ravel(),
            "stock_low95": low95.ravel(),
        }
    ).with_columns(pl.col("date").str.to_date(), pl.col("^stock_.*$").fill_nan(None))
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / FORECAST)
    shown = min(cfg.history_shown, panel.T)
    hist_dates = [str(d) for d in panel.dates[-shown:].astype("datetime64[D]")]
    pl.DataFrame(
        {
            "product_id": np.repeat(np.array(ids, dtype=object), shown).tolist(),
            "date": hist_dates * n,
            "value": panel.y[:, -shown:].ravel(),
        }
    ).with_columns(pl.col("date").str.to_date(), pl.col("value").fill_nan(None)).write_parquet(
        folder / HISTORY
    )
    pol = _policy_frame(ids, on_hand, stocked, figures, fc.classes, sigma)
    pol.write_parquet(folder / POLICY)
    rows = reorder_rows(pol)
    titles = catalog_titles(ctx.products, (r["product_id"] for r in rows))
    (folder / REORDER).write_text(reorder_csv(rows, titles), encoding="utf-8")
    meta = {
        "as_of": str(panel.dates[-1]),
        "grain": cfg.grain,
        "horizon": h,
        "products": n,
        "stocked": int(stocked.sum()),
        "to_reorder": len(rows),
        "members": choice.members,
        "pooled": choice.how,  # per class: the members' mean or median
        "intervals": interval_kind,
        # the 95 % bound of cumulative demand behind stock_low95 and how many products the cap bounded
        "stock_bound": {"kind": STOCK_BOUND, "cap_factor": BOUND_CAP, "capped_products": capped},
        "backtest_mase": {k: round(float(v), 4) for k, v in choice.backtest_mase.items()},
        # products whose risk of selling out within the lead time reaches the threshold (what
        # [forecast] stockout de-boosts or hides in search and recommendations when not "off")
        "stockout": {
            "mode": cfg.stockout,
            "threshold": cfg.stockout_threshold,
            "at_risk": int(
                np.sum(np.nan_to_num(pol["stockout_risk"].to_numpy().astype(float)) >= cfg.stockout_threshold)
            ),
        },
        "settings": {k: (list(v) if k == "models" else v) for k, v in asdict(cfg).items()},
    }
    (folder / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return {"forecast": "built", **{k: meta[k] for k in ("as_of", "grain", "horizon", "products", "stocked", "to_reorder", "members", "stockout", "stock_bound")}}  # fmt: skip


#: the stock projection's bound of cumulative demand over d periods never exceeds BOUND_CAP x d x the product's
#: largest period demand in the history read (bench/forecast_stock_bound.py, BENCHMARKS "stock projection bound")
BOUND_CAP = 5.0
STOCK_BOUND = "conformal (Forecast.upper), capped at 5 x days x the product's max period demand"


def cap_bound(upper: np.ndarray, y: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, int]:
    """``upper`` (n, h: the bound of demand summed over the first 1..h periods) capped per product at
    ``BOUND_CAP x d x`` its largest period demand in ``y`` (at least 1 unit), never below ``expected`` (the
    forecast's cumulative sum, so stock_low95 <= stock_expected); and how many products it capped.

    Why: ``Forecast.upper`` adds a class-pooled quantile of *scaled* backtest errors times the product's own
    scale, so a heavy tail from tiny-scale series in the class (one wholesale order of a product that sells
    1 unit a month) times a big seller's scale gave a demo product a 28-day bound of 1.93 million units
    though it never sold more than 3,354 a day. The per-product negative binomial
    (``counts.protection_upper``) covered only 66-85 % of validation sums on demo shops and 87-92 % on
    Online Retail (bench/forecast_stock_bound.py), so the conformal bound stays and only its absurd tail
    is cut: the cap changed no validation coverage there (no actual sum lay between cap and bound)."""
    with np.errstate(invalid="ignore"):
        obs = np.where(np.isfinite(y), y, -np.inf)
    peak = np.maximum(obs.max(axis=1) if obs.shape[1] else np.zeros(obs.shape[0]), 1.0)
    days = np.arange(1, upper.shape[1] + 1)
    cap = BOUND_CAP * peak[:, None] * days[None, :]
    cap = np.maximum(cap, expected)
    over = upper > cap
    return np.where(over, cap, upper), int(over.any(axis=1).sum())


def _policy_frame(
    ids: list[str],
    on_hand: np.ndarray,
    stocked: np.ndarray,
    figures: Mapping[str, np.ndarray],
    classes: np.ndarray,
    sigma: np.ndarray,
) -> pl.DataFrame:
    cols: dict[str, Any] = {"product_id": ids, "on_hand": on_hand, "demand_class": [str(c) for c in classes]}
    cols["sigma_daily"] = sigma
    for name, vals in figures.items():
        full = np.full(len(ids), np.nan)
        full[stocked] = vals
        cols[name] = np.where(np.isinf(full), np.nan, full)  # infinite cover (no demand): null
    return pl.DataFrame(cols).with_columns(pl.col(pl.Float64).fill_nan(None))


def reorder_rows(pol: pl.DataFrame) -> list[dict[str, Any]]:
    """The reorder list from the saved policy: products to order now, most at risk first (the
    same rows and order as :func:`shopmind.forecast.inventory.reorder_list`)."""
    from shopmind.forecast.inventory import reorder_list

    due = pol.filter(pl.col("order_qty").is_not_null())
    figures = {
        c: due[c].fill_null(np.inf if c == "days_of_cover" else 0.0).to_numpy() for c in REORDER_COLUMNS[2:]
    }
    return reorder_list(due["product_id"].to_list(), figures, due["on_hand"].to_numpy())


def reorder_csv(rows: list[dict[str, Any]], titles: Mapping[str, str] | None = None) -> str:
    """The reorder list as CSV (header row, one line per product, empty cell for no value):
    ``CSV_COLUMNS``, each product's ``title`` from ``titles`` (the release catalog's, as the
    inventory dashboard shows it; empty for a product the catalog no longer has)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    w.writeheader()
    titles = titles or {}
    for r in rows:
        row = {"title": titles.get(str(r["product_id"])) or "", **r}
        w.writerow({k: ("" if row.get(k) is None else row[k]) for k in CSV_COLUMNS})
    return buf.getvalue()


def catalog_titles(products: pl.DataFrame, ids: Iterable[str]) -> dict[str, str]:
    """``ids``' titles in a catalog frame (``product_id``, ``title``); ids without one are left out."""
    if "title" not in products.columns or "product_id" not in products.columns:
        return {}
    want = {str(i) for i in ids}
    table = products.select(pl.col("product_id").cast(pl.Utf8), pl.col("title").cast(pl.Utf8))
    return {p: t for p, t in table.filter(pl.col("product_id").is_in(list(want))).iter_rows() if t}
