"""Privacy by default (issue 15 item 6): a workspace made with no ``[privacy]`` setting pseudonymises
every id where it enters — batch ingest (the quarantine too), ``/v1/events``, recommendations,
profiles, search and experiment assignment, the assistant's customer and conversation — and after
ingest + live events + build + serve no raw customer or session id is left in any table, artefact
or log of the workspace; recommendations still personalise, assignment stays sticky, the
assistant still answers the owner of an order. A workspace whose store predates the default
keeps raw ids and says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import shopmind.demo.generator as G
from shopmind.cli import app
from shopmind.data.model import Batch
from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import read_exposures
from shopmind.privacy import (
    POLICY_FILE,
    WITHHELD,
    holds_ids,
    ingest_policy,
    is_pseudonym,
    policy_notice,
    pseudonymise,
    pseudonymise_batch,
    pseudonymise_frame,
    pseudonymise_record,
    read_policy,
    serving_policy,
    workspace_secret,
)
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store
from test_forget import traces

KEY = b"p" * 32
SETTINGS = {"search": {"encoder": None, "ltr": "off"}, "recs": {"encoder": None}}
DEFS = {
    "experiment": [
        {"name": "understanding", "layer": "search", "status": "running", "traffic": 1.0,
         "variant": [{"name": "control"}, {"name": "raw", "overrides": {"search": {"understand": False}}}]},
    ]
}  # fmt: skip
ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


# ------------------------------------------------------------------ properties of the pieces
@settings(max_examples=200, deadline=None)
@given(user=ids, session=ids)
def test_a_pseudonymised_event_holds_no_raw_id_and_stays_put(user, session):
    rec = pseudonymise_record({"user_id": user, "session_id": session, "item_id": "P1"}, KEY)
    for field, raw in (("user_id", user), ("session_id", session)):
        if raw.strip():
            assert is_pseudonym(rec[field])
            assert rec[field] == pseudonymise(raw.strip(), KEY)  # the same handle every route uses
    assert pseudonymise_record(rec, KEY) == rec  # re-ingesting a pseudonymised row changes nothing
    assert rec["item_id"] == "P1"


@settings(max_examples=50, deadline=None)
@given(users=st.lists(ids, min_size=1, max_size=8), raw_line=ids)
def test_a_pseudonymised_batch_holds_no_raw_id(users, raw_line):
    frame = pl.DataFrame({"user_id": users, "session_id": [u + "-s" for u in users]})
    batch = Batch(
        "t",
        events=frame,
        meta={
            "malformed": [{"table": "events", "line": 7, "raw": raw_line, "reason": "3 fields, 6 expected"}]
        },
    )
    out = pseudonymise_batch(batch, KEY)
    for col in ("user_id", "session_id"):
        values = out.events[col].to_list()
        assert all(v is None or v == "" or is_pseudonym(v) for v in values)
    (m,) = out.meta["malformed"]
    assert m["raw"] == WITHHELD.format(n=len(raw_line)) and m["line"] == 7  # the line to fix
    assert pseudonymise_frame(out.events, KEY).equals(out.events)  # idempotent


def test_a_new_workspace_pseudonymises_an_old_store_keeps_raw_ids_and_says_so(tmp_path):
    new = tmp_path / "new"
    assert not holds_ids(new) and serving_policy(new) is True and read_policy(new) is True
    assert policy_notice(new) is None
    old = tmp_path / "old"
    Store(old).close()  # a store filled before privacy by default (no recorded decision)
    assert serving_policy(old) is False
    assert json.loads((old / POLICY_FILE).read_text()) == {"pseudonymise_ids": False, "legacy": True}
    assert "stores raw customer ids" in (policy_notice(old) or "")
    assert ingest_policy(old, False, new_workspace=False) is False  # the shop makes raw ids its choice
    assert policy_notice(old) is None and read_policy(old) is False
    api_only = tmp_path / "api"  # a server logged raw events before any decision existed
    log = EventLog(api_only)
    log.append_events([{"event_id": "e1", "type": "view", "user_id": "u1"}], None, None)
    log.close()
    assert holds_ids(api_only) and serving_policy(api_only) is False


def test_an_api_only_shop_decides_on_its_first_event_not_on_a_read(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    key = KeyStore(ws).add("e", "events")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        r = c.get("/v1/experiments/assignment", params={"user_id": "zq-api-user"})
        assert r.status_code == 200
        assert read_policy(ws) is None  # a read hashes as the default would, and decides nothing
        ev = {"event_id": "a1", "type": "view", "user_id": "zq-api-user", "session_id": "zq-api-s",
              "item_id": "P1", "timestamp": "2026-10-30T10:00:00Z"}  # fmt: skip
        r = c.post("/v1/events", json={"events": [ev]}, headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
    assert read_policy(ws) is True
    assert traces(ws, {"zq-api-user", "zq-api-s"}) == []
    assert traces(ws, {pseudonymise("zq-api-user", workspace_secret(ws))})  # logged as its pseudonym


def test_a_server_on_an_old_store_says_so_at_start(tmp_path, caplog):
    ws = tmp_path / "ws"
    Store(ws).close()  # filled before privacy by default: no decision recorded
    with caplog.at_level("WARNING", logger="shopmind.serve"):
        create_app(ws)
    assert any("stores raw customer ids" in r.getMessage() for r in caplog.records)
    assert read_policy(ws) is False
    empty = tmp_path / "empty"
    empty.mkdir()
    create_app(empty)
    assert read_policy(empty) is None  # nothing held: the first event decides


def test_ingest_into_an_old_store_keeps_raw_ids_with_a_one_line_note(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    pl.DataFrame(
        {"event_id": ["E1"], "type": ["view"], "timestamp": ["2026-10-01T10:00:00Z"], "user_id": ["cust-1"],
         "session_id": ["s1"], "item_id": ["P1"]}
    ).write_csv(data / "events.csv")  # fmt: skip
    ws = tmp_path / "ws"
    Store(ws).close()
    r = CliRunner().invoke(app, ["ingest", str(data), "-w", str(ws), "--force"])
    assert r.exit_code == 0, r.output
    assert "stores raw customer ids" in " ".join(r.output.split())  # one line, wrapped by the terminal
    with Store(ws, read_only=True) as s:
        assert s.con.execute("SELECT user_id FROM events").fetchall() == [("cust-1",)]


# ------------------------------------------------------------------ the whole path


def _ingest(ws: Path, data: Path) -> None:
    # no --config, no [privacy]: the default decides
    r = CliRunner().invoke(app, ["ingest", str(data), "--format", "canonical", "-w", str(ws), "--force"])
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy-default")
    ws, data = root / "ws", root / "data"
    gen = G.generate(seed=5, n_products=150, n_users=40, days=20, defect_rate=0.02)
    G.write(gen, data)
    # the busiest customer: a profile, recommendations of their own
    user = gen.batch.events["user_id"].drop_nulls().value_counts(sort=True)["user_id"][0]
    _ingest(ws, data)
    # a second batch: a quarantined row naming the customer (their e-mail in the query) and a
    # line that cannot be parsed (one field too many) naming them too
    bad = root / "bad"
    bad.mkdir()
    header = "event_id,type,timestamp,user_id,session_id,item_id,query"
    (bad / "events.csv").write_text(
        f"{header}\nX1,teleport,2026-10-20T10:00:00Z,{user},S-bad-7,P00001,mail u7@example.com\n"
        f"X2,view,2026-10-20T10:00:00Z,{user},S-bad-7,P00002,,one too many\n",
        encoding="utf-8",
    )
    _ingest(ws, bad)
    build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")
    registry.save(ws, parse_experiments(DEFS))
    key = workspace_secret(ws)
    base = ws / "assistant"
    base.mkdir(exist_ok=True)
    from shopmind.demo.assistant import ORDER_SCHEMA

    pid = gen.batch.products["product_id"][0]
    pl.DataFrame(  # the shop's orders, customer ids pseudonymised like everything else
        [{"order_id": "W700001", "customer_id": pseudonymise(user, key), "status": "delivered",
          "placed_at": datetime(2026, 10, 1, tzinfo=UTC), "shipped_at": datetime(2026, 10, 2, tzinfo=UTC),
          "delivered_at": datetime(2026, 10, 4, tzinfo=UTC), "returned_at": None,
          "items": [{"product_id": pid, "quantity": 1, "price": 9.5, "currency": "USD"}]}],
        schema=ORDER_SCHEMA,
    ).write_parquet(base / "orders.parquet")  # fmt: skip
    keys = KeyStore(ws)
    k = {s: keys.add(f"t-{s}", s) for s in ("admin", "events", "write")}
    served: dict = {}
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        h = {"X-API-Key": k["events"]}
        ev = {"event_id": "live-1", "type": "view", "user_id": "zq-newcomer", "session_id": "zq-sess-1",
              "item_id": pid, "timestamp": "2026-10-30T10:00:00Z"}  # fmt: skip
        assert c.post("/v1/events", json={"events": [ev]}, headers=h).status_code == 200
        ev2 = {**ev, "event_id": "live-2", "user_id": user, "session_id": "zq-sess-7"}
        assert c.post("/v1/events", json={"events": [ev2]}, headers=h).status_code == 200
        served["recs"] = c.get(f"/v1/users/{user}/recommendations", params={"k": 10}).json()
        served["cold"] = c.get("/v1/users/zq-nobody/recommendations", params={"k": 10}).json()
        served["profile"] = c.get(f"/v1/users/{user}/profile", headers={"X-API-Key": k["admin"]}).json()
        served["search"] = [
            (u, c.get("/v1/search", params={"q": "lamp", "user_id": u, "session_id": f"zq-s-{u}"}).json())
            for u in (user, "U0003", "U0011", "zq-newcomer")
        ]
        served["assign"] = {
            u: c.get("/v1/experiments/assignment", params={"user_id": u}).json() for u, _ in served["search"]
        }
        w = {"X-API-Key": k["write"]}
        ask = {"conversation_id": "zq-conv-7", "customer_id": user}
        served["order"] = c.post("/v1/assistant", json={**ask, "message": "where is order W700001?"}, headers=w).json()  # fmt: skip
        served["other"] = c.post(
            "/v1/assistant",
            json={**ask, "customer_id": "U0003", "message": "where is order W700001?"},
            headers=w,
        ).json()
        served["handoff"] = c.post(  # out of scope: handed off (a new conversation: no follow-up)
            "/v1/assistant",
            json={**ask, "conversation_id": "zq-conv-8",
                  "message": "what will the weather be tomorrow? mail me at u7@example.com or call +44 20 7946 0958"},
            headers=w,
        ).json()  # fmt: skip
        c.app.state.exposure_log.flush()
        c.app.state.assistant_turns.flush()
    build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")  # drains the log
    users = set(gen.batch.events["user_id"].drop_nulls().to_list()) | {"zq-newcomer"}
    sessions = set(gen.batch.events["session_id"].drop_nulls().to_list())
    sessions |= {"S-bad-7", "zq-sess-1", "zq-sess-7", "zq-conv-7", "zq-conv-8"} | {
        f"zq-s-{u}" for u, _ in served["search"]
    }
    return ws, user, users, sessions, served


def test_no_raw_id_is_left_anywhere_after_ingest_events_build_and_serve(shop):
    ws, user, users, sessions, _served = shop
    key = workspace_secret(ws)
    assert read_policy(ws) is True
    raw = {u for u in users if len(u) >= 5} | {s for s in sessions if len(s) >= 5}
    assert len(raw) > 100  # every customer and session of the shop, not a handful
    assert traces(ws, raw) == []
    # and the scanner does see the pseudonyms (the proof is not vacuous): store, log, models,
    # quarantine, exposures, assistant turn log and hand-offs
    handles = {pseudonymise(user, key), pseudonymise("zq-conv-7", key)}
    where = {f.split("/")[0] for f, _t in traces(ws, handles)}
    assert {"shopmind.duckdb", "live.sqlite", "releases", "exposures.sqlite", "assistant"} <= where, where
    with Store(ws, read_only=True) as s:
        (payloads,) = zip(
            *s.con.execute("SELECT CAST(payload AS VARCHAR) FROM quarantine").fetchall(), strict=True
        )
    text = "\n".join(payloads)
    assert pseudonymise(user, key) in text and WITHHELD.format(n=0)[:10] in text


def test_the_pseudonym_is_enough_to_fix_and_reingest_a_quarantined_row(shop, tmp_path):
    ws, user, *_ = shop
    key = workspace_secret(ws)
    with Store(ws, read_only=True) as s:
        rows = s.con.execute("SELECT CAST(payload AS VARCHAR) FROM quarantine").fetchall()
    row = next(json.loads(p) for (p,) in rows if '"teleport"' in p)
    row.update(type="view", event_id="X1-fixed")  # the operator's fix
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    pl.DataFrame([row]).select("event_id", "type", "timestamp", "user_id", "session_id", "item_id").write_csv(
        fixed / "events.csv"
    )
    _ingest(ws, fixed)
    with Store(ws, read_only=True) as s:
        got = s.con.execute("SELECT user_id, session_id FROM events WHERE event_id = 'X1-fixed'").fetchall()
    # the same customer and session as their other events: not hashed again, not split
    assert got == [(pseudonymise(user, key), pseudonymise("S-bad-7", key))]


def test_recommendations_and_profiles_personalise_by_the_shops_own_id(shop):
    ws, user, _users, _sessions, served = shop
    key = workspace_secret(ws)
    recs, cold = served["recs"], served["cold"]
    # personalised: the pseudonymised history is found by the shop's own id (not the cold start)
    assert recs["items"] and [i["item_id"] for i in recs["items"]] != [i["item_id"] for i in cold["items"]]
    assert served["profile"]["user_id"] == user and served["profile"]["pseudonym"] == pseudonymise(user, key)
    assert served["profile"]["rfm"]["frequency"] is not None


def test_assignment_is_sticky_across_routes_and_exposures_join_the_events(shop):
    ws, _user, _users, _sessions, served = shop
    key = workspace_secret(ws)
    assigner = Assigner(registry.load(ws))
    for u, body in served["search"]:
        handle = pseudonymise(u, key)
        expected = assigner.assign(handle)[0].variant  # the pseudonym is what is hashed
        assert body["experiments"] == [{"experiment": "understanding", "variant": expected}]
        assert served["assign"][u]["assignments"][0]["variant"] == expected
    ex = read_exposures(ws, "understanding").filter(pl.col("kind") == "search")
    assert set(ex["unit_id"]) == {pseudonymise(u, key) for u, _ in served["search"]}
    assert set(ex["session_id"]) == {pseudonymise(f"zq-s-{u}", key) for u, _ in served["search"]}


def test_the_assistant_answers_the_owner_and_masks_hand_offs(shop):
    ws, _user, _users, _sessions, served = shop
    key = workspace_secret(ws)
    assert served["order"]["citations"] == [{"type": "order", "id": "W700001"}]
    assert "delivered" in served["order"]["answer"]
    assert served["other"]["citations"] == [] and "delivered" not in served["other"]["answer"]
    assert served["handoff"]["handoff"]
    (rec,) = [json.loads(line) for line in (ws / "assistant" / "handoffs.jsonl").read_text().splitlines()]
    assert rec["conversation_id"] == pseudonymise("zq-conv-8", key)
    assert "u7@example.com" not in rec["message"] and "7946" not in rec["message"]
    assert "u***@***.com" in rec["message"] and "what will the weather be tomorrow?" in rec["message"]
