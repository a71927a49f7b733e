"""Every HTTP route with what a careless client sends, against a real ``shopmind serve``
process (the first-hour sweep of the API, as tests/test_cli_bad_input.py is of the CLI).

Each case asserts the status, that the error names the field, and that nothing was stored
(live log, catalog, experiments file, ads ledger); every request also asserts that the server
logged no traceback. The cases marked "was:" are defects found by the sweep and fixed in
``src/shopmind/serve``; the others pin what already worked and matters (a batch with one bad
event stores the good ones, keys, unknown ids, path traversal, concurrent identical writes).
This file: bodies, events, ids in paths, query parameters; products, keys, the assistant, ads and
pricing in test_api_bad_input_resources.py.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api_bad_input_util import bad_input_server, error_of, ev, seqs, stored_ids
from serve_process_util import Server
from shopmind.store.livelog import EventLog


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from bad_input_server(tmp_path_factory, "apibad")


# ---------------------------------------------------------------------------- bodies that are not JSON objects
@pytest.mark.parametrize(
    ("raw", "says"),
    [
        # was: 400 "There was an error parsing the body", no field
        (b'{"events":[{"event_id":"x\xff","type":"view","user_id":"u1","item_id":"P1"}]}', "not valid UTF-8 (byte 0xff"),
        (b'{"events":[' + b"[" * 5000 + b"]" * 5000 + b"]}", "nests arrays or objects too deeply"),
        # was: 422 "14: JSON decode error" with field "14" (the character offset as a field)
        (b'{"events":[]} xx', "not valid JSON at character 14"),
        # was: "body: Input should be a valid dictionary or object to extract fields from"
        (b'[{"event_id":"x"}]', "must be a JSON object ({...}), not an array"),
        (b"null", "not null"),
        # was: "body: Field required"
        (b"", "the body is empty"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_a_json_object_is_named_plainly(srv: Server, raw: bytes, says: str) -> None:
    n = len(stored_ids(srv.ws))
    status, body = srv.call("POST", "/v1/events", raw, key="events")
    err = error_of(body)
    assert status == 422 and err["code"] == "invalid_body" and err["field"] == "body", body
    assert says in err["message"], err
    assert len(stored_ids(srv.ws)) == n


def test_a_body_in_latin1_is_refused_as_not_utf8(srv: Server) -> None:
    raw = '{"events":[{"event_id":"l1","type":"view","user_id":"Zoë","item_id":"P1"}]}'.encode("latin-1")
    status, body = srv.call(
        "POST", "/v1/events", raw, key="events", ctype="application/json; charset=latin-1"
    )
    assert status == 422 and "not valid UTF-8 (byte 0xeb" in error_of(body)["message"]
    assert "l1" not in stored_ids(srv.ws)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_of_another_type_is_415(srv: Server, ctype: str | None) -> None:
    status, body = srv.call("POST", "/v1/events", {"events": [ev("ct1")]}, key="events", ctype=ctype)
    assert status == 415 and error_of(body)["code"] == "unsupported_media_type"
    assert "ct1" not in stored_ids(srv.ws)


# ---------------------------------------------------------------------------- events
@pytest.mark.parametrize(
    ("event", "field", "says"),
    [
        # was: 200, stored with the NUL / newline in the id
        (ev("c1", user_id="a\x00b"), "user_id", "control characters ('\\x00' at position 1)"),
        (ev("c\n2"), "event_id", "control characters ('\\n' at position 1)"),
        (ev("c3", session_id="s\t1"), "session_id", "control characters"),
        # was: 200 with quantity 1
        (ev("c4", type="purchase", quantity=True, price=5, currency="USD"), "quantity", "expected a number, got true"),
        (ev("c5", type="purchase", quantity=1, price=False, currency="USD"), "price", "expected a number, got false"),
        # was: 200 with an empty order id stored
        (ev("c6", order_id=""), "order_id", "at least 1 character"),
        # not defects: already refused, naming the field
        (ev("c7", timestamp="2999-01-01T00:00:00Z"), "timestamp", "is in the future"),
        (ev("c8", timestamp="0000-01-01T00:00:00Z"), "timestamp", "year 0 is out of range"),
        # was: "Input should be 'view', ..." without the value sent (t1w's walk, session 32)
        (ev("c9", type="teleport"), "type", "type 'teleport' is not an event type; one of: view, click, "),
        (ev("c10", item_id=None), "(item)", "a view event needs an item_id"),
        (ev("c11", foo=1), "foo", "Extra inputs are not permitted"),
        (ev("x" * 201), "event_id", "at most 200 characters"),
    ],
)  # fmt: skip
def test_a_bad_event_is_rejected_naming_its_field_and_not_stored(
    srv: Server, event: dict[str, Any], field: str, says: str
) -> None:
    before = stored_ids(srv.ws)
    status, body = srv.call("POST", "/v1/events", {"events": [event]}, key="events")
    assert status == 422 and error_of(body)["code"] == "invalid_events", body
    (rej,) = body["rejected"]
    assert rej["index"] == 0 and rej["field"] == field and says in rej["message"], rej
    assert stored_ids(srv.ws) == before


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"events":[{"event_id":"n1","type":"purchase","user_id":"u1","item_id":"P1","quantity":1,"price":NaN,"currency":"USD"}]}', "price"),
        (b'{"events":[{"event_id":"n2","type":"rate","user_id":"u1","item_id":"P1","rating":-Infinity}]}', "rating"),
    ],
)  # fmt: skip
def test_nan_and_infinity_in_an_event_are_refused(srv: Server, raw: bytes, field: str) -> None:
    status, body = srv.call("POST", "/v1/events", raw, key="events")
    assert status == 422 and body["rejected"][0]["field"] == field
    assert "finite number" in body["rejected"][0]["message"]


def test_a_lower_case_currency_is_stored_upper_case_as_the_gate_repairs_it(srv: Server) -> None:
    """was: 422 EVT_CURRENCY_UNKNOWN for 'usd', which a batch through the gate repairs (CURRENCY_CASE)."""
    batch = [ev("cur1", type="purchase", quantity=1, price=5, currency="usd"),
             ev("cur2", type="purchase", quantity=1, price=5, currency="Eur"),
             ev("cur3", type="purchase", quantity=1, price=5, currency="rmb")]  # fmt: skip
    status, body = srv.call("POST", "/v1/events", {"events": batch}, key="events")
    assert status == 200 and body["accepted"] == 2, body
    assert [(r["index"], r["field"], r["code"]) for r in body["rejected"]] == [
        (2, "currency", "EVT_CURRENCY_UNKNOWN")
    ]
    log = EventLog(srv.ws)
    try:
        kept = {
            p["event_id"]: p["currency"] for _, p in log.events_after(0) if p["event_id"] in ("cur1", "cur2")
        }
    finally:
        log.close()
    assert kept == {"cur1": "USD", "cur2": "EUR"}


def test_a_batch_with_one_bad_event_stores_the_good_ones_and_names_the_bad(srv: Server) -> None:
    """The API's promise (docs/API.md): valid events are stored, each invalid one is answered."""
    batch = [ev(f"mix{i}") for i in range(5)]
    batch[2] = {**batch[2], "type": "teleport"}
    batch[4] = {**batch[4], "item_id": "NOPE"}
    status, body = srv.call("POST", "/v1/events", {"events": batch}, key="events")
    assert status == 200 and body["accepted"] == 3 and body["new"] == 3, body
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(2, "type"), (4, "item_id")]
    assert body["rejected"][1]["code"] == "EVT_ITEM_UNKNOWN"
    stored = stored_ids(srv.ws)
    assert {"mix0", "mix1", "mix3"} <= stored and not {"mix2", "mix4"} & stored


