"""The interleaving test the readout decides with (issue 15, round 7 item 3): a paired t-test on each
list's credit difference (items credited to B minus to A), chosen over the sign test by
``bench/experiments_sim.py``. Its level under no preference, its symmetry, and a seeded case where
the size of the wins decides (the sign test, which counts only who won, says the opposite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.interleave import credit_diff_test, sign_test
from shopmind.experiments.interleave_readout import interleave_readout


def test_level_under_no_preference():
    """A/A: per-list differences symmetric about 0 (as team draft makes them for identical rankers):
    the rejection rate at alpha 0.05 over 2,000 seeded experiments stays at the level."""
    rng = np.random.default_rng(0)
    rejected = 0
    for _ in range(2000):
        clicks = rng.poisson(0.6, 400)  # a list's clicks, each on A's or B's item by a fair coin
        b = rng.binomial(clicks, 0.5)
        rejected += credit_diff_test(clicks - b, b).pvalue < 0.05
    assert 0.035 <= rejected / 2000 <= 0.065


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=0, max_size=40))
def test_swapping_the_rankers_mirrors_the_test(pairs):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    one, other = credit_diff_test(a, b), credit_diff_test(b, a)
    assert one.mean_diff == -other.mean_diff
    assert abs(one.pvalue - other.pvalue) < 1e-12 and 0.0 <= one.pvalue <= 1.0
    assert one.winner == {"A": "B", "B": "A", None: None}[other.winner]


def test_known_values():
    t = credit_diff_test([0, 0, 1, 0], [1, 2, 0, 1])  # differences 1, 2, -1, 1: mean 0.75, sd 1.258
    assert t.mean_diff == 0.75 and abs(t.se - 1.2583057392117916 / 2) < 1e-12
    assert abs(t.pvalue - 0.3189317919127754) < 1e-12  # scipy.stats.ttest_1samp([1, 2, -1, 1], 0).pvalue
    assert credit_diff_test([1], [2]).pvalue == 1.0  # one list: nothing to test


def _lists(outcomes: list[tuple[int, int]]):
    """Six-item lists alternating the teams (first pick alternating between lists, as the coin would
    balance it) and clicks on the first ``ca`` of A's and ``cb`` of B's items, each naming its list's
    request id."""
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    rows, events = [], []
    for i, (ca, cb) in enumerate(outcomes):
        teams = "ABABAB" if i % 2 == 0 else "BABABA"
        items = [f"p{i}-{k}" for k in range(6)]
        ts = t0 + timedelta(minutes=3 * i)
        rows.append(("il", f"u{i}", f"s{i}", f"r{i}", "search", items, teams, ts))
        by_team = {t: [it for it, x in zip(items, teams, strict=True) if x == t] for t in "AB"}
        picked = by_team["A"][:ca] + by_team["B"][:cb]
        for k, it in enumerate(picked):
            events.append(("click", ts + timedelta(seconds=10 + k), f"u{i}", f"s{i}", it, f"r{i}"))
    schema = ["experiment", "unit_id", "session_id", "request_id", "kind", "items", "teams", "timestamp"]
    lists = pl.DataFrame(rows, schema=schema, orient="row")
    ev = pl.DataFrame(
        events, schema=["type", "timestamp", "user_id", "session_id", "item_id", "request_id"], orient="row"
    )
    return lists, ev


def test_the_readout_decides_by_credit_difference_not_by_wins():
    """B wins 200 lists by 3 items; A wins 300 lists by 1 item; 500 lists tie. The sign test counts A
    ahead (300 vs 200 wins); the credit difference says B (+300 items over 1,000 lists), significant
    at the daily looks too."""
    outcomes = [(0, 3)] * 200 + [(1, 0)] * 300 + [(0, 0)] * 500
    rng = np.random.default_rng(1)
    outcomes = [outcomes[i] for i in rng.permutation(len(outcomes))]
    lists, ev = _lists(outcomes)
    exp = parse_experiments({"experiment": [{"name": "il", "kind": "interleave", "status": "running",
                                              "variant": [{"name": "old"}, {"name": "new"}]}]}).experiments[0]  # fmt: skip
    r = interleave_readout(exp, lists, ev)
    assert r.wins == {"old": 300, "new": 200, "ties": 500}
    assert not r.blocked, r.decision
    assert sign_test(300, 200, 500).winner == "A" and r.sign_test_p < 0.01
    assert abs(r.credit_diff["mean"] - 300 / 1000) < 1e-12 and r.credit_diff["pvalue"] < 1e-6
    assert r.credit_cv == r.credit_diff  # team-draft lists carry no controls: the decision's test is the same
    assert r.decision.startswith("new wins"), r.decision
