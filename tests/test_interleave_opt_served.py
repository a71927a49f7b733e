"""Optimized interleaving served (issue 15, round 12): the ``optimized`` method of an interleave
experiment merges ``/v1/search``'s two rankings with the LP's distribution (prefix-constrained lists,
solutions cached per pair of rankings), logs each position's credit through the ``p_b`` column and
the exposure, and the readout reads it: the winner of a seeded simulated click log, the
first-position check, and the tests' invariance to the credit's logged scale."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app as cli
from shopmind.experiments import stats
from shopmind.experiments.assign import unit_hash
from shopmind.experiments.definition import parse_experiments, to_dict
from shopmind.experiments.exposure import read_exposures
from shopmind.experiments.interleave import credit_diff_test
from shopmind.experiments.interleave_cv import adjusted_credit, position_credits
from shopmind.experiments.interleave_log import read_interleavings
from shopmind.experiments.interleave_opt import (
    SERVE_K,
    SolutionCache,
    credit_to_p_b,
    is_prefix_constrained,
    optimize,
    served_interleave,
)
from shopmind.experiments.interleave_readout import first_credit_check, interleave_readout
from test_experiments_interleave import differing_queries, serve_interleaving

DEFS = {
    "experiment": [
        {"name": "rankers", "layer": "ranking", "status": "running", "kind": "interleave", "traffic": 1.0,
         "method": "optimized",
         "variant": [{"name": "plain", "overrides": {"search": {"understand": False}}}, {"name": "understood"}]},
    ]
}  # fmt: skip


def test_method_optimized_round_trips():
    exps = parse_experiments(DEFS)
    assert exps.experiments[0].method == "optimized"
    assert parse_experiments(to_dict(exps)).experiments[0].method == "optimized"


def test_served_merge_is_prefix_constrained_cached_and_pages_consistently():
    rng = random.Random(3)
    items = [f"p{i}" for i in range(30)]
    cache = SolutionCache(size=2)
    for _ in range(5):
        a, b = rng.sample(items, 20), rng.sample(items, 20)
        deep = served_interleave(a, b, 20, random.Random(9), cache)
        assert len(deep.items) == 20 and is_prefix_constrained(deep.items, a, b, 20)
        assert deep.credits[SERVE_K:] == (0.0,) * 10  # past the optimized top: no credit
        shallow = served_interleave(a, b, 10, random.Random(9), cache)
        assert shallow.items == deep.items[:10] and shallow.credits == deep.credits[:10]
        dist = optimize(a, b, SERVE_K, "linear")
        assert deep.items[:SERVE_K] in dist.lists  # the LP's list
        assert deep.p_b == tuple(credit_to_p_b(c) for c in deep.credits)
    assert cache.hits == 5 and cache.misses == 5 and len(cache._items) == 2  # LRU bound kept
    with pytest.raises(ValueError, match="depth"):
        served_interleave(["a"], ["b"], 0, random.Random(1))


def test_logged_scale_leaves_the_tests_unchanged():
    """The t-test and the control-adjusted test on ``2 p_b - 1 = credit / k`` equal those on the
    credit itself; the mSPRT equals it when ``mde`` is scaled alike (it is not scale-free alone)."""
    rng = np.random.default_rng(4)
    d, c = rng.normal(0.1, 2.0, 300), rng.normal(0.0, 1.0, (300, 10))
    s = 1 / SERVE_K
    t1, t2 = credit_diff_test(np.zeros(300), d), credit_diff_test(np.zeros(300), s * d)
    assert t2.pvalue == pytest.approx(t1.pvalue, rel=1e-9)
    a1 = credit_diff_test(np.zeros(300), adjusted_credit(d, c))
    a2 = credit_diff_test(np.zeros(300), adjusted_credit(s * d, s * c))
    assert a2.pvalue == pytest.approx(a1.pvalue, rel=1e-9)
    p1 = stats.msprt_look(0.3, 0.01, 0.25, 0.05)[0]
    assert stats.msprt_look(0.3 * s, 0.01 * s * s, 0.25 * s * s, 0.05)[0] == pytest.approx(p1, rel=1e-9)


def _simulated_log(n_lists: int, seed: int, better_b: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Served optimized lists of random rankings (B's: the items by grade with a little noise; A's:
    more noise) and cascade clicks by grade; ``better_b`` False gives clicks by position only."""
    rng = random.Random(seed)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    cache = SolutionCache()
    rows, events = [], []
    for i in range(n_lists):
        pool = [f"q{i % 50}-{j}" for j in range(14)]
        grade = {p: random.Random(f"{p}").random() for p in pool}
        noisy = random.Random(f"rank{i % 50}")
        b = sorted(pool, key=lambda p: -grade[p] - noisy.gauss(0, 0.1))[:10]
        a = sorted(pool, key=lambda p: -grade[p] - noisy.gauss(0, 0.6))[:10]
        shown = served_interleave(a, b, 10, random.Random(unit_hash("x", f"u{i}\x1fq{i % 50}")), cache)
        ts = t0 + timedelta(hours=i * 72 / n_lists)
        rows.append(("x", f"u{i}", f"s{i}", f"r{i}", "search", list(shown.items),
                     "".join("AB"[t] for t in shown.teams), list(shown.p_b), ts))  # fmt: skip
        for pos, item in enumerate(shown.items):  # a cascade: examine down the list, stop at a click
            p_click = (0.9 * grade[item] ** 2 if better_b else 0.3) / (1 + 0.3 * pos)
            if rng.random() < p_click:
                events.append(("click", ts + timedelta(seconds=5), f"u{i}", f"s{i}", item, f"r{i}"))
                break
    cols = ["experiment", "unit_id", "session_id", "request_id", "kind", "items", "teams", "p_b", "timestamp"]
    lists = pl.DataFrame(rows, schema=cols, orient="row", schema_overrides={"p_b": pl.List(pl.Float64)})
    ev = pl.DataFrame(
        events, schema=["type", "timestamp", "user_id", "session_id", "item_id", "request_id"], orient="row"
    )
    return lists, ev