def test_an_event_id_twice_in_one_batch_names_the_second(srv: Server) -> None:
    """was: both counted in "accepted", the second (a click) silently dropped by the log."""
    batch = [ev("dup1"), ev("dup1", type="click"), ev("dup2")]
    status, body = srv.call("POST", "/v1/events", {"events": batch}, key="events")
    assert status == 200 and body["accepted"] == 2 and body["new"] == 2, body
    (rej,) = body["rejected"]
    assert rej["index"] == 1 and rej["field"] == "event_id" and rej["code"] == "duplicate_in_batch"
    assert "index 0" in rej["message"]
    log = EventLog(srv.ws)
    try:
        kept = [p for _, p in log.events_after(0) if p["event_id"] == "dup1"]
    finally:
        log.close()
    assert [p["type"] for p in kept] == ["view"]


def test_an_idempotency_key_reused_for_another_batch_is_refused(srv: Server) -> None:
    """was: 200 with the first answer and "duplicate": true — the new events silently not stored."""
    h = {"Idempotency-Key": "reuse-1"}
    first = srv.call("POST", "/v1/events", {"events": [ev("ik1")]}, key="events", headers=h)
    assert first[0] == 200 and first[1]["new"] == 1 and "_body_sha256" not in first[1]
    retry = srv.call("POST", "/v1/events", {"events": [ev("ik1")]}, key="events", headers=h)
    assert retry[0] == 200 and retry[1]["duplicate"] is True and "_body_sha256" not in retry[1]
    status, body = srv.call("POST", "/v1/events", {"events": [ev("ik2")]}, key="events", headers=h)
    err = error_of(body)
    assert status == 409 and err["code"] == "idempotency_key_reused" and err["field"] == "idempotency-key"
    assert "ik2" not in stored_ids(srv.ws)
    # a fresh key stores it
    ok = srv.call(
        "POST", "/v1/events", {"events": [ev("ik2")]}, key="events", headers={"Idempotency-Key": "reuse-2"}
    )
    assert ok[0] == 200 and ok[1]["new"] == 1


