"""shopmind.pricing: elasticity recovery, confounders, shrinkage, guardrails, endings, config errors."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.pricing import Elasticity, Guardrails, PricingError, ProductTerms, estimate, weekly_observations
from shopmind.pricing.elasticity import shrink
from shopmind.pricing.report import write
from shopmind.pricing.suggest import candidates, has_ending, suggest_one, violations

START = dt.datetime(2024, 1, 1, 12)


def _market(
    seed: int,
    per_cat: int = 8,
    weeks: int = 60,
    seasonal_pricing: bool = False,
    promo_lift: float = 1.0,
    sd_price: float = 0.15,
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Weekly purchases of 3 categories with known elasticities (-1.5, -2.5, -3.5 +- 0.3)."""
    rng = np.random.default_rng(seed)
    season = 1 + 0.6 * np.sin(np.arange(weeks) / weeks * 4 * np.pi)
    rows, truth = [], {}
    for c in range(3):
        for i in range(per_cat):
            pid = f"c{c}i{i}"
            b = -1.5 - c + rng.normal(0, 0.3)
            truth[pid] = b
            p0 = rng.uniform(2, 20)
            for t in range(weeks):
                p = p0 * math.exp(rng.normal(0, sd_price))
                if seasonal_pricing:  # the shop charges more in its busy weeks: price correlates with season
                    p *= season[t] ** 0.5
                promo = rng.random() < 0.15
                if promo:
                    p *= 0.8
                lam = 80 * season[t] * (p / p0) ** b * (promo_lift if promo else 1.0)
                q = int(rng.poisson(lam))
                if q > 0:
                    rows.append(
                        (pid, START + dt.timedelta(weeks=t), q, round(p, 2), promo, f"cat{c}", "purchase")
                    )
    ev = pl.DataFrame(
        rows, schema=["item_id", "timestamp", "quantity", "price", "promo", "category", "type"], orient="row"
    )
    return ev, truth


def _cats(ev: pl.DataFrame) -> pl.DataFrame:
    return ev.select("item_id", "category").unique()


@pytest.mark.parametrize("model", ["loglog", "poisson"])
def test_recovers_known_elasticities_within_their_intervals(model: str) -> None:
    ev, truth = _market(1)
    est = estimate(weekly_observations(ev, _cats(ev), promo="promo"), model=model)
    err = np.array([e.estimate - truth[e.item_id] for e in est])
    cover = np.mean([e.lo <= truth[e.item_id] <= e.hi for e in est])
    assert len(est) == 24
    assert np.mean(np.abs(err)) < 0.2
    assert abs(np.mean(err)) < 0.08
    assert cover >= 0.8
    one = next(e for e in est if e.item_id == "c1i0")
    assert one.lo <= truth["c1i0"] <= one.hi and one.hi < -1


def test_category_week_effects_remove_seasonal_pricing_bias() -> None:
    """Prices follow the season; a plain per-product log-log fit credits the season to the price."""
    ev, truth = _market(2, seasonal_pricing=True)
    obs = weekly_observations(ev, _cats(ev), promo="promo")
    est = estimate(obs)
    ours = np.mean([e.estimate - truth[e.item_id] for e in est])
    naive = []
    for pid, g in obs.group_by("item_id"):
        nopromo = g.filter(pl.col("promo") == 0)
        slope = np.polyfit(np.log(nopromo["price"].to_numpy()), np.log(nopromo["qty"].to_numpy()), 1)[0]
        naive.append(slope - truth[pid[0]])
    assert np.mean(naive) > 0.4  # the naive slope is biased toward 0 (season lifts demand when price is up)
    assert abs(ours) < 0.1


def test_promotion_lift_is_not_credited_to_price() -> None:
    ev, truth = _market(3, promo_lift=2.0)
    with_flag = estimate(weekly_observations(ev, _cats(ev), promo="promo"))
    without = estimate(weekly_observations(ev, _cats(ev)))
    bias_with = np.mean([e.raw - truth[e.item_id] for e in with_flag])
    bias_without = np.mean([e.raw - truth[e.item_id] for e in without])
    assert bias_without < -0.3  # promo weeks: low price and a lift -> looks more elastic
    assert abs(bias_with) < 0.1


