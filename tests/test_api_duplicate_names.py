"""A JSON body that gives a name twice in one object is refused naming it (t1hz, session 26).

``POST /v1/sessions/recommendations`` with ``{"events": [...], "events": []}`` answered the
trending list: the last ``events`` was read and the first dropped without a word. Elasticsearch
refuses such bodies (strict duplicate detection); a careless client should learn it at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.serve.app import create_app
from shopmind.store.livelog import EventLog
from test_live_log import _build, _ingest

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("dupnames")
    _ingest(ws)
    _build(ws)
    return ws


@pytest.fixture(scope="module")
def client(workspace):
    with TestClient(create_app(workspace, {"poll_seconds": 0.2})) as c:
        c.headers.update({"Authorization": f"Bearer {c.app.state.storefront_key}", **JSON})
        yield c


def test_a_repeated_top_level_name_is_refused_naming_it(client):
    body = '{"events": [{"item_id": "P1", "type": "view"}], "events": []}'
    r = client.post("/v1/sessions/recommendations", content=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_body" and err["field"] == "events" and "more than once" in err["message"]
    ok = client.post(
        "/v1/sessions/recommendations", content='{"events": [{"item_id": "P1", "type": "view"}]}'
    )
    assert ok.status_code == 200


def test_a_repeated_name_inside_an_event_stores_nothing(client, workspace):
    body = '{"events": [{"event_id": "dup-1", "type": "view", "user_id": "u1", "item_id": "P1", "item_id": "P2"}]}'
    r = client.post("/v1/events", content=body)
    assert r.status_code == 422 and r.json()["error"]["field"] == "item_id", r.text
    log = EventLog(workspace)
    try:
        assert all(e.get("event_id") != "dup-1" for _, e in log.events_after(0))
    finally:
        log.close()


def test_a_body_that_is_not_json_keeps_its_own_error(client):
    r = client.post("/v1/sessions/recommendations", content="{not json")
    assert r.status_code == 422 and r.json()["error"]["code"] != "internal", r.text
