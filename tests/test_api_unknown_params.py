"""First-hour API errors: a query parameter a route does not take is a 400 naming it, as an unknown
body field is a 422; a value of the wrong form is said in words; batch 422s carry the request id.

Before, every `/v1` route ignored unknown query names: `/v1/search?q=lamp&limit=3` (the parameter
is `size`) answered 20 hits as if it had been obeyed, and a mistyped filter (`brnad=Brand2`)
returned the unfiltered list with 200 - a new user's integration looked right and was not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from test_live_log import _build, _ingest


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> tuple[TestClient, dict[str, str]]:
    ws: Path = tmp_path_factory.mktemp("unknown-params")
    _ingest(ws)
    _build(ws)
    key = KeyStore(ws).add("admin", "admin")
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:
        yield c, {"Authorization": f"Bearer {key}"}


def _error(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 400, (resp.status_code, resp.text)
    return resp.json()["error"]


def test_a_misnamed_page_size_is_refused_naming_it_and_the_known_ones(client) -> None:
    c, auth = client
    err = _error(c.get("/v1/search", params={"q": "lamp", "limit": 3}, headers=auth))
    assert err["code"] == "unknown_parameter" and err["field"] == "limit"
    assert err["message"].startswith("/v1/search has no query parameter 'limit' (it takes: ")
    assert "size" in err["message"] and "q" in err["message"].split("it takes: ")[1]


def test_a_mistyped_filter_gets_a_did_you_mean(client) -> None:
    c, auth = client
    err = _error(c.get("/v1/search", params={"q": "lamp", "brnad": "Brand2"}, headers=auth))
    assert err["field"] == "brnad" and "did you mean 'brand'?" in err["message"]


def test_a_route_without_query_parameters_says_so(client) -> None:
    c, auth = client
    err = _error(c.get("/v1/releases", params={"page": 2}, headers=auth))
    assert err == {
        "code": "unknown_parameter",
        "message": "/v1/releases has no query parameter 'page' (it takes no query parameters)",
        "field": "page",
    }


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/search", {"q": "lamp", "size": 3, "brand": ["Brand1", "Brand2"], "facets": "brand"}),
        ("/v1/autocomplete", {"q": "la", "k": 3}),
        ("/v1/users/u3/recommendations", {"k": 3, "in_stock": "true"}),
        ("/v1/quality/runs", {"limit": 2}),
        ("/v1/releases", {}),
    ],
)
def test_the_parameters_a_route_takes_still_work(client, path: str, params: dict[str, Any]) -> None:
    c, auth = client
    resp = c.get(path, params=params, headers=auth)
    assert resp.status_code == 200, resp.text
    if path == "/v1/search":
        assert len(resp.json()["hits"]) == 3


def test_the_openapi_document_declares_the_400_on_every_api_route(client) -> None:
    c, _ = client
    doc = c.get("/openapi.json").json()
    missing = [
        f"{method} {path}"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if path.startswith("/v1/") and "400" not in op["responses"]
    ]
    assert not missing, missing


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/v1/events", {"events": [{"type": "view", "item_id": "P1"}]}, "invalid_events"),
        ("/v1/products:batch", {"products": [{"title": "no id"}]}, "invalid_products"),
    ],
)
def test_a_batch_with_no_valid_item_carries_the_request_id(client, path: str, body: dict, code: str) -> None:
    """Every other error body says its request id (docs/API.md); these two 422s had it only in the
    X-Request-ID header, so a user quoting the body had nothing to quote."""
    c, auth = client
    resp = c.post(path, json=body, headers={**auth, "X-Request-ID": "req-batch-1"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == code and resp.json()["rejected"]
    assert resp.json()["request_id"] == "req-batch-1" == resp.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "lamp", "attr": "colour"}, "attr.0: 'colour' must be key:value, e.g. colour:red"),
        ({"q": "lamp", "currency": "EURO"}, "currency: 'EURO' must be a three-letter ISO 4217 currency code"),
    ],
)
def test_a_value_of_the_wrong_form_is_said_in_words_not_as_a_regex(client, params: dict, says: str) -> None:
    """The 400 quoted the parameter's regular expression ("String should match pattern
    '^\\s*[^:\\s][^:]*:.*\\S.*$'") to a user who wrote attr=colour."""
    c, auth = client
    err = _error(c.get("/v1/search", params=params, headers=auth))
    assert err["message"].startswith(says) and "pattern" not in err["message"], err
