"""Property-based API tests: schemathesis generates requests from the app's own OpenAPI document
(valid and deliberately invalid ones) and runs them against the ASGI app in process.

Why: hand-written tests in test_serve.py cover the requests we thought of; this covers the ones
the schema allows (and the ones it forbids), and holds the app to two promises of docs/API.md —
no request, however odd, gets a 5xx, and a 2xx answer has the declared content type and shape.

Bounded (max 30 examples per operation) and derandomized, so a run is fast and repeatable.
The workspace is the small shop of test_serve.py (60 products), built once per module.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from shopmind.serve.app import create_app  # noqa: E402
from shopmind.serve.auth import KeyStore  # noqa: E402
from test_serve import auth, build_workspace  # noqa: E402

MAX_EXAMPLES = 30
MAX_NEGATIVE_EXAMPLES = 10  # invalid inputs mostly stop at validation; fewer are enough
#: ``--checks all``: every response check schemathesis has — no 5xx, documented status codes,
#: content type and schema of every documented answer, schema-valid requests accepted,
#: schema-invalid requests rejected, ...
CHECKS = None

#: Schema-valid requests the API rightly refuses because of data or rules JSON Schema cannot
#: state, and batches answered item by item: one allow-list, bench/attack.py's.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from attack import data_dependent  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[object, str, Path]]:
    """(app, admin key, workspace): a built release of the test_serve shop, app started."""
    ws = build_workspace(tmp_path_factory.mktemp("ws-schema"))
    key = KeyStore(ws).add("schemathesis", "admin")  # admin: every route is reachable
    app = create_app(ws, {"poll_seconds": 0.2})
    yield app, key, ws
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # stop the release watcher, close the event log


@pytest.fixture(scope="module")
def api_schema(served):
    app, _key, _ws = served
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def admin_key(served) -> str:
    return served[1]


def _exercise(operation, mode, key: str) -> list[str]:
    """Run up to MAX_EXAMPLES generated cases of one operation; the failures as readable text
    (the check's message and a curl command that reproduces it)."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES if mode == GenerationMode.POSITIVE else MAX_NEGATIVE_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure as is
    )
    def run(case) -> None:
        response = case.call(headers=auth(key))
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as exc:  # a FailureGroup is a BaseExceptionGroup; collected below
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            if data_dependent(exc, response):
                return
            if len(failures) < 3:
                failures.append(
                    f"{operation.label} [{mode}]: {exc}\n  {case.as_curl_command(headers=auth(key))}"
                )

    try:
        run()
    except Unsatisfiable:
        # nothing to negate (no parameters, or none that can be made invalid): no negative case
        if mode != GenerationMode.NEGATIVE:
            raise
    return failures


# The pytest integration (``schemathesis.pytest.from_fixture``) fails on pytest 9.2
# ("'Function' object has no attribute '_nodeid'"), so operations are driven from one test.
def test_no_server_error_and_conforming_answers(api_schema, admin_key):
    failures: list[str] = []
    n_ops = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        n_ops += 1
        t = time.perf_counter()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _exercise(operation, mode, admin_key)
        print(f"{operation.label}: {time.perf_counter() - t:.1f} s")
    assert n_ops >= 15
    assert not failures, "\n\n".join(failures)


def test_the_schema_covers_the_api(api_schema, served):
    """The generated tests above only mean something if the schema lists the API's routes."""
    ops = {(op.method.upper(), op.path) for op in (r.ok() for r in api_schema.get_all_operations())}
    for expected in [
        ("GET", "/v1/search"),
        ("GET", "/v1/users/{user_id}/recommendations"),
        ("GET", "/v1/items/{item_id}/similar"),
        ("POST", "/v1/events"),
        ("PUT", "/v1/products/{product_id}"),
        ("POST", "/v1/admin/reload"),
    ]:
        assert expected in ops
    _app, _key, ws = served
    assert (ws / "keys.json").exists()


def test_the_openapi_document_declares_every_error_answer(api_schema, served):
    """Before: 19 undocumented status codes (FastAPI listed 200 and its own 422 only)."""
    app = served[0]
    doc = app.openapi()
    ops = {(m.upper(), p): op for p, d in doc["paths"].items() for m, op in d.items()}
    assert set(ops[("POST", "/v1/events")]["responses"]) >= {"200", "400", "401", "403", "413", "415", "422"}
    assert set(ops[("PUT", "/v1/products/{product_id}")]["responses"]) >= {"404", "415", "422", "503"}
    assert set(ops[("GET", "/v1/search")]["responses"]) >= {"400", "401", "403", "503"}
    assert "422" not in ops[("GET", "/v1/search")]["responses"]  # bad query parameters are 400s
    err = ops[("POST", "/v1/events")]["responses"]["415"]["content"]["application/json"]["schema"]
    assert err == {"$ref": "#/components/schemas/Error"}
    # every path parameter is bounded (a 5,000-character run id reached the file system)
    for (_m, path), op in ops.items():
        for p in op.get("parameters", []):
            if p["in"] == "path":
                assert p["schema"].get("maxLength", 10**9) <= 200, (path, p)


def _client(served):
    from fastapi.testclient import TestClient

    return TestClient(served[0])


def test_unsupported_method_is_405_with_allow(served, admin_key):
    c = _client(served)
    r = c.request("TRACE", "/v1/search", headers=auth(admin_key))
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    r = c.request("PATCH", "/v1/products/P1", headers=auth(admin_key))
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"PUT", "DELETE"}


def test_a_chunked_body_over_the_limit_is_413(served, admin_key):
    """Before: a 3 MB chunked body (no Content-Length) got 400 from FastAPI's body parser."""
    c = _client(served)

    def chunks():
        for _ in range(30):
            yield b"x" * 100_000

    r = c.post(
        "/v1/events", content=chunks(), headers={**auth(admin_key), "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(served, admin_key, ctype):
    """Before: 422, as if the JSON content were at fault."""
    c = _client(served)
    headers = auth(admin_key) | ({"Content-Type": ctype} if ctype else {})
    body = b'{"events": [{"event_id": "ct", "type": "view", "user_id": "u", "item_id": "P1"}]}'
    for method, path in [
        ("POST", "/v1/events"),
        ("PUT", "/v1/products/P1"),
        ("POST", "/v1/sessions/recommendations"),
    ]:
        r = c.request(method, path, content=body, headers=headers)
        assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type", (path, r.text)
