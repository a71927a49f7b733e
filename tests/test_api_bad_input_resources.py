"""Every HTTP route with what a careless client sends, against a real ``shopmind serve`` process:
the resources beyond events and search — product writes, keys and admin routes (experiments, the
dashboard sign-in), the assistant and session recommendations, ads campaigns, pricing. Split from
test_api_bad_input.py (bodies, events, ids in paths, query parameters), whose docstring says what
every case asserts; the served shop is tests/api_bad_input_util.py's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_bad_input_util import bad_input_server, error_of, seqs, stored_ids
from serve_process_util import Server
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from bad_input_server(tmp_path_factory, "apibad-resources")


# ---------------------------------------------------------------------------- products
def test_product_writes_refuse_booleans_and_bad_ids_and_store_nothing(srv: Server) -> None:
    before = seqs(srv.ws)["products"]
    # was: 200, price stored as 1.0
    status, got = srv.call("PUT", "/v1/products/BOOL1", {"title": "a lamp", "price": True}, key="write")
    assert status == 422 and error_of(got)["field"] == "price" and "got true" in error_of(got)["message"]
    status, got = srv.call("PUT", "/v1/products/BOOL2", {"title": "a lamp", "stock": False}, key="write")
    assert status == 422 and error_of(got)["field"] == "stock"
    # was: 200 with the NUL id accepted
    batch = {"products": [{"product_id": "a\x00", "title": "x"}, {"product_id": " ", "title": "y"}]}
    status, got = srv.call("POST", "/v1/products:batch", batch, key="write")
    assert status == 422 and [r["field"] for r in got["rejected"]] == ["product_id", "product_id"]
    assert seqs(srv.ws)["products"] == before
    for pid in ("BOOL1", "BOOL2"):
        assert srv.call("DELETE", f"/v1/products/{pid}", key="write")[0] == 404


def test_a_product_the_gate_quarantines_is_answered_with_its_code(srv: Server) -> None:
    status, got = srv.call(
        "PUT", "/v1/products/NEG1", {"title": "a lamp", "price": -5, "currency": "USD"}, key="write"
    )
    assert (
        status == 200 and got["accepted"] == [] and "PRD_PRICE_NONPOSITIVE" in got["quarantined"][0]["codes"]
    )
    assert srv.call("GET", "/v1/items/NEG1/similar")[0] == 404


# ---------------------------------------------------------------------------- keys
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/admin/reload", None),
        ("POST", "/v1/experiments/ab/start", None),
        ("GET", "/v1/users/u1/profile", None),
        ("POST", "/v1/ads/campaigns", {"id": "k1"}),
        ("PUT", "/v1/ads/settings", {"enabled": True}),
    ],
)
def test_admin_routes_need_an_admin_key_and_change_nothing_without(
    srv: Server, method: str, path: str, body: Any
) -> None:
    exps = (srv.ws / "experiments.json").read_bytes()
    assert srv.call(method, path, body)[0] == 401
    assert srv.call(method, path, body, key="sm_not_a_key")[0] == 401
    status, got = srv.call(method, path, body, key="write")
    assert status == 403 and error_of(got)["code"] == "forbidden"
    assert (srv.ws / "experiments.json").read_bytes() == exps
    assert srv.call("GET", "/v1/ads/settings", key="admin")[1]["enabled"] is False


def test_experiment_start_stop_unknown_and_concurrent(srv: Server) -> None:
    path = srv.ws / "experiments.json"
    exps = path.read_bytes()
    status, got = srv.call("POST", "/v1/experiments/nope/start", key="admin")
    assert status == 404 and error_of(got)["field"] == "name"
    status, got = srv.call("POST", "/v1/experiments/a%20b/start", key="admin")
    assert status == 400 and error_of(got)["field"] == "name"
    assert path.read_bytes() == exps
    out: list[int] = []
    threads = [
        threading.Thread(target=lambda i=i: out.append(srv.call("POST", f"/v1/experiments/ab/{'start' if i % 2 else 'stop'}", key="admin")[0]))
        for i in range(10)
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [200] * 10
    assert srv.call("POST", "/v1/experiments/ab/stop", key="admin")[1]["status"] == "stopped"
    assert json.loads(path.read_text())["experiment"][0]["status"] == "stopped"


def test_dashboard_sign_in_takes_json_only(srv: Server) -> None:
    """was: a form post ``key=...`` got 422 "key: Field required" although the key was there."""
    form = f"key={srv.keys['read']}".encode()
    status, got = srv.call("POST", "/dashboard/login", form, ctype="application/x-www-form-urlencoded")
    assert status == 415 and error_of(got)["code"] == "unsupported_media_type"
    assert srv.call("POST", "/dashboard/login", {"key": srv.keys["read"]})[0] == 200
    assert srv.call("POST", "/dashboard/login", {"key": "sm_wrong"})[0] == 401


# ---------------------------------------------------------------------------- assistant and sessions
@pytest.mark.parametrize(
    ("body", "field"),
    [
        # was: 200, and the conversation id with its NUL logged as a search event's session_id
        ({"conversation_id": "c\x001", "message": "red lamp"}, "conversation_id"),
        ({"conversation_id": "c1", "message": "red lamp", "customer_id": "a\nb"}, "customer_id"),
        ({"conversation_id": "c1", "message": "   "}, "message"),
        ({"conversation_id": "c1", "message": "m" * 1001}, "message"),
        ({"conversation_id": "c1", "message": "hi", "extra": 1}, "extra"),
    ],
)
def test_assistant_bad_bodies_name_the_field_and_log_nothing(
    srv: Server, body: dict[str, Any], field: str
) -> None:
    n = len(stored_ids(srv.ws))
    status, got = srv.call("POST", "/v1/assistant", body, key="write")
    assert status == 422 and error_of(got)["field"] == field, got
    assert len(stored_ids(srv.ws)) == n


def test_session_recommendations_refuse_a_boolean_k_and_bad_item_ids(srv: Server) -> None:
    path = "/v1/sessions/recommendations"
    status, got = srv.call("POST", path, {"events": [{"item_id": "P1"}], "k": True})  # was: 200 with k = 1
    assert status == 422 and error_of(got)["field"] == "k"
    status, got = srv.call("POST", path, {"events": [{"item_id": "P\x00"}]})
    assert status == 422 and error_of(got)["field"] == "events.0.item_id"
    status, got = srv.call("POST", path, {"events": [{"item_id": "P1"}], "k": 3})
    assert status == 200 and 0 < len(got["items"]) <= 3 and got["unknown_items"] == []


def test_session_recommendations_name_the_items_the_catalog_does_not_hold(srv: Server) -> None:
    """was: a silent cold start - a session of stale or mistyped ids answered like one of none."""
    events = [{"item_id": "NOPE1"}, {"item_id": "P1"}, {"item_id": "NOPE1"}, {"item_id": "nope2"}]
    status, got = srv.call("POST", "/v1/sessions/recommendations", {"events": events, "k": 5})
    assert status == 200 and got["unknown_items"] == ["NOPE1", "nope2"] and got["items"]


# ---------------------------------------------------------------------------- ads
GOOD_CAMPAIGN = {
    "id": "g1",
    "advertiser": "Acme",
    "products": ["P1"],
    "keywords": ["lamp"],
    "bid": 0.5,
    "daily_budget": 10,
}


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        # was: 201, stored
        ({"bid": 1e300, "daily_budget": 1e308}, "campaign.bid", "at most 1e+12"),
        ({"advertiser": "a" * 100_000}, "campaign.advertiser", "at most 1000 characters"),
        ({"keywords": ["ok", "k" * 5000]}, "campaign.keywords[1]", "at most 1000 characters"),
        ({"advertiser": "A\x00B"}, "campaign.advertiser", "control character"),
        # not defects: the parser names these
        ({"bid": "0.5"}, "campaign.bid", "positive finite number"),
        ({"products": ["NOPE"]}, "campaign.products[0]", "not in the catalog"),
        ({"id": "../x"}, "campaign.id", "must be 1-64"),
    ],
)
def test_a_bad_campaign_is_422_naming_the_field_and_not_stored(
    srv: Server, change: dict[str, Any], field: str, says: str
) -> None:
    status, got = srv.call("POST", "/v1/ads/campaigns", {**GOOD_CAMPAIGN, **change}, key="admin")
    err = error_of(got)
    assert status == 422 and err["field"] == field and says in err["message"], got
    assert srv.call("GET", "/v1/ads/campaigns", key="admin")[1]["campaigns"] == []


def test_a_campaign_patch_over_the_bounds_changes_nothing_and_concurrent_creates_make_one(
    srv: Server,
) -> None:
    out: list[int] = []
    threads = [
        threading.Thread(target=lambda: out.append(srv.call("POST", "/v1/ads/campaigns", GOOD_CAMPAIGN, key="admin")[0]))
        for _ in range(6)
    ]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == [201] + [409] * 5
    status, got = srv.call("PATCH", "/v1/ads/campaigns/g1", {"daily_budget": 1e200}, key="admin")
    assert status == 422 and error_of(got)["field"] == "campaign.daily_budget"
    assert srv.call("GET", "/v1/ads/campaigns/g1", key="admin")[1]["daily_budget"] == 10.0
    assert srv.call("DELETE", "/v1/ads/campaigns/g1", key="admin")[0] == 200


# ---------------------------------------------------------------------------- pricing
@pytest.fixture(scope="module")
def pricing_client(tmp_path_factory):
    from shopmind.release.build import build_release
    from test_pricing_release import COMPONENTS, _batch, _publish

    ws = tmp_path_factory.mktemp("apibad-pricing") / "ws"
    batch, _ = _batch()
    _publish(ws, batch)
    build_release(ws, COMPONENTS, settings={"pricing": {"max_change": 0.1}}, force=True)
    key = KeyStore(ws).add("t-read", "read")
    with TestClient(create_app(ws, {"poll_seconds": 60})) as c:  # server errors raise here
        yield c, {"X-API-Key": key}


def test_a_pricing_offset_over_64_bits_is_400_not_500(pricing_client) -> None:
    """was: 500 with a traceback (orjson: "Integer exceeds 64-bit range" echoing the offset)."""
    c, h = pricing_client
    r = c.get("/v1/pricing/suggestions", params={"offset": "99999999999999999999999"}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["field"] == "offset"
    r = c.get("/v1/pricing/suggestions", params={"offset": 1_000_000_000, "limit": 5}, headers=h)
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["total"] > 0
