"""Probabilistic interleaving served (issue 15, round 8): an interleave experiment with ``method =
"probabilistic"`` (the default from round 8 until session 18 made it ``optimized``) merges by
probabilistic interleaving in ``/v1/search``, logs each position's posterior with the list,
and the readout credits clicks (by request id) with those posteriors. Also: the definition's
``method`` field, and an interleavings table written before ``p_b`` existed."""

from __future__ import annotations

import json
import random
import sqlite3

import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app as cli
from shopmind.experiments.assign import unit_hash
from shopmind.experiments.definition import ExperimentError, parse_experiments, to_dict
from shopmind.experiments.exposure import FILE
from shopmind.experiments.interleave_log import InterleaveLog, read_interleavings
from shopmind.experiments.interleave_prob import probabilistic_interleave
from shopmind.experiments.interleave_readout import credit_events
from test_experiments_interleave import serve_interleaving

DEFS = {
    "experiment": [
        {"name": "rankers", "layer": "ranking", "status": "running", "kind": "interleave", "traffic": 1.0,
         "method": "probabilistic",
         "variant": [{"name": "plain", "overrides": {"search": {"understand": False}}}, {"name": "understood"}]},
    ]
}  # fmt: skip
WORDS = ["black leather shoes under 100", "blue yoga mat", "women scarf wool", "Stride black shoes",
         "phone charger under 30", "red mini dress", "leather handbag white", "men's sneakers"]  # fmt: skip


def test_method_is_validated_and_round_trips():
    exps = parse_experiments(DEFS)
    assert exps.experiments[0].method == "probabilistic"
    again = parse_experiments(to_dict(exps))
    assert again.experiments[0].method == "probabilistic"  # stored with its method: a new default leaves it
    td = json.loads(json.dumps(DEFS))
    del td["experiment"][0]["method"]
    assert parse_experiments(td).experiments[0].method == "optimized"  # the measured default since session 18
    td["experiment"][0]["method"] = "team-draft"
    assert parse_experiments(td).experiments[0].method == "team-draft"
    td["experiment"][0]["method"] = "balanced"
    with pytest.raises(ExperimentError, match=r"experiment\[0\]\.method"):
        parse_experiments(td)
    ab = {"experiment": [{"name": "ab", "method": "team-draft", "variant": [{"name": "c"}, {"name": "t"}]}]}
    with pytest.raises(ExperimentError, match=r"experiment\[0\]\.method: only an interleave"):
        parse_experiments(ab)


def test_credit_reads_the_logged_posteriors():
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    lists = pl.DataFrame(
        {
            "experiment": ["x"] * 3,
            "unit_id": ["u1", "u2", "u3"],
            "session_id": ["s1", "s2", "s3"],
            "request_id": ["r1", "r2", "r3"],
            "kind": ["search"] * 3,
            "items": [["p1", "p2", "p3"], ["p1", "p2"], ["p4", "p5"]],
            "teams": ["ABA", "BA", "AB"],
            "p_b": [[0.25, 1.0, 0.5], None, [0.0, 0.9]],  # the middle list: team draft
            "timestamp": [t0] * 3,
        },
        schema_overrides={"p_b": pl.List(pl.Float64)},
    )
    events = pl.DataFrame(
        {
            "type": ["click", "add_to_cart", "click", "click", "click"],
            "timestamp": [t0 + timedelta(minutes=1)] * 5,
            "user_id": ["u1", "u1", "u1", "u2", "u3"],
            "session_id": ["s1", "s1", "s1", "s2", "s3"],
            "item_id": ["p1", "p1", "p3", "p1", "p5"],
            "request_id": ["r1", "r1", "r1", "r2", "r3"],
        }
    )
    c = credit_events(lists, events)
    # list 1: p1 (once, though clicked and carted) 0.25 to B, p3 0.5; list 2: team draft, p1 is B's
    assert c.credit_b.tolist() == pytest.approx([0.75, 1.0, 0.9])
    assert c.credit_a.tolist() == pytest.approx([1.25, 0.0, 0.1])
    assert c.outcome.tolist() == [0, 1, 1]


