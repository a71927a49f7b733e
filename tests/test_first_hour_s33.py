"""The first-hour list of session 33 (t1f): what a user of the API and the demo meets in the first hour.

* A 4xx names the field and says our validator's words only: pydantic put "Value error, " in front of every
  message our validators raise ("user_id: Value error, an id may not contain control characters ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from test_live_log import _build, _ingest


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    ws: Path = tmp_path_factory.mktemp("s33")
    _ingest(ws)
    _build(ws)
    key = KeyStore(ws).add("s33-write", "write")
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
        yield c, {"Authorization": f"Bearer {key}"}


def _error(r: Any) -> tuple[int, str, str | None]:
    body = r.json()
    return r.status_code, body["error"]["message"], body["error"].get("field")


def test_validation_messages_are_ours_with_the_field(api) -> None:
    c, auth = api
    assert _error(c.get("/v1/users/%01x/recommendations", headers=auth)) == (
        400,
        "user_id: an id may not contain control characters ('\\x01' at position 0)",
        "user_id",
    )
    body = {"events": [{"item_id": " ", "type": "view"}]}
    assert _error(c.post("/v1/sessions/recommendations", json=body, headers=auth)) == (
        422,
        "events.0.item_id: an id may not be only white space",
        "events.0.item_id",
    )
    status, message, field = _error(
        c.post(
            "/v1/sessions/recommendations",
            json={"events": [{"item_id": "x", "type": "lookat"}]},
            headers=auth,
        )
    )
    assert (status, field) == (422, "events.0.type")
    assert message.startswith("events.0.type: type 'lookat' is not an event type; one of: view, click")


def test_batch_rejections_say_our_words(api) -> None:
    c, auth = api
    products = {"products": [{"product_id": " ", "title": "x", "price": True}]}
    r = c.post("/v1/products:batch", json=products, headers=auth)
    assert r.status_code == 422
    assert sorted((e["field"], e["message"]) for e in r.json()["rejected"]) == [
        ("price", "expected a number, got true"),
        ("product_id", "an id may not be only white space"),
    ]
    event = {"event_id": "e-s33", "type": "view", "item_id": "P1", "timestamp": "2024-01-02T03:04:05Z"}
    r = c.post("/v1/events", json={"events": [event]}, headers=auth)
    assert r.status_code == 422
    assert [(e["field"], e["message"]) for e in r.json()["rejected"]] == [
        ("(item)", "an event needs a user_id or a session_id")
    ]
