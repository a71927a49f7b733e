"""Pool workers end with the process that started them (``shopmind.workers``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PARENT = """
import concurrent.futures as cf, multiprocessing, os, sys, time
from shopmind.workers import exit_with_parent

def pid():
    return os.getpid()

if __name__ == "__main__":
    init = exit_with_parent if sys.argv[1] == "watch" else None
    pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=init)
    print(pool.submit(pid).result(), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited


def _orphan_after_kill(tmp_path: Path, mode: str) -> tuple[int, bool]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.send_signal(signal.SIGKILL)  # no cleanup of any kind in the parent
    parent.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    return worker, _alive(worker)


def test_a_worker_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    _, alive = _orphan_after_kill(tmp_path, "watch")
    assert not alive


def test_without_the_watch_the_worker_is_orphaned(tmp_path: Path) -> None:
    """The defect the watch fixes (so the test above can fail): the plain worker stays."""
    worker, alive = _orphan_after_kill(tmp_path, "plain")
    try:
        assert alive
    finally:
        if alive:
            os.kill(worker, signal.SIGKILL)


def test_a_worker_whose_parent_died_before_its_start_exits() -> None:
    """The race CI showed: the build killed while its worker was still importing, so at the
    initializer ``getppid()`` already named init. The parent recorded at spawn is what is watched."""
    code = (
        "import multiprocessing, time\n"
        "import shopmind.workers as w\n"
        "class Gone:\n    pid = 2**22 + 12345\n"  # above Linux's pid_max default: never a live process
        "multiprocessing.parent_process = lambda: Gone\n"
        "w.exit_with_parent(0.05)\n"
        "time.sleep(10)\n"
        "print('still here')\n"
    )
    t = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "still here" not in done.stdout
    assert time.monotonic() - t < 8


UNGUARDED = """
import sys
print("top level ran", flush=True)
from shopmind.recommend import evaluate
# no `if __name__ == "__main__":` guard: each spawned worker re-runs this file
evaluate.run("movielens", __import__("pathlib").Path(sys.argv[1]), workers=2)
"""


def test_unguarded_script_fails_fast_with_the_reason(tmp_path: Path) -> None:
    """A script calling ``evaluate.run`` without a main guard: the re-run inside the starting
    worker stops at once with the reason (it used to redo the whole evaluation first)."""
    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "movielens-100k"
    if not data.exists():
        import pytest

        pytest.skip("needs ../shared/data/movielens-100k")
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED, encoding="utf-8")
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), str(data)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode != 0
    assert "UnguardedMainError" in done.stderr
    assert 'needs `if __name__ == "__main__":`' in done.stderr
    # the parent loaded and gated the data once; no worker got as far as its own load
    assert done.stdout.count("accepted by the gate") == 1, done.stdout
    assert time.perf_counter() - t0 < 590


def test_guard_is_silent_in_the_main_process() -> None:
    from shopmind.workers import refuse_in_starting_worker

    refuse_in_starting_worker("anything")  # the main process is not a starting worker: no error
