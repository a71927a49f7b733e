"""The campaign API and CLI (issue 16 item 2): admin scope, validation naming the field, persistence
in the workspace (survives a restart; a failed write leaves nothing), settings, ``shopmind ads``."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ads_util import campaign, demo_workspace
from shopmind.ads.ledger import AdsLedger
from shopmind.cli import app as cli_app
from shopmind.privacy import workspace_secret
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return demo_workspace(tmp_path_factory.mktemp("ads-api") / "ws")


@pytest.fixture(scope="module")
def keys(ws):
    ks = KeyStore(ws)
    return {s: {"Authorization": f"Bearer {ks.add(f'ads-{s}', s)}"} for s in ("read", "admin")}


@pytest.fixture(scope="module")
def client(ws):
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c


@pytest.fixture(scope="module")
def pids(client):
    return sorted(client.app.state.shop.current.products.keys())


def test_crud_roundtrip_needs_admin(client, keys, pids):
    body = campaign("crud-1", pids[:2], keywords=["lamp"], schedule={"hours": [0, 24]})
    assert client.post("/v1/ads/campaigns", json=body).status_code == 401
    assert client.post("/v1/ads/campaigns", json=body, headers=keys["read"]).status_code == 403
    r = client.post("/v1/ads/campaigns", json=body, headers=keys["admin"])
    assert r.status_code == 201, r.text
    assert r.json()["products"] == pids[:2] and r.json()["status"] == "active"
    assert client.get("/v1/ads/campaigns/crud-1", headers=keys["admin"]).json()["bid"] == 0.5
    r = client.patch("/v1/ads/campaigns/crud-1", json={"status": "paused", "bid": 0.8}, headers=keys["admin"])
    assert r.status_code == 200 and r.json()["status"] == "paused" and r.json()["bid"] == 0.8
    assert r.json()["keywords"] == ["lamp"]  # untouched fields kept
    listed = client.get("/v1/ads/campaigns", headers=keys["admin"]).json()["campaigns"]
    assert "crud-1" in [c["id"] for c in listed]
    assert client.delete("/v1/ads/campaigns/crud-1", headers=keys["admin"]).status_code == 200
    r = client.get("/v1/ads/campaigns/crud-1", headers=keys["admin"])
    assert r.status_code == 404 and r.json()["error"]["field"] == "campaign_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bid": -1}, "campaign.bid"),
        ({"bid": 5, "daily_budget": 2}, "campaign.daily_budget"),
        ({"products": ["no-such-product"]}, "campaign.products[0]"),
        ({"keywords": [], "categories": []}, "campaign.keywords"),
        ({"colour": "red"}, "campaign.colour"),
        ({"schedule": {"hours": [20, 8]}}, "campaign.schedule.hours"),
        ({"status": "running"}, "campaign.status"),
        ({"id": "has space"}, "campaign.id"),
    ],
)
def test_invalid_campaign_is_422_naming_the_field(client, keys, pids, change, field):
    body = {**campaign("bad-1", pids[:1], keywords=["lamp"]), **change}
    r = client.post("/v1/ads/campaigns", json=body, headers=keys["admin"])
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field and r.json()["error"]["code"] == "invalid_campaign"
    assert client.get("/v1/ads/campaigns/bad-1", headers=keys["admin"]).status_code == 404


def test_duplicate_id_is_409_and_patch_checks_the_whole_result(client, keys, pids):
    body = campaign("dup-1", pids[:1], keywords=["lamp"], daily_budget=10)
    assert client.post("/v1/ads/campaigns", json=body, headers=keys["admin"]).status_code == 201
    r = client.post("/v1/ads/campaigns", json=body, headers=keys["admin"])
    assert r.status_code == 409 and r.json()["error"]["field"] == "id"
    r = client.patch("/v1/ads/campaigns/dup-1", json={"bid": 20}, headers=keys["admin"])  # above the budget
    assert r.status_code == 422 and r.json()["error"]["field"] == "campaign.daily_budget"
    assert client.get("/v1/ads/campaigns/dup-1", headers=keys["admin"]).json()["bid"] == 0.5  # unchanged
    r = client.patch("/v1/ads/campaigns/dup-1", json={"id": "other"}, headers=keys["admin"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "campaign.id"
    assert client.post("/v1/ads/campaigns", content=b"x", headers=keys["admin"]).status_code == 415


_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 100), st.floats(allow_nan=True), st.text(max_size=8),
    st.lists(st.text(max_size=6), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    patch=st.dictionaries(
        st.sampled_from(
            [
                "advertiser",
                "products",
                "keywords",
                "categories",
                "bid",
                "daily_budget",
                "schedule",
                "status",
                "brand",
                "extra",
            ]
        ),  # fmt: skip
        _values,
        max_size=3,
    )
)
def test_any_body_is_created_whole_or_refused_naming_a_field(client, keys, pids, patch):
    """Never a 500, never a half-written campaign: 201 with exactly what was sent, or a 4xx that
    names a field of the body and writes nothing."""
    body = {**campaign("hyp-1", pids[:1], keywords=["lamp"]), **patch}
    try:
        payload = json.dumps(body, allow_nan=False).encode()
    except ValueError:
        return  # NaN/inf are not JSON: a client can not send them
    r = client.post(
        "/v1/ads/campaigns", content=payload, headers={**keys["admin"], "Content-Type": "application/json"}
    )
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        got = client.get("/v1/ads/campaigns/hyp-1", headers=keys["admin"]).json()
        assert got["products"] and got["bid"] <= got["daily_budget"]
        client.delete("/v1/ads/campaigns/hyp-1", headers=keys["admin"])
    else:
        field = r.json()["error"]["field"]
        assert field.startswith("campaign.") and field.split(".")[1].split("[")[0] in {*body, "keywords"}
        assert client.get("/v1/ads/campaigns/hyp-1", headers=keys["admin"]).status_code == 404


def test_settings_validated_and_off_by_default(client, keys):
    s = client.get("/v1/ads/settings", headers=keys["admin"]).json()
    assert s["enabled"] is False
    for body, field in (({"enabled": "yes"}, "ads.enabled"), ({"max_slots": 5}, "ads.max_slots"),
                        ({"floor": 2}, "ads.floor"), ({"traffic": [1] * 23}, "ads.traffic"),
                        ({"nope": 1}, "ads.nope")):  # fmt: skip
        r = client.put("/v1/ads/settings", json=body, headers=keys["admin"])
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (body, r.text)
    assert client.get("/v1/ads/settings", headers=keys["admin"]).json() == s  # nothing half-applied
    assert client.put("/v1/ads/settings", json={"enabled": True}, headers=keys["read"]).status_code == 403


def test_campaigns_survive_a_restart_and_a_failed_batch_writes_nothing(ws, pids):
    ledger = AdsLedger(ws, workspace_secret(ws))
    ledger.create([campaign("keep-1", pids[:1], keywords=["chair"])])
    before = [c.id for c in ledger.campaigns()]
    with pytest.raises(ValueError, match=r"campaigns\[1\]\.bid"):
        ledger.create(
            [campaign("new-a", pids[:1], keywords=["x"]), campaign("new-b", pids[:1], keywords=["x"], bid=0)]
        )
    with pytest.raises(
        ValueError, match=r"campaigns\[1\]\.id"
    ):  # the second id exists: the first is not kept
        ledger.create(
            [campaign("new-c", pids[:1], keywords=["x"]), campaign("keep-1", pids[:1], keywords=["x"])]
        )
    ledger.close()
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:  # a fresh server process' view
        admin = {"Authorization": f"Bearer {KeyStore(ws).add('ads-restart', 'admin')}"}
        ids = [x["id"] for x in c.get("/v1/ads/campaigns", headers=admin).json()["campaigns"]]
    assert ids == before and "keep-1" in ids


def test_cli_create_list_pause(ws, pids, tmp_path):
    runner = CliRunner()
    toml = tmp_path / "c.toml"
    toml.write_text(
        f'[[campaign]]\nid = "cli-1"\nadvertiser = "Acme"\nproducts = ["{pids[3]}"]\nkeywords = ["lamp"]\n'
        "bid = 0.3\ndaily_budget = 9\n",
        encoding="utf-8",
    )
    r = runner.invoke(cli_app, ["ads", "create", str(toml), "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["ads", "pause", "cli-1", "--workspace", str(ws)])
    assert r.exit_code == 0 and "cli-1: paused" in r.output
    ledger = AdsLedger(ws, workspace_secret(ws))
    assert ledger.get("cli-1").status == "paused"
    r = runner.invoke(cli_app, ["ads", "list", "--workspace", str(ws)])
    assert r.exit_code == 0 and "cli-1" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([campaign("cli-2", ["nope"], keywords=["x"])]), encoding="utf-8")
    r = runner.invoke(cli_app, ["ads", "create", str(bad), "--workspace", str(ws)])
    said = "".join(r.output.split())  # the file and the campaign named (t1w, session 32)
    assert r.exit_code == 2 and "bad.json:campaign[0].products[0]" in said and "Traceback" not in r.output
    r = runner.invoke(cli_app, ["ads", "pause", "nope", "--workspace", str(ws)])
    assert r.exit_code == 2 and "no campaign 'nope'" in r.output
    shop = tmp_path / "shop.toml"
    shop.write_text("[ads]\nmax_slots = 7\n", encoding="utf-8")
    r = runner.invoke(cli_app, ["ads", "settings", "--config", str(shop), "--workspace", str(ws)])
    assert r.exit_code == 2 and "ads.max_slots" in r.output
    assert ledger.settings().enabled is False


def test_cli_demo_turns_ads_on_with_two_campaigns_that_serve(ws):
    """Last in this module: it switches ads on for the workspace."""
    runner = CliRunner()
    r = runner.invoke(cli_app, ["ads", "demo", "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    ledger = AdsLedger(ws, workspace_secret(ws))
    demo = [c for c in ledger.campaigns() if c.id.startswith("demo-")]
    assert len(demo) == 2 and ledger.settings().enabled
    assert runner.invoke(cli_app, ["ads", "demo", "--workspace", str(ws)]).exit_code == 0  # idempotent
    with TestClient(create_app(ws, {"poll_seconds": 5})) as c:
        q = demo[0].keywords[0]
        body = c.get("/v1/search", params={"q": q, "session_id": "demo-shopper"}).json()
        ads = [h for h in body["hits"] if h.get("sponsored")]
        assert ads and {h["campaign_id"] for h in ads} <= {"demo-1", "demo-2"}
        assert all(h["product_id"] in demo[0].products + demo[1].products for h in ads)


@settings(max_examples=200, deadline=None)
@given(
    raw=st.dictionaries(
        st.sampled_from(
            [
                "enabled",
                "floor",
                "max_slots",
                "positions",
                "reserve",
                "recs_slots",
                "recs_positions",
                "click_window_minutes",
                "sale_window_hours",
                "traffic",
                "other",
            ]
        ),  # fmt: skip
        st.one_of(_values, st.lists(st.integers(-2, 30), max_size=30), st.floats(-1, 2)),
        max_size=4,
    )
)
def test_settings_parse_whole_or_name_the_key(raw):
    from shopmind.ads.settings import AdsSettings, AdsSettingsError, parse_settings

    try:
        s = parse_settings(raw)
    except AdsSettingsError as exc:
        key = str(exc).split(":", 1)[0].removeprefix("ads.").split("[")[0]
        assert key in raw, (raw, str(exc))
        return
    assert isinstance(s, AdsSettings) and s.max_slots <= len(s.positions) and 0 <= s.floor <= 1
    assert list(s.positions) == sorted(set(s.positions)) and len(s.traffic) == 24
