"""Live traffic through the gate: a poisoned live event never blocks builds (issue 10.2), the
API applies the gate's own rules at write time (10.2, 18.2), operators list and purge
quarantined live entries, and a server never follows a release of another shop (18.1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.cli import app as cli_app
from shopmind.config import ISO_4217, GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.release.drain import LIVE_SOURCE, read_watermark
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.serve.schemas import EventIn, event_verdict
from shopmind.store.identity import SHOP_FILE, ShopMismatch, claim_shop, read_identity
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store
from test_serve import _shop_batch

FAST = {"search": {"encoder": None}}


def _ingest(ws: Path) -> None:
    cfg = GateConfig()
    with Store(ws) as store:
        result = run_gate(_shop_batch(), cfg, store)
        _json, html = write_report(result, ws / "reports", store)
        publish(result, store, cfg, str(html))


def _build(ws: Path, **kw) -> dict:
    return build_release(ws, default_components(), settings=FAST, cache_dir=ws / "cache", **kw)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("live")
    _ingest(ws)
    _build(ws)
    return ws


def _ev(i: int, **kw) -> dict:
    ts = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return {"event_id": f"lv{i}", "type": "view", "user_id": f"lu{i % 3}", "item_id": f"P{i % 50}",
            "timestamp": ts, **kw}  # fmt: skip


def test_a_poisoned_live_event_is_quarantined_and_never_blocks_a_build(workspace):
    """Before: six events with currency 'XXX' among 20 crossed EVT_CURRENCY_UNKNOWN's error
    threshold, the drain was held, its watermark never moved and every later build was
    refused. Now those rows are quarantined one by one, the rest drains, an alert is raised."""
    log = EventLog(workspace)
    good = [_ev(i) for i in range(14)]
    poisoned = [_ev(90 + i, type="purchase", price=5.0, currency="XXX") for i in range(6)]
    seqs, _ = log.append_events([*good, *poisoned])  # written past the API's check
    log.close()
    manifest = _build(workspace)
    assert read_watermark(workspace)["events"] == seqs[-1]  # the watermark moved past them
    drain = manifest["live_drain"]
    assert drain["quarantined"] == 6 and drain["accepted"] == 14
    assert [a["code"] for a in drain["alerts"]] == ["EVT_CURRENCY_UNKNOWN"]
    with Store(workspace, read_only=True) as store:
        ids = set(store.table("events")["event_id"].to_list())
        run = store.run(drain["run_id"])
    assert {e["event_id"] for e in good} <= ids and not ids & {e["event_id"] for e in poisoned}
    assert run["status"] == "published"
    summary = json.loads(run["summary"]) if isinstance(run["summary"], str) else run["summary"]
    assert [a["code"] for a in summary["meta"]["alerts"]] == ["EVT_CURRENCY_UNKNOWN"]
    listed = EventLog(workspace).quarantined()
    assert [(q["kind"], q["seq"], q["key"], q["codes"]) for q in listed] == [
        ("events", s, e["event_id"], ["EVT_CURRENCY_UNKNOWN"])
        for s, e in zip(seqs[14:], poisoned, strict=True)
    ]
    assert listed[0]["payload"]["currency"] == "XXX" and listed[0]["run_id"] == drain["run_id"]
    # the next build is not refused and drains nothing again
    again = _build(workspace)
    assert again["live_drain"]["run_id"] is None and again["log_drained"]["events"] == seqs[-1]


def test_live_quarantine_and_purge_commands(workspace):
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["live", "quarantine", "-w", str(workspace), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert [r["key"] for r in rows] == [f"lv{90 + i}" for i in range(6)]
    dry = runner.invoke(cli_app, ["live", "purge", "--code", "EVT_CURRENCY_UNKNOWN", "-w", str(workspace)])
    assert dry.exit_code == 2 and "--yes" in dry.output and "Traceback" not in dry.output
    assert len(EventLog(workspace).quarantined()) == 6  # nothing removed without --yes
    bad = runner.invoke(cli_app, ["live", "purge", "--code", "NOPE", "--yes", "-w", str(workspace)])
    assert bad.exit_code == 2 and "unknown check code" in bad.output
    both = runner.invoke(
        cli_app, ["live", "purge", "--seq", str(rows[0]["seq"]), "--all", "--yes", "-w", str(workspace)]
    )  # which one was meant is unknowable, and a purge cannot be undone
    assert both.exit_code == 2 and "--all" in both.output and "--seq" in both.output, both.output
    assert len(EventLog(workspace).quarantined()) == 6
    accepted_seq = EventLog(workspace).events_after(0)[0][0]
    not_q = runner.invoke(
        cli_app, ["live", "purge", "--seq", str(accepted_seq), "--yes", "-w", str(workspace)]
    )
    assert not_q.exit_code == 2 and "not quarantined" in not_q.output
    one = runner.invoke(
        cli_app, ["live", "purge", "--seq", str(rows[0]["seq"]), "--yes", "-w", str(workspace)]
    )
    assert one.exit_code == 0 and "purged 1 events" in one.output, one.output
    assert len(EventLog(workspace).quarantined()) == 5
    rest = runner.invoke(
        cli_app, ["live", "purge", "--code", "EVT_CURRENCY_UNKNOWN", "--yes", "-w", str(workspace)]
    )
    assert rest.exit_code == 0 and "purged 5 events" in rest.output, rest.output
    log = EventLog(workspace)
    left = {s for s, _e in log.events_after(0)}
    assert log.quarantined() == [] and not left & {r["seq"] for r in rows}
    assert accepted_seq in left  # accepted entries stay


@pytest.fixture(scope="module")
def client(workspace):
    key = KeyStore(workspace).add("live-test", "write")
    with TestClient(create_app(workspace, {"poll_seconds": 60})) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def test_the_api_rejects_what_the_gate_would_quarantine_with_the_gates_code(client):
    body = {"events": [_ev(200, type="purchase", price=3.0, currency="XXX"), _ev(201, currency="EUR")]}
    r = client.post("/v1/events", json=body)
    assert r.status_code == 200
    out = r.json()
    assert out["accepted"] == 1
    assert [(x["index"], x["field"], x["code"]) for x in out["rejected"]] == [
        (0, "currency", "EVT_CURRENCY_UNKNOWN")
    ]
    alone = client.post("/v1/events", json={"events": [_ev(202, rating=9.0, type="rate")]})
    assert alone.status_code == 422 and alone.json()["rejected"][0]["code"] == "EVT_RATING_RANGE"


def test_an_event_for_an_unknown_product_is_rejected_at_write_time(client):
    """18.2: was answered "accepted" and quarantined only at the next build."""
    r = client.post("/v1/events", json={"events": [_ev(300, item_id="NO-SUCH-PRODUCT"), _ev(301)]})
    out = r.json()
    assert out["accepted"] == 1 and out["rejected"][0]["code"] == "EVT_ITEM_UNKNOWN"
    assert out["rejected"][0]["field"] == "item_id"
    # a product created through the API is known to the next event at once
    assert (
        client.put(
            "/v1/products/LIVE-NEW", json={"title": "Oak shelf", "price": 20, "currency": "USD"}
        ).status_code
        == 200
    )
    ok = client.post("/v1/events", json={"events": [_ev(302, item_id="LIVE-NEW")]}).json()
    assert ok["accepted"] == 1 and ok["rejected"] == []


def test_unknown_items_flag_policy_accepts_and_says_so():
    rec = EventIn.model_validate(_ev(1, item_id="ghost")).record()
    assert event_verdict(rec, {"P1": {}}, GateConfig(unknown_items="flag")) == ([], ["EVT_ITEM_UNKNOWN"])
    reasons, flags = event_verdict(rec, {"P1": {}}, GateConfig())
    assert [r["code"] for r in reasons] == ["EVT_ITEM_UNKNOWN"] and flags == []
    assert event_verdict(rec, None, GateConfig()) == ([], [])  # nothing served: the gate decides


# ---- one definition: the API's verdict is the gate's, row for row ----------------------------

_ROW_LOCAL = {"EVT_USER_MISSING", "EVT_QTY_SIGN", "EVT_PRICE_NONPOSITIVE", "EVT_CURRENCY_UNKNOWN",
              "EVT_RATING_RANGE", "EVT_ITEM_UNKNOWN"}  # fmt: skip
_CATALOG = {f"P{i}": {} for i in range(5)}

event_st = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["view", "click", "add_to_cart", "remove_from_cart", "purchase", "return", "rate"]),
        "user_id": st.one_of(st.none(), st.sampled_from(["u1", "u2"])),
        "session_id": st.just("s1"),
        "item_id": st.sampled_from(["P0", "P1", "P4", "GHOST"]),
        "quantity": st.one_of(st.none(), st.integers(-3, 3)),
        "price": st.one_of(st.none(), st.sampled_from([0.0, 2.5, 10.0])),
        "currency": st.one_of(st.none(), st.sampled_from(["USD", "EUR", "XXX", "ABC"])),
        "rating": st.one_of(st.none(), st.sampled_from([0.0, 1.0, 3.5, 5.0, 7.0])),
    }
)  # fmt: skip


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event_st, min_size=1, max_size=8))
def test_write_time_verdict_equals_the_gates_row_verdict(events):
    """For every generated event, the codes the API rejects/flags with are exactly the gate's
    row-local codes for that row (the gate is run on the same rows with the same catalog)."""
    base = datetime(2026, 11, 1, tzinfo=UTC)
    recs = []
    for i, e in enumerate(events):
        raw = {**e, "event_id": f"h{i}", "timestamp": (base + timedelta(hours=i)).isoformat()}
        recs.append(EventIn.model_validate(raw).record())
    cfg = GateConfig()
    products = pl.DataFrame({"product_id": list(_CATALOG), "title": [f"thing {p}" for p in _CATALOG],
                             "price": [5.0] * 5, "currency": ["USD"] * 5})  # fmt: skip
    frame = pl.DataFrame([{k: None if v is None else str(v) for k, v in r.items()} for r in recs],
                         infer_schema_length=None)  # fmt: skip
    result = run_gate(Batch("prop", products=products, events=frame), cfg, None)
    gate_codes: dict[int, set[str]] = {i: set() for i in range(len(recs))}
    q = result.tables["events"].quarantine
    for row in q.iter_rows(named=True):
        gate_codes[row["row_no"]] |= set(row["codes"]) & _ROW_LOCAL
    acc = result.tables["events"].accepted
    for row in acc.iter_rows(named=True):
        gate_codes[row["_row"]] |= set(row["_flags"] or []) & _ROW_LOCAL
    for i, r in enumerate(recs):
        reasons, flags = event_verdict(r, _CATALOG, cfg)
        assert {x["code"] for x in reasons} | set(flags) == gate_codes[i], (r, gate_codes[i])


def test_currencies_come_from_the_gates_list():
    for code in sorted(ISO_4217)[:5]:
        rec = EventIn.model_validate(_ev(1, currency=code)).record()
        assert event_verdict(rec, None) == ([], [])


# ---- shop identity ----------------------------------------------------------------------------


def test_releases_carry_the_shop_and_a_server_never_follows_another_shops_release(tmp_path):
    ws = tmp_path / "shop"
    ws.mkdir()
    _ingest(ws)
    first = _build(ws)
    ident = read_identity(ws)
    assert first["shop"]["id"] == ident["id"]
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
        assert c.get("/readyz").json()["release"] == first["id"]
        # the workspace is recreated for another shop under the running server
        (ws / SHOP_FILE).write_text(json.dumps({"id": "another-shop", "dataset": "online-retail"}))
        other = _build(ws)
        assert other["shop"]["id"] == "another-shop"
        assert c.app.state.shop.refresh() is False
        ready = c.get("/readyz").json()
        assert ready["release"] == first["id"] and "another shop" in ready["reason"]


def test_a_workspace_made_for_one_dataset_refuses_another(tmp_path):
    claim_shop(tmp_path / "w", "demo")
    assert claim_shop(tmp_path / "w", "demo")["dataset"] == "demo"
    with pytest.raises(ShopMismatch, match="online-retail"):
        claim_shop(tmp_path / "w", "online-retail")


def test_live_runs_do_not_hide_a_held_batch(tmp_path):
    """A drain is recorded as a run too, and never held; a build must still refuse when the
    newest *batch* run was held (the drain's published run used to be "the latest run")."""
    from shopmind.release.build import latest_run
    from shopmind.release.drain import drain_live_log
    from shopmind.release.releases import ReleaseError

    ws = tmp_path / "w"
    ws.mkdir()
    _ingest(ws)
    bad = _shop_batch(1).products.with_columns(pl.lit("ZZZ").alias("currency"))
    cfg = GateConfig()
    with Store(ws) as store:
        held = run_gate(Batch("bad-feed", products=bad), cfg, store)
        assert held.held
        publish(held, store, cfg, None)
    log = EventLog(ws)
    log.append_events([_ev(i) for i in range(3)])
    log.close()
    drained = drain_live_log(ws)
    assert drained.run_id is not None
    with Store(ws, read_only=True) as store:
        assert store.runs(limit=1).row(0, named=True)["source"] == LIVE_SOURCE
        assert latest_run(store)["run_id"] == held.run_id
    with pytest.raises(ReleaseError, match="held"):
        _build(ws)


def test_demo_refuses_to_mix_a_second_dataset_into_a_workspace(tmp_path):
    """18.1: `make demo` then `make demo DATASET=online-retail` into one workspace made a mixed
    shop; the Makefile now gives each dataset its own workspace and `demo` refuses another's."""
    ws = tmp_path / "w"
    claim_shop(ws, "demo")
    (tmp_path / "online-retail").mkdir()  # the dataset's folder exists; the workspace is the problem
    r = CliRunner().invoke(
        cli_app,
        ["demo", "--dataset", "online-retail", "--workspace", str(ws), "--data", str(tmp_path), "--no-serve"],
    )
    assert r.exit_code == 2 and "holds the shop of dataset 'demo'" in r.output and "Traceback" not in r.output
    assert not (ws / "shopmind.duckdb").exists()  # nothing was ingested
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "WORKSPACE ?= $(WORKSPACES)/$(DATASET)" in makefile
