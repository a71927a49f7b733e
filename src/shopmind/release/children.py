"""Running a build's components: here, and in a child process on the other core (issue 17 item 4).

Components named in a build's ``parallel`` run in a child process (one BLAS/OpenMP thread)
while the others run in the build's own process; their artefacts land in the same staging
folder. A build may also ask not to wait for the child (``hold``): when the components run here
are done first, it gets back what the child is still fitting as :class:`Running` and can
publish a release without it — the demo shop's first search waits on the lexical index, not
on the recommendation models fitted beside it.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import shutil
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.release.progress import BuildProgress
from shopmind.workers import spawn_pool

if TYPE_CHECKING:
    from shopmind.release.build import BuildContext, Component, Parallel


def _quiet(_msg: str) -> None:
    """The child's log: nothing (its progress is the parent's stage line)."""


@dataclass
class Running:
    """Components still being fitted in the child process after the ones run here were done.

    They write into ``folder`` (a staging folder of their own, outside any release, removed by the
    next build if this one dies); :meth:`finish` waits for them and moves each one's folder into
    the staging folder of the release that will include them."""

    pool: cf.ProcessPoolExecutor
    futures: dict[str, cf.Future[dict[str, Any]]]
    folder: Path

    @property
    def names(self) -> list[str]:
        return list(self.futures)

    def finish(self, staging: Path) -> dict[str, Any]:
        """Wait for every component, move their folders into ``staging``; their facts by name."""
        try:
            facts = {name: fut.result() for name, fut in self.futures.items()}
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        for name in self.futures:
            os.replace(self.folder / name, staging / name)
        shutil.rmtree(self.folder, ignore_errors=True)
        return facts

    def cancel(self) -> None:
        """The build failed: stop waiting, drop what the child wrote."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def run_components(
    ctx: BuildContext,
    components: Sequence[Component],
    staging: Path,
    parallel: Parallel,
    hold: Path | None = None,
    children: int = 0,
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Running | None]:
    """Run every component into ``staging/<name>``; those in ``parallel`` in a child process
    started first, so they overlap with the ones run here. Facts in component order.

    ``children``: at most this many child processes (0: one per component run there); with
    fewer, the child runs its components one after the other, in component order.

    ``hold``: a folder for the child's components to write into instead. If the child is still
    busy when the components run here are done, its components are returned as ``Running``
    (not waited for, not in the facts); if it is done, they are moved into ``staging`` as usual.

    ``labels``: what the progress calls a component (the second stage runs ``recs`` for its
    content neighbours: shown as ``recs_content``, not as a second ``recs``).
    """
    facts: dict[str, Any] = {}
    futures: dict[str, cf.Future[dict[str, Any]]] = {}
    in_child = parallel if callable(parallel) else (lambda name, _ctx: name in parallel)
    remote = [(n, b) for n, b in components if in_child(n, ctx)]
    workers = min(len(remote), children or len(remote))
    pool = _child_pool(workers) if remote else None
    target = staging if hold is None or not remote else hold
    if remote:
        target.mkdir(parents=True, exist_ok=True)
        child_ctx = replace(ctx, log=_quiet, progress=BuildProgress(), memo={})
        stages = _ChildStages(ctx.progress, [n for n, _ in remote], workers, labels or {})
        for name, builder in remote:
            (target / name).mkdir()
            futures[name] = pool.submit(_timed, builder, child_ctx, target / name)
            # the stage ends when the child does, not when this process gets round to asking
            futures[name].add_done_callback(functools.partial(stages.done, name))
    running: Running | None = None
    try:
        for name, builder in components:
            if name in futures:
                continue
            ctx.log(f"building {name}")
            (staging / name).mkdir()
            facts[name] = _timed(builder, ctx, staging / name)
        if target is not staging:
            held = Running(pool, futures, target)  # type: ignore[arg-type]
            if not all(f.done() for f in futures.values()):
                running = held
                return {name: facts[name] for name, _ in components if name in facts}, running
            facts.update(held.finish(staging))  # done already: into this release, as usual
        for name, fut in futures.items():
            facts[name] = fut.result()
    except BaseException:
        if target is not staging:
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        if pool is not None and running is None:
            pool.shutdown(wait=True, cancel_futures=True)
    return {name: facts[name] for name, _ in components}, None


