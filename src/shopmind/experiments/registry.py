"""The workspace's experiments (``experiments.json``): what `shopmind experiments` edits and a server
reads, so starting or stopping an experiment needs no build and no redeploy.

Writes go to a temporary file renamed over the old one (atomic on POSIX), so a server polling the
file never reads half a definition; the whole set is validated before it is written, so a bad edit
leaves the running set untouched.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from shopmind.experiments.definition import (
    ExperimentError,
    ExperimentSet,
    parse_experiments,
    to_dict,
)

FILE = "experiments.json"


def path(workspace: Path) -> Path:
    return Path(workspace) / FILE


def load(workspace: Path) -> ExperimentSet:
    """The workspace's set; an absent file is an empty set (nothing runs)."""
    p = path(workspace)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ExperimentSet()
    except json.JSONDecodeError as exc:
        raise ExperimentError(f"experiments: {p} is not valid JSON: {exc}") from None
    return parse_experiments(raw)


def save(workspace: Path, exps: ExperimentSet) -> None:
    """Validate (round-trip) and write atomically."""
    data = to_dict(exps)
    parse_experiments(data)
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".experiments-", dir=workspace)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path(workspace))


def merge(current: ExperimentSet, raw: Any) -> ExperimentSet:
    """``current`` plus the experiments (and holdout/enabled, when given) of a new definition ``raw``;
    an experiment with the same name is replaced in place (its bucket range stays)."""
    incoming = parse_experiments(raw)
    data = to_dict(current)
    by_name = {e["name"]: i for i, e in enumerate(data["experiment"])}
    for e in to_dict(incoming)["experiment"]:
        if e["name"] in by_name:
            data["experiment"][by_name[e["name"]]] = e
        else:
            data["experiment"].append(e)
    for key in ("holdout", "enabled", "holdout_salt"):
        if isinstance(raw, dict) and key in raw:
            data[key] = raw[key]
    return parse_experiments(data)


def set_status(workspace: Path, name: str, status: str) -> ExperimentSet:
    """Start (``running``) or stop (``stopped``) one experiment; unknown names are an error naming it."""
    current = load(workspace)
    data = to_dict(current)
    for e in data["experiment"]:
        if e["name"] == name:
            e["status"] = status
            break
    else:
        known = ", ".join(e.name for e in current.experiments) or "none defined"
        raise ExperimentError(
            f"experiment {name!r}: no such experiment in {path(workspace)} (known: {known})"
        )
    new = parse_experiments(data)
    save(workspace, new)
    return new
