"""A build's prune never deletes a release a running server still serves (``release/leases.py``).

The demo's inventory page answered 500 (the pruned release's ``forecast.parquet`` missing) in the
seconds between the warm-up release's publish and the server's swap: the build pruned the
superseded release the server was still serving."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.release.leases import LEASES, Lease, held_releases
from shopmind.release.releases import Releases
from shopmind.serve.state import Shop
from shopmind.store.livelog import EventLog
from store_util import publish_catalog

CATALOG = [("catalog", build_catalog)]


def _shop(ws: Path) -> None:
    publish_catalog(ws, 8, "Red wool scarf", "Women > Scarves", 12.0, "EUR")


def test_a_leased_release_is_spared_by_prune_until_the_lease_ends(tmp_path: Path) -> None:
    _shop(tmp_path)
    ids = [build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(3)]
    rel = Releases(tmp_path)
    lease = Lease(rel.root)
    lease.hold(ids[0])
    assert held_releases(rel.root) == {ids[0]}
    assert rel.prune(keep=1) == [ids[1]]  # the oldest is served somewhere: kept
    assert {m["id"] for m in rel.list()} == {ids[0], ids[2]}
    lease.drop()
    assert held_releases(rel.root) == set()
    assert rel.prune(keep=1) == [ids[0]]


def test_a_dead_servers_lease_counts_for_nothing_and_is_removed(tmp_path: Path) -> None:
    _shop(tmp_path)
    ids = [build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(2)]
    rel = Releases(tmp_path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = rel.root / LEASES / f"{gone.pid}-dead"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text(ids[0] + "\n", encoding="utf-8")
    assert held_releases(rel.root) == set() and not stale.exists()
    assert rel.prune(keep=1) == [ids[0]]


def test_a_build_does_not_delete_the_release_a_server_has_not_left_yet(tmp_path: Path) -> None:
    _shop(tmp_path)
    first = build_release(tmp_path, CATALOG)["id"]
    shop = Shop(tmp_path, EventLog(tmp_path))
    try:
        assert shop.refresh() is True and shop.release_id == first
        # a build publishes and prunes before the server's watcher polls (keep=1: only the newest
        # would stay); the server still serves the first release and reads its files
        second = build_release(tmp_path, CATALOG, keep=1)
        assert first not in second["pruned"]
        assert (tmp_path / "releases" / first / "catalog" / "products.parquet").exists()
        assert shop.refresh() is True and shop.release_id == second["id"]
        # the one served until the swap stays leased with the new one (requests in flight)
        assert held_releases(Releases(tmp_path).root) == {first, second["id"]}
        third = build_release(tmp_path, CATALOG, keep=1)
        assert first not in third["pruned"]
        assert shop.refresh() is True
        fourth = build_release(tmp_path, CATALOG, keep=1)  # two swaps later: let go
        assert first in fourth["pruned"] and second["id"] not in fourth["pruned"]
    finally:
        shop.stop()
    assert held_releases(Releases(tmp_path).root) == set()
