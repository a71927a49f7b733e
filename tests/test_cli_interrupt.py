"""Ctrl-C says what happened: typer (0.29) answers it with a bare exit 130, so the command
stopped without a word and `main`'s "interrupted" line never ran (a build interrupted in a
terminal printed only a child process's traceback)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import shopmind.data.adapters as adapters
from shopmind.cli import main

class Interrupted(dict):
    def values(self):
        raise KeyboardInterrupt  # Ctrl-C while the command runs

adapters.ADAPTERS = Interrupted()
sys.argv = ["shopmind", "formats"]
main()
"""


def test_ctrl_c_exits_130_with_one_line_and_no_traceback() -> None:
    run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 130, (run.stdout, run.stderr)
    assert "interrupted; nothing was published by the interrupted step" in run.stderr
    assert "Traceback" not in run.stderr


def test_other_exit_codes_print_no_interrupted_line() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from shopmind.cli import main; sys.argv = ['shopmind', 'formats']; main()"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0 and "interrupted" not in run.stderr + run.stdout


#: A parent with a pool from ``workers.spawn_pool``: one worker busy with a long task, one idle
#: (both started), as a build's encoder pool or child process is when Ctrl-C comes.
POOL_SCRIPT = """
import sys, time
from shopmind.workers import exit_with_parent, spawn_pool

def nap(seconds):
    time.sleep(seconds)
    return seconds

if __name__ == "__main__":
    pool = spawn_pool(2, exit_with_parent, what="the test's pool")
    for f in [pool.submit(nap, 0.5), pool.submit(nap, 0.5)]:
        f.result()  # both workers have started and are idle
    busy = pool.submit(nap, 60)
    print("ready", flush=True)
    try:
        busy.result()
    except KeyboardInterrupt:
        print("parent interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
"""

#: The same while the workers are still starting: a spawned worker re-imports the main script
#: (as ``__mp_main__``), here slowly, as it imports polars and the CLI for a build.
STARTING_SCRIPT = """
import sys, time
from shopmind.workers import exit_with_parent, spawn_pool

if __name__ == "__mp_main__":
    time.sleep(3)  # a worker's slow start

def nap(seconds):
    time.sleep(seconds)

if __name__ == "__main__":
    pool = spawn_pool(2, exit_with_parent, what="the test's pool")
    futures = [pool.submit(nap, 60), pool.submit(nap, 60)]
    print("ready", flush=True)
    try:
        futures[0].result()
    except KeyboardInterrupt:
        print("parent interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
"""


def _ctrl_c(tmp_path, script: str, wait: float) -> tuple[int, str, float]:
    """Run ``script`` in its own process group, then do what a terminal does on Ctrl-C: SIGINT to
    every process of the group. Returns the exit code, stderr and seconds from Ctrl-C to exit."""
    import os
    import signal
    import time

    path = tmp_path / "pool_script.py"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(wait)
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10  # workers end with their parent (exit_with_parent: 1 s)
    while (alive := _group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive == [], f"processes left behind: {alive}"
    return proc.returncode, err, took


def _group(pgid: int) -> list[str]:
    """Processes of a process group, but exited ones not yet reaped (zombies)."""
    ps = subprocess.run(["ps", "-o", "stat=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if line.strip() and not line.lstrip().startswith("Z")]


def test_ctrl_c_stops_busy_and_idle_workers_without_their_tracebacks(tmp_path) -> None:
    """An idle worker (waiting for a task) printed "Process SpawnProcess-2:" and a KeyboardInterrupt
    traceback of multiprocessing's queue; now it exits quietly, the busy one's task is interrupted
    (the parent is not left waiting for it) and only the parent speaks."""
    code, err, took = _ctrl_c(tmp_path, POOL_SCRIPT, wait=0.5)
    assert code == 130 and err.strip() == "parent interrupted", err
    assert took < 30  # the 60 s task did not hold the parent


def test_ctrl_c_while_workers_start_is_quiet(tmp_path) -> None:
    """A worker still importing the main script printed spawn_main's KeyboardInterrupt traceback."""
    code, err, took = _ctrl_c(tmp_path, STARTING_SCRIPT, wait=1.0)
    assert code == 130 and err.strip() == "parent interrupted", err
    assert took < 30


def _interrupt_command(cmd: list[str], after: float, cwd) -> tuple[int, str]:
    """Start ``cmd`` in its own process group, Ctrl-C the group after ``after`` seconds."""
    import os
    import signal
    import time

    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, cwd=cwd,
    )  # fmt: skip
    try:
        time.sleep(after)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err


def test_the_demos_children_stop_without_a_word(tmp_path) -> None:
    """``shopmind demo``'s pre-warmed child, waiting for its "go", printed a KeyboardInterrupt
    traceback from ``sys.stdin.readline`` under the demo's line; its generator one from wherever
    it was. Both now exit 130 silently: the demo (their parent, in the same group) says it once."""
    code, err = _interrupt_command(
        [sys.executable, "-m", "shopmind.cli.warm", "shopmind.cli", "--", "formats"], 4, tmp_path
    )
    assert code == 130 and err == "", err
    gen = [sys.executable, "-m", "shopmind.demo.shopfiles", "--out", str(tmp_path / "shop"), "--products", "100000",
           "--users", "20000"]  # fmt: skip
    code, err = _interrupt_command(gen, 4, tmp_path)
    assert code == 130 and err == "", err


def test_a_child_command_is_interrupted_without_its_own_line() -> None:
    """A demo child's command (``main(say_interrupted=False)``) exits 130 without the line the
    parent prints; the ``shopmind`` script itself still prints it (the first test)."""
    code = CODE.replace("main()", "main(say_interrupted=False)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 130 and run.stderr == "" and "interrupted" not in run.stdout, run.stderr