class _ChildStages:
    """The progress stages of the components run in child processes: a component's stage starts
    when a child takes it (queued ones wait for one to be free, in submission order) and ends
    when it is done, so the build's progress shows what the children are really doing."""

    def __init__(
        self, progress: BuildProgress, names: Sequence[str], workers: int, labels: Mapping[str, str]
    ) -> None:
        self.progress = progress
        self.labels = labels
        self.queued = list(names[workers:])
        self.lock = threading.Lock()
        for name in names[:workers]:
            progress.start(self.stage(name))

    def stage(self, name: str) -> str:
        return f"{self.labels.get(name, name)} (child process)"

    def done(self, name: str, _future: cf.Future[dict[str, Any]]) -> None:
        with self.lock:
            self.progress.finish(self.stage(name))
            if self.queued:
                self.progress.start(self.stage(self.queued.pop(0)))


def with_late(parallel: Parallel, late: Collection[str]) -> Callable[[str, BuildContext], bool]:
    """``parallel`` plus the ``late`` components (profiles, forecasts, prices).

    Why: in the vector stage this process waits on its encoding pool and then trains the
    re-ranker on one core, while the late components ran here after all of that — ~4 s of
    forecasting on the demo shop's path to its complete release, the child process idle
    (issue 17). In the child, after its own vector part, they fill the core the re-ranker
    leaves free."""
    names = frozenset(late)
    if callable(parallel):
        test = parallel
        return functools.partial(_late_or, names, test)
    return functools.partial(_late_or, names | frozenset(parallel), None)


def _late_or(
    names: frozenset[str], test: Callable[[str, BuildContext], bool] | None, name: str, ctx: BuildContext
) -> bool:
    return name in names or (test is not None and test(name, ctx))


def _timed(
    builder: Callable[[BuildContext, Path], Mapping[str, Any]], ctx: BuildContext, folder: Path
) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    info = dict(builder(ctx, folder))
    info["seconds"] = round(time.perf_counter() - t0, 3)
    # CPU of the process it ran in (all its threads): on a shared machine wall seconds swing
    # with the load, CPU seconds say what the component costs (issue 17's rebuild profile)
    info["cpu_seconds"] = round(time.process_time() - c0, 3)
    return info


#: a child process started before the build needs it (``prewarm_child``), taken by its first use
_WARM_POOL: cf.ProcessPoolExecutor | None = None


def prewarm_child(modules: Sequence[str] = ("shopmind.release.recs_component",)) -> None:
    """Start the build's child process now and import ``modules`` in it.

    Why: a spawned child starts a fresh interpreter and imports polars, scipy and the recommender
    (~2-3 s) before it fits anything — on the path to ``shopmind demo``'s first release, which
    waits for the recommendations fitted in that child (issue 17). A build started ahead of its
    input (``cli/warm.py``) calls this while it waits, so the imports overlap with the gate."""
    global _WARM_POOL
    if _WARM_POOL is None:
        _WARM_POOL = _new_pool(1)
        _WARM_POOL.submit(_import_all, tuple(modules))


def _import_all(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)


def _new_pool(workers: int) -> cf.ProcessPoolExecutor:
    return spawn_pool(workers, _one_thread, what="a build's child process")


def _child_pool(workers: int) -> cf.ProcessPoolExecutor:
    """The pre-warmed child if there is one and one worker is wanted (used once), else a new pool."""
    global _WARM_POOL
    pool, _WARM_POOL = _WARM_POOL, None
    if pool is not None and workers == 1:
        return pool
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
    return _new_pool(workers)


def _one_thread() -> None:
    """Child processes of a build use one BLAS/OpenMP thread: the parent uses the other core
    (two spinning pools on two cores made everything slower; see ``serve --workers``). It ends
    with the build (``workers.exit_with_parent``)."""
    from shopmind.workers import exit_with_parent

    exit_with_parent()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn/implicit
        pass
