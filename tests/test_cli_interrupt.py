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
