"""Reported experiment bugs, each with the test that failed before its fix (issue 15, round 7):

- ``exposure.forget`` (and ``read_exposures``) failed with "no such table: exposures" on a workspace
  whose exposure file held only the interleaving log's table;
- a recommendation response logged an exposure of a search-only experiment (and a search response
  one of a recs-only experiment): an exposure is logged only for experiments covering that surface.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.experiments import exposure, registry
from shopmind.experiments.apply import surfaces
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.exposure import ExposureLog, read_exposures
from shopmind.experiments.interleave_log import InterleaveLog, read_interleavings
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs, build_search
from shopmind.serve.app import create_app
from shopmind.store.store import Store


def test_forget_and_read_on_an_interleaving_only_file(tmp_path):
    log = InterleaveLog(tmp_path, flush_seconds=3600)
    log.record("rankers", "u1", "s1", "r1", "search", ["p1", "p2"], [0, 1])
    log.record("rankers", "u2", "s2", "r2", "search", ["p3"], [1])
    log.flush()
    log.close()
    assert read_exposures(tmp_path).is_empty()  # was: sqlite3.OperationalError no such table
    assert exposure.forget(tmp_path, ["u1"]) == 1  # was: the same error, and nothing forgotten
    left = read_interleavings(tmp_path)
    assert left["unit_id"].to_list() == ["u2"]


SEARCH_ONLY = {"name": "ltr-off", "layer": "search", "status": "running", "traffic": 1.0,
               "variant": [{"name": "control"}, {"name": "no-ltr", "overrides": {"search": {"ltr": "off"}}}]}  # fmt: skip
RECS_ONLY = {"name": "pop", "layer": "recs", "status": "running", "traffic": 1.0,
             "variant": [{"name": "control"}, {"name": "pop", "overrides": {"recs": {"weights": {"popularity": 2}}}}]}  # fmt: skip
AA = {"name": "aa", "layer": "aa", "status": "running", "traffic": 1.0,
      "variant": [{"name": "a"}, {"name": "b"}]}  # fmt: skip


def test_surfaces_of_definitions():
    exps = parse_experiments({"experiment": [SEARCH_ONLY, RECS_ONLY, AA]})
    got = {e.name: surfaces(e) for e in exps.experiments}
    assert got == {"ltr-off": {"search"}, "pop": {"recs"}, "aa": {"search", "recs"}}
    priced = parse_experiments(
        {"experiment": [{**SEARCH_ONLY, "variant": [{"name": "c"}, {"name": "p", "overrides": {"pricing": {"apply": "suggested"}}}]}]}
    )  # fmt: skip
    assert surfaces(priced.experiments[0]) == {"search", "recs"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("surfaces") / "ws"
    shop = generate(seed=7, n_products=200, n_users=120, days=30)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    settings = {"search": {"encoder": None, "ltr": "off"}, "recs": {"encoder": None, "explore_share": 0.0}}
    comps = [("catalog", build_catalog), ("search", build_search), ("recs", build_recs)]
    build_release(ws, comps, settings=settings, force=True)
    registry.save(ws, parse_experiments({"experiment": [SEARCH_ONLY, RECS_ONLY, AA]}))
    users = [u for u in shop.batch.events["user_id"].unique(maintain_order=True).to_list() if u][:10]
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        c.app.state.exposure_log = ExposureLog(ws, flush_seconds=3600)
        yield c, ws, users


def test_exposures_only_for_experiments_covering_the_surface(served):
    c, ws, users = served
    for u in users:
        r = c.get(f"/v1/users/{u}/recommendations", params={"k": 5})
        assert r.status_code == 200, r.text
        assert {x["experiment"] for x in r.json()["experiments"]} == {"pop", "aa"}
        s = c.get("/v1/search", params={"q": "shoes", "user_id": u, "session_id": f"s-{u}"})
        assert s.status_code == 200, s.text
        assert {x["experiment"] for x in s.json()["experiments"]} == {"ltr-off", "aa"}
    c.app.state.exposure_log.flush()
    ex = read_exposures(ws)
    per_kind = {k: set(ex.filter(ex["kind"] == k)["experiment"]) for k in ("recs", "search")}
    # before the fix, recs rows were logged for "ltr-off" and search rows for "pop"
    assert per_kind == {"recs": {"pop", "aa"}, "search": {"ltr-off", "aa"}}
    assert ex.height == 4 * len(users)