def test_shrinkage_pulls_a_thin_product_toward_its_category() -> None:
    ev, _ = _market(4)
    # c2i0 keeps only 10 weeks of history at a near-constant price
    thin = ev.filter(pl.col("item_id") != "c2i0")
    part = ev.filter((pl.col("item_id") == "c2i0") & (pl.col("timestamp") < START + dt.timedelta(weeks=10)))
    part = part.with_columns((pl.col("price").mean() * (1 + 0.06 * (pl.int_range(pl.len()) % 2))).round(2))
    ev2 = pl.concat([thin, part.with_columns(pl.col("price").cast(pl.Float64))])
    est = {e.item_id: e for e in estimate(weekly_observations(ev2, _cats(ev2), promo="promo"))}
    cat_mean = np.mean([e.estimate for k, e in est.items() if k.startswith("c2") and k != "c2i0"])
    e = est["c2i0"]
    assert e.weeks == 10
    assert abs(e.estimate - cat_mean) < abs(e.raw - cat_mean)
    assert e.se < e.raw_se
    # no price variation at all: the category's elasticity, with the category's spread
    flat = ev2.with_columns(
        pl.when(pl.col("item_id") == "c2i1").then(pl.lit(5.0)).otherwise(pl.col("price")).alias("price")
    )
    est2 = {x.item_id: x for x in estimate(weekly_observations(flat, _cats(flat), promo="promo"))}
    assert math.isnan(est2["c2i1"].raw)
    assert -3.9 < est2["c2i1"].estimate < -2.9 and "category elasticity" in est2["c2i1"].note


def test_a_flat_price_product_does_not_stall_its_category() -> None:
    """Regression: a product whose price moves 2 % had a flat likelihood, its Poisson slope walked to
    -200 and kept the week effects moving, so no product in the category converged (all NaN)."""
    ev, _ = _market(4)
    part = ev.filter((pl.col("item_id") == "c2i0") & (pl.col("timestamp") < START + dt.timedelta(weeks=10)))
    part = part.with_columns((pl.col("price").mean() * (1 + 0.02 * (pl.int_range(pl.len()) % 2))).round(2))
    ev2 = pl.concat(
        [ev.filter(pl.col("item_id") != "c2i0"), part.with_columns(pl.col("price").cast(pl.Float64))]
    )
    est = {
        e.item_id: e for e in estimate(weekly_observations(ev2, _cats(ev2), promo="promo"), model="poisson")
    }
    assert math.isnan(est["c2i0"].raw) and "category elasticity" in est["c2i0"].note
    assert all(math.isfinite(e.raw) for k, e in est.items() if k != "c2i0")
    assert -4.2 < est["c2i0"].estimate < -2.8


def test_shrink_with_identical_slopes_has_no_between_variance() -> None:
    post, sd, mu, _, tau2 = shrink(
        np.array([-2.0, -2.0, -2.0, -2.0, -2.0]), np.array([0.1, 0.2, 0.3, 0.1, 0.5])
    )
    assert tau2 == 0.0 and mu == pytest.approx(-2.0)
    assert np.allclose(post, -2.0)


def _e(b: float = -3.0, se: float = 0.05, price: float = 10.0) -> Elasticity:
    return Elasticity("x", "c", 52, b, se, b, se, b - 2 * se, b + 2 * se, price, 100.0, "")


def test_unconstrained_optimum_is_the_markup_rule() -> None:
    # b = -3, cost 6: p* = c b / (1 + b) = 9.00; ten percent steps allow 9.00 from 10.00
    s = suggest_one(_e(se=0.0), Guardrails(max_change=0.2, min_gain=0.0), ProductTerms(cost=6.0))
    assert s.action == "change" and s.suggested_price == pytest.approx(9.0)
    assert s.binding == ""


