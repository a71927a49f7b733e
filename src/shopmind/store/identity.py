"""The identity of the shop a workspace holds: ``shop.json``, made once with the workspace.

Two datasets ingested into one workspace make one mixed shop (lipsticks for "red retrospot
bag"), and a server that follows whatever release appears would serve it. Every release
manifest records the shop id it was built from; a server keeps the id it started with and
refuses to switch to a release of another shop (``shopmind.serve.state``). ``dataset`` says
what the workspace was made for, so ``shopmind demo --dataset X`` can refuse a workspace
made for another dataset instead of mixing them.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHOP_FILE = "shop.json"


class ShopMismatch(ValueError):
    """A workspace holds another shop than the one a command was about to put into it."""


def read_identity(workspace: Path | str) -> dict[str, Any] | None:
    """The workspace's identity, or None when it has none yet (or it is unreadable)."""
    try:
        data = json.loads((Path(workspace) / SHOP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def shop_identity(workspace: Path | str, dataset: str | None = None) -> dict[str, Any]:
    """The workspace's identity, created (id, time, dataset) when it has none.

    Created with ``O_EXCL`` on a temporary name and linked into place, so two processes
    creating it at once agree on one id. Mode 0600: it is the workspace's, not the world's."""
    workspace = Path(workspace)
    found = read_identity(workspace)
    if found is not None:
        return found
    workspace.mkdir(parents=True, exist_ok=True)
    ident = {"id": uuid.uuid4().hex, "created_at": datetime.now(UTC).isoformat(), "dataset": dataset}
    tmp = workspace / f".{SHOP_FILE}.{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(ident, fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs wins
            os.link(tmp, workspace / SHOP_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    return read_identity(workspace) or ident


def claim_shop(workspace: Path | str, dataset: str) -> dict[str, Any]:
    """The identity of ``workspace`` for ``dataset``: made if new, refused (``ShopMismatch``)
    when the workspace was made for another dataset."""
    ident = shop_identity(workspace, dataset)
    held = ident.get("dataset")
    if held is not None and held != dataset:
        raise ShopMismatch(
            f"workspace {workspace} holds the shop of dataset {held!r}, not {dataset!r}: "
            f"use another --workspace (e.g. shopmind-data/{dataset}) so the two are not mixed"
        )
    return ident
