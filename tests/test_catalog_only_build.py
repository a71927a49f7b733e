"""A shop with a catalog and no behaviour yet (Home Depot's files, a new shop) builds a release:
recommendations fit on zero events instead of failing on an untyped empty join."""

from __future__ import annotations

import dataclasses

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs
from shopmind.store.store import Store


def test_catalog_without_events_builds_recs(tmp_path):
    shop = generate(seed=3, n_products=60, n_users=20, days=3)
    batch = dataclasses.replace(shop.batch, events=shop.batch.events.clear())
    ws = tmp_path / "ws"
    gate = GateConfig()
    with Store(ws) as store:
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
    m = build_release(ws, [("catalog", build_catalog), ("recs", build_recs)], force=True)
    assert m["rows"]["events"] == 0
    assert m["rows"]["products"] > 0
    assert (ws / "releases" / m["id"] / "recs").is_dir()
