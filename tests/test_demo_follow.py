"""``shopmind demo`` says "complete" when the complete release is served, not when the build ends
(issue 17, session 16).

Since session 15 a build goes on after its complete release with the past-query warm-up (a
latency warm-up, ``release/search_warmup.py``). The demo printed "complete" and started its
evaluations when the build *process* exited, i.e. after the warm-up. Here a real build is held in
its warm-up (``build_script_util.HeldBuild``) while the demo's follower runs: "complete" must be
said while the build still runs, the warm-up shown as going on in the background, the evaluations
(``after``) not started until the build has ended, and the warm-up's end said once it lands.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

import shopmind.cli.demo_follow as follow
from build_script_util import HeldBuild, ingest_forced
from shopmind.demo.generator import generate
from shopmind.release.releases import Releases

# the test shop of tests/test_warm_after_complete.py: USE (fast), a past-query warm-up to follow
SETTINGS = {"search": {"encoder": "use", "query_encoding": "inline"}, "recs": {"encoder": "use"}}
COMPLETE = "complete (all parts)"


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=240, n_users=150, days=20)


def _current(ws: Path) -> dict | None:
    rel = Releases(ws)
    rid = rel.current_id()
    return None if rid is None else rel.manifest(rid)


def _wait_for(cond, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_demo_says_complete_when_the_complete_release_is_served_not_when_the_build_ends(
    tmp_path: Path, shop, monkeypatch
) -> None:
    ws = ingest_forced(tmp_path / "ws", shop.batch)
    out = io.StringIO()
    monkeypatch.setattr(follow, "console", Console(file=out, width=400, color_system=None))
    build = HeldBuild(tmp_path, ws, SETTINGS, "warm_up", tmp_path / "cache")
    after_ran: list[bool] = []  # whether the build was still running when the evaluations started
    follower = threading.Thread(
        target=follow._follow_build,
        args=(ws, build.proc, threading.Event(), lambda: after_ran.append(build.proc.poll() is None)),
        daemon=True,
    )
    try:
        follower.start()
        build.wait_held()  # the complete release is current; the build is in its warm-up
        m = _current(ws)
        assert m is not None and m["complete"] is True and m["warm_up"] == {"search_queries": "pending"}
        _wait_for(lambda: COMPLETE in out.getvalue(), "the demo to say 'complete'", timeout=30)
        text = out.getvalue()
        assert build.proc.poll() is None  # said while the build goes on with its warm-up
        assert f"release {m['id']} {COMPLETE}" in text
        assert "still being encoded in the background" in text  # the warm-up shown as such
        assert after_ran == [] and "warm-up done" not in text  # the evaluations wait for the build
        build.resume()
        follower.join(timeout=300)
        assert not follower.is_alive()
        assert build.proc.wait(timeout=30) == 0
    finally:
        build.stop()
    text = out.getvalue()
    last = _current(ws)
    assert last is not None and last["warm_up"] == {"search_queries": "complete"}
    assert last["warm_up_of"] == m["id"]
    assert text.count(COMPLETE) == 1 and text.index(COMPLETE) < text.index("warm-up done")
    assert f"release {last['id']} after" in text
    assert after_ran == [False]  # once, after the build had ended


def test_a_re_run_does_not_take_the_earlier_demo_s_complete_release_for_its_own() -> None:
    earlier = {"id": "r20261205T090000000000Z", "complete": True}
    assert not follow._complete_of_this_build(earlier, earlier["id"])
    assert follow._complete_of_this_build({"id": "r20261205T100000000000Z", "complete": True}, earlier["id"])
    assert not follow._complete_of_this_build({"id": "r20261205T100000000000Z", "complete": False}, None)
    assert follow._complete_of_this_build(earlier, None)
