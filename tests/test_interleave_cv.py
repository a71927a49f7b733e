"""Control variates for probabilistic interleaving (``experiments.interleave_cv``): the adjustment keeps
the mean (controls of known mean 0), removes the variance the list draw explains, keeps the test's
level under clicks that ignore the items, and leaves cases it cannot fit unchanged."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from shopmind.experiments.interleave_cv import (
    CV_POSITIONS,
    adjusted_credit,
    credit_cv_test,
    position_credits,
)
from shopmind.experiments.interleave_prob import marginal_credit, probabilistic_interleave

A = [f"a{i}" for i in range(10)]
B = ["a3", "b1", "a0", "b2", "b3", "a7", "b4", "b5", "a1", "b6"]


def _sessions(n: int, rng: random.Random, relevant: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """``n`` probabilistic lists of A vs B with PBM-like clicks: examination 1/log2(i+2), click 0.6
    on a relevant item, 0.05 otherwise (``relevant`` empty: every item alike, position-only clicks)."""
    d, ctrl = np.zeros(n), np.zeros((n, CV_POSITIONS))
    for s in range(n):
        shown = probabilistic_interleave(A, B, 10, rng)
        att = [0.6 if it in relevant else (0.3 if not relevant else 0.05) for it in shown.items]
        clicks = [i for i, a in enumerate(att) if rng.random() < a / math.log2(i + 2)]
        ca, cb = marginal_credit(shown, clicks)
        d[s] = cb - ca
        ctrl[s] = position_credits([shown.p_b])[0]
    return d, ctrl


def test_position_credits() -> None:
    c = position_credits([[0.5, 1.0, 0.0], None, [0.25] * 12], positions=4)
    assert c.tolist() == [[0.0, 1.0, -1.0, 0.0], [0.0] * 4, [-0.5] * 4]


def test_adjustment_keeps_the_mean_and_cuts_the_variance() -> None:
    """B holds more relevant items; the adjusted credit has the same mean (within noise) and a
    smaller variance than the plain one on the same sessions."""
    d, ctrl = _sessions(6000, random.Random(3), {"b1", "b2", "a3", "b3"})
    adj = adjusted_credit(d, ctrl)
    assert d.mean() > 0
    assert abs(adj.mean() - d.mean()) < 2 * d.std() / math.sqrt(len(d))
    assert adj.var() < 0.9 * d.var()


def test_level_under_position_only_clicks() -> None:
    """Different rankers, clicks that ignore the items: the controlled test rejects at about alpha
    (500 seeded experiments of 300 lists; +-0.02 is ~2 standard errors)."""
    rng = random.Random(7)
    d, ctrl = _sessions(20_000, rng, set())
    assert abs(d.mean()) < 3 * d.std() / math.sqrt(len(d))  # E[credit] = 0 (the fidelity property)
    np_rng = np.random.default_rng(0)
    rejected = 0
    for _ in range(500):
        idx = np_rng.integers(0, len(d), 300)
        rejected += credit_cv_test(d[idx], ctrl[idx]).pvalue < 0.05
    assert 0.03 <= rejected / 500 <= 0.075


def test_unfittable_cases_are_left_alone() -> None:
    d = np.array([1.0, -1.0, 0.5, 0.0])
    assert adjusted_credit(d, np.ones((4, 3)) * np.arange(4)[:, None]).tolist() == d.tolist()  # n <= p + 2
    assert adjusted_credit(d, np.zeros((4, 10))).tolist() == d.tolist()  # identical rankers: controls 0
    t = credit_cv_test(d, np.zeros((4, 10)))
    assert t.mean_diff == pytest.approx(0.125)


def test_the_readout_decides_on_the_adjusted_credit() -> None:
    """Probabilistic lists logged with their posteriors, clicks named by request id: the readout's
    ``credit_cv`` is the adjusted credit of those lists (smaller standard error than the plain one,
    which stays in ``credit_diff``), and its daily looks read it."""
    from datetime import UTC, datetime, timedelta

    import polars as pl

    from shopmind.experiments.definition import parse_experiments
    from shopmind.experiments.interleave_readout import interleave_readout

    rng = random.Random(11)
    relevant = {"b1", "b2", "a3", "b3"}
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    rows, events, diff, posts = [], [], [], []
    for i in range(1500):
        shown = probabilistic_interleave(A, B, 10, rng)
        ts = t0 + timedelta(minutes=i)
        rows.append(("il", f"u{i}", f"s{i}", f"r{i}", "search", list(shown.items),
                     "".join("AB"[t] for t in shown.teams), ts, list(shown.p_b)))  # fmt: skip
        att = [0.6 if it in relevant else 0.05 for it in shown.items]
        clicks = [k for k, a in enumerate(att) if rng.random() < a / math.log2(k + 2)]
        for k in clicks:
            events.append(("click", ts + timedelta(seconds=5 + k), f"u{i}", f"s{i}", shown.items[k], f"r{i}"))
        ca, cb = marginal_credit(shown, clicks)
        diff.append(cb - ca)
        posts.append(shown.p_b)
    schema = [
        "experiment",
        "unit_id",
        "session_id",
        "request_id",
        "kind",
        "items",
        "teams",
        "timestamp",
        "p_b",
    ]
    lists = pl.DataFrame(rows, schema=schema, orient="row")
    ev = pl.DataFrame(
        events, schema=["type", "timestamp", "user_id", "session_id", "item_id", "request_id"], orient="row"
    )
    exp = parse_experiments({"experiment": [{"name": "il", "kind": "interleave", "status": "running",
                                              "variant": [{"name": "old"}, {"name": "new"}]}]}).experiments[0]  # fmt: skip
    r = interleave_readout(exp, lists, ev)
    adj = adjusted_credit(np.array(diff), position_credits(posts))
    assert r.credit_diff["mean"] == pytest.approx(np.mean(diff))
    assert r.credit_cv["mean"] == pytest.approx(adj.mean())
    assert r.credit_cv["se"] < r.credit_diff["se"]
    assert r.looks[-1].preference == pytest.approx(adj.mean()) and r.looks[-1].lists == 1500
