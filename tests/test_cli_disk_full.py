"""A full disk is one line and exit 2, not a traceback: a build on a 12 MB tmpfs ended in 30 lines
of traceback (OSError ENOSPC from the LTR model's save, numpy's "54912 requested and 26592
written"), an ingest in DuckDB's failed-commit error, though neither had published anything."""

from __future__ import annotations

import errno
import subprocess
import sys

import duckdb

from shopmind.cli import disk_full

CODE = """
import errno, sys
import shopmind.release.build as build

def full(*args, **kwargs):
    try:
        raise OSError(errno.ENOSPC, "No space left on device", "WS/releases/.staging-r1/search/ltr-model.txt")
    except OSError as exc:
        raise RuntimeError("the search component failed") from exc

build.build_release = full
from shopmind.cli import main
sys.argv = ["shopmind", "build", "--workspace", sys.argv[1]]
main()
"""


def test_a_build_on_a_full_disk_says_so_in_one_line(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines == [
        "error: no space left on the device (writing WS/releases/.staging-r1/search/ltr-model.txt); "
        "nothing was published by the step that was writing: free space and run the command again"
    ]


def test_what_counts_as_a_full_disk() -> None:
    wal = duckdb.TransactionException(
        'TransactionContext Error: Failed to commit: Could not write file "ws/shopmind.duckdb.wal": '
        "No space left on device"
    )
    assert disk_full(wal) == "ws/shopmind.duckdb.wal"
    assert disk_full(OSError("54912 requested and 26592 written")) == "a file"  # numpy's tofile()
    assert disk_full(OSError(errno.ENOSPC, "No space left on device")) == "a file"
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "a/b.npy")
        except OSError:
            raise ValueError("wrapped") from None  # hidden from a traceback, still the context
    except ValueError as exc:
        assert disk_full(exc) == "a/b.npy"
    # anything else stays a traceback: a bug must not be dressed as a full disk
    assert disk_full(OSError(errno.EACCES, "Permission denied", "x")) is None
    assert disk_full(RuntimeError("boom")) is None
