"""A pre-warmed child command (``shopmind.cli.warm``): imports first, runs only when told
``go``, writes nothing when cancelled, and passes its exit code and output through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shopmind.cli.warm import Prewarmed, run


def test_cancelled_child_runs_nothing_and_writes_nothing(tmp_path: Path) -> None:
    log = tmp_path / "ws" / "build.log"
    child = Prewarmed(["build", "--workspace", str(tmp_path / "ws")], ["shopmind.cli"], log=log)
    child.cancel()
    assert child.proc.returncode == 0
    assert not log.exists() and not (tmp_path / "ws").exists()


def test_go_runs_the_command_with_its_exit_code_and_output_in_the_log(tmp_path: Path) -> None:
    log = tmp_path / "out" / "build.log"
    child = Prewarmed(["build", "--workspace", str(tmp_path / "empty")], ["shopmind.cli"], log=log)
    assert child.go().wait(timeout=120) == 2  # a user error: no store in that workspace
    text = log.read_text(encoding="utf-8")
    assert "no shopmind store" in text and "Traceback" not in text


def test_a_successful_command_exits_zero(tmp_path: Path) -> None:
    log = tmp_path / "formats.log"
    assert Prewarmed(["formats"], [], log=log).go().wait(timeout=120) == 0
    assert "online-retail" in log.read_text(encoding="utf-8")


def test_usage_without_separator_is_exit_2() -> None:
    assert run(["shopmind.cli"]) == 2


def test_a_held_child_imports_only_when_told_and_runs_on_go(tmp_path: Path) -> None:
    """``hold``: nothing is imported (nor run) until the first line; cancelled while held, it
    exits quietly; told ``import`` then ``go`` (or ``go`` alone) it runs."""
    held = Prewarmed(["formats"], ["shopmind.cli"], log=tmp_path / "never.log", hold=True)
    held.cancel()
    assert held.proc.returncode == 0 and not (tmp_path / "never.log").exists()
    staged = Prewarmed(["formats"], ["shopmind.cli"], log=tmp_path / "staged.log", hold=True)
    staged.start_imports()
    staged.start_imports()  # once only
    assert staged.go().wait(timeout=120) == 0
    assert "online-retail" in (tmp_path / "staged.log").read_text(encoding="utf-8")
    direct = Prewarmed(["formats"], ["shopmind.cli"], log=tmp_path / "direct.log", hold=True)
    assert direct.go().wait(timeout=120) == 0
    assert "online-retail" in (tmp_path / "direct.log").read_text(encoding="utf-8")
    import io
    import sys

    sys_stdin, sys.stdin = sys.stdin, io.StringIO("")
    try:
        assert run(["--hold", "--"]) == 0  # stdin closed (empty line): nothing wanted, exit quietly
    finally:
        sys.stdin = sys_stdin


def test_module_function_entries_are_called_after_import(tmp_path: Path) -> None:
    """``module:function`` imports the module and calls the function (the build's child process
    for the recommendations is started that way, ``release.children.prewarm_child``)."""
    marker = tmp_path / "called.txt"
    mod = tmp_path / "warmmark.py"
    mod.write_text(
        f"from pathlib import Path\ndef touch():\n    Path({str(marker)!r}).write_text('yes')\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "shopmind.cli.warm", "warmmark:touch", "--", "formats"],
        input=b"",  # told nothing: the command never runs, the warming did
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        timeout=120,
    )
    assert proc.returncode == 0 and marker.read_text() == "yes"


def test_the_prewarmed_build_child_is_used_once_then_a_new_pool() -> None:
    from shopmind.release import children as B

    B.prewarm_child(("json",))
    warm = B._WARM_POOL
    assert warm is not None
    try:
        pool = B._child_pool(1)
        assert pool is warm and B._WARM_POOL is None  # taken by its first use
        assert pool.submit(sum, [1, 2, 3]).result(timeout=120) == 6  # a working child
    finally:
        warm.shutdown(wait=True)
    fresh = B._child_pool(1)
    try:
        assert fresh is not warm
    finally:
        fresh.shutdown(wait=True)