@pytest.mark.parametrize(
    ("rails", "terms", "price", "binding"),
    [
        (Guardrails(max_change=0.05), ProductTerms(cost=3.0), 9.5, "max_change"),  # optimum 4.5, 5 % step
        (Guardrails(max_change=0.5, floor=8.0), ProductTerms(cost=3.0), 8.0, "floor"),
        (Guardrails(max_change=0.5), ProductTerms(cost=3.0, floor=7.5), 7.5, "floor"),
        (Guardrails(max_change=0.5, min_margin=0.5), ProductTerms(cost=4.0), 8.0, "min_margin"),
        (Guardrails(max_change=0.5), ProductTerms(cost=9.0, ceiling=11.0), 11.0, "ceiling"),
        (Guardrails(max_change=0.5, competitor_max_ratio=1.0), ProductTerms(cost=9.0, competitor_price=12.5), 12.5,
         "competitor_max"),
        (Guardrails(max_change=0.5, competitor_min_ratio=0.9), ProductTerms(cost=3.0, competitor_price=10.0), 9.0,
         "competitor_min"),
    ],
)  # fmt: skip
def test_each_guardrail_binds(rails: Guardrails, terms: ProductTerms, price: float, binding: str) -> None:
    s = suggest_one(_e(), rails, terms)
    assert s.action == "change"
    assert s.suggested_price == pytest.approx(price)
    assert s.binding == binding
    assert violations(s.suggested_price, 10.0, terms.cost, terms, rails) == []
    # one cent past the bound breaks exactly that guardrail (every case but these binds from below)
    step = 0.01 if binding in ("ceiling", "competitor_max") else -0.01
    assert binding in violations(round(s.suggested_price + step, 2), 10.0, terms.cost, terms, rails)


@pytest.mark.parametrize(
    ("ending", "price"), [(".99", 8.99), (".95", 8.95), ("whole", 9.0), ("9", 8.99), ("none", 9.0)]
)
def test_price_endings(ending: str, price: float) -> None:
    s = suggest_one(
        _e(se=0.0), Guardrails(max_change=0.2, ending=ending, min_gain=0.0), ProductTerms(cost=6.0)
    )
    assert s.suggested_price == pytest.approx(price)
    assert has_ending(s.suggested_price, ending)
    assert list(candidates(8.0, 10.0, ".99")) == [8.99, 9.99]
    assert list(candidates(8.0, 10.0, "whole")) == [8.0, 9.0, 10.0]
    assert not has_ending(9.49, ".99") and has_ending(9.49, "9") and not has_ending(9.5, "9")


def test_no_ending_in_range_and_conflicts_keep_the_price_with_a_reason() -> None:
    s = suggest_one(_e(price=0.8), Guardrails(max_change=0.1, ending=".99"), ProductTerms(cost=0.3))
    assert s.action == "keep" and "no price ending '.99'" in s.reason and s.suggested_price == 0.8
    s = suggest_one(_e(), Guardrails(), ProductTerms(cost=3.0, floor=12.0))  # max_change allows <= 11
    assert s.action == "keep" and s.reason.startswith("guardrails conflict: floor needs >= 12.00")
    assert "floor" in s.violations
    # a floor above the ceiling is said as that, naming both (it was a "guardrails conflict" too)
    s = suggest_one(_e(), Guardrails(), ProductTerms(cost=3.0, floor=12.0, ceiling=11.5))
    assert s.action == "keep" and s.reason.startswith("price_floor 12.00 is above price_ceiling 11.50")
    assert "floor" in s.violations


def test_uncertain_elasticities_are_kept() -> None:
    crosses_zero = Elasticity("x", "c", 52, -0.4, 0.3, -0.4, 0.3, -1.0, 0.2, 10.0, 5.0, "")
    s = suggest_one(crosses_zero, Guardrails(), ProductTerms(cost=5.0))
    assert s.action == "keep" and "includes 0" in s.reason
    inelastic = Elasticity("x", "c", 52, -1.2, 0.2, -1.2, 0.2, -1.6, -0.8, 10.0, 5.0, "")
    s = suggest_one(inelastic, Guardrails(), ProductTerms(cost=5.0))
    assert s.action == "keep" and "inelastic" in s.reason
    # revenue only (no cost): a confidently inelastic product is raised, an ambiguous one is kept
    sure = Elasticity("x", "c", 52, -0.5, 0.1, -0.5, 0.1, -0.7, -0.3, 10.0, 5.0, "")
    assert suggest_one(sure, Guardrails(max_change=0.1)).suggested_price == pytest.approx(11.0)
    assert "includes -1" in suggest_one(inelastic, Guardrails()).reason
    nan = Elasticity(
        "x", "c", 3, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 10.0, 1.0, "few"
    )
    assert suggest_one(nan, Guardrails()).action == "keep"


