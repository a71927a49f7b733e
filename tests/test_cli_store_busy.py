"""Two commands at once on one workspace: DuckDB admits one process on the store, and the second
`shopmind ingest` (or `runs`, `quarantine`, a build) ended in DuckDB's lock error as a traceback.
It is one line naming the store and the process holding it, exit 2, and nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.store.store import Store, StoreBusy

HOLD = """
import sys, time
from shopmind.store.store import Store
with Store(sys.argv[1]):
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_second_command_on_a_busy_store_is_one_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    Store(ws).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(ws)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreBusy, match=rf"in use by another shopmind command \(PID {holder.pid}\)"):
            Store(ws, read_only=True)
        before = sorted(p.name for p in ws.iterdir())
        run = subprocess.run([sys.executable, "-m", "shopmind.cli", "runs", "-w", str(ws)],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        assert run.returncode == 2, (run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stderr.strip() == (
            f"error: the store {ws / 'shopmind.duckdb'} is in use by another shopmind command (PID {holder.pid}): "
            "one command uses it at a time; run this one again when that one is done"
        )
        assert sorted(p.name for p in ws.iterdir()) == before
    finally:
        holder.kill()
        holder.wait()
    with Store(ws, read_only=True):  # free again once the holder is gone
        pass
