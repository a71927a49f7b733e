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
import multiprocessing.context
import os
import signal
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
    :func:`refuse_in_starting_worker`), and quiet on Ctrl-C (see :class:`_QuietPool`).
    ``initializer`` should call :func:`exit_with_parent`."""
    refuse_in_starting_worker(what)
    return _QuietPool(
        max_workers=workers, mp_context=_MaskedSpawnContext(), initializer=_start_worker,
        initargs=(initializer, initargs),
    )  # fmt: skip


# ------------------------------------------------------------------ Ctrl-C in a pool's workers
# A terminal's Ctrl-C sends SIGINT to every process of the foreground group, the workers too.
# Each raised KeyboardInterrupt: an idle worker (waiting for a task) printed "Process
# SpawnProcess-2:" and multiprocessing's traceback, one still starting (importing the main
# script) spawn_main's, under the parent's one "interrupted" line. Now a worker starts with
# SIGINT blocked (a Ctrl-C during its start waits) and its first code (``_start_worker``)
# installs ``_on_interrupt`` and unblocks it, which acts by the worker's state:
# - starting (before its first task can be read): ends at once, silently — it holds nothing;
# - running a task: the task gets the KeyboardInterrupt as before (its ``finally`` blocks run,
#   the parent gets it back as the task's result, quietly, and is not left waiting for a task
#   that goes on);
# - idle: nothing — it holds the task queue's lock while it waits, and a worker that died there
#   left the others blocked on that lock and the parent waiting for them at exit (seen: a 60 s
#   hang); the pool's shutdown, when the interrupted parent exits, ends it as any idle worker.

#: this worker's state, read by ``_on_interrupt``: "starting", "idle" or "task"
_STATE = "starting"
#: a worker's exit status when Ctrl-C ends it while starting (128 + SIGINT, as a shell says)
INTERRUPTED_EXIT = 130


class _MaskedSpawnProcess(multiprocessing.context.SpawnProcess):
    """A spawned process that starts with SIGINT blocked: the mask is inherited through fork and
    exec, and Python does not unblock it, so a Ctrl-C stays pending until ``_start_worker``."""

    def start(self) -> None:
        if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
            super().start()
            return
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _MaskedSpawnContext(multiprocessing.context.SpawnContext):
    Process = _MaskedSpawnProcess  # type: ignore[assignment]


def _on_interrupt(signum: int, frame: Any) -> None:
    if _STATE == "task":
        raise KeyboardInterrupt
    if _STATE == "starting":
        os._exit(INTERRUPTED_EXIT)


def _start_worker(initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    """A worker's first code: Ctrl-C handled and unblocked (one that came while the worker
    started lands now and ends it), then the pool's own initializer (which may load a model for
    seconds: a Ctrl-C then ends the worker at once, where it logged "Exception in initializer")."""
    global _STATE
    signal.signal(signal.SIGINT, _on_interrupt)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if initializer is not None:
        initializer(*initargs)
    _STATE = "idle"


def _run_task(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    global _STATE
    _STATE = "task"
    try:
        return fn(*args, **kwargs)
    finally:
        _STATE = "idle"


class _QuietPool(cf.ProcessPoolExecutor):
    """``ProcessPoolExecutor`` whose tasks run marked as tasks (``_run_task``), for ``_on_interrupt``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        return super().submit(_run_task, fn, args, kwargs)


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