def test_batch_bounds_and_shape(srv: Server) -> None:
    n = len(stored_ids(srv.ws))
    for body, field, says in [
        ({"events": []}, "events", "at least 1 item"),
        ({"events": [ev(f"b{i}") for i in range(1001)]}, "events", "at most 1000 items"),
        ({"events": "DROP TABLE"}, "events", "valid list"),
        ({"events": [ev("e1")], "extra": 1}, "extra", "Extra inputs"),
    ]:
        status, got = srv.call("POST", "/v1/events", body, key="events")
        assert status == 422 and error_of(got)["field"] == field and says in error_of(got)["message"], got
    assert len(stored_ids(srv.ws)) == n


def test_concurrent_identical_writes_store_once(srv: Server) -> None:
    out: list[tuple[int, Any]] = []

    def post(headers: dict[str, str] | None, eid: str) -> None:
        out.append(srv.call("POST", "/v1/events", {"events": [ev(eid)]}, key="events", headers=headers))

    threads = [threading.Thread(target=post, args=(None, "conc-same")) for _ in range(8)]
    threads += [
        threading.Thread(target=post, args=({"Idempotency-Key": "conc-k"}, "conc-key")) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s == 200 for s, _ in out)
    log = EventLog(srv.ws)
    try:
        ids = [p["event_id"] for _, p in log.events_after(0)]
    finally:
        log.close()
    assert ids.count("conc-same") == 1 and ids.count("conc-key") == 1
    # without a key: one answer says new 1, seven say new 0; with one: one first answer, seven replays
    assert sorted(b.get("new", -1) for _, b in out if not b["duplicate"]) == [0] * 7 + [1, 1]
    assert sum(b["duplicate"] for _, b in out) == 7


# ---------------------------------------------------------------------------- ids in paths
@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        # was: 200 (the gate quarantined a product with id null)
        ("PUT", "/v1/products/%20", "product_id"),
        # was: 200, a product "a\x00b" in the catalog and the live log
        ("PUT", "/v1/products/a%00b", "product_id"),
        ("PUT", "/v1/products/a%0Ab", "product_id"),
        ("DELETE", "/v1/products/%20", "product_id"),
        # was: 200 (cold-start recommendations for the user " " / NUL)
        ("GET", "/v1/users/%20/recommendations", "user_id"),
        ("GET", "/v1/users/%00/recommendations", "user_id"),
        ("GET", "/v1/items/P1%09/similar", "item_id"),
        ("GET", "/v1/users/%00/profile", "user_id"),
        ("GET", "/v1/quality/runs/a%0Ab", "run_id"),
        ("GET", "/v1/forecast/%20", "product_id"),
    ],
)
def test_an_id_with_control_characters_or_blank_is_400(
    srv: Server, method: str, path: str, field: str
) -> None:
    before = seqs(srv.ws)
    body = {"title": "a lamp", "price": 5.0, "currency": "USD"} if method == "PUT" else None
    status, got = srv.call(method, path, body, key="admin")
    err = error_of(got)
    assert status == 400 and err["field"] == field, got
    assert "control characters" in err["message"] or "white space" in err["message"]
    assert seqs(srv.ws) == before


@pytest.mark.parametrize(
    "path",
    [
        "/v1/items/..%2F..%2Fetc%2Fpasswd/similar",
        "/v1/quality/runs/..%2F..%2Fkeys",
        "/v1/users/..%2F..%2Fx/profile",
        "/v1/ads/campaigns/..%2Fx",
    ],
)
def test_path_traversal_in_an_id_reads_nothing(srv: Server, path: str) -> None:
    status, got = srv.call("GET", path, key="admin")
    assert status == 404 and error_of(got)["message"]
    assert "sm_" not in json.dumps(got)  # keys.json was not read


