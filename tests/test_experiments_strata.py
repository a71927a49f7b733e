"""Lifecycle segments as experiment strata (issue 15, round 7 item 4): the readout breaks a metric
down by segment (new, active, at risk, lapsed, as of the experiment's start) and reports a
post-stratified estimate with its interval; on a seeded shop whose segments differ a lot, the
stratified estimate has provably less variance than the plain difference, and its interval covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from experiments_util import shop
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.metrics import EXPOSURE_SCHEMA
from shopmind.experiments.readout import readout
from shopmind.experiments.strata import post_stratified, unit_segments

#: revenue per unit by segment: far apart, as in a real shop (active customers buy most)
MEANS = {"new": 5.0, "active": 120.0, "at_risk": 40.0, "lapsed": 2.0}
SHARES = {"new": 0.3, "active": 0.2, "at_risk": 0.2, "lapsed": 0.3}
LIFT = 0.10  # treatment multiplies every unit's revenue by 1.1


def _population(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    seg = rng.choice(list(MEANS), size=n, p=list(SHARES.values()))
    mean = np.array([MEANS[s] for s in seg])
    return seg, rng.gamma(2.0, mean / 2.0)  # within-segment sd = mean / sqrt 2


def test_post_stratification_cuts_variance_and_covers():
    """1,000 units, 500 seeded random splits: the stratified effect's variance over the splits is
    well below the plain difference's, its own standard error says so, and the 95 % interval
    covers the true effect (known: +10 % of each segment's mean, weighted by the segment shares)."""
    rng = np.random.default_rng(0)
    truth = LIFT * sum(SHARES[s] * MEANS[s] for s in MEANS)
    plain, strat, se_ratio, covered = [], [], [], 0
    for _ in range(500):
        seg, y = _population(rng, 1000)
        treat = rng.random(1000) < 0.5
        y = np.where(treat, y * (1 + LIFT), y)
        r = post_stratified(y[~treat], y[treat], seg[~treat], seg[treat])
        plain.append(r.unstratified_effect)
        strat.append(r.effect)
        se_ratio.append(r.se / r.unstratified_se)
        covered += r.ci_lower <= truth <= r.ci_upper
        assert [s.segment for s in r.strata] == ["new", "active", "at_risk", "lapsed"]
        assert abs(sum(s.weight for s in r.strata) - 1) < 1e-12
    reduction = 1 - np.var(strat) / np.var(plain)
    assert reduction > 0.3, reduction  # the between-segment variance is gone (0.56 here)
    assert abs(np.mean(se_ratio) ** 2 - (1 - reduction)) < 0.1  # the reported se agrees
    assert 0.93 <= covered / 500 <= 0.97
    assert abs(np.mean(strat) - truth) < 3 * np.std(strat) / np.sqrt(500)  # unbiased


def test_identical_to_the_plain_difference_with_one_segment():
    rng = np.random.default_rng(1)
    c, t = rng.normal(10, 2, 50), rng.normal(11, 2, 60)
    r = post_stratified(c, t, np.array(["active"] * 50), np.array(["active"] * 60))
    assert r.effect == pytest.approx(r.unstratified_effect, abs=1e-12)
    assert r.se == pytest.approx(r.unstratified_se, abs=1e-12)


def test_thin_segments_are_pooled_into_a_neighbour():
    c = np.array([1.0, 2, 3, 4, 5])
    t = np.array([2.0, 3, 4, 5, 6])
    cs = np.array(["new", "active", "active", "active", "lapsed"])  # one new and one lapsed unit per arm
    ts = np.array(["new", "active", "active", "active", "lapsed"])
    r = post_stratified(c, t, cs, ts)
    assert r.merged == {"new": "active", "lapsed": "active"}
    assert [s.segment for s in r.strata] == ["active"] and r.strata[0].n_control == 5
    assert r.effect == pytest.approx(1.0)


def test_segments_as_of_the_start():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ev = pl.DataFrame(
        {
            "type": ["view"] * 6,
            "timestamp": [t0 - timedelta(days=d) for d in (200, 5, 10, 60, 120, -1)],
            "user_id": ["old-active", "old-active", "fresh", "risk", "gone", "later"],
            "session_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        }
    )
    seg = dict(unit_segments(ev, "user", t0).iter_rows())
    # "later" first shows up after the start: no history, so it is not listed (the readout says new)
    assert seg == {"old-active": "active", "fresh": "new", "risk": "at_risk", "gone": "lapsed"}
    by_session = dict(unit_segments(ev, "session", t0).iter_rows())
    assert by_session["s2"] == "active" and by_session["s6"] == "new"


def test_the_readout_reports_segments_and_the_stratified_effect():
    """A seeded shop where half the users have a purchase history (segments from the pre-period):
    every metric carries the per-segment breakdown and a stratified estimate with an interval."""
    exposures, events = shop(800, {"control": 0.2, "treatment": 0.3}, seed=5)
    # a quarter of the users were last seen 60-80 days before: at risk
    rng = np.random.default_rng(5)
    t0 = exposures["timestamp"].min()
    old = [
        (f"old{u}", "view", t0 - timedelta(days=float(rng.uniform(60, 80))), f"u{u}", f"o{u}", None, None)
        for u in range(0, 800, 4)
    ]
    events = pl.concat([events, pl.DataFrame(old, schema=events.schema, orient="row")])
    exp = parse_experiments(
        {
            "experiment": [
                {"name": "ab", "status": "running", "variant": [{"name": "control"}, {"name": "treatment"}]}
            ]
        }
    ).experiments[0]
    r = readout(exp, exposures.cast(EXPOSURE_SCHEMA), events)
    rev = next(m for m in r.metrics if m.metric == "revenue_per_user")
    s = rev.stratified
    assert s is not None and {x["segment"] for x in s["strata"]} >= {"new", "active", "at_risk"}
    assert s["ci_lower"] < s["effect"] < s["ci_upper"] and s["se"] > 0
    assert abs(sum(x["weight"] for x in s["strata"]) - 1) < 1e-9
    units = sum(x["n_control"] + x["n_treatment"] for x in s["strata"])
    assert units == sum(r.allocation.values())
    conv = next(m for m in r.metrics if m.metric == "conversion")
    assert conv.stratified is not None and conv.stratified["effect"] > 0
    assert r.to_dict()["metrics"][0]["stratified"]["strata"]  # JSON-ready for the dashboard
