"""Count-demand predictive distributions (shopmind.forecast.counts) and how evaluate reports them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.forecast import counts
from shopmind.forecast.evaluate import OURS, OURS_MAE, run
from shopmind.forecast.series import Panel


def _nb(rng: np.random.Generator, mu: np.ndarray, alpha: float) -> np.ndarray:
    if alpha == 0:
        return rng.poisson(mu).astype(float)
    n = 1 / alpha
    return rng.negative_binomial(n, n / (n + mu)).astype(float)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 2.0])
def test_dispersion_recovers_the_simulated_one(alpha: float) -> None:
    rng = np.random.default_rng(1)
    mu = rng.uniform(0.2, 6.0, size=(400, 28))
    a = _nb(rng, mu, alpha)
    assert counts.dispersion([mu], [a]) == pytest.approx(alpha, abs=0.08 + 0.08 * alpha)


def test_pit_coverage_is_nominal_for_the_true_distribution_and_plain_intervals_over_cover() -> None:
    rng = np.random.default_rng(2)
    mu = rng.uniform(0.05, 1.5, size=(2000, 14))  # mostly zeros, as a shop's daily demand
    alpha = np.full(2000, 0.8)
    y = _nb(rng, mu, 0.8)
    pit = counts.pit_coverage(y, mu, alpha, (80, 95), seed=3)
    assert np.mean(pit["pit_80"]) == pytest.approx(0.80, abs=0.01)
    assert np.mean(pit["pit_95"]) == pytest.approx(0.95, abs=0.01)
    lo, hi = counts.intervals(mu, alpha, (80, 95))
    plain = np.mean((y >= lo[80]) & (y <= hi[80]))
    assert plain > 0.83  # integer intervals cannot be exact on mostly-zero data: why PIT is reported
    # a forecast that ignores the over-dispersion (Poisson) is caught by the PIT
    wrong = counts.pit_coverage(y, mu, np.zeros(2000), (80,), seed=3)
    assert np.mean(wrong["pit_80"]) < 0.77  # outside the 3-point tolerance


@settings(max_examples=60, deadline=None)
@given(
    mean=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=8),
    alpha=st.floats(0.0, 20.0),
)
def test_intervals_are_nested_integers_around_the_median(mean: list[float], alpha: float) -> None:
    m = np.asarray(mean)[None, :]
    a = np.array([alpha])
    lo, hi = counts.intervals(m, a, (80, 95))
    med = counts.median(m, a)
    for x in (lo[80], hi[80], lo[95], hi[95], med):
        assert np.all(x >= 0) and np.all(x == np.round(x))
    assert np.all(lo[95] <= lo[80]) and np.all(lo[80] <= med)
    assert np.all(med <= hi[80]) and np.all(hi[80] <= hi[95])


def test_is_count() -> None:
    assert counts.is_count(np.array([[np.nan, 0, 1, 3.0]]))
    assert not counts.is_count(np.array([[0.5, 1.0]]))
    assert not counts.is_count(np.array([[-1.0, 2.0]]))
    assert not counts.is_count(np.full((1, 3), np.nan))


def _counts_panel(n: int = 60, T: int = 140, seed: int = 4) -> Panel:
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.1, 3.0, size=(n, 1))
    week = np.tile([1.0, 1.0, 1.0, 1.2, 1.5, 1.8, 0.5], T // 7 + 1)[:T]
    y = _nb(rng, level * week, 0.7)
    dates = np.datetime64("2024-01-01") + np.arange(T)
    return Panel(ids=[f"s{i}" for i in range(n)], dates=dates, y=y, freq="D")


def test_evaluate_reports_count_intervals_pit_and_the_mae_point() -> None:
    res = run(_counts_panel(), horizon=14, windows=1, models=["SeasonalNaive", "TSB"], inner_windows=2,
              max_series=0, log=lambda _m: None)  # fmt: skip
    figs = res["models"]
    assert {OURS, OURS_MAE, "TSB+median", "SeasonalNaive+median"} <= set(figs)
    for lv in (80, 95):
        assert abs(figs[OURS][f"coverage_pit{lv}"] - lv / 100) < 0.05  # simulated NB: calibrated
        assert figs[OURS][f"coverage_{lv}"] >= figs[OURS][f"coverage_pit{lv}"] - 0.02
    # the MAE point is a median (an integer) where chosen, so it does not lose MASE to the mean here
    assert figs[OURS_MAE]["mase"] <= figs[OURS]["mase"] + 1e-9
    g = res["goals"]
    assert g["mase_ratio_mae_point_to_best"] == pytest.approx(
        figs[OURS_MAE]["mase"] / figs[res["best_single_statsforecast"]]["mase"], abs=1e-4
    )
    assert "pit_coverage_goal_met" in g


def test_non_count_data_keep_conformal_intervals_only() -> None:
    p = _counts_panel()
    p = Panel(ids=p.ids, dates=p.dates, y=p.y * 1.37 + 0.01, freq="D")
    res = run(p, horizon=14, windows=1, models=["SeasonalNaive", "TSB"], inner_windows=1, max_series=0,
              log=lambda _m: None)  # fmt: skip
    assert OURS_MAE not in res["models"] and "coverage_pit80" not in res["models"][OURS]


class _Oracle:
    """A fake model: the truth plus its own noise with rare huge errors (a model blowing up)."""

    def __init__(self, name: str, truth: np.ndarray, seed: int) -> None:
        self.name, self.truth, self.rng = name, truth, np.random.default_rng(seed)

    def forecast(self, panel: Panel, h: int) -> np.ndarray:
        t = self.truth[:, panel.T : panel.T + h]
        noise = self.rng.normal(0, 1.0, t.shape) + (self.rng.random(t.shape) < 0.15) * 60.0
        return np.clip(t + noise, 0, None)


def test_the_median_of_models_is_chosen_when_models_blow_up_independently() -> None:
    from shopmind.forecast.ensemble import fit_forecast

    rng = np.random.default_rng(5)
    truth = rng.poisson(10.0, size=(40, 98)).astype(float)
    panel = Panel(ids=[f"s{i}" for i in range(40)], dates=np.datetime64("2024-01-01") + np.arange(84),
                  y=truth[:, :84], freq="D")  # fmt: skip
    models = [_Oracle(n, truth, i) for i, n in enumerate("ABCD")]
    fc, _bt, choice, finals = fit_forecast(panel, models, 7, windows=3)
    key = "smooth" if "smooth" in choice.members else "all"
    assert choice.how["all"] == choice.how[key] == "median"
    stacked = np.stack([finals[m] for m in choice.members[key]])
    assert fc.mean == pytest.approx(np.median(stacked, axis=0))


def test_calibrated_dispersion_gives_nominal_pit_on_new_data() -> None:
    rng = np.random.default_rng(6)
    mu = rng.uniform(0.05, 2.0, size=(600, 14))
    classes = np.array(["lumpy"] * 300 + ["intermittent"] * 300, dtype=object)
    truth = np.where(classes[:, None] == "lumpy", 2.0, 0.3)
    draw = lambda: np.vstack([_nb(rng, mu[:300], 2.0), _nb(rng, mu[300:], 0.3)])  # noqa: E731
    lo, hi, alphas = counts.calibrated_intervals(mu, classes, [mu], [draw()], (80, 95), seed=1)
    fresh = draw()
    for lv in (80, 95):
        cov = np.mean(counts.pit_coverage(fresh, mu, alphas[lv], (lv,), seed=2)[f"pit_{lv}"])
        assert cov == pytest.approx(lv / 100, abs=0.02)
        assert np.all(lo[lv] <= hi[lv])
    # the wider class gets the wider distribution
    assert alphas[80][0] > alphas[80][-1] and truth[0, 0] > truth[-1, 0]


def test_conformal_rule_reaches_the_finite_sample_level_where_nearest_may_not() -> None:
    rng = np.random.default_rng(11)
    mu = rng.uniform(0.05, 1.5, size=(60, 14))
    y = _nb(rng, mu, 0.6)
    classes = np.array(["intermittent"] * 60, dtype=object)
    n = y.size
    for lv in (80, 95):
        target = counts.conformal_level(lv, n)
        assert target == pytest.approx(np.ceil((n + 1) * lv / 100) / n)
        conf = counts.calibrated_dispersion([mu], [y], classes, lv, seed=4)
        near = counts.calibrated_dispersion([mu], [y], classes, lv, seed=4, rule="nearest")
        cov = counts._pooled_pit(y, mu, conf["all"], lv, 4)
        assert cov >= target - 1e-12  # the conformal rule never calibrates below its target
        # and it is the smallest such dispersion on the grid: one step narrower falls short
        i = int(np.flatnonzero(conf["all"] == counts.ALPHA_GRID)[0])
        if i > 0:
            assert counts._pooled_pit(y, mu, counts.ALPHA_GRID[i - 1], lv, 4) < target
        assert abs(counts._pooled_pit(y, mu, near["all"], lv, 4) - lv / 100) <= abs(cov - lv / 100) + 1e-12
    assert counts.conformal_level(80, 3) == 1.0  # ceil(4 * 0.8) / 3 capped
    with pytest.raises(ValueError, match="rule"):
        counts.calibrated_dispersion([mu], [y], classes, 80, rule="closest")


def test_evaluate_reports_the_nearest_rule_beside_the_conformal_one() -> None:
    rng = np.random.default_rng(12)
    mu = rng.uniform(0.1, 2.0, size=(30, 1)) * (1 + 0.3 * np.sin(np.arange(120) / 3))[None, :]
    panel = Panel(
        ids=[f"p{i}" for i in range(30)],
        dates=np.datetime64("2024-01-01") + np.arange(120),
        y=_nb(rng, mu, 0.5),
        freq="D",
    )
    res = run(
        panel, horizon=7, windows=1, models=["SeasonalNaive", "TSB"], inner_windows=2, log=lambda _: None
    )
    f = res["models"][OURS]
    for lv in (80, 95):
        for key in (f"coverage_pit{lv}", f"coverage_pit{lv}_nearest"):
            assert 0.5 < f[key] <= 1.0


def test_protection_upper_is_a_calibrated_per_product_quantile_of_sums() -> None:
    rng = np.random.default_rng(21)
    n, h = 400, 14
    level_mu = rng.uniform(0.05, 3.0, size=(n, 1))
    mu = np.repeat(level_mu, h, axis=1)
    classes = np.array(["lumpy"] * 200 + ["smooth"] * 200, dtype=object)

    def draw() -> np.ndarray:
        return np.vstack([_nb(rng, mu[:200], 3.0), _nb(rng, mu[200:], 0.1)])

    upper = counts.protection_upper([mu, mu], [draw(), draw()], classes, mu)
    for days, level in ((7, 0.95), (14, 0.99), (7, 0.8)):
        q = upper(days, level)
        assert q.shape == (n,) and np.all(q == np.round(q))
        fresh = np.vstack([draw()[:, :days].sum(axis=1) for _ in range(5)])
        cov = np.mean(fresh <= q[None, :])
        assert cov == pytest.approx(level, abs=0.03)  # calibrated on new draws
        assert upper(days, level) is q  # cached
    q = upper(7, 0.95)
    # per product: a bigger seller of the same class gets a higher level
    small, big = np.argmin(level_mu[:200, 0]), np.argmax(level_mu[:200, 0])
    assert q[big] > q[small]
    assert np.all(upper(14, 0.95) >= upper(7, 0.95))


def test_calibration_ignores_series_without_observations() -> None:
    """Regression: a product not yet selling in the backtest window (its actuals NaN) made the
    conformal rule's coverage NaN at every dispersion and the release build raise."""
    rng = np.random.default_rng(13)
    mu = rng.uniform(0.1, 2.0, size=(50, 14))
    y = _nb(rng, mu, 0.7)
    classes = np.array(["intermittent"] * 50, dtype=object)
    with_gap = np.vstack([y, np.full((1, 14), np.nan)])
    mu_gap = np.vstack([mu, np.ones((1, 14))])
    cls_gap = np.append(classes, "intermittent")
    for lv in (80, 95):
        clean = counts.calibrated_dispersion([mu], [y], classes, lv, seed=2)
        gap = counts.calibrated_dispersion([mu_gap], [with_gap], cls_gap, lv, seed=2)
        assert gap == clean
    # nothing observed at all: no error, the narrowest distribution (nothing says wider)
    none = counts.calibrated_dispersion([mu], [np.full_like(y, np.nan)], classes, 80)
    assert none == {"all": 0.0}


