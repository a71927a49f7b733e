"""The releases folder: versioned, immutable release folders and an atomic ``CURRENT`` pointer.

Layout of ``<workspace>/releases``::

    CURRENT                 one line: the id of the release being served
    .lock                   flock-ed by a build or a switch (one writer at a time)
    .staging-<id>/          a build in progress (never read by a server)
    <id>/release.json       a finished release; ``release.json`` is written last

Why a pointer *file* replaced with ``os.replace`` rather than a symlink swap: both are atomic
on POSIX, but a file is also readable the same way on every platform and carries no
dangling-link state. A build only ever writes inside its staging folder and publishes with
two renames (staging -> final folder, then CURRENT), so a build killed at any instant leaves
the previous release serving; staging folders left by killed builds are removed by the next
build once it holds the lock.

A progressive build publishes twice (``build.py``): a first release without text vectors
(``"complete": false``) and then the complete one (``"first_release"`` names the first).
Once its complete successor exists, a first release is *superseded*: rollback skips it and
pruning removes it (unless it is current, or a running server still serves it: ``leases.py``).
The prune of a build after ``shopmind forget`` dooms the older releases a server still serves: each
is deleted as soon as nothing holds it (``leases.py``), and is never switched to meanwhile.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.release.leases import delete_doomed, delete_release, doom, doomed, held_releases

MANIFEST = "release.json"
POINTER = "CURRENT"
STAGING_PREFIX = ".staging-"


class ReleaseError(Exception):
    """A release operation that cannot be done as asked (message says why)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_release_id(now: datetime | None = None) -> str:
    """Sortable id: UTC time to the microsecond (two builds never share one)."""
    now = now or datetime.now(UTC)
    return "r" + now.strftime("%Y%m%dT%H%M%S%fZ")


