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
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

LEASES = ".serving"


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
        self.path.unlink(missing_ok=True)


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
