"""The suite's per-test timeout (pytest-timeout, [tool.pytest.ini_options] in pyproject.toml): a hung
test is stopped with a stack dump instead of running into CI's 90-minute limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _options() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"][
        "ini_options"
    ]


def test_the_suite_has_a_default_timeout_by_thread() -> None:
    """``thread``: the signal method can only interrupt Python bytecode, and the hangs met so far
    sat in native code (a JVM's toArrow, a worker pipe); the thread method dumps every stack and
    ends the run, whatever the main thread is blocked in."""
    options = _options()
    assert options["timeout_method"] == "thread"
    assert int(str(options["timeout"])) >= 600
    assert "pytest-timeout" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_a_sleeping_test_is_stopped_by_the_configured_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_sleeps.py").write_text(
        "import time\nimport pytest\n\n\n@pytest.mark.timeout(2)\ndef test_sleeps():\n    time.sleep(60)\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), str(tmp_path / "test_sleeps.py")],
        capture_output=True, text=True, timeout=50, env=env, cwd=tmp_path,
    )  # fmt: skip
    took = time.monotonic() - started
    assert run.returncode != 0
    assert "Timeout" in run.stdout + run.stderr and "time.sleep(60)" in run.stdout + run.stderr
    assert took < 40  # stopped after 2 s (plus interpreter start-up on a loaded machine), not after 60
