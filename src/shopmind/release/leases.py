"""Which releases a running server still reads: leases that pruning respects.

Why: a server follows ``CURRENT`` by loading the new release *beside* the one it serves and
swapping only when the load is done, and some pages read files of the served release on demand
(the inventory page reads its forecast files). A build that published a release and pruned the
superseded one at once deleted the folder under a server still serving it: the demo's inventory
page answered 500 (``FileNotFoundError`` on the pruned release's ``forecast.parquet``) in the
seconds between the warm-up release's publish and the server's swap. A server therefore holds a
lease on the release it serves - one small file per serving ``Shop`` under
``releases/.serving/``, named by process id - and :meth:`Releases.prune` never deletes a leased
release. A lease whose process is gone (a server killed with -9) counts for nothing and is
removed by the next reader, so a crash never pins a release for ever; a release a server left is
pruned by the next build.

A build after ``shopmind forget`` deletes every older release (each holds the forgotten customer's
models), but not one a server still holds: that one is *doomed* - a marker file under
``releases/.doomed/`` - and deleted as soon as nothing holds it: by the server letting go (its swap to
the new release, :meth:`Lease.swapped`, or its stop, :meth:`Lease.drop`), or by the next prune (a
server killed with -9). Before, it stayed until some later build pruned it, keeping the customer's
data for as long as the shop did not build again. A doomed release is never switched to
(``Releases.switch`` refuses it), so deleting one never needs the releases lock: the deletion is one
rename out of the way, and a second deleter finds nothing to rename.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

LEASES = ".serving"
#: marker files, one per release a forget-build could not delete because a server held it
DOOMED = ".doomed"
#: a release being deleted is first renamed to this prefix plus its id (builds clean these up too)
TRASH = ".staging-deleting-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class Lease:
    """One server's lease on the release it serves (``hold`` moves it, ``drop`` ends it)."""

    def __init__(self, root: Path) -> None:
        self.folder = Path(root) / LEASES
        # pid first (liveness), then a token: several servers in one process each hold their own
        self.path = self.folder / f"{os.getpid()}-{secrets.token_hex(4)}"

    def hold(self, *release_ids: str | None) -> None:
        """Record the releases served (atomic replace: a reader sees the old set or the new)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name("." + self.path.name + ".tmp")
        tmp.write_text("".join(f"{rid}\n" for rid in release_ids if rid), encoding="utf-8")
        os.replace(tmp, self.path)

    def drop(self) -> None:
        """End the lease (the server stops); a doomed release nothing else holds goes now."""
        self.path.unlink(missing_ok=True)
        delete_doomed(self.folder.parent)

    def swapped(self, served: str, before: str | None) -> None:
        """The server swapped from ``before`` to ``served``. ``before`` stays held (a request in
        flight may still read its files) until the next swap - unless it is doomed: it holds a
        forgotten customer's data, so it is let go and deleted now."""
        if before is not None and before in doomed(self.folder.parent):
            self.hold(served)
            delete_doomed(self.folder.parent)


def held_releases(root: Path) -> set[str]:
    """Release ids that live servers hold; leases of dead processes are removed on the way."""
    folder = Path(root) / LEASES
    if not folder.is_dir():
        return set()
    held: set[str] = set()
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue  # a lease being written
        pid_text = path.name.split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        if not _alive(int(pid_text)):
            path.unlink(missing_ok=True)
            continue
        try:
            held.update(
                line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            )
        except FileNotFoundError:  # dropped meanwhile
            continue
    return held


def doom(root: Path, release_ids: set[str] | list[str]) -> None:
    """Mark releases for deletion as soon as no server holds them (a forget-build's held ones)."""
    folder = Path(root) / DOOMED
    folder.mkdir(parents=True, exist_ok=True)
    for rid in release_ids:
        (folder / rid).touch()


def doomed(root: Path) -> set[str]:
    """Doomed releases still on disk (a marker whose release is gone is removed on the way)."""
    folder = Path(root) / DOOMED
    if not folder.is_dir():
        return set()
    out: set[str] = set()
    for marker in folder.iterdir():
        if (Path(root) / marker.name).is_dir():
            out.add(marker.name)
        else:
            marker.unlink(missing_ok=True)
    return out


def delete_release(root: Path, release_id: str) -> bool:
    """Delete one release folder: an atomic rename out of the way, then the slow delete. False when
    it is already gone (another process deleted it first)."""
    trash = Path(root) / f"{TRASH}{release_id}-{secrets.token_hex(4)}"
    try:
        os.replace(Path(root) / release_id, trash)
    except FileNotFoundError:
        return False
    shutil.rmtree(trash, ignore_errors=True)
    return True


def delete_doomed(root: Path) -> list[str]:
    """Delete the doomed releases no live server holds; their ids."""
    marked = doomed(root)
    if not marked:
        return []
    gone = [rid for rid in sorted(marked - held_releases(root)) if delete_release(root, rid)]
    for rid in gone:
        (Path(root) / DOOMED / rid).unlink(missing_ok=True)
    return gone
