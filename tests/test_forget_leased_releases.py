"""After ``shopmind forget`` a build deletes every older release - but not one a running server still
serves (``release/leases.py``). Before, such a release kept the forgotten customer's models until some
later build pruned it; now the forget-build dooms it and it is deleted as soon as nothing holds it:
the server's swap to the new release, the server's stop, or the next prune (a server killed with -9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.forget import forget_user, mark_erasure
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.release.leases import DOOMED, LEASES, Lease, held_releases
from shopmind.release.releases import ReleaseError, Releases
from shopmind.serve.state import Shop
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store
from store_util import publish_catalog

CATALOG = [("catalog", build_catalog)]


def _ids(ws: Path) -> set[str]:
    return {m["id"] for m in Releases(ws).list()}


def test_a_served_release_is_deleted_when_the_server_swaps_after_a_forget_build(tmp_path: Path) -> None:
    publish_catalog(tmp_path, 8, "Red wool scarf", "Women > Scarves", 12.0, "EUR")
    first = build_release(tmp_path, CATALOG)["id"]
    shop = Shop(tmp_path, EventLog(tmp_path))
    try:
        assert shop.refresh() is True and shop.release_id == first
        mark_erasure(tmp_path)  # what `shopmind forget` leaves for the next build
        second = build_release(tmp_path, CATALOG, keep=5)
        # the server has not swapped yet: its release stays, doomed, and the build says so
        assert first not in second["pruned"] and second["held_back"] == [first]
        assert _ids(tmp_path) == {first, second["id"]}
        with pytest.raises(ReleaseError, match="shopmind forget"):
            Releases(tmp_path).switch(first)  # `rollback --to` it would bring the customer back
        assert shop.refresh() is True and shop.release_id == second["id"]
        # the swap let go of it at once (a release not doomed stays leased until the next swap)
        assert _ids(tmp_path) == {second["id"]} and held_releases(Releases(tmp_path).root) == {second["id"]}
        assert Releases(tmp_path).held_back() == []
        third = build_release(tmp_path, CATALOG, keep=5)  # an ordinary build keeps older releases again
        assert "held_back" not in third and _ids(tmp_path) == {second["id"], third["id"]}
    finally:
        shop.stop()


def test_a_doomed_release_goes_when_its_lease_is_dropped_or_its_server_died(tmp_path: Path) -> None:
    publish_catalog(tmp_path, 8, "Red wool scarf", "Women > Scarves", 12.0, "EUR")
    ids = [build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(3)]
    root = Releases(tmp_path).root
    lease = Lease(root)  # a server serving the oldest
    lease.hold(ids[0])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # one killed with -9 serving the second
    gone.wait()
    (root / LEASES / f"{gone.pid}-dead").write_text(ids[1] + "\n", encoding="utf-8")
    mark_erasure(tmp_path)
    fourth = build_release(tmp_path, CATALOG, keep=10)
    assert sorted(fourth["pruned"]) == sorted(ids[1:]) and fourth["held_back"] == [ids[0]]
    assert (root / DOOMED / ids[0]).exists() and _ids(tmp_path) == {ids[0], fourth["id"]}
    lease.drop()  # the server stops
    assert _ids(tmp_path) == {fourth["id"]} and not (root / DOOMED / ids[0]).exists()


def test_the_next_prune_deletes_a_doomed_release_whose_server_is_gone(tmp_path: Path) -> None:
    publish_catalog(tmp_path, 8, "Red wool scarf", "Women > Scarves", 12.0, "EUR")
    first = build_release(tmp_path, CATALOG)["id"]
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    root = Releases(tmp_path).root
    try:
        (root / LEASES).mkdir(parents=True, exist_ok=True)
        (root / LEASES / f"{server.pid}-live").write_text(first + "\n", encoding="utf-8")
        mark_erasure(tmp_path)
        second = build_release(tmp_path, CATALOG, keep=5)
        assert second["held_back"] == [first]
    finally:
        server.kill()  # -9: no drop, no swap
        server.wait()
    third = build_release(tmp_path, CATALOG, keep=5)  # not a forget-build: it still deletes the doomed
    assert first in third["pruned"] and _ids(tmp_path) == {second["id"], third["id"]}


def test_forget_names_the_releases_a_running_server_holds(tmp_path: Path) -> None:
    products = pl.DataFrame({"product_id": ["P1"], "title": ["Scarf"], "price": [12.0], "currency": ["EUR"]})
    events = pl.DataFrame(
        {"event_id": ["e1"], "user_id": ["ann"], "item_id": ["P1"], "type": ["view"],
         "timestamp": ["2026-12-01T10:00:00Z"]}
    )  # fmt: skip
    cfg = GateConfig()
    with Store(tmp_path) as store:
        batch = Batch("feed", products=products, events=events)
        publish(run_gate(batch, cfg, store), store, cfg, None, force=True)
    first = build_release(tmp_path, CATALOG)["id"]
    lease = Lease(Releases(tmp_path).root)
    lease.hold(first)
    try:
        report = forget_user(tmp_path, "ann")
        assert report.applied and report.held == [first] and report.as_dict()["held"] == [first]
    finally:
        lease.drop()


def test_the_forget_builds_own_earlier_stages_are_not_said_to_hold_the_customer(tmp_path: Path) -> None:
    """Was: after `shopmind forget`, `shopmind build` beside a running server (make demo) printed 'kept
    while a running server serves them (they hold a customer removed by `shopmind forget` ...)' naming
    the build's own first and complete releases, built after the forget, which the server had moved to
    while the build ran (t1w's walk, session 32). Only an older release holds the customer."""
    import json
    import os

    publish_catalog(tmp_path, 8, "Red wool scarf", "Women > Scarves", 12.0, "EUR")
    old, stage, last = (build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(3))
    root = Releases(tmp_path).root
    manifest = root / last / "release.json"  # `last` is a progressive build's release; `stage` its first
    facts = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(
        json.dumps({**facts, "first_release": stage, "earlier_stages": [stage]}), encoding="utf-8"
    )
    (root / LEASES).mkdir(parents=True, exist_ok=True)
    (root / LEASES / f"{os.getpid()}-a").write_text(f"{old}\n", encoding="utf-8")  # one server on the old
    (root / LEASES / f"{os.getpid()}-b").write_text(f"{stage}\n", encoding="utf-8")  # one moved to the stage
    releases = Releases(tmp_path)
    releases.prune(10, forgetting=True)
    assert releases.held_back() == [old]
    assert _ids(tmp_path) == {old, stage, last}  # both still served: neither deleted under its server