def test_a_table_from_before_p_b_gets_the_column(tmp_path):
    db = sqlite3.connect(tmp_path / FILE)
    db.execute(
        "CREATE TABLE interleavings (experiment TEXT, unit_id TEXT, session_id TEXT, request_id TEXT, "
        "kind TEXT, items TEXT, teams TEXT, ts_us INTEGER)"
    )
    db.execute("INSERT INTO interleavings VALUES ('x', 'u', 's', 'r0', 'search', '[\"p1\"]', 'A', 1)")
    db.commit()
    db.close()
    assert read_interleavings(tmp_path)["p_b"].to_list() == [None]  # readable before the upgrade
    log = InterleaveLog(tmp_path, flush_seconds=3600)
    log.record("x", "u", "s", "r1", "search", ["p1", "p2"], [1, 0], [0.8, 0.1])
    log.close()
    InterleaveLog(tmp_path, flush_seconds=3600).close()  # a second opener: the column is there already
    got = read_interleavings(tmp_path).sort("request_id")
    assert got["p_b"].to_list() == [None, [0.8, 0.1]] and got["teams"].to_list() == ["A", "BA"]
    with pytest.raises(ValueError, match="posteriors"):
        InterleaveLog(tmp_path, flush_seconds=3600).record(
            "x", "u", "s", "r", "search", ["p1"], [0], [0.1, 0.2]
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve_interleaving(tmp_path_factory.mktemp("interleave-prob") / "ws", DEFS) as got:
        yield got


def _ids(body) -> list[str]:
    return [h["product_id"] for h in body["hits"]]


def test_served_probabilistic_lists_are_logged_and_credited_by_request_id(served):
    c, ws = served
    queries = []
    for q in WORDS:
        a = _ids(c.get("/v1/search", params={"q": q, "size": 10, "understand": "false"}).json())
        b = _ids(c.get("/v1/search", params={"q": q, "size": 10}).json())
        if a != b and a and b:
            queries.append((q, a, b))
    assert queries, "no query tells the variants apart on the demo shop"
    rng = random.Random(5)
    served_lists, clicks = [], []
    want_a = want_b = 0.0
    for u in range(40):
        q, rank_a, rank_b = queries[u % len(queries)]
        user, session = f"shopper-{u}", f"visit-{u}"
        r = c.get("/v1/search", params={"q": q, "size": 10, "user_id": user, "session_id": session})
        assert r.json()["experiments"] == [{"experiment": "rankers", "variant": "interleaved"}]
        shown = _ids(r.json())
        # recomputable: the probabilistic merge of the two rankings with the logged seed
        want = probabilistic_interleave(
            rank_a, rank_b, 10, random.Random(unit_hash("rankers", f"{user}\x1f{q}"))
        )
        assert list(want.items) == shown
        served_lists.append((r.headers["x-request-id"], shown, want))
        pos = rng.randrange(len(shown))
        clicks.append({"event_id": f"click-{u}", "type": "click", "user_id": user, "session_id": session,
                       "item_id": shown[pos], "request_id": r.headers["x-request-id"]})  # fmt: skip
        want_b += want.p_b[pos]
        want_a += 1 - want.p_b[pos]
    c.app.state.interleave_log.flush()
    c.app.state.exposure_log.flush()
    lists = read_interleavings(ws, "rankers")
    logged = {row["request_id"]: row for row in lists.iter_rows(named=True)}
    for rid, shown, want in served_lists:
        assert logged[rid]["items"] == shown
        assert logged[rid]["p_b"] == pytest.approx(list(want.p_b))
        assert logged[rid]["teams"] == "".join("AB"[t] for t in want.teams)
    res = c.post("/v1/events", json={"events": clicks}, headers={"Authorization": f"Bearer {c.events_key}"})
    assert res.status_code == 200 and res.json()["accepted"] == len(clicks)

    out = CliRunner().invoke(cli, ["experiments", "readout", "rankers", "-w", str(ws), "--json"])
    assert out.exit_code == 0, out.output
    r = json.loads(out.output)
    assert r["checks"]["probabilistic_lists"] == 40 and r["checks"]["unbalanced_lists"] == 0
    assert r["checks"]["credited_by_request_id"] == 40
    credited = r["checks"]["credited_items"]
    assert credited["understood"] == pytest.approx(want_b) and credited["plain"] == pytest.approx(want_a)
    assert r["credit_diff"]["mean"] == pytest.approx((want_b - want_a) / 40)