@settings(max_examples=200, deadline=None)
@given(
    p0=st.floats(0.2, 500),
    b=st.floats(-6, -1.05),
    cost_ratio=st.floats(0, 0.95),
    max_change=st.floats(0.01, 1),
    margin=st.floats(0, 0.9),
    ending=st.sampled_from([".99", ".95", "whole", "9", "none"]),
    floor_r=st.one_of(st.none(), st.floats(0.3, 1.5)),
    ceil_r=st.one_of(st.none(), st.floats(0.5, 2)),
    comp_r=st.one_of(st.none(), st.floats(0.5, 2)),
)
def test_every_changed_price_respects_every_guardrail(
    p0: float, b: float, cost_ratio: float, max_change: float, margin: float, ending: str,
    floor_r: float | None, ceil_r: float | None, comp_r: float | None,
) -> None:  # fmt: skip
    p0 = round(p0, 2)
    terms = ProductTerms(
        cost=p0 * cost_ratio,
        floor=None if floor_r is None else p0 * floor_r,
        ceiling=None if ceil_r is None else p0 * ceil_r,
        competitor_price=None if comp_r is None else p0 * comp_r,
    )
    g = Guardrails(
        max_change=max_change,
        min_margin=margin,
        ending=ending,
        competitor_max_ratio=1.05,
        competitor_min_ratio=0.8,
    )
    s = suggest_one(_e(b=b, se=0.05, price=p0), g, terms)
    if s.action == "change":
        assert violations(s.suggested_price, p0, terms.cost, terms, g) == []
    else:
        assert s.suggested_price == p0 and s.reason


def test_bad_config_names_the_field() -> None:
    with pytest.raises(PricingError, match=r"pricing\.max_change: must be in \(0, 1\]"):
        Guardrails.from_mapping({"max_change": 2})
    with pytest.raises(PricingError, match=r"pricing\.ending: must be one of"):
        Guardrails.from_mapping({"ending": ".49"})
    with pytest.raises(PricingError, match=r"pricing\.margin: unknown setting"):
        Guardrails.from_mapping({"margin": 0.2})
    with pytest.raises(PricingError, match=r"pricing\.floor: must be a finite number"):
        Guardrails.from_mapping({"floor": True})
    with pytest.raises(PricingError, match=r"pricing\.ceiling: must be >= floor"):
        Guardrails.from_mapping({"floor": 5, "ceiling": 4})
    with pytest.raises(PricingError, match=r"events: missing column 'price'"):
        weekly_observations(pl.DataFrame({"item_id": ["a"], "timestamp": [START], "quantity": [1]}))
    with pytest.raises(PricingError, match=r"promo column 'promo' not found"):
        weekly_observations(
            pl.DataFrame({"item_id": ["a"], "timestamp": [START], "quantity": [1], "price": [1.0]}),
            promo="promo",
        )


def test_report_is_valid_json_and_csv(tmp_path) -> None:  # noqa: ANN001
    nan = Elasticity(
        "n", "c", 3, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 10.0, 1.0, "few"
    )
    g = Guardrails(max_change=0.1)
    sugg = [suggest_one(_e(), g, ProductTerms(cost=3.0)), suggest_one(nan, g)]
    summ = write(tmp_path, sugg, g, [_e(), nan])
    doc = json.loads((tmp_path / "report.json").read_text())
    assert summ["changed"] == 1 and summ["kept"] == 1 and summ["lowered"] == 1
    assert doc["elasticities"][1]["raw"] is None
    csv = pl.read_csv(tmp_path / "suggestions.csv")
    assert csv.height == 2 and csv["suggested_price"].to_list() == [9.0, 10.0]
