"""Worker processes that end when the process that started them is gone.

Why: a ``ProcessPoolExecutor`` worker waits on its call queue, and a spawned worker holds both
ends of that queue's pipe itself, so when its parent is killed (SIGTERM/SIGKILL of
``shopmind build`` or ``demo``) the worker never sees end-of-file and waits forever, orphaned.
Every pool of the build and of ``evaluate recs`` starts its workers with
:func:`exit_with_parent`.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import Any


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class UnguardedMainError(RuntimeError):
    """Work that starts worker processes was called while this process was itself a worker
    still starting up: a script without ``if __name__ == "__main__":`` (spawned workers
    re-run the main script)."""


def refuse_in_starting_worker(what: str) -> None:
    """Raise :class:`UnguardedMainError` at once when called while a spawned worker is still
    importing the main script. Why: without it, a script calling ``shopmind.recommend.evaluate.run``
    at top level ran the whole evaluation again inside each starting worker (minutes of data
    loading and fitting) before Python's own check stopped it, so the caller seemed to hang.
    ``_inheriting`` is what multiprocessing's own check (``spawn._check_not_importing_main``) reads."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise UnguardedMainError(
            f"{what} starts worker processes, and was called while one was starting: the script that "
            'calls it needs `if __name__ == "__main__":` around that call (spawned workers re-run the '
            "main script; see 'Safe importing of main module' in the multiprocessing docs)"
        )


def spawn_pool(
    workers: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    what: str = "this",
) -> cf.ProcessPoolExecutor:
    """A process pool whose workers are spawned (not forked: torch and OpenMP thread pools are
    not fork-safe once used), refused at once inside a starting worker (see
    :func:`refuse_in_starting_worker`). ``initializer`` should call :func:`exit_with_parent`."""
    refuse_in_starting_worker(what)
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=initializer,
        initargs=initargs,
    )  # fmt: skip


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


__all__ = [
    "UnguardedMainError",
    "available_cores",
    "exit_with_parent",
    "refuse_in_starting_worker",
    "spawn_pool",
]