def test_readout_finds_the_better_ranker_on_a_simulated_log():
    exp = parse_experiments(
        {
            "experiment": [
                {
                    "name": "x",
                    "kind": "interleave",
                    "method": "optimized",
                    "status": "running",
                    "variant": [{"name": "a"}, {"name": "b"}],
                }
            ]
        }  # fmt: skip
    ).experiments[0]
    lists, events = _simulated_log(1500, seed=11, better_b=True)
    r = interleave_readout(exp, lists, events)
    assert not r.blocked and r.checks["merge"] == "optimized"
    assert r.decision.startswith("b wins"), r.decision
    assert r.credit_cv["mean"] > 0 and r.credit_cv["pvalue"] < 1e-3
    # position-only clicks: no winner, and the first position's credit averages 0 (not blocked)
    lists0, events0 = _simulated_log(1500, seed=12, better_b=False)
    r0 = interleave_readout(exp, lists0, events0)
    assert not r0.blocked and r0.decision.startswith("keep running"), r0.decision
    # a broken merge (B's list every time) is blocked by the first-position check
    broken = lists.with_columns(pl.col("p_b").list.eval(pl.element() * 0 + 1.0))
    rb = interleave_readout(exp, broken, events)
    assert rb.blocked and "first position" in rb.decision


def test_first_credit_check_needs_two_lists():
    """A single list (a readout read after the first request) gives p = 1, not None: the CLI
    prints the check's p."""
    one = first_credit_check(np.zeros((1, 10)))  # one list: nothing to test, never blocks
    assert one.pvalue == 1.0 and not one.mismatch
    got = first_credit_check(position_credits([[0.6, 0.5], [0.4, 0.5]] * 50))
    assert got.mean == pytest.approx(0.0, abs=1e-12) and not got.mismatch


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve_interleaving(tmp_path_factory.mktemp("interleave-opt") / "ws", DEFS) as got:
        yield got


def test_served_search_returns_the_optimized_list_and_logs_it(served):
    c, ws = served
    queries = differing_queries(c)
    assert queries, "no query tells the variants apart on the demo shop"
    got = []
    for u in range(12):
        q, rank_a, rank_b = queries[u % len(queries)]
        user, session = f"shopper-{u}", f"visit-{u}"
        r = c.get("/v1/search", params={"q": q, "size": 10, "user_id": user, "session_id": session})
        assert r.status_code == 200
        assert r.json()["experiments"] == [{"experiment": "rankers", "variant": "interleaved"}]
        shown = [h["product_id"] for h in r.json()["hits"]]
        assert is_prefix_constrained(shown, rank_a, rank_b, 10)
        want = served_interleave(rank_a, rank_b, 10, random.Random(unit_hash("rankers", f"{user}\x1f{q}")))
        assert list(want.items) == shown
        got.append((r.headers["x-request-id"], want))
    assert c.app.state.interleave_opt_cache.misses <= len(queries)  # one solve per pair of rankings
    c.app.state.interleave_log.flush()
    c.app.state.exposure_log.flush()
    logged = {row["request_id"]: row for row in read_interleavings(ws, "rankers").iter_rows(named=True)}
    for rid, want in got:
        assert logged[rid]["items"] == list(want.items)
        assert logged[rid]["p_b"] == pytest.approx(list(want.p_b))
        credits = [SERVE_K * (2 * p - 1) for p in logged[rid]["p_b"]]
        assert credits == pytest.approx(list(want.credits))
    exposed = read_exposures(ws, "rankers")
    assert set(exposed["request_id"].to_list()) >= {rid for rid, _ in got}
    assert set(exposed["variant"].to_list()) == {"interleaved"}

    # clicks by request id on the third item (or the last of a shorter list), read back by the CLI's
    # readout (the served path)
    at = [min(2, len(want.items) - 1) for _, want in got]
    clicks = [{"event_id": f"oclick-{i}", "type": "click", "user_id": f"shopper-{i}", "session_id": f"visit-{i}",
               "item_id": want.items[at[i]], "request_id": rid} for i, (rid, want) in enumerate(got)]  # fmt: skip
    res = c.post("/v1/events", json={"events": clicks}, headers={"Authorization": f"Bearer {c.events_key}"})
    assert res.status_code == 200 and res.json()["accepted"] == len(clicks)
    out = CliRunner().invoke(cli, ["experiments", "readout", "rankers", "-w", str(ws), "--json"])
    assert out.exit_code == 0, out.output
    r = json.loads(out.output)
    assert r["checks"]["merge"] == "optimized" and r["checks"]["credited_by_request_id"] == len(got)
    want_diff = sum(want.credits[j] for j, (_, want) in zip(at, got, strict=True)) / SERVE_K / len(got)
    assert r["credit_diff"]["mean"] == pytest.approx(want_diff)
    human = CliRunner().invoke(cli, ["experiments", "readout", "rankers", "-w", str(ws)])
    assert human.exit_code == 0, human.output