def test_expected_pit_coverage_is_the_mean_over_draws_without_their_noise() -> None:
    rng = np.random.default_rng(5)
    mu = rng.uniform(0.05, 4.0, size=(30, 14))
    y = rng.poisson(mu).astype(float)
    y[0, :3] = np.nan  # unseen points stay out
    alpha = np.full(30, 0.3)
    draws = [counts.pit_coverage(y, mu, alpha, (80,), seed=s)["pit_80"] for s in range(400)]
    exp = counts.pit_coverage(y, mu, alpha, (80,), expected=True)["pit_80"]
    np.testing.assert_allclose(exp, np.mean(draws, axis=0), atol=0.02)
    assert not np.allclose(draws[0], draws[1])  # one draw is noisy, the expectation is not
    # a sure zero (mean ~0): [F(-1), F(0)] = [0, ~1], so 80 % of it lies in the central band
    zero = counts.pit_coverage(np.zeros((1, 5)), np.full((1, 5), 1e-9), np.zeros(1), (80,), expected=True)
    np.testing.assert_allclose(zero["pit_80"], [0.8], atol=1e-6)


def test_the_expected_rule_calibrates_like_the_conformal_rule_on_poisson_data() -> None:
    rng = np.random.default_rng(8)
    mu = [rng.uniform(0.2, 5.0, size=(40, 14)) for _ in range(2)]
    act = [rng.poisson(m).astype(float) for m in mu]
    classes = np.array(["smooth"] * 40, dtype=object)
    exp = counts.calibrated_dispersion(mu, act, classes, 80, rule="expected")
    conf = counts.calibrated_dispersion(mu, act, classes, 80, rule="conformal")
    assert exp["smooth"] <= 0.1 and conf["smooth"] <= 0.1  # Poisson data: (near) no extra dispersion
    with pytest.raises(ValueError, match="rule must be one of"):
        counts.calibrated_dispersion(mu, act, classes, 80, rule="bogus")
