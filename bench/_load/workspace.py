"""The workspace a load run serves: built with the CLI when it has no release (see ``bench/load.py``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path


def _cmd_shopmind() -> list[str]:
    exe = Path(sys.executable).with_name("shopmind")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from shopmind.cli import main; main()"]


def _nice() -> list[str]:
    return ["nice", "-n", "5"] if shutil.which("nice") else []


def ensure_workspace(ws: Path, dataset: str, data: Path, config: Path | None) -> None:
    """Build the workspace with the CLI when it has no current release (why: the bench must be
    runnable from a clean checkout, and the CLI is what a shop would run)."""
    from shopmind.release.releases import Releases

    if ws.exists() and Releases(ws).current_id() is not None:
        return
    steps: list[list[str]] = []
    if dataset == "demo":
        src = ws.with_name(ws.name + "-demo-src")
        if not (src / "gate.toml").exists():
            steps.append([*_cmd_shopmind(), "demo-data", "--out", str(src)])
        steps.append(
            [*_cmd_shopmind(), "ingest", str(src), "--config", str(src / "gate.toml"), "--workspace", str(ws)]
        )
    else:
        folder = data / dataset
        if not folder.exists():
            raise SystemExit(f"dataset folder {folder} does not exist (pass --data, e.g. ../shared/data)")
        steps.append([*_cmd_shopmind(), "ingest", str(folder), "--format", dataset, "--workspace", str(ws)])
    build = [*_cmd_shopmind(), "build", "--workspace", str(ws)]
    if config is not None:
        build += ["--config", str(config)]
    steps.append(build)
    for cmd in steps:
        print("$", " ".join(cmd), flush=True)
        t = time.perf_counter()
        rc = subprocess.run([*_nice(), *cmd], check=False).returncode
        if rc != 0:
            raise SystemExit(f"workspace preparation failed (exit {rc}): {' '.join(cmd)}")
        print(f"  done in {time.perf_counter() - t:.0f} s", flush=True)
