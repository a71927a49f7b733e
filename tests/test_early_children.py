"""A progressive build does not hold its first release back for what the child process still fits
(issue 17: the demo shop's first search waits on the lexical index, not on the recommendation
models fitted beside it). The child's components follow in a release of their own; every
release is whole, the first one's folders are hard-linked, nothing is left in staging."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import pytest

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import BuildContext, VectorPart, build_release
from shopmind.release.components import build_catalog
from shopmind.release.releases import STAGING_PREFIX, Releases
from shopmind.store.store import Store


@functools.cache
def _shop():
    return generate(seed=7, n_products=60, n_users=30, days=4)


@pytest.fixture()
def ws(tmp_path) -> Path:
    """A workspace whose store holds a small generated shop, gated."""
    gate, root = GateConfig(), tmp_path / "ws"
    with Store(root) as store:
        publish(run_gate(_shop().batch, gate, store), store, gate, None, force=True)
    return root


def _wait_for(path: Path, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > end:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)


def child_model(ctx: BuildContext, folder: Path) -> dict:
    """The child's component: waits for the test's go-ahead, then writes what it saw."""
    _wait_for(Path(ctx.settings["go"]))
    if ctx.settings.get("fail"):
        raise RuntimeError("the child's model failed")
    (folder / "model.json").write_text(json.dumps({"events": ctx.events.height}), encoding="utf-8")
    Path(ctx.settings["child_done"]).write_text("done", encoding="utf-8")
    return {"events": ctx.events.height}


def slow_catalog(ctx: BuildContext, folder: Path) -> dict:
    """A component run here that finishes only after the child did (the child-first case)."""
    if ctx.settings.get("wait_for_child"):
        _wait_for(Path(ctx.settings["child_done"]))
        time.sleep(0.3)  # the child's future resolves a moment after its file is written
    return dict(build_catalog(ctx, folder))


def _vectors() -> VectorPart:
    def build(_ctx: BuildContext, base: Path, folder: Path) -> dict:
        import shutil

        shutil.copytree(base, folder, dirs_exist_ok=True)
        (folder / "vectors.txt").write_text("v", encoding="utf-8")
        return {"vectors": 1}

    return VectorPart("catalog_vectors", "catalog", lambda _ctx: True, build)


COMPONENTS = [("catalog", slow_catalog), ("model", child_model)]


def _settings(tmp_path: Path, **extra) -> dict:
    return {"go": str(tmp_path / "go"), "child_done": str(tmp_path / "child-done"), **extra}


def _no_staging(ws: Path) -> bool:
    return not list((ws / "releases").glob(STAGING_PREFIX + "*"))


def test_the_first_release_does_not_wait_for_the_child(ws, tmp_path):
    settings = _settings(tmp_path)
    published: list[dict] = []

    inodes: dict[str, int] = {}
    has_model: dict[str, bool] = {}  # looked at when published: the earlier stages are pruned at the end

    def on_publish(m: dict) -> None:
        published.append(m)
        inodes[m["id"]] = (ws / "releases" / m["id"] / "catalog" / "products.parquet").stat().st_ino
        has_model[m["id"]] = (ws / "releases" / m["id"] / "model" / "model.json").exists()
        if len(published) == 1:  # the child is still waiting: let it go only now
            (tmp_path / "go").write_text("go", encoding="utf-8")

    final = build_release(
        ws, COMPONENTS, settings=settings, force=True, vector_parts=[_vectors()], parallel={"model"},
        on_publish=on_publish, early_children=True,
    )  # fmt: skip
    first, middle, complete = published
    assert first["parts"]["model"] == "pending" and first["parts"]["catalog"] == "complete"
    assert first["parts"]["catalog_vectors"] == "pending" and first["complete"] is False
    assert "model" not in first["components"]
    # the child's release: its model, the first release's catalog shared by hard link
    assert middle["parts"]["model"] == "complete" and middle["complete"] is False
    assert middle["components"]["model"]["events"] == middle["rows"]["events"]
    assert middle["earlier_stages"] == [first["id"]]
    assert inodes[first["id"]] == inodes[middle["id"]]
    assert has_model == {first["id"]: False, middle["id"]: True, complete["id"]: True}
    # the complete release has both, and says which release served first
    assert final["id"] == complete["id"] and complete["complete"] is True
    assert complete["first_release"] == first["id"]
    assert (ws / "releases" / complete["id"] / "model" / "model.json").exists()
    assert (ws / "releases" / complete["id"] / "catalog" / "vectors.txt").exists()
    assert Releases(ws).current_id() == complete["id"]
    # both earlier stages are superseded by the complete release: pruned, skipped by rollback
    assert sorted(final["pruned"]) == sorted([first["id"], middle["id"]])
    assert _no_staging(ws)


def test_a_child_done_first_is_in_the_first_release(ws, tmp_path):
    (tmp_path / "go").write_text("go", encoding="utf-8")
    published: list[dict] = []
    build_release(
        ws, COMPONENTS, settings=_settings(tmp_path, wait_for_child=True), force=True,
        vector_parts=[_vectors()], parallel={"model"}, on_publish=published.append, early_children=True,
    )  # fmt: skip
    first, complete = published
    assert first["parts"]["model"] == "complete" and first["components"]["model"]["events"] > 0
    assert complete["complete"] is True and _no_staging(ws)


def test_a_failing_child_leaves_the_first_release_serving_and_no_staging(ws, tmp_path):
    published: list[dict] = []

    def on_publish(m: dict) -> None:
        published.append(m)
        (tmp_path / "go").write_text("go", encoding="utf-8")

    with pytest.raises(RuntimeError, match="child's model failed"):
        build_release(
            ws, COMPONENTS, settings=_settings(tmp_path, fail=True), force=True, vector_parts=[_vectors()],
            parallel={"model"}, on_publish=on_publish, early_children=True,
        )  # fmt: skip
    assert len(published) == 1 and published[0]["parts"]["model"] == "pending"
    assert Releases(ws).current_id() == published[0]["id"]
    assert _no_staging(ws)


def test_without_a_vector_stage_the_only_release_waits_for_the_child(ws, tmp_path):
    published: list[dict] = []

    def go_later() -> None:
        time.sleep(0.5)
        (tmp_path / "go").write_text("go", encoding="utf-8")

    import threading

    threading.Thread(target=go_later, daemon=True).start()
    m = build_release(
        ws, COMPONENTS, settings=_settings(tmp_path), force=True, parallel={"model"},
        on_publish=published.append, early_children=True,
    )  # fmt: skip
    assert len(published) == 1 and m["complete"] is True and m["parts"]["model"] == "complete"
    assert _no_staging(ws)


def test_a_server_on_the_first_release_says_recommendations_are_being_built(ws, tmp_path):
    from fastapi.testclient import TestClient

    from shopmind.serve.app import create_app

    answers: list[tuple[int, dict]] = []  # (the child's stand-in is named "recs" here; the server only
    # reads it at the first release, where it is absent)

    def on_publish(m: dict) -> None:
        if m["parts"].get("recs") == "pending":  # the first release is current: ask a server
            with TestClient(create_app(ws, {"poll_seconds": 5})) as c:
                r = c.get("/v1/users/u1/recommendations")
                answers.append((r.status_code, r.json()))
            (tmp_path / "go").write_text("go", encoding="utf-8")

    build_release(
        ws, [("catalog", slow_catalog), ("recs", child_model)], settings=_settings(tmp_path), force=True,
        vector_parts=[_vectors()], parallel={"recs"}, on_publish=on_publish, early_children=True,
    )  # fmt: skip
    [(status, body)] = answers
    assert status == 503 and body["error"]["code"] == "no_recommender"
    assert "still being built" in body["error"]["message"]
