"""A real ``build_release`` in a child process, held at a chosen stage (tests of kill -9 and of what
``shopmind demo`` says while a build goes on).

Why one helper: ``tests/test_progressive.py`` (kill -9 in the vector stage) and
``tests/test_warm_after_complete.py`` (kill -9 in the past-query warm-up) each wrote the same
runner — a build script, a marker file, a wait, SIGKILL, the manifest left current — and
``tests/test_demo_follow.py`` needs the same build held and then let go.

The held stage writes a partial file into its staging folder (what a kill leaves half written),
then the marker, and waits for :meth:`HeldBuild.resume`; resumed, it removes the partial file and
runs the real stage, so the build ends as an unheld one would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Literal

from shopmind.config import GateConfig
from shopmind.quality.gate import publish, run_gate
from shopmind.release.releases import Releases
from shopmind.store.store import Store

#: where the child build stops: in its vector stage (``VectorPart.build``: the first, incomplete
#: release is current) or in the past-query warm-up after the complete release (``FollowUp.build``)
Stage = Literal["vector_stage", "warm_up"]

_SCRIPT = """
import functools
import time
from pathlib import Path

from shopmind.release.build import FollowUp, VectorPart, build_release
from shopmind.release.components import default_components, default_vector_parts

MARKER, GO = Path({marker!r}), Path({go!r})


def held(original, ctx, base, folder, *rest):
    partial = folder / "half-written.npy"
    partial.write_bytes(b"x" * 1000)
    MARKER.write_text("in")
    deadline = time.monotonic() + 600
    while not GO.exists():
        if time.monotonic() > deadline:
            raise SystemExit("held build never resumed")
        time.sleep(0.05)
    partial.unlink()
    return original(ctx, base, folder, *rest)


def parts():
    out = []
    for p in default_vector_parts():
        f = p.follow_up
        if {stage!r} == "vector_stage":
            out.append(VectorPart(p.name, p.component, p.needed, functools.partial(held, p.build), f))
        elif f is not None:
            follow = FollowUp(f.name, f.needed, functools.partial(held, f.build))
            out.append(VectorPart(p.name, p.component, p.needed, p.build, follow))
        else:
            out.append(p)
    return out


if __name__ == "__main__":
    build_release({ws!r}, default_components(), settings={settings!r}, force=True,
                  cache_dir=Path({cache!r}), vector_parts=parts())
"""


def ingest_forced(ws: Path, batch: Any) -> Path:
    """``batch`` through the gate into the store of ``ws``, published even when held (the demo
    shop's planted defects hold the gate)."""
    gate = GateConfig()
    with Store(ws) as store:
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
    return ws


class HeldBuild:
    """``build_release(ws, default_components(), settings, vector_parts=default...)`` in a child
    process that stops in ``stage`` until resumed (or killed)."""

    def __init__(self, tmp: Path, ws: Path, settings: dict[str, Any], stage: Stage, cache: Path) -> None:
        self.ws = ws
        self.marker, self.go = tmp / f"held-in-{stage}", tmp / f"resume-{stage}"
        script = tmp / f"build_held_in_{stage}.py"
        script.write_text(
            textwrap.dedent(_SCRIPT).format(
                marker=str(self.marker), go=str(self.go), stage=stage, ws=str(ws), settings=settings,
                cache=str(cache),
            )
        )  # fmt: skip
        self.proc = subprocess.Popen([sys.executable, str(script)])

    def wait_held(self, timeout: float = 600.0) -> None:
        """Until the build is in the held stage (fails if it exits first or takes too long)."""
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            assert self.proc.poll() is None, f"the build exited ({self.proc.returncode}) before it was held"
            assert time.monotonic() < deadline, "the build did not reach the held stage in time"
            time.sleep(0.1)

    def resume(self) -> None:
        """Let the held stage run (the real one) and the build finish."""
        self.go.write_text("go")

    def kill9(self) -> None:
        """SIGKILL: no clean-up code of any kind runs in the build."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """Whatever state it is in, the child is gone afterwards (for ``finally`` blocks)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def kill_when_held(
    tmp: Path, ws: Path, settings: dict[str, Any], stage: Stage, cache: Path, timeout: float = 600.0
) -> dict[str, Any]:
    """Start a build held in ``stage``, wait for it, SIGKILL it; the manifest of the release left
    current (the test then checks it is the one that should serve)."""
    build = HeldBuild(tmp, ws, settings, stage, cache)
    try:
        build.wait_held(timeout)
        build.kill9()
    finally:
        build.stop()
    rel = Releases(ws)
    rid = rel.current_id()
    assert rid is not None, "no release left current"
    return rel.manifest(rid)
