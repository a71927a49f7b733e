"""Saved readouts: ``reports/experiments/<name>.json`` in the workspace, written by
`shopmind experiments readout` and read by the API and the experiments dashboard (the server never
computes a readout on the request path, as the quality dashboard reads saved run summaries)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from shopmind.experiments.definition import NAME_RE

FOLDER = Path("reports") / "experiments"


def save_readout(workspace: Path, name: str, readout: dict[str, Any]) -> Path:
    """Write the readout atomically (a dashboard reading at that moment sees the old or the new one)."""
    folder = Path(workspace) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".readout-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(readout, fh, indent=2, allow_nan=False)
    target = folder / f"{name}.json"
    os.replace(tmp, target)
    return target


def load_readout(workspace: Path, name: str) -> dict[str, Any] | None:
    """The latest saved readout of ``name``, or None (never read a path built from an unchecked name)."""
    if not NAME_RE.match(name):
        return None
    try:
        return json.loads((Path(workspace) / FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
