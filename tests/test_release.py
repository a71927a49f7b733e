"""Releases: atomic publish, rollback, pruning, refusal on held runs, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import BuildContext, build_release
from shopmind.release.components import build_catalog
from shopmind.release.releases import ReleaseError, Releases
from shopmind.store.store import Store


def _products(n: int = 12, price: float = 10.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": [f"Blue denim jacket {i}" for i in range(n)],
            "category_path": ["Men > Jackets"] * n,
            "price": [price + i for i in range(n)],
            "currency": ["USD"] * n,
        }
    )


def _ingest(ws: Path, products: pl.DataFrame, force: bool = False, cfg: GateConfig | None = None) -> str:
    cfg = cfg or GateConfig()
    with Store(ws) as store:
        result = run_gate(Batch("feed", products=products), cfg, store)
        publish(result, store, cfg, None, force=force)
        return "held" if result.held and not force else "published"


CATALOG = [("catalog", build_catalog)]


def test_build_publishes_and_switches_current(tmp_path):
    _ingest(tmp_path, _products())
    m1 = build_release(tmp_path, CATALOG)
    rel = Releases(tmp_path)
    assert rel.current_id() == m1["id"]
    assert pl.read_parquet(rel.current() / "catalog" / "products.parquet").height == 12
    assert m1["rows"]["products"] == 12 and m1["components"]["catalog"]["products"] == 12
    m2 = build_release(tmp_path, CATALOG)
    assert m2["id"] > m1["id"] and rel.current_id() == m2["id"]
    assert [m["id"] for m in rel.list()] == [m2["id"], m1["id"]]
    assert rel.list()[0]["current"] is True


def test_rollback_and_prune(tmp_path):
    _ingest(tmp_path, _products())
    ids = [build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(4)]
    rel = Releases(tmp_path)
    assert rel.rollback() == ids[2] and rel.current_id() == ids[2]
    assert rel.rollback(to=ids[0]) == ids[0]
    with pytest.raises(ReleaseError, match="no older release"):
        rel.rollback()
    with pytest.raises(ReleaseError, match="no finished release"):
        rel.rollback(to="r-nope")
    # current is the oldest: pruning to 2 keeps the two newest and the current one
    assert sorted(rel.prune(keep=2)) == [ids[1]]
    assert {m["id"] for m in rel.list()} == {ids[0], ids[2], ids[3]}
    assert rel.current_id() == ids[0]


def test_failing_component_leaves_current_serving(tmp_path):
    _ingest(tmp_path, _products())
    good = build_release(tmp_path, CATALOG)["id"]

    def broken(ctx: BuildContext, folder: Path):
        (folder / "half-written.bin").write_bytes(b"x" * 100)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        build_release(tmp_path, [*CATALOG, ("broken", broken)])
    rel = Releases(tmp_path)
    assert rel.current_id() == good
    assert [m["id"] for m in rel.list()] == [good]
    assert not list(rel.root.glob(".staging-*"))


def test_held_run_refuses_unless_forced(tmp_path):
    _ingest(tmp_path, _products())
    good = build_release(tmp_path, CATALOG)["id"]
    bad = _products(price=-5.0)  # every price invalid -> error share crosses the threshold
    assert _ingest(tmp_path, bad) == "held"
    with pytest.raises(ReleaseError, match="held by the gate"):
        build_release(tmp_path, CATALOG)
    assert Releases(tmp_path).current_id() == good
    forced = build_release(tmp_path, CATALOG, force=True)
    assert forced["forced"] is True and Releases(tmp_path).current_id() == forced["id"]


def test_empty_store_is_refused(tmp_path):
    Store(tmp_path).close()
    with pytest.raises(ReleaseError, match="no quality run"):
        build_release(tmp_path, CATALOG)


def test_two_builds_cannot_run_at_once(tmp_path):
    _ingest(tmp_path, _products())
    rel = Releases(tmp_path)
    with rel.lock(), pytest.raises(ReleaseError, match="another build"):
        build_release(tmp_path, CATALOG)


def test_build_killed_mid_way_leaves_old_release(tmp_path):
    """kill -9 while a component is writing: CURRENT and the old release are untouched."""
    _ingest(tmp_path, _products())
    good = build_release(tmp_path, CATALOG)["id"]
    marker = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from shopmind.release.build import build_release
        from shopmind.release.components import build_catalog

        def slow(ctx, folder):
            (folder / "part.bin").write_bytes(b"y" * 1000)
            Path({str(marker)!r}).write_text("x")
            time.sleep(60)
            return {{}}

        build_release({str(tmp_path)!r}, [("catalog", build_catalog), ("slow", slow)])
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "build exited early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    rel = Releases(tmp_path)
    assert rel.current_id() == good
    assert json.loads((rel.current() / "release.json").read_text())["id"] == good
    assert len(list(rel.root.glob(".staging-*"))) == 1  # left by the killed build...
    again = build_release(tmp_path, CATALOG)  # ...and cleaned by the next one
    assert not list(rel.root.glob(".staging-*")) and rel.current_id() == again["id"]


def test_rollback_passes_over_a_partial_release(tmp_path):
    # a progressive build killed after its first stage leaves a release without text vectors,
    # profiles or forecasts that nothing completes; a plain rollback landed on it
    _ingest(tmp_path, _products())
    ids = [build_release(tmp_path, CATALOG, keep=10)["id"] for _ in range(4)]
    rel = Releases(tmp_path)

    def stopped_after_first_stage(rid: str) -> None:
        path = rel.root / rid / "release.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest.update(complete=False, parts={"catalog": "complete", "search_vectors": "pending"})
        path.write_text(json.dumps(manifest), encoding="utf-8")

    stopped_after_first_stage(ids[1])
    stopped_after_first_stage(ids[2])
    assert rel.rollback() == ids[0] and rel.current_id() == ids[0]
    assert rel.rollback(to=ids[2]) == ids[2]  # --to reaches any finished release, a newer one too
    assert rel.rollback() == ids[0]
    stopped_after_first_stage(ids[0])
    rel.rollback(to=ids[1])
    with pytest.raises(ReleaseError, match=f"the older ones are partial .*: {ids[0]}; pass --to ID"):
        rel.rollback()
    assert rel.current_id() == ids[1]
