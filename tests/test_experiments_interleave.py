"""Served interleaving, end to end through the real app on a demo-shop release: deterministic
assignment -> team-draft merge of the two variants' rankings -> the list and its teams in the
interleaving log -> clicks posted to ``/v1/events`` credited to the team that placed the item ->
the readout (CLI, API) with wins per ranker, the checks and a decision."""

from __future__ import annotations

import json
import random
from contextlib import contextmanager

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.cli import app as cli
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.experiments import registry
from shopmind.experiments.assign import unit_hash
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import ExposureLog, read_exposures
from shopmind.experiments.interleave import team_draft
from shopmind.experiments.interleave_log import InterleaveLog, read_interleavings
from shopmind.experiments.interleave_readout import credit_events, draft_consistent, interleave_readout
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_search
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

DEFS = {
    "experiment": [
        {"name": "rankers", "layer": "ranking", "status": "running", "kind": "interleave", "traffic": 1.0,
         "method": "team-draft",
         "variant": [{"name": "plain", "overrides": {"search": {"understand": False}}}, {"name": "understood"}]},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve_interleaving(tmp_path_factory.mktemp("interleave") / "ws", DEFS) as got:
        yield got


@contextmanager
def serve_interleaving(ws, defs):
    """A demo-shop release (lexical search) with experiments ``defs``, served by the real app; yields
    (client with a read key and ``events_key``, workspace). Logs flush only when told to."""
    shop = generate(seed=7, n_products=300, n_users=200, days=30)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    settings = {"search": {"encoder": None, "ltr": "off"}}
    build_release(ws, [("catalog", build_catalog), ("search", build_search)], settings=settings, force=True)
    registry.save(ws, parse_experiments(defs))
    keys = KeyStore(ws)
    read, events = keys.add("t-read", "read"), keys.add("t-events", "events")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        c.headers["Authorization"] = f"Bearer {read}"  # read and monitor routes
        c.events_key = events
        c.app.state.interleave_log = InterleaveLog(ws, flush_seconds=3600)  # on disk = what flush() wrote
        c.app.state.exposure_log = ExposureLog(ws, flush_seconds=3600)
        yield c, ws


def ids(body) -> list[str]:
    return [h["product_id"] for h in body["hits"]]


def differing_queries(c, n: int = 3) -> list[tuple[str, list[str], list[str]]]:
    """Queries whose top 10 differs between the variants (each variant as the plain API serves it)."""
    words = ["black leather shoes under 100", "blue yoga mat", "women scarf wool", "Stride black shoes",
             "phone charger under 30", "red mini dress", "leather handbag white", "men's sneakers"]  # fmt: skip
    out = []
    for q in words:
        a = ids(c.get("/v1/search", params={"q": q, "size": 10, "understand": "false"}).json())
        b = ids(c.get("/v1/search", params={"q": q, "size": 10}).json())
        if a != b and a and b:
            out.append((q, a, b))
    assert len(out) >= 1, "no query tells the variants apart on the demo shop"
    return out[:n]


def test_interleaved_search_is_logged_credited_and_read_out(served):
    c, ws = served
    queries = differing_queries(c)
    rng = random.Random(3)
    served_lists, clicks = [], []
    for u in range(120):
        q, rank_a, rank_b = queries[u % len(queries)]
        user, session = f"shopper-{u}", f"visit-{u}"
        r = c.get("/v1/search", params={"q": q, "size": 10, "user_id": user, "session_id": session})
        body = r.json()
        assert body["experiments"] == [{"experiment": "rankers", "variant": "interleaved"}]
        shown = ids(body)
        # the same request again: the same list (the merge is seeded by salt, unit and query)
        again = c.get("/v1/search", params={"q": q, "size": 10, "user_id": user, "session_id": session})
        assert ids(again.json()) == shown
        assert set(shown) <= set(rank_a) | set(rank_b) and len(shown) == len(set(shown))
        served_lists.append((user, session, q, shown, r.headers["x-request-id"]))

    c.app.state.interleave_log.flush()
    c.app.state.exposure_log.flush()
    ex = read_exposures(ws, "rankers")
    assert ex.height == 240 and set(ex["variant"]) == {"interleaved"}
    lists = read_interleavings(ws, "rankers")
    assert lists.height == 240  # every served list, the repeats too
    first = lists.unique("request_id", keep="first", maintain_order=True)
    by_rid = {row["request_id"]: row for row in first.iter_rows(named=True)}
    wins = {"plain": 0, "understood": 0}
    for user, session, q, shown, rid in served_lists:
        row = by_rid[rid]
        assert row["items"] == shown and len(row["teams"]) == len(shown)
        assert draft_consistent(row["teams"])
        # recomputable from the log alone: team draft of the two rankings with the logged seed
        _q, rank_a, rank_b = next(x for x in queries if x[0] == q)
        want = team_draft(rank_a, rank_b, 10, random.Random(unit_hash("rankers", f"{row['unit_id']}\x1f{q}")))
        assert list(want.items) == shown and "".join("AB"[t] for t in want.teams) == row["teams"]
        # shoppers of this simulated shop prefer the understood ranker's items 3 times in 4
        team = "B" if rng.random() < 0.75 else "A"
        if team not in row["teams"]:
            continue
        item = shown[row["teams"].index(team)]
        clicks.append({"event_id": f"click-{user}", "type": "click", "user_id": user, "session_id": session,
                       "item_id": item})  # fmt: skip
        wins["understood" if team == "B" else "plain"] += 1
    # one click on a product none of that session's lists showed: counted as unattributed, credited to no one
    user, session, _q, shown, _rid = served_lists[0]
    other = next(p for _q2, a, b in queries for p in a + b if p not in shown)
    clicks.append(
        {"event_id": "stray", "type": "click", "user_id": user, "session_id": session, "item_id": other}
    )
    res = c.post("/v1/events", json={"events": clicks}, headers={"Authorization": f"Bearer {c.events_key}"})
    assert res.status_code == 200 and res.json()["accepted"] == len(clicks)

    out = CliRunner().invoke(cli, ["experiments", "readout", "rankers", "-w", str(ws), "--json"])
    assert out.exit_code == 0, out.output
    r = json.loads(out.output)
    assert r["kind"] == "interleave" and r["allocation"] == {"lists": 240, "units": 120}
    # each user clicked once, in the session's first list (the latest list showing the item is the
    # repeat, which showed the same items: the credit goes to one list per click)
    assert r["wins"]["understood"] == wins["understood"] and r["wins"]["plain"] == wins["plain"]
    assert r["wins"]["ties"] == 240 - sum(wins.values())
    assert r["checks"]["unattributed_events"] == 1 and r["checks"]["unbalanced_lists"] == 0
    assert not r["blocked"] and r["always_valid_p"] < 0.05 and r["sign_test_p"] < 0.05
    assert r["decision"].startswith("understood wins")
    assert r["by_unit"]["understood"] == wins["understood"]

    api = c.get("/v1/experiments/rankers").json()
    assert api["kind"] == "interleave" and api["readout"]["wins"] == r["wins"]
    listed = c.get("/v1/experiments").json()["experiment"][0]["readout"]
    assert listed["decision"] == r["decision"] and listed["allocation"] == r["allocation"]


def test_other_sorts_and_deep_pages_are_not_interleaved(served):
    c, ws = served
    body = c.get("/v1/search", params={"q": "chair", "user_id": "shopper-1", "sort": "price_asc"}).json()
    assert "experiments" not in body  # a price sort orders both rankers' candidates alike
    assert ids(body) == ids(c.get("/v1/search", params={"q": "chair", "sort": "price_asc"}).json())
    r = c.get("/v1/search", params={"q": "", "user_id": "shopper-1", "size": 60, "page": 2})
    assert r.status_code == 200 and len(r.json()["hits"]) == 60
    assert "experiments" not in r.json()  # past INTERLEAVE_DEPTH: the defaults, nothing logged


def test_pages_of_one_interleaved_list_do_not_repeat_items(served):
    c, _ws = served
    q = differing_queries(c, 1)[0][0]
    p = {"q": q, "user_id": "pager", "session_id": "pager-1", "size": 4}
    whole = ids(c.get("/v1/search", params={**p, "size": 12}).json())
    pages = [ids(c.get("/v1/search", params={**p, "page": k}).json()) for k in (1, 2, 3)]
    assert sum(pages, []) == whole


def _frame(rows, teams):
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    lists = pl.DataFrame(
        {
            "experiment": ["x"] * len(rows),
            "unit_id": [r[0] for r in rows],
            "session_id": [r[1] for r in rows],
            "request_id": [f"r{i}" for i in range(len(rows))],
            "kind": ["search"] * len(rows),
            "items": [r[2] for r in rows],
            "teams": teams,
            "timestamp": [t0 + timedelta(minutes=r[3]) for r in rows],
        }
    )
    return lists, t0


def test_credit_goes_to_the_latest_list_that_showed_the_item_within_the_window():
    from datetime import timedelta

    lists, t0 = _frame(
        [("u1", "s1", ["p1", "p2"], 0), ("u1", "s1", ["p3", "p1"], 5), ("u2", "s2", ["p1", "p2"], 0)],
        ["AB", "BA", "BA"],
    )
    events = pl.DataFrame(
        {
            "type": ["click", "click", "purchase", "click", "click", "view"],
            "timestamp": [t0 + timedelta(minutes=m) for m in (6, 7, 8, 45, 1, 2)],
            "user_id": ["u1", "u1", "u1", "u2", "u2", "u2"],
            "session_id": ["s1", "s1", "s1", "s2", "s2", "s2"],
            "item_id": ["p1", "p2", "p1", "p2", "p2", "p1"],
        }
    )
    c = credit_events(lists, events)
    # s1: p1 at 6' -> the list of 5' (team A there, position 1); p2 at 7' -> not in the 5' list, the
    # 0' one (team B); the purchase of p1 at 8' is the same item of the same list: credited once
    # s2: p2 at 45' is past the 30' window (unattributed); p2 at 1' -> team A; a view is no credit
    assert c.credit_a.tolist() == [0, 1, 1] and c.credit_b.tolist() == [1, 0, 0]
    assert c.outcome.tolist() == [1, 0, 0] and c.unattributed == 1


def test_a_skewed_first_pick_blocks_the_readout():
    from shopmind.experiments.definition import parse_experiment

    exp = parse_experiment(DEFS["experiment"][0], "experiment[0]")
    rows = [(f"u{i}", f"s{i}", ["p1", "p2"], i) for i in range(60)]
    lists, _ = _frame(rows, ["AB"] * 60)  # A always first: the coin is broken
    lists = lists.with_columns(pl.lit("rankers").alias("experiment"))
    empty = pl.DataFrame(schema={"type": pl.Utf8, "timestamp": pl.Datetime("us", "UTC"), "user_id": pl.Utf8,
                                 "session_id": pl.Utf8, "item_id": pl.Utf8})  # fmt: skip
    r = interleave_readout(exp, lists, empty)
    assert r.blocked and r.decision.startswith("blocked") and r.srm["mismatch"]
    fair, _ = _frame(rows, ["AB", "BA"] * 30)
    r2 = interleave_readout(exp, fair.with_columns(pl.lit("rankers").alias("experiment")), empty)
    assert not r2.blocked and r2.decision.startswith("keep running: no credited")


def test_forget_removes_a_units_interleaved_lists(tmp_path):
    from shopmind.experiments.exposure import forget

    ExposureLog(tmp_path).close()
    log = InterleaveLog(tmp_path, flush_seconds=3600)
    log.record("x", "u1", "s1", "r1", "search", ["p1", "p2"], (0, 1))
    log.record("x", "u2", "s2", "r2", "search", ["p2", "p1"], (1, 0))
    log.record("x", None, "s1", "r3", "search", ["p3"], (0,))
    log.flush()
    assert forget(tmp_path, ["u1", "s1"]) == 2
    left = read_interleavings(tmp_path)
    assert left["unit_id"].to_list() == ["u2"] and left["teams"].to_list() == ["BA"]
    with pytest.raises(ValueError, match="2 items but 1 team"):
        log.record("x", "u3", None, None, "search", ["p1", "p2"], (0,))
    log.close()


def test_draft_consistency_allows_a_ranker_running_out_and_nothing_else():
    assert (
        draft_consistent("ABBAAB")
        and draft_consistent("BAAAAA")
        and draft_consistent("")
        and draft_consistent("A")
    )
    assert draft_consistent("ABBBB")  # A had one item only
    assert not draft_consistent("AAB") and not draft_consistent("ABAAAB")


_ranking = st.lists(st.integers(0, 30).map(str), max_size=25, unique=True)


@settings(max_examples=300, deadline=None)
@given(_ranking, _ranking, st.integers(1, 20), st.integers(0, 20), st.integers(0, 2**32))
def test_team_draft_lists_are_consistent_and_page_stable(a, b, k, extra, seed):
    """Every merge is a valid draft (checkable from the log alone), never repeats an item, takes only
    the rankers' items, and a deeper merge with the same seed starts with the shallower one (so the
    pages of one interleaved list never repeat or skip an item)."""
    import random as _r

    short = team_draft(a, b, k, _r.Random(seed))
    deep = team_draft(a, b, k + extra, _r.Random(seed))
    teams = "".join("AB"[t] for t in short.teams)
    assert draft_consistent(teams)
    assert len(set(short.items)) == len(short.items) <= k
    assert set(short.items) <= set(a) | set(b)
    assert len(short.items) == min(k, len(set(a) | set(b)))
    assert deep.items[: len(short.items)] == short.items and deep.teams[: len(short.teams)] == short.teams
    for team, ranking in ((0, a), (1, b)):  # each team's picks keep its ranker's order
        mine = [i for i, t in zip(short.items, short.teams, strict=True) if t == team]
        assert mine == sorted(mine, key=ranking.index)


def test_cli_readout_errors_are_one_line(tmp_path):
    registry.save(tmp_path, parse_experiments(DEFS | {"experiment": [DEFS["experiment"][0],
        {"name": "ab", "layer": "other", "variant": [{"name": "c"}, {"name": "t"}]}]}))  # fmt: skip
    out = CliRunner().invoke(cli, ["experiments", "readout", "rankers", "-w", str(tmp_path)])
    assert out.exit_code == 2 and "no interleaved lists of 'rankers'" in out.output
    assert "Traceback" not in out.output
    out = CliRunner().invoke(cli, ["experiments", "readout", "ab", "-w", str(tmp_path)])
    # an A/B readout needs no --events any more (the live log); with no exposures it says so in one line
    assert out.exit_code == 2 and "no exposures of 'ab'" in out.output and "--exposures" in out.output
