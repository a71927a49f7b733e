"""Worker processes for the independent fits of ``shopmind evaluate recs`` (issue 12 item 3).

Every validation grid point, every test-phase refit and every inner fit of the leave-one-out
ranker is a fit plus a full ranking that shares nothing with its siblings, and most of that work
holds the GIL (scipy's sparse products, Python loops around torch) or runs one thread (SASRec,
LightGBM), so threads would not fill two cores; processes do. Each worker runs single-threaded
(BLAS, OpenMP, ``implicit``, ``top_k``): two workers on two cores, not four threads fighting.

``Runner(workers=1)`` runs every task in this process, in submission order, with the same
one-thread settings (the serial path); ``workers=2`` returns the same values (each task is
deterministic and independent — ``tests/test_evaluate_parallel.py``). One thread matters for
BPR: ``implicit``'s SGD is lock-free (Hogwild) with more threads and then differs run to run.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Self

from shopmind.recommend import als, base
from shopmind.workers import available_cores, exit_with_parent, spawn_pool

#: Phase data (``evaluate.PhaseData``) by name, set once per worker by ``_start``.
_PHASES: dict[str, Any] = {}
_LIMITS: list[Any] = []


def default_workers() -> int:
    """One worker per core the process may use (2 on the reference box), at least 1."""
    return available_cores()


def single_threaded() -> None:
    """Make this process use one thread everywhere (BLAS/OpenMP pools, ``implicit``, ``top_k``)."""
    from threadpoolctl import threadpool_limits

    _LIMITS.append(threadpool_limits(1))  # kept: the limit lasts while the object lives
    base.TOP_K_THREADS = 1
    als.THREADS = 1


@contextmanager
def _one_thread() -> Iterator[None]:
    """``single_threaded`` for the duration of one in-process task, then restored."""
    from threadpoolctl import threadpool_limits

    saved = base.TOP_K_THREADS, als.THREADS
    base.TOP_K_THREADS, als.THREADS = 1, 1
    try:
        with threadpool_limits(1):
            yield
    finally:
        base.TOP_K_THREADS, als.THREADS = saved


def _start(phases_file: str) -> None:
    exit_with_parent()  # an interrupted evaluation must not leave its workers behind
    with open(phases_file, "rb") as f:
        phases = pickle.load(f)  # written by this evaluation's own Runner, never user input
    _PHASES.clear()
    _PHASES.update(phases)
    single_threaded()


def phase(name: str) -> Any:
    """The phase data a task was given by name (in a worker, or in-process for ``workers=1``)."""
    return _PHASES[name]


class Runner:
    """``submit`` tasks (picklable module-level functions) to ``workers`` processes.

    ``workers=1`` runs each task at once in this process, one-threaded like a worker. Use as a context manager: the pool is shut down on exit.
    """

    def __init__(self, phases: Mapping[str, Any], workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self.phases = dict(phases)
        self._pool: ProcessPoolExecutor | None = None
        self._dir: str | None = None
        if self.workers > 1:
            # the phases go to the workers through a file, not the pool's initargs: Python writes
            # initargs down a pipe it still holds the reading end of, so a worker that died before
            # reading them all (an unguarded script's worker) left this process blocked forever
            self._dir = tempfile.mkdtemp(prefix="shopmind-grid-")
            phases_file = os.path.join(self._dir, "phases.pkl")
            try:
                with open(phases_file, "wb") as f:
                    pickle.dump(self.phases, f, protocol=pickle.HIGHEST_PROTOCOL)
                self._pool = spawn_pool(
                    self.workers, _start, (phases_file,), what="evaluate recs' worker pool"
                )
            except BaseException:  # no pool: leave no temp folder behind either
                self.close()
                raise
        else:
            _PHASES.clear()
            _PHASES.update(self.phases)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` in a worker (or here, now, when serial)."""
        if self._pool is not None:
            return self._pool.submit(fn, *args, **kwargs)
        done: Future = Future()
        try:
            with _one_thread():  # as in a worker, so the serial path computes the same values
                done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # re-raised by ``result()``, as a pool would
            done.set_exception(exc)
        return done

    def close(self) -> None:
        """Stop the workers (cancelling tasks not started)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fit_generator(make: Callable[[], Any], data: Any) -> Any:
    """A generator from ``make()`` fitted on ``data`` (a task: the ranker's inner fits)."""
    return make().fit(data)
