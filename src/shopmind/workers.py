"""Worker processes that end when the process that started them is gone.

Why: a ``ProcessPoolExecutor`` worker waits on its call queue, and a spawned worker holds both
ends of that queue's pipe itself, so when its parent is killed (SIGTERM/SIGKILL of
``shopmind build`` or ``demo``) the worker never sees end-of-file and waits forever, orphaned.
Every pool of the build and of ``evaluate recs`` starts its workers with
:func:`exit_with_parent`.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _watch(parent: int, poll_s: float) -> None:
    while True:
        time.sleep(poll_s)
        if os.getppid() != parent:  # re-parented: the starter is gone
            os._exit(0)


def exit_with_parent(poll_s: float = 1.0) -> None:
    """In a worker: exit (without cleanup: the parent's state is gone anyway) within ``poll_s``
    seconds of the parent process ending. A daemon thread; costs one wake-up per ``poll_s``.

    The parent is the one multiprocessing recorded at spawn, not ``getppid()`` now: a build
    killed while its worker was still starting has already re-parented it (seen in CI)."""
    recorded = multiprocessing.parent_process()
    parent = recorded.pid if recorded is not None and recorded.pid else os.getppid()
    threading.Thread(target=_watch, args=(parent, poll_s), name="exit-with-parent", daemon=True).start()


__all__ = ["available_cores", "exit_with_parent"]