class Releases:
    """Reads and switches releases under ``<workspace>/releases``."""

    def __init__(self, workspace: Path | str) -> None:
        self.root = Path(workspace) / "releases"

    # ---------------------------------------------------------------- reading
    def current_id(self) -> str | None:
        try:
            value = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return value or None

    def current(self) -> Path | None:
        rid = self.current_id()
        return None if rid is None else self.root / rid

    def manifest(self, release_id: str) -> dict[str, Any]:
        # a release id is one folder name: "CURRENT", ".lock" or "../other/releases/r1" (from
        # `rollback --to`) is no release (they were NotADirectoryError tracebacks, or a CURRENT
        # pointing outside the workspace)
        missing = ReleaseError(f"no finished release {release_id!r} in {self.root}")
        if not release_id or release_id.startswith(".") or "/" in release_id or "\\" in release_id:
            raise missing
        path = self.root / release_id / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            raise missing from None

    def list(self) -> list[dict[str, Any]]:
        """Finished releases, newest first, each manifest plus ``current: bool``."""
        if not self.root.exists():
            return []
        cur = self.current_id()
        out = []
        for d in sorted(self.root.iterdir(), reverse=True):
            if d.is_dir() and not d.name.startswith(".") and (d / MANIFEST).exists():
                m = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
                m["current"] = d.name == cur
                out.append(m)
        return out

    # ---------------------------------------------------------------- writing
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock for builds and switches; fails fast if another holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ReleaseError(f"another build or rollback is running on {self.root}") from None
            yield
        finally:
            os.close(fd)

    def clean_staging(self) -> list[str]:
        """Remove staging folders of builds that died (call with the lock held)."""
        removed = []
        for d in self.root.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
        return removed

    def staging(self, release_id: str) -> Path:
        path = self.root / f"{STAGING_PREFIX}{release_id}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def publish(self, staging: Path, manifest: dict[str, Any]) -> Path:
        """Finish a staged build: manifest last, rename into place, then switch CURRENT."""
        release_id = manifest["id"]
        tmp = staging / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, staging / MANIFEST)
        final = self.root / release_id
        os.replace(staging, final)
        _fsync_dir(self.root)
        self.switch(release_id)
        return final

    def switch(self, release_id: str) -> None:
        """Point CURRENT at a finished release (atomic: readers see the old or the new id)."""
        self.manifest(release_id)  # raises if not finished
        if release_id in doomed(self.root):  # `rollback --to` a release kept only while a server held it
            raise ReleaseError(
                f"release {release_id} holds a customer removed by `shopmind forget`: it is deleted as soon as "
                "no server serves it, and is not switched to"
            )
        tmp = self.root / f".{POINTER}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(release_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER)
        _fsync_dir(self.root)

    def superseded(self, found: list[dict[str, Any]] | None = None) -> set[str]:
        """Earlier releases of progressive builds (the first, vector-less one and the one that
        added the child's recommendations) whose later release exists."""
        found = self.list() if found is None else found
        earlier = {m["first_release"] for m in found if m.get("first_release")}
        earlier |= {rid for m in found for rid in m.get("earlier_stages", ())}
        return earlier & {m["id"] for m in found}

    def folded_into(self, release_id: str) -> str | None:
        """The kept release an earlier stage ``release_id`` of a progressive build was folded into
        (the build's last release: same data, its vectors and warm-up added), None when
        ``release_id`` is itself a finished release or no kept release names it.

        Why: a progressive build publishes its first release, then the complete one, then the
        warm-up's, and prunes the earlier stages (they serve nothing the last one lacks, and a
        rollback must not land on a release without vectors); ``shopmind demo`` prints each id as it
        lands, so an id a person copied from it must still reach that build, not fail."""
        if (self.root / release_id / MANIFEST).exists():
            return None
        for m in self.list():  # newest first: the build's last release
            if release_id == m.get("first_release") or release_id in m.get("earlier_stages", ()):
                return str(m["id"])
        return None

    def rollback(self, to: str | None = None) -> str:
        """Switch to ``to``, or to the newest finished release older than the current one
        (skipping superseded first releases: their complete successor serves the same data, and
        partial ones: a progressive build killed or failed after its first stage left a release
        without text vectors, profiles or forecasts that no later stage completes, and a plain
        `rollback` landed on it — a rollback is for going back to what served well)."""
        if not self.root.is_dir():  # nothing to roll back; and a mistyped workspace stays uncreated
            raise ReleaseError(f"no releases in {self.root.parent}: run `shopmind build` first")
        with self.lock():
            if to is not None:
                to = self.folded_into(to) or to
                self.switch(to)
                return to
            cur = self.current_id()
            found = self.list()
            skip = self.superseded(found) | doomed(self.root)  # a forgotten customer's, kept while served
            ids = [m["id"] for m in found if m["id"] not in skip]
            older = [i for i in ids if cur is None or i < cur]
            if not older:
                raise ReleaseError("no older release to roll back to" + (f" (current: {cur})" if cur else ""))
            partial = {m["id"] for m in found if not m.get("complete", True)}
            whole = [i for i in older if i not in partial]
            if not whole:
                raise ReleaseError(
                    f"no older complete release to roll back to; the older ones are partial (a build "
                    f"stopped after its first stage): {', '.join(older)}; pass --to ID to switch to one"
                )
            self.switch(whole[0])
            return whole[0]

    def prune(self, keep: int, forgetting: bool = False) -> list[str]:
        """Delete superseded first releases, finished releases beyond the newest ``keep`` and doomed
        ones, never the current one nor one a running server still serves (``leases``: it may not
        have swapped to the new current release yet, and reads some files on demand).

        ``forgetting`` (the build after ``shopmind forget``): every release but the current one and
        its own earlier stages holds the forgotten customer, so each one a server still serves is
        doomed, deleted as soon as the server lets go of it (``held_back`` lists them)."""
        if keep < 1:
            raise ReleaseError(f"keep must be >= 1, got {keep}")
        held, current = held_releases(self.root), self.current_id()
        spared = {current} | held
        found = self.list()
        if forgetting:
            # the current release's own earlier stages (a progressive build's first and complete
            # releases) were built after the forget, from the same data: a server serving one holds
            # no forgotten customer, and the build said it did (t1w, session 32)
            cur = next((m for m in found if m["id"] == current), {})
            own = {cur.get("first_release"), *cur.get("earlier_stages", ())}
            doom(self.root, [m["id"] for m in found if m["id"] in held - own and m["id"] != current])
        skip = self.superseded(found)
        ids = [m["id"] for m in found if m["id"] not in skip]
        gone = [i for i in ids[keep:] if i not in spared] + sorted(i for i in skip if i not in spared)
        gone = [rid for rid in gone if delete_release(self.root, rid)]
        return gone + [rid for rid in delete_doomed(self.root) if rid not in gone]

    def held_back(self) -> list[str]:
        """Doomed releases a running server still holds (see ``prune``), oldest first."""
        return sorted(doomed(self.root))
