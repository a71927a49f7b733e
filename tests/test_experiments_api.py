"""`/v1/experiments` and the experiments dashboard: list, readout, start/stop (admin only, no build),
a unit's assignment; bad input is a 4xx naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from experiments_util import shop
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.readout import readout
from shopmind.experiments.reports import save_readout
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore

DEFS = {
    "experiment": [
        {"name": "ab", "layer": "search", "status": "running",
         "variant": [{"name": "control"}, {"name": "treatment", "overrides": {"search": {"ltr": "off"}}}]},
        {"name": "later", "layer": "recs", "status": "draft", "variant": [{"name": "c"}, {"name": "t"}]},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("exp-ws")
    registry.save(ws, parse_experiments(DEFS))
    exposures, events = shop(1500, {"control": 0.15, "treatment": 0.25}, seed=3)
    save_readout(ws, "ab", readout(registry.load(ws).by_name("ab"), exposures, events).to_dict())
    keys = KeyStore(ws)
    k = {s: keys.add(f"t-{s}", s) for s in ("read", "admin")}
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c, k, ws


def test_list_and_readout_need_a_monitor_key(served):
    c, k, _ws = served
    assert c.get("/v1/experiments").status_code == 401
    body = c.get("/v1/experiments", headers={"X-API-Key": k["read"]}).json()
    assert [e["name"] for e in body["experiment"]] == ["ab", "later"]
    ab = body["experiment"][0]
    assert ab["readout"]["blocked"] is False and ab["readout"]["decision"].startswith("treatment wins")
    assert body["experiment"][1]["readout"] is None
    one = c.get("/v1/experiments/ab", headers={"X-API-Key": k["read"]}).json()
    conv = next(m for m in one["readout"]["metrics"] if m["metric"] == "conversion")
    assert (
        conv["effect"]["ci_lower"] < conv["effect"]["effect"] < conv["effect"]["ci_upper"] and conv["looks"]
    )
    r = c.get("/v1/experiments/nope", headers={"X-API-Key": k["read"]})
    assert r.status_code == 404 and r.json()["error"]["field"] == "name"


def test_assignment_is_the_hash_and_start_stop_apply_without_restart(served):
    c, k, ws = served
    r = c.get("/v1/experiments/assignment", params={"user_id": "u-42"})
    assert r.status_code == 200
    got = r.json()
    assert [a["experiment"] for a in got["assignments"]] == ["ab"]
    expected = registry.load(ws)
    from shopmind.experiments.assign import Assigner
    from shopmind.privacy import pseudonymise, workspace_secret

    # privacy by default: the pseudonym is hashed, as /v1/search does (sticky across routes)
    handle = pseudonymise("u-42", workspace_secret(ws))
    assert got["assignments"][0]["variant"] == Assigner(expected).assign(handle)[0].variant
    r = c.get("/v1/experiments/assignment")
    assert r.status_code == 200 and r.json() == {"assignments": [], "overrides": {}}  # no id, nothing to hash
    r = c.get("/v1/experiments/bad%20name", headers={"X-API-Key": k["read"]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "name"

    assert c.post("/v1/experiments/later/start", headers={"X-API-Key": k["read"]}).status_code == 403
    assert (
        c.post("/v1/experiments/later/start", headers={"X-API-Key": k["admin"]}).json()["status"] == "running"
    )
    assert {
        a["experiment"]
        for a in c.get("/v1/experiments/assignment", params={"user_id": "u-42"}).json()["assignments"]
    } == {"ab", "later"}
    assert c.post("/v1/experiments/ab/stop", headers={"X-API-Key": k["admin"]}).status_code == 200
    after = c.get("/v1/experiments/assignment", params={"user_id": "u-42"}).json()
    assert [a["experiment"] for a in after["assignments"]] == ["later"] and after["overrides"] == {}
    assert registry.load(ws).by_name("ab").status == "stopped"  # written to the workspace file
    r = c.post("/v1/experiments/nope/stop", headers={"X-API-Key": k["admin"]})
    assert r.status_code == 404 and r.json()["error"]["field"] == "name"
    message = r.json()["error"]["message"]
    assert "'nope'" in message and "ab, later" in message
    assert str(ws) not in message and "experiments.json" not in message  # no server path in an API answer


def test_dashboard_page_signs_in_and_renders(served):
    c, k, _ws = served
    assert c.get("/dashboard/experiments").status_code == 401  # sign-in page
    page = c.get("/dashboard/experiments", headers={"X-API-Key": k["read"]})
    assert page.status_code == 200 and "/static/experiments.js" in page.text and "<script>" not in page.text
    assert c.get("/static/experiments.js").status_code == 200