def test_a_user_id_with_a_slash_reaches_its_own_routes(srv: Server) -> None:
    """was: 404 "Not Found" from the router (an encoded '/' in a user id split the path), so a shop
    whose ids are "team/42" could not fetch that user's recommendations or profile."""
    status, got = srv.call("GET", "/v1/users/team%2F42/recommendations?k=3", key="read")
    assert status == 200 and len(got["items"]) == 3, got
    status, got = srv.call("GET", "/v1/users/team%2F42/profile", key="admin")
    assert error_of(got)["code"] in {"unknown_user", "no_profiles"}, (
        got
    )  # the route's answer, not the router's


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/items/NOPE/similar", "item_id"),
        ("/v1/items/NOPE/bought-together", "item_id"),
        ("/v1/users/NOPE/profile", "user_id"),
        ("/v1/experiments/nope", "name"),
        ("/v1/ads/campaigns/nope", "campaign_id"),
        ("/v1/quality/runs/nope", "run_id"),
    ],
)
def test_an_unknown_id_is_404_naming_it(srv: Server, path: str, field: str) -> None:
    status, got = srv.call("GET", path, key="admin")
    assert status == 404 and error_of(got)["field"] == field and "nope" in error_of(got)["message"].lower()


# ---------------------------------------------------------------------------- query parameters
@pytest.mark.parametrize(
    ("path", "field", "says"),
    [
        # was: "price_min: Input should be less than or equal to 1000000000000"
        ("/v1/search?q=lamp&price_min=NaN", "price_min", "finite number"),
        ("/v1/search?q=lamp&price_max=inf", "price_max", "finite number"),
        ("/v1/users/u1/recommendations?price_min=nan", "price_min", "finite number"),
        # was: 200 with 0 hits (no price is in ZZZ)
        ("/v1/search?q=lamp&currency=ZZZ&price_min=10", "currency", "not an ISO 4217 code"),
        # not defects: page sizes and limits are bounded
        ("/v1/search?q=lamp&size=0", "size", "greater than or equal to 1"),
        ("/v1/search?q=lamp&size=-1", "size", "greater than or equal to 1"),
        ("/v1/search?q=lamp&size=100000000000000000000000", "size", "less than or equal to 100"),
        ("/v1/search?q=lamp&page=" + "9" * 5000, "page", "integer"),
        ("/v1/autocomplete?q=la&k=0", "k", "greater than or equal to 1"),
        ("/v1/users/u1/recommendations?k=201", "k", "less than or equal to 200"),
        ("/v1/items/P1/similar?k=-5", "k", "greater than or equal to 1"),
        ("/v1/quality/runs?limit=0", "limit", "greater than or equal to 1"),
        ("/v1/inventory/reorder?limit=1e9", "limit", "integer"),
        ("/v1/assistant/summary?days=100000", "days", "less than or equal to 366"),
        ("/v1/ads/report?day=yesterday", "day", "valid date"),
        # was: 200, " " hashed into an experiment arm (and its exposures logged under a blank unit)
        ("/v1/search?q=lamp&user_id=%20", "user_id", "only white space"),
        ("/v1/items/P1/similar?session_id=a%7Fb", "session_id", "control characters"),
        ("/v1/experiments/assignment?user_id=%0A", "user_id", "control characters"),
        # was: bytes that are not UTF-8 became U+FFFD and were searched for; a repeated q kept the last
        ("/v1/search?q=%FF%FElamp", "q", "value is not valid UTF-8"),
        ("/v1/search?q=lamp&category=%C3", "category", "value is not valid UTF-8"),
        ("/v1/search?q=lamp&q=chair", "q", "q: given 2 times; it takes one value"),
        ("/v1/users/u1/recommendations?k=5&k=6&k=7", "k", "k: given 3 times"),
    ],
)
def test_a_bad_query_parameter_is_400_naming_it(srv: Server, path: str, field: str, says: str) -> None:
    status, got = srv.call("GET", path, key="admin")
    err = error_of(got)
    assert status == 400 and err["field"] == field and says in err["message"], got


def test_a_valid_lowercase_currency_still_filters(srv: Server) -> None:
    status, got = srv.call("GET", "/v1/search?q=lamp&currency=usd&price_min=1")
    assert status == 200 and got["total"] > 0 and all(h["currency"] == "USD" for h in got["hits"])


def test_the_digest_is_of_the_batch_as_sent() -> None:
    """The idempotency digest is canonical: key order does not matter, content does."""
    from shopmind.serve.routes.events import _digest

    a = [{"event_id": "e", "type": "view", "user_id": "u"}]
    b = [{"user_id": "u", "type": "view", "event_id": "e"}]
    assert _digest(a) == _digest(b) != _digest([{**a[0], "type": "click"}])
    assert len(_digest(a)) == len(hashlib.sha256().hexdigest())
