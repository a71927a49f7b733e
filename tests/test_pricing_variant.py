"""Suggested prices as an experiment variant (issue 16 item 1.4): a unit assigned to a variant with
``[pricing] apply = "suggested"`` sees the suggested price in /v1/search, labelled; the control sees
the catalog price; nothing is applied to the catalog."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import ExperimentError, parse_experiments
from shopmind.pricing.release import build_pricing
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_search
from shopmind.serve.app import create_app
from test_pricing_release import _batch, _publish

DEFS = {
    "experiment": [
        {"name": "prices", "layer": "pricing", "status": "running",
         "variant": [{"name": "control"}, {"name": "suggested", "overrides": {"pricing": {"apply": "suggested"}}}]},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("pricing-variant") / "ws"
    batch, _ = _batch()
    _publish(ws, batch)
    comps = [("catalog", build_catalog), ("search", build_search), ("pricing", build_pricing)]
    settings = {"search": {"encoder": None}, "pricing": {"max_change": 0.1, "default_cost_ratio": 0.5}}
    m = build_release(ws, comps, settings=settings, force=True)
    assert m["components"]["pricing"]["changed"] >= 5
    registry.save(ws, parse_experiments(DEFS))
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c, ws, batch


def _users(ws, variant: str, n: int = 2) -> list[str]:
    a = Assigner(registry.load(ws))
    return [u for u in (f"shopper-{i}" for i in range(200)) if a.assign(u)[0].variant == variant][:n]


def test_assignment_decides_the_served_price(served) -> None:
    from shopmind.pricing.served import load_served

    c, ws, batch = served
    params = {"q": "Thing", "size": 100}
    plain = c.get("/v1/search", params=params).json()
    catalog = {h["product_id"]: h["price"] for h in plain["hits"]}  # as the catalog serves them (minor unit)
    assert len(batch.products) == len(catalog)
    assert plain["total"] == 24 and all("price_source" not in h for h in plain["hits"])
    rel = next(iter((ws / "releases").glob("*/pricing"))).parent
    rows = load_served(str(rel)).by_id
    changed = {k for k, r in rows.items() if r["action"] == "change"}
    for variant in ("control", "suggested"):
        for u in _users(ws, variant):
            body = c.get("/v1/search", params={**params, "user_id": u}).json()
            assert {"experiment": "prices", "variant": variant} in body["experiments"]
            for h in body["hits"]:
                pid = h["product_id"]
                if variant == "suggested" and pid in changed:
                    assert h["price_source"] == "suggested"
                    assert h["price"] == rows[pid]["suggested_price"] != catalog[pid]
                else:
                    assert h["price_source"] == "current" and h["price"] == catalog[pid]
    # the catalog is untouched: a request without a unit still gets the catalog prices
    again = c.get("/v1/search", params=params).json()
    assert {h["product_id"]: h["price"] for h in again["hits"]} == {
        h["product_id"]: h["price"] for h in plain["hits"]
    }


def test_variant_pricing_overrides_are_checked() -> None:
    bad = {"experiment": [{"name": "p", "layer": "pricing", "variant": [
        {"name": "control"}, {"name": "x", "overrides": {"pricing": {"apply": "always"}}}]}]}  # fmt: skip
    with pytest.raises(ExperimentError, match=r"variant\[1\]\.overrides\.pricing\.apply"):
        parse_experiments(bad)
    bad["experiment"][0]["variant"][1]["overrides"] = {"pricing": {"max_change": 0.2}}
    with pytest.raises(ExperimentError, match=r"pricing\.max_change: not switchable"):
        parse_experiments(bad)
