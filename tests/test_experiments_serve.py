"""Experiments in the serving path: `/v1/search` applies the unit's variant (a per-request override of
the loaded release) and logs its exposure with the request id, without an fsync on the request path."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import ExposureLog, read_exposures
from shopmind.serve.app import create_app
from test_serve import build_workspace

DEFS = {
    "experiment": [
        {"name": "understanding", "layer": "search", "status": "running",
         "variant": [{"name": "control"}, {"name": "raw", "overrides": {"search": {"understand": False}}}]},
    ]
}  # fmt: skip
Q = "red lamp under 30"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = build_workspace(tmp_path_factory.mktemp("exp-serve"))
    registry.save(ws, parse_experiments(DEFS))
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        # the writer thread's interval made long, so what is on disk is exactly what flush() wrote
        c.app.state.exposure_log = ExposureLog(ws, flush_seconds=3600)
        yield c, ws


def users_in(ws, variant: str, n: int = 3) -> list[str]:
    a = Assigner(registry.load(ws))
    return [u for u in (f"shopper-{i}" for i in range(200)) if a.assign(u)[0].variant == variant][:n]


def settled(c: TestClient, params: dict[str, str]) -> dict:
    """The answer once the query's vector is cached: a first-seen query is answered without its
    dense part while a thread encodes it ([search] query_encoding = "background"), and each
    variant's query text (with or without understanding) is a query of its own."""
    deadline = time.monotonic() + 30
    while (body := c.get("/v1/search", params=params).json()).get("dense") == "pending":
        assert time.monotonic() < deadline, "the query vector never arrived"
        time.sleep(0.1)
    return body


def test_variant_is_applied_per_request_and_exposure_logged(served):
    c, ws = served
    plain = settled(c, {"q": Q})
    assert "experiments" not in plain  # no id: the defaults, nothing logged
    raw_engine = settled(c, {"q": Q, "understand": "false"})
    assert plain["total"] != raw_engine["total"]  # the query's price phrase matters on this shop

    seen = []
    for variant, expected in (("control", plain), ("raw", raw_engine)):
        for u in users_in(ws, variant):
            r = c.get("/v1/search", params={"q": Q, "user_id": u, "session_id": f"s-{u}"})
            body = r.json()
            assert body["experiments"] == [{"experiment": "understanding", "variant": variant}]
            assert body["total"] == expected["total"]
            assert [h["product_id"] for h in body["hits"]] == [h["product_id"] for h in expected["hits"]]
            seen.append((u, variant, r.headers["x-request-id"]))

    c.app.state.exposure_log.flush()
    ex = read_exposures(ws, "understanding")
    got = {(row["unit_id"], row["variant"], row["request_id"]) for row in ex.iter_rows(named=True)}
    assert got == set(seen)
    assert set(ex["kind"]) == {"search"} and ex["timestamp"].null_count() == 0


def test_exposures_are_not_written_on_the_request_path(served):
    c, ws = served
    log = c.app.state.exposure_log
    log.flush()
    before = read_exposures(ws).height
    u = users_in(ws, "control", 1)[0]
    c.get("/v1/search", params={"q": "chair", "user_id": u})
    assert read_exposures(ws).height == before  # in memory only until the writer thread flushes
    assert log.flush() == 1 and read_exposures(ws).height == before + 1


def test_stopping_restores_the_defaults_at_once(served):
    c, ws = served
    u = users_in(ws, "raw", 1)[0]
    registry.set_status(ws, "understanding", "stopped")
    try:
        body = c.get("/v1/search", params={"q": Q, "user_id": u}).json()
        assert "experiments" not in body
        assert body["total"] == c.get("/v1/search", params={"q": Q}).json()["total"]
    finally:
        registry.set_status(ws, "understanding", "running")
