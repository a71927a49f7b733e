"""Late components (profiles, forecasts): left out of the first release of a progressive build,
marked pending, and built with the text vectors into the complete release — nothing a first
search needs waits for them (issue 17: seconds to a searchable shop)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.forecast.served import why_none
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import BuildContext, VectorPart, build_release
from shopmind.release.components import DEFAULT_LATE, build_catalog
from shopmind.release.releases import Releases
from shopmind.store.store import Store


@pytest.fixture(scope="module")
def shop():
    return generate(seed=5, n_products=80, n_users=40, days=5)


@pytest.fixture()
def ws(tmp_path, shop) -> Path:
    ws = tmp_path / "ws"
    gate = GateConfig()
    with Store(ws) as store:
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    return ws


def _notes(ctx: BuildContext, folder: Path) -> dict:
    """A late component: counts what it saw (so the test can check it ran on the same data)."""
    (folder / "notes.json").write_text(json.dumps({"events": ctx.events.height}), encoding="utf-8")
    return {"events": ctx.events.height}


def _vectors(needed: bool, fail: bool = False) -> VectorPart:
    def build(_ctx: BuildContext, base: Path, folder: Path) -> dict:
        if fail:
            raise RuntimeError("the vector stage failed")
        shutil.copytree(base, folder, dirs_exist_ok=True)
        (folder / "vectors.txt").write_text("v", encoding="utf-8")
        return {"vectors": 1}

    return VectorPart("catalog_vectors", "catalog", lambda _ctx: needed, build)


COMPONENTS = [("catalog", build_catalog), ("notes", _notes)]


def test_late_component_is_pending_in_the_first_release_and_complete_in_the_second(ws):
    published: list[dict] = []
    final = build_release(
        ws, COMPONENTS, force=True, vector_parts=[_vectors(True)], late={"notes"}, on_publish=published.append
    )
    first, complete = published
    assert first["complete"] is False
    assert first["parts"]["notes"] == "pending" and first["parts"]["catalog_vectors"] == "pending"
    assert first["parts"]["catalog"] == "complete"
    assert "notes" not in first["components"]
    assert not (ws / "releases" / first["id"] / "notes").exists()
    assert final["id"] == complete["id"] and complete["complete"] is True
    assert complete["parts"]["notes"] == "complete"
    folder = ws / "releases" / complete["id"]
    events = json.loads((folder / "notes" / "notes.json").read_text(encoding="utf-8"))["events"]
    assert events == complete["rows"]["events"] == complete["components"]["notes"]["events"]
    assert (folder / "catalog" / "vectors.txt").exists()
    assert Releases(ws).current_id() == complete["id"]


def test_without_a_vector_stage_late_components_are_in_the_only_release(ws):
    published: list[dict] = []
    m = build_release(
        ws,
        COMPONENTS,
        force=True,
        vector_parts=[_vectors(False)],
        late={"notes"},
        on_publish=published.append,
    )
    assert len(published) == 1 and m["complete"] is True
    assert m["parts"]["notes"] == "complete" and m["parts"]["catalog_vectors"] == "not needed"
    assert (ws / "releases" / m["id"] / "notes" / "notes.json").exists()


def test_a_failed_second_stage_leaves_the_first_release_serving_without_the_late_part(ws):
    published: list[dict] = []
    with pytest.raises(RuntimeError, match="vector stage failed"):
        build_release(
            ws, COMPONENTS, force=True, vector_parts=[_vectors(True, fail=True)], late={"notes"},
            on_publish=published.append,
        )  # fmt: skip
    assert len(published) == 1
    assert Releases(ws).current_id() == published[0]["id"]
    assert not (ws / "releases" / published[0]["id"] / "notes").exists()


def test_the_default_late_components_say_they_are_building():
    # nothing a first search or recommendation needs waits; what a dashboard reads may
    assert {"profiles", "forecast"} <= set(DEFAULT_LATE)
    assert not {"catalog", "search", "recs"} & set(DEFAULT_LATE)
    msg = why_none({"parts": {"forecast": "pending"}, "components": {}})
    assert "still building" in msg
    assert "without forecasts" in why_none({"parts": {}, "components": {}})


def _where(_ctx: BuildContext, folder: Path) -> dict:
    """A late component that records the process it ran in."""
    import os

    (folder / "pid.txt").write_text(str(os.getpid()), encoding="utf-8")
    return {"pid": os.getpid()}


def _broken(_ctx: BuildContext, _folder: Path) -> dict:
    raise ValueError("the forecast failed")


def test_late_components_run_in_the_child_beside_the_vector_stage(ws):
    # the vector stage encodes here; the late components fill the other core (issue 17)
    import os

    m = build_release(
        ws, [*COMPONENTS, ("where", _where)], force=True, vector_parts=[_vectors(True)], late={"notes", "where"},
    )  # fmt: skip
    assert m["complete"] is True and m["parts"]["where"] == "complete"
    child = m["components"]["where"]["pid"]
    assert child != os.getpid()
    assert int((ws / "releases" / m["id"] / "where" / "pid.txt").read_text(encoding="utf-8")) == child
    # both late components ran, on the same data as the build
    assert m["components"]["notes"]["events"] == m["rows"]["events"]


def test_a_failed_late_component_in_the_child_leaves_the_first_release_serving(ws):
    published: list[dict] = []
    with pytest.raises(ValueError, match="forecast failed"):
        build_release(
            ws, [*COMPONENTS, ("broken", _broken)], force=True, vector_parts=[_vectors(True)],
            late={"notes", "broken"}, on_publish=published.append,
        )  # fmt: skip
    assert len(published) == 1
    assert Releases(ws).current_id() == published[0]["id"]
    first = ws / "releases" / published[0]["id"]
    assert not (first / "broken").exists() and not (first / "notes").exists()
    assert not [p for p in (ws / "releases").iterdir() if p.name.startswith(".staging")]


def test_a_queued_child_component_starts_its_stage_when_the_child_takes_it(ws):
    # one child runs the late components one after the other: the progress a person reads must
    # not show the second as running while it waits behind the first
    rec = _recorder()
    build_release(
        ws, [*COMPONENTS, ("where", _where)], force=True, vector_parts=[_vectors(True)], late={"notes", "where"},
        progress=rec,
    )  # fmt: skip
    child = [e for e in rec.log if e[1].endswith("(child process)")]
    assert child == [
        ("start", "notes (child process)"),
        ("finish", "notes (child process)"),
        ("start", "where (child process)"),
        ("finish", "where (child process)"),
    ]


def test_a_vector_part_in_the_child_shows_its_own_name(ws):
    # the second stage runs a component again for its vector part ("recs" for "recs_content"):
    # the demo printed "done recs (child process)" twice, the second meaning the content vectors
    rec = _recorder()
    part = VectorPart("catalog_vectors", "catalog", lambda _ctx: True, _copy_with_vectors)  # picklable build
    build_release(ws, COMPONENTS, force=True, vector_parts=[part], parallel=("catalog",), progress=rec)
    child = [name for kind, name in rec.log if kind == "start" and name.endswith("(child process)")]
    assert child == ["catalog (child process)", "catalog_vectors (child process)"]


def _copy_with_vectors(_ctx: BuildContext, base: Path, folder: Path) -> dict:
    shutil.copytree(base, folder, dirs_exist_ok=True)
    (folder / "vectors.txt").write_text("v", encoding="utf-8")
    return {"vectors": 1}


def _recorder():
    """A build progress that logs every stage's start and finish, in order."""
    from shopmind.release.progress import BuildProgress

    class Recorder(BuildProgress):
        def __init__(self) -> None:
            super().__init__()
            self.log: list[tuple[str, str]] = []

        def start(self, name: str, total: int | None = None) -> None:
            self.log.append(("start", name))
            super().start(name, total)

        def finish(self, name: str) -> None:
            self.log.append(("finish", name))
            super().finish(name)

    return Recorder()
