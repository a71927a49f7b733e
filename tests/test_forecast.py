"""shopmind.forecast: series, models, ensemble intervals, leakage, metrics (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from shopmind.forecast.ensemble import fit_forecast
from shopmind.forecast.gbm import GlobalGBM, _Prefix, origin_features
from shopmind.forecast.metrics import naive_scale, scores
from shopmind.forecast.models import SeasonalNaive, make_models
from shopmind.forecast.series import Panel, SeriesError, demand_panel, long_to_panel


def _panel(y: np.ndarray, freq: str = "D", **kw) -> Panel:
    dates = np.datetime64("2024-01-01") + np.arange(y.shape[1]) * (
        np.timedelta64(1, "D") if freq == "D" else np.timedelta64(7, "D")
    )
    return Panel(ids=[f"s{i}" for i in range(y.shape[0])], dates=dates, y=y.astype(float), freq=freq, **kw)


def _seasonal(n: int, T: int, seed: int = 0, noise: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pattern = np.array([10, 12, 14, 13, 20, 30, 5], float)
    level = rng.uniform(0.5, 3.0, size=(n, 1))
    return level * np.tile(pattern, T // 7 + 1)[:T] + rng.normal(0, noise, size=(n, T))


def test_models_recover_a_known_weekly_season() -> None:
    y = np.clip(_seasonal(3, 98, noise=0.2), 0, None)
    truth = _seasonal(3, 112, noise=0.0)[:, 98:]
    panel = _panel(y)
    for model in make_models(["SeasonalNaive", "AutoETS", "AutoTheta", "LightGBM"]):
        f = model.forecast(panel, 14)
        rel = np.abs(f - truth).mean() / truth.mean()
        assert rel < 0.12, (model.name, rel)


def test_seasonal_naive_repeats_the_last_season() -> None:
    y = np.arange(21, dtype=float)[None, :]
    f = SeasonalNaive().forecast(_panel(y), 10)
    assert f.tolist() == [[14, 15, 16, 17, 18, 19, 20, 14, 15, 16]]


def test_conformal_intervals_cover_at_nominal_rate() -> None:
    rng = np.random.default_rng(3)
    n, T, h = 300, 120, 7
    lam = rng.uniform(2, 20, size=(n, 1))
    y = rng.poisson(lam, size=(n, T + h)).astype(float)
    panel = _panel(y[:, :T])
    fc, _, choice, _ = fit_forecast(
        panel, make_models(["SeasonalNaive", "ADIDA", "CrostonOptimized"]), h, windows=3
    )
    actual = y[:, T:]
    for level in (80, 95):
        cov = ((actual >= fc.lo[level]) & (actual <= fc.hi[level])).mean()
        assert abs(cov - level / 100) < 0.04, (level, cov)
    # the seasonal naive is the worst model on white noise: never the whole pooled choice
    assert choice.members["all"] != ["SeasonalNaive"]


def test_gbm_features_do_not_read_the_future() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(5, size=(6, 80)).astype(float)
    price = rng.uniform(1, 2, size=(6, 80))
    promo = rng.integers(0, 2, size=(6, 90)).astype(float)  # future-known: 10 periods past the end
    p1 = _panel(y, covariates={"price": price, "promo": promo}, future_known=frozenset({"promo"}))
    t = 50
    y2, price2 = y.copy(), price.copy()
    y2[:, t + 1 :] = 999.0
    price2[:, t + 1 :] = -5.0
    p2 = _panel(y2, covariates={"price": price2, "promo": promo}, future_known=frozenset({"promo"}))
    a, sa, names = origin_features(p1, t)
    b, sb, _ = origin_features(p2, t)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa, sb)
    gbm = GlobalGBM()
    ra, _, _ = gbm.rows(p1, t, 7, _Prefix.of(p1.y))
    rb, _, _ = gbm.rows(p2, t, 7, _Prefix.of(p2.y))
    np.testing.assert_array_equal(ra, rb)
    # the future-known covariate is read at the target period (t + step), not at the origin
    col = gbm.feature_names.index("promo_at_target")
    np.testing.assert_array_equal(ra[:, col].reshape(7, 6).T, promo[:, t + 1 : t + 8])
    # a cut panel drops the observed covariate's future but keeps the future-known one
    cut = p1.cut(60)
    assert cut.covariates["price"].shape[1] == 60 and cut.covariates["promo"].shape[1] == 90
    np.testing.assert_array_equal(cut.known_future("promo", 5), promo[:, 60:65])
    assert cut.known_future("price", 5) is None


def test_gbm_uses_a_future_known_promotion() -> None:
    rng = np.random.default_rng(2)
    n, T, h = 40, 200, 14
    promo = (rng.uniform(size=(n, T + h)) < 0.2).astype(float)
    y = rng.poisson(3 + 12 * promo).astype(float)
    panel = _panel(y[:, :T], covariates={"promo": promo}, future_known=frozenset({"promo"}))
    f = GlobalGBM().forecast(panel, h)
    on, off = f[promo[:, T:] == 1].mean(), f[promo[:, T:] == 0].mean()
    assert on > 12 and off < 5, (on, off)


def test_gbm_tweedie_orders_intermittent_series_by_level_and_stays_positive() -> None:
    """The default Tweedie loss (M5): on zero-inflated lumpy demand the forecast's level orders the
    series as their true means do, and the log link keeps every forecast above zero (L2 clips to 0).
    Measured here too: its level is ~25 % low on this sample (the log link's overfit bias, noted in
    docs/BENCHMARKS.md), so the bound on the level is loose on purpose and checked on both sides."""
    rng = np.random.default_rng(3)
    n, T, h = 60, 220, 14
    level = rng.uniform(0.5, 4.0, size=(n, 1))
    sale = rng.uniform(size=(n, T + h)) < 0.3
    y = np.where(sale, rng.geometric(1 / (level + 1), size=(n, T + h)), 0).astype(float)
    truth = 0.3 * (level[:, 0] + 1)  # P(sale) x mean order size
    panel = _panel(y[:, :T])
    assert GlobalGBM().objective == "tweedie"
    tw = GlobalGBM().forecast(panel, h)
    assert (tw > 0).all()
    ratio = tw.mean(axis=1) / truth
    assert 0.6 < np.median(ratio) < 1.1, np.median(ratio)
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(rank(tw.mean(axis=1)), rank(truth))[0, 1] > 0.5  # 0.66 here; unrelated levels give ~0
    # the setting reaches LightGBM: squared error gives a different model
    l2 = GlobalGBM(objective="regression").forecast(panel, h)
    assert not np.allclose(tw, l2)


def test_gbm_l1_forecasts_below_the_mean_of_skewed_demand() -> None:
    """LightGBM-l1 (models.L1_GBM) fits the absolute-error loss: on right-skewed weekly demand (lognormal
    order sizes, sigma 1: median = 0.61 x mean) its forecast sits below each series' mean and below the
    Tweedie model's forecast of the same panel in total, and still orders the series by level. Measured
    here: 0.81 x the mean (Tweedie 0.95x; lower than Tweedie on 69 % of the series; correlation with the
    true means 0.81) — above the true median, as LightGBM's leaf medians over-fit ~4k noisy rows (the same
    loss on 4k rows of pure noise gives 1.075 x the median), so the bound is on the mean side."""
    rng = np.random.default_rng(5)
    n, T, h = 80, 120, 8
    mu = rng.uniform(1.0, 3.0, size=(n, 1))
    y = np.round(np.exp(mu + rng.normal(0, 1.0, size=(n, T))))
    mean = np.exp(mu[:, 0] + 0.5)  # lognormal: median e^mu, mean e^(mu + 1/2)
    panel = _panel(y, freq="W")
    (l1,) = make_models(["LightGBM-l1"])
    assert l1.name == "LightGBM-l1" and l1.objective == "l1"
    f = l1.forecast(panel, h).mean(axis=1)
    tw = GlobalGBM().forecast(panel, h).mean(axis=1)
    assert np.median(f / mean) < 0.88 and np.median(tw / mean) > 0.9, (
        np.median(f / mean),
        np.median(tw / mean),
    )
    assert f.sum() < 0.92 * tw.sum(), (f.sum(), tw.sum())
    assert np.corrcoef(f, mean)[0, 1] > 0.7  # 0.81 here; unrelated levels give ~0


def test_mase_matches_a_hand_computation() -> None:
    hist = np.array([[1.0, 3.0, 2.0, 4.0]])  # naive MAE = (2 + 1 + 2) / 3 = 5/3
    actual = np.array([[5.0, 5.0]])
    mean = np.array([[4.0, 7.0]])  # MAE 1.5
    s = scores(hist, actual, mean, season=1, lo={80: mean - 1}, hi={80: mean + 1})
    assert s["mase"][0] == pytest.approx(1.5 / (5 / 3))
    assert s["rmsse"][0] == pytest.approx(np.sqrt((1 + 4) / 2 / ((4 + 1 + 4) / 3)))
    assert s["coverage_80"][0] == 0.5
    assert naive_scale(np.array([[np.nan, 2.0, 2.0, 5.0]]), 1)[0] == pytest.approx(1.5)


def _ev(item: str, typ: str, day: int, qty: int, price: float = 2.0) -> dict:
    return {
        "type": typ,
        "item_id": item,
        "timestamp": datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=day),
        "quantity": qty,
        "price": price,
    }


def test_demand_nets_returns_and_fills_gaps() -> None:
    events = pl.DataFrame(
        [
            _ev("a", "purchase", 0, 5, 2.0),
            _ev("a", "purchase", 0, 5, 4.0),
            _ev("a", "return", 0, -3),
            _ev("a", "purchase", 3, 2, 3.0),
            _ev("a", "return", 4, -2),  # a later-day return: floored at 0, not negative demand
            _ev("b", "purchase", 2, 1, 9.0),
            _ev("b", "view", 3, 1),
        ]
    )
    p = demand_panel(events, freq="D")
    assert p.ids == ["a", "b"]
    np.testing.assert_array_equal(p.y[0], [7, 0, 0, 2, 0])
    assert np.isnan(p.y[1, :2]).all() and p.y[1, 2:].tolist() == [1, 0, 0]
    # quantity-weighted mean price paid, carried forward over days without a sale
    assert p.covariates["price"][0].tolist() == [3.0, 3.0, 3.0, 3.0, 3.0]
    w = demand_panel(events, freq="W")
    assert w.y[:, 0].tolist() == [7.0, 1.0]  # 10 - 3 + 2 - 2: the return nets within its week


def test_long_panel_refuses_gaps_when_asked() -> None:
    frame = pl.DataFrame(
        {"id": ["x", "x"], "date": [date(2024, 1, 1), date(2024, 1, 3)], "value": [1.0, 2.0]}
    )
    assert long_to_panel(frame, "D").y.tolist() == [[1.0, 0.0, 2.0]]
    with pytest.raises(SeriesError, match="'x'.*2024-01-02"):
        long_to_panel(frame, "D", fill="error")


def test_category_demand_sums_its_products() -> None:
    events = pl.DataFrame(
        [
            _ev("a", "purchase", 0, 2),
            _ev("b", "purchase", 0, 3),
            _ev("c", "purchase", 1, 4),
            _ev("b", "return", 1, -1),
        ]
    )
    cats = pl.DataFrame({"item_id": ["a", "b", "c"], "category": ["toys", "toys", "home"]})
    p = demand_panel(events, freq="D", categories=cats, level="category")
    assert p.ids == ["home", "toys"]
    assert np.isnan(p.y[0, 0]) and p.y[0, 1] == 4 and p.y[1].tolist() == [5.0, 0.0]
    assert p.groups == {"home": ["c"], "toys": ["a", "b"]}
    with pytest.raises(SeriesError, match="categories"):
        demand_panel(events, level="category")


def test_policy_sigma_is_the_series_own_backtest_rmse() -> None:
    from shopmind.forecast.ensemble import Backtest, Choice, backtest_sigma

    bt = Backtest(
        h=2, preds={"A": [np.array([[1.0, 1.0], [5.0, 5.0]])]}, actual=[np.array([[1.0, 3.0], [5.0, 5.0]])]
    )
    choice = Choice(members={"all": ["A"]}, quantiles={}, backtest_mase={})
    np.testing.assert_allclose(
        backtest_sigma(bt, choice, np.array(["smooth", "smooth"])), [np.sqrt(2.0), 0.0]
    )


def test_upper_is_the_conformal_quantile_of_summed_errors() -> None:
    from shopmind.forecast.ensemble import Forecast
    from shopmind.forecast.inventory import PolicyConfig, policy

    n = 25
    errs = np.tile(
        np.array([[0.0, 1.0], [2.0, 2.0], [-1.0, 0.0], [4.0, 4.0]]), (n, 1)
    )  # sums over 2 days: 1, 4, -1, 8
    fc = Forecast(
        ids=[f"p{i}" for i in range(n)],
        dates=np.array([], dtype="datetime64[D]"),
        mean=np.full((n, 2), 3.0),
        lo={},
        hi={},
        classes=np.array(["smooth"] * n, dtype=object),
        members={},
        sigma=np.ones(n),
        unit=np.full(n, 0.5),
        scaled_errors=errs,
        error_class=np.array(["smooth"] * errs.shape[0], dtype=object),
    )
    # 100 rows, a quarter each of the 2-day sums {-1, 1, 4, 8}; method 'higher'
    np.testing.assert_allclose(fc.upper(2, 0.8), 6 + 8 * 0.5)
    np.testing.assert_allclose(fc.upper(2, 0.7), 6 + 4 * 0.5)
    np.testing.assert_allclose(fc.upper(2, 0.4), 6 + 1 * 0.5)
    np.testing.assert_allclose(fc.upper(1, 0.3), 3 + 0 * 0.5)  # one-day errors {0, 2, -1, 4}: 30 % -> 0
    f = policy(
        fc.mean,
        fc.sigma,
        np.zeros(n),
        config=PolicyConfig(0.7, lead_time_days=1, review_days=1),
        upper=fc.upper,
    )
    np.testing.assert_allclose(f["reorder_point"], 3 + 2 * 0.5)  # 70 % of one-day errors {-1, 0, 2, 4} = 2
    np.testing.assert_allclose(f["order_up_to"], 8.0)


def test_gbm_market_features_are_the_shop_level_and_do_not_read_the_future() -> None:
    """``market`` adds per window the mean over series of their scaled window mean: one value per origin,
    the same for every series, from periods <= the origin only."""
    rng = np.random.default_rng(7)
    y = rng.poisson(rng.uniform(1, 9, size=(12, 1)), size=(12, 60)).astype(float)
    y[3, :20] = np.nan  # a series that starts late
    t = 40
    a, scale, names = origin_features(_panel(y, freq="W"), t, market=True)
    y2 = y.copy()
    y2[:, t + 1 :] = 500.0
    b, _, _ = origin_features(_panel(y2, freq="W"), t, market=True)
    np.testing.assert_array_equal(a, b)
    plain, _, plain_names = origin_features(_panel(y, freq="W"), t)
    assert [n for n in names if n.startswith("market")] == ["market4", "market13", "market26"]
    assert [n for n in names if not n.startswith("market")] == plain_names
    for w in (4, 13, 26):
        col = a[:, names.index(f"market{w}")]
        assert np.all(col == col[0])  # shop-wide
        by_hand = np.mean(np.nanmean(y[:, t + 1 - w : t + 1], axis=1) / scale)
        assert col[0] == pytest.approx(by_hand)


def test_gbm_without_step_and_yearly_features_forecasts_one_level() -> None:
    """``step_feature=False`` pools every step's rows onto one target: with no calendar feature left
    (weekly grain, ``yearly=False``) the forecast is flat over the horizon, as SES/ADIDA/TSB are."""
    rng = np.random.default_rng(8)
    y = rng.poisson(rng.uniform(1, 9, size=(40, 1)), size=(40, 50)).astype(float)
    y += np.linspace(0, 6, 50)[None, :]  # a trend, so that a per-step model has something to differ by
    panel = _panel(y, freq="W")
    flat = GlobalGBM(step_feature=False, yearly=False)
    f = flat.forecast(panel, 8)
    np.testing.assert_allclose(f, np.repeat(f[:, :1], 8, axis=1))
    assert "month" not in flat.feature_names and "woy" not in flat.feature_names
    stepped = GlobalGBM(yearly=False).forecast(panel, 8)
    assert not np.allclose(stepped, np.repeat(stepped[:, :1], 8, axis=1))
