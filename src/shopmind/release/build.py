"""``shopmind build``: read the accepted tables from the store and publish a new release.

A build runs each *component* (catalog snapshot, search engine, recommendation service, ...)
into its own sub-folder of a staging folder, then publishes with :meth:`Releases.publish`.
Components are plain callables so tests can inject a failing or hanging one and check that
the current release keeps serving. The store is opened read-only and closed before the heavy
work starts, so ingestion can continue while a release builds.

**Progressive releases.** Text vectors (the search dense index, content neighbours in
recommendations) are the slow part of a build: minutes of encoding for a big catalog. With
``vector_parts`` the build publishes twice: first a release whose components were built
without text vectors (lexical search, understanding, facets, recommendations from behaviour,
the storefront), marked ``"complete": false`` with those parts ``"pending"``; then the vector
parts are computed and a second release — the first one's unchanged folders hard-linked, the
completed ones written anew — is published the same atomic way. A server swaps whole releases,
so no request ever sees a product set half in the dense index. A build killed during the
vector stage leaves the first release serving; the next build removes its staging folder.

**Late components.** Components named in ``late`` (profiles, forecasts: nothing a first
search needs) are left out of the first release, marked ``"pending"`` like the vectors, and
built in the second stage; a build with no vector stage builds them in its only release.

**Both cores.** Components named in ``parallel`` run in a child process (one BLAS/OpenMP
thread) while the others run here; their artefacts land in the same staging folder.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
import platform
import shutil
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind import __version__
from shopmind.privacy import erasure_pending, finish_erasure
from shopmind.release.drain import LIVE_SOURCE, drain_live_log
from shopmind.release.progress import BuildProgress, progress_path
from shopmind.release.releases import ReleaseError, Releases, new_release_id
from shopmind.store.identity import shop_identity
from shopmind.store.store import DB_FILE, Store


def _quiet(_msg: str) -> None:
    """The default log: nothing (a module-level function, so a context can be pickled)."""


@dataclass
class BuildContext:
    """What every component gets: the accepted tables and the build settings."""

    products: pl.DataFrame
    events: pl.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    log: Callable[[str], None] = _quiet
    #: graded search judgments (query, product_id, relevance): trains the search re-ranker
    judgments: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: the release that was current when this build started (artefacts a component may reuse)
    previous: Path | None = None
    #: vector parts that run after the first publish: their components build without vectors
    deferred: frozenset[str] = frozenset()
    #: stages, items, rate, ETA (what the CLI and the storefront banner show)
    progress: BuildProgress = field(default_factory=BuildProgress)
    #: objects a component leaves for its vector part in the same process (saves a reload)
    memo: dict[str, Any] = field(default_factory=dict)
    #: live-log watermark this build includes (``{"events": seq, "products": seq}``)
    drained: dict[str, int] = field(default_factory=dict)
    #: a customer was forgotten since the last build (``shopmind forget``): reuse nothing that
    #: was fitted on their events; older releases are deleted after publishing
    forgetting: bool = False


#: A component writes its artefacts into the folder it is given and returns facts for the manifest.
Component = tuple[str, Callable[[BuildContext, Path], Mapping[str, Any]]]


@dataclass(frozen=True)
class VectorPart:
    """The text-vector half of a component, built after the first release is published.

    ``needed(ctx)`` says whether there is anything to compute (no encoder configured, or
    artefacts reused whole from the previous release: nothing); ``build(ctx, base, folder)``
    writes the complete component into ``folder`` from the first release's ``base`` folder.
    """

    name: str
    component: str
    needed: Callable[[BuildContext], bool]
    build: Callable[[BuildContext, Path, Path], Mapping[str, Any]]


#: which components run in a child process: names, or a test of (name, context)
Parallel = Collection[str] | Callable[[str, BuildContext], bool]


def latest_run(store: Store) -> dict[str, Any] | None:
    """The newest batch run (live-log drains never hold and must not hide a held batch ingest),
    else the newest run of any source."""
    runs = store.runs(limit=1000)
    if runs.is_empty():
        return None
    batch = runs.filter(pl.col("source") != LIVE_SOURCE)
    return (batch if not batch.is_empty() else runs).row(0, named=True)


def build_release(
    workspace: Path | str,
    components: Sequence[Component],
    settings: Mapping[str, Any] | None = None,
    force: bool = False,
    keep: int = 5,
    cache_dir: Path | None = None,
    log: Callable[[str], None] = _quiet,
    vector_parts: Sequence[VectorPart] = (),
    parallel: Parallel = (),
    progress: BuildProgress | None = None,
    on_publish: Callable[[dict[str, Any]], None] | None = None,
    late: Collection[str] = (),
) -> dict[str, Any]:
    """Build and publish a release; returns the manifest of the last release published.

    Refuses (ReleaseError) when the store is empty or the latest quality run was held,
    unless ``force``. On any failure the staging folder is removed and CURRENT is untouched
    (or, in the vector stage, stays on the first release of this build). ``on_publish`` is
    called with each published manifest (the first one is what ``shopmind demo`` serves).
    """
    workspace = Path(workspace)
    releases = Releases(workspace)
    progress = progress or BuildProgress(progress_path(workspace))
    try:
        with releases.lock():
            forgetting = erasure_pending(workspace)
            manifest = _build_locked(
                workspace, releases, components, dict(settings or {}), force, keep, cache_dir, log,
                vector_parts, parallel, progress, on_publish, frozenset(late),
            )  # fmt: skip
            if forgetting:  # every model refitted, every older release deleted
                finish_erasure(workspace)
    except BaseException as exc:
        progress.close("failed", f"{type(exc).__name__}: {exc}")
        raise
    progress.close("complete")
    return manifest


def _build_locked(
    workspace: Path,
    releases: Releases,
    components: Sequence[Component],
    settings: dict[str, Any],
    force: bool,
    keep: int,
    cache_dir: Path | None,
    log: Callable[[str], None],
    vector_parts: Sequence[VectorPart],
    parallel: Parallel,
    progress: BuildProgress,
    on_publish: Callable[[dict[str, Any]], None] | None,
    late: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    started = time.perf_counter()
    releases.clean_staging()
    forgetting = erasure_pending(workspace)
    if forgetting:  # releases built before `shopmind forget` still hold the customer
        keep = 1
    if not (workspace / DB_FILE).exists():
        raise ReleaseError(f"no shopmind store in {workspace}: run `shopmind ingest` first")
    progress.start("reading the store")
    log("reading the store")
    drained = drain_live_log(workspace)
    drained.report(log)
    with Store(workspace, read_only=True) as store:
        run = latest_run(store)
        if run is None:
            raise ReleaseError(f"the store in {workspace} has no quality run yet: ingest data first")
        if run["status"] == "held" and not force:
            raise ReleaseError(
                f"the latest quality run {run['run_id']} ({run['source']}) was held by the gate; "
                "fix the data and ingest again, or build with --force"
            )
        products = store.table("products")
        events = store.table("events")
        judgments = store.table("judgments")
        store_runs = store.runs(limit=1000).select("run_id", "source", "status").to_dicts()
    progress.finish("reading the store")
    if products.is_empty():
        raise ReleaseError(f"the store in {workspace} has no accepted products")
    ctx = BuildContext(
        products, events, settings, cache_dir, log, judgments, previous=releases.current(), progress=progress,
        drained=dict(drained), forgetting=forgetting,
    )  # fmt: skip
    deferred = frozenset(p.name for p in vector_parts if p.needed(ctx))
    ctx.deferred = deferred
    base = {
        "shopmind_version": __version__,
        "python": platform.python_version(),
        "forced": bool(force and run["status"] == "held"),
        "latest_run": {k: run[k] for k in ("run_id", "source", "status")},
        "runs_included": len(store_runs),
        "rows": {"products": products.height, "events": events.height, "judgments": judgments.height},
        "shop": {k: shop_identity(workspace).get(k) for k in ("id", "dataset")},
        "log_drained": drained,
        "live_drain": drained.facts(),
        "settings": settings,
    }
    pending = {p.name: "pending" for p in vector_parts if p.name in deferred}
    skipped = {p.name: "not needed" for p in vector_parts if p.name not in deferred}
    # late components wait for the second stage, if there is one
    waiting = [(n, b) for n, b in components if n in late] if pending else []
    early = [(n, b) for n, b in components if (n, b) not in waiting]
    parts_done = {name: "complete" for name, _ in early}
    pending.update({name: "pending" for name, _ in waiting})

    # ---- stage 1: every component (without the deferred vectors and the late components)
    def first_stage(rid: str, staging: Path) -> dict[str, Any]:
        facts = _run_components(ctx, early, staging, parallel)
        return {
            "id": rid,
            "created_at": datetime.now(UTC).isoformat(),
            **base,
            "complete": not pending,
            "parts": {**parts_done, **skipped, **pending},
            "components": facts,
            "seconds": round(time.perf_counter() - started, 3),
        }

    manifest = _publish_stage(releases, progress, on_publish, first_stage)
    if not pending:
        manifest["pruned"] = releases.prune(keep)
        return manifest

    # ---- stage 2: the text vectors, published as a second, complete release
    first = releases.root / manifest["id"]

    def second_stage(rid: str, staging: Path) -> dict[str, Any]:
        facts = {k: dict(v) for k, v in manifest["components"].items()}
        redone = {p.component for p in vector_parts if p.name in deferred}
        for name, _ in early:
            if name not in redone:
                shutil.copytree(first / name, staging / name, copy_function=_link_or_copy)
        todo = [
            (p.component, functools.partial(_vector_stage, p.build, first / p.component))
            for p in vector_parts
            if p.name in deferred
        ]
        done = _run_components(ctx, [*todo, *waiting], staging, parallel)
        for p in vector_parts:
            if p.name in deferred:
                facts[p.component][p.name] = done[p.component]
        for name, _ in waiting:
            facts[name] = done[name]
        return {
            "id": rid,
            "created_at": datetime.now(UTC).isoformat(),
            **base,
            "complete": True,
            "parts": {**parts_done, **skipped, **{n: "complete" for n in pending}},
            "first_release": manifest["id"],
            "first_release_seconds": manifest["seconds"],
            "components": facts,
            "seconds": round(time.perf_counter() - started, 3),
        }

    complete = _publish_stage(releases, progress, on_publish, second_stage)
    complete["pruned"] = releases.prune(keep)
    return complete


def _publish_stage(
    releases: Releases,
    progress: BuildProgress,
    on_publish: Callable[[dict[str, Any]], None] | None,
    make: Callable[[str, Path], dict[str, Any]],
) -> dict[str, Any]:
    """Fill a new staging folder with ``make(release_id, folder)`` (which returns the manifest)
    and publish it; on any failure the folder is removed and CURRENT is untouched."""
    rid = new_release_id()
    staging = releases.staging(rid)
    try:
        manifest = make(rid, staging)
        releases.publish(staging, manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    progress.set_parts(manifest["parts"], rid)
    if on_publish is not None:
        on_publish(manifest)
    return manifest


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link an artefact of the first release into the second (folders are immutable once
    published, so sharing the inode is safe); copy across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _run_components(
    ctx: BuildContext, components: Sequence[Component], staging: Path, parallel: Parallel
) -> dict[str, Any]:
    """Run every component into ``staging/<name>``; those in ``parallel`` in a child process
    started first, so they overlap with the ones run here. Facts in component order."""
    facts: dict[str, Any] = {}
    futures: dict[str, cf.Future[dict[str, Any]]] = {}
    in_child = parallel if callable(parallel) else (lambda name, _ctx: name in parallel)
    remote = [(n, b) for n, b in components if in_child(n, ctx)]
    pool = _child_pool(len(remote)) if remote else None
    if remote:
        child_ctx = replace(ctx, log=_quiet, progress=BuildProgress(), memo={})
        for name, builder in remote:
            (staging / name).mkdir()
            ctx.progress.start(f"{name} (child process)")
            futures[name] = pool.submit(_timed, builder, child_ctx, staging / name)
            # the stage ends when the child does, not when this process gets round to asking
            futures[name].add_done_callback(lambda _f, n=name: ctx.progress.finish(f"{n} (child process)"))
    try:
        for name, builder in components:
            if name in futures:
                continue
            ctx.log(f"building {name}")
            (staging / name).mkdir()
            facts[name] = _timed(builder, ctx, staging / name)
        for name, fut in futures.items():
            facts[name] = fut.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return {name: facts[name] for name, _ in components}


def _vector_stage(
    build: Callable[[BuildContext, Path, Path], Mapping[str, Any]],
    base: Path,
    ctx: BuildContext,
    folder: Path,
) -> Mapping[str, Any]:
    """A vector part as a component of the second stage (picklable for a child process)."""
    return build(ctx, base, folder)


def _timed(
    builder: Callable[[BuildContext, Path], Mapping[str, Any]], ctx: BuildContext, folder: Path
) -> dict[str, Any]:
    t0 = time.perf_counter()
    info = dict(builder(ctx, folder))
    info["seconds"] = round(time.perf_counter() - t0, 3)
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
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread
    )


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
    (two spinning pools on two cores made everything slower; see ``serve --workers``)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn/implicit
        pass
