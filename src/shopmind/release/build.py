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
built in the second stage — in the child process, after its own vector part, so they overlap
with this process's encoding and re-ranker; a build with no vector stage builds them in its
only release.

**Both cores.** Components named in ``parallel`` run in a child process (one BLAS/OpenMP
thread) while the others run here; their artefacts land in the same staging folder.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind import __version__
from shopmind.privacy import erasure_pending, finish_erasure
from shopmind.release.children import Running, run_components, with_late
from shopmind.release.drain import LIVE_SOURCE, drain_live_log
from shopmind.release.progress import BuildProgress, progress_path
from shopmind.release.releases import STAGING_PREFIX, ReleaseError, Releases, new_release_id
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
    #: deferred vector parts whose ``FollowUp`` runs after the complete release (a part may
    #: leave work that no answer needs to it)
    followed: frozenset[str] = frozenset()
    #: stages, items, rate, ETA (what the CLI and the storefront banner show)
    progress: BuildProgress = field(default_factory=BuildProgress)
    #: objects a component leaves for its vector part in the same process (saves a reload)
    memo: dict[str, Any] = field(default_factory=dict)
    #: live-log watermark this build includes (``{"events": seq, "products": seq}``)
    drained: dict[str, int] = field(default_factory=dict)
    #: a customer was forgotten since the last build (``shopmind forget``): reuse nothing that
    #: was fitted on their events; older releases are deleted after publishing
    forgetting: bool = False
    #: "first" (the first release's components) or "vectors" (the vector stage): a component
    #: may run in another process in each (``recs_in_child``)
    stage: str = "first"


#: A component writes its artefacts into the folder it is given and returns facts for the manifest.
Component = tuple[str, Callable[[BuildContext, Path], Mapping[str, Any]]]


@dataclass(frozen=True)
class FollowUp:
    """Work a vector part leaves for after the complete release because no answer needs it
    (search's past-query warm-up: ``release/search_warmup.py``). ``needed(facts)`` reads the
    vector part's facts in the complete release; ``build(ctx, base, folder, facts)`` writes the
    component anew into ``folder`` from the complete release's ``base`` folder and returns the
    vector part's facts for the new release. It is published
    as one more release (the other folders hard-linked); the complete release's manifest says
    ``"warm_up": {name: "pending"}``, the follow-up's ``"complete"``."""

    name: str
    needed: Callable[[Mapping[str, Any]], bool]
    build: Callable[[BuildContext, Path, Path, Mapping[str, Any]], Mapping[str, Any]]


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
    follow_up: FollowUp | None = None


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
    early_children: bool = False,
) -> dict[str, Any]:
    """Build and publish a release; returns the manifest of the last release published.

    Refuses (ReleaseError) when the store is empty or the latest quality run was held,
    unless ``force``. On any failure the staging folder is removed and CURRENT is untouched
    (or, in the vector stage, stays on the first release of this build). ``on_publish`` is
    called with each published manifest (the first one is what ``shopmind demo`` serves).
    ``early_children``: with a vector stage to follow, publish the first release as soon as the
    components run in this process are done, without those still fitted in the child process
    (``"pending"``); they follow in a release of their own when the child is done.
    """
    workspace = Path(workspace)
    # before the lock and progress files: a mistyped workspace is not created by a failed build
    if not (workspace / DB_FILE).exists():
        raise ReleaseError(f"no shopmind store in {workspace}: run `shopmind ingest` first")
    releases = Releases(workspace)
    progress = progress or BuildProgress(progress_path(workspace))
    # the lock first: a build refused because another holds it must not write "failed" over the
    # running build's progress file (which /readyz and the dashboard read)
    with releases.lock():
        try:
            forgetting = erasure_pending(workspace)
            manifest = _build_locked(
                workspace, releases, components, dict(settings or {}), force, keep, cache_dir, log,
                vector_parts, parallel, progress, on_publish, frozenset(late), early_children,
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
    early_children: bool = False,
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
        # said with the way out: a shop that ingested its order lines first had no hint a catalogue is needed
        raise ReleaseError(
            f"the store in {workspace} has no accepted products ({events.height:,} events): search and "
            "recommendations need the catalogue - ingest it first (`shopmind mapping FILE --table products` "
            "drafts its mapping; an order-line export with product names can serve as one)"
        )
    ctx = BuildContext(
        products, events, settings, cache_dir, log, judgments, previous=releases.current(), progress=progress,
        drained=dict(drained), forgetting=forgetting,
    )  # fmt: skip
    deferred = frozenset(p.name for p in vector_parts if p.needed(ctx))
    ctx.deferred = deferred
    ctx.followed = frozenset(p.name for p in vector_parts if p.name in deferred and p.follow_up is not None)
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

    # ---- stage 1: every component (without the deferred vectors and the late components);
    # with ``early_children`` and a vector stage to follow, what the child process still fits
    # when the components here are done is published in a release of its own right after
    running: list[Running] = []
    hold = (
        releases.root / f"{STAGING_PREFIX}children-{new_release_id()}" if early_children and pending else None
    )

    def stage_manifest(rid: str, facts: dict[str, Any], waiting_for: Collection[str]) -> dict[str, Any]:
        return {
            "id": rid,
            "created_at": datetime.now(UTC).isoformat(),
            **base,
            "complete": not pending and not waiting_for,
            "parts": {**parts_done, **skipped, **pending, **dict.fromkeys(waiting_for, "pending")},
            "components": facts,
            "seconds": round(time.perf_counter() - started, 3),
        }

    def first_stage(rid: str, staging: Path) -> dict[str, Any]:
        facts, still = run_components(ctx, early, staging, parallel, hold=hold)
        running.extend([still] if still is not None else [])
        return stage_manifest(rid, facts, still.names if still is not None else ())

    try:
        manifest = _publish_stage(releases, progress, on_publish, first_stage)
    except BaseException:
        for still in running:
            still.cancel()
        raise
    first_published = manifest
    if running:  # the child's components, beside the first release's folders (hard links)

        def middle_stage(rid: str, staging: Path) -> dict[str, Any]:
            done = running[0].finish(staging)
            before = releases.root / first_published["id"]
            for name in first_published["components"]:
                shutil.copytree(before / name, staging / name, copy_function=_link_or_copy)
            facts = {**first_published["components"], **done}
            return {
                **stage_manifest(rid, {n: facts[n] for n, _ in early}, ()),
                "earlier_stages": [before.name],
            }

        try:
            manifest = _publish_stage(releases, progress, on_publish, middle_stage)
        except BaseException:
            running[0].cancel()
            raise
    if not pending:
        return _pruned(releases, manifest, keep, ctx.forgetting)

    # ---- stage 2: the text vectors, published as a second, complete release
    first = releases.root / manifest["id"]

    def second_stage(rid: str, staging: Path) -> dict[str, Any]:
        ctx.stage = "vectors"
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
        # one child: its vector part first, then the late components (they need no vectors)
        in_child = with_late(parallel, [n for n, _ in waiting])
        labels = {p.component: p.name for p in vector_parts if p.name in deferred}
        done, _ = run_components(ctx, [*todo, *waiting], staging, in_child, children=1, labels=labels)
        for p in vector_parts:
            if p.name in deferred:
                facts[p.component][p.name] = done[p.component]
        for name, _ in waiting:
            facts[name] = done[name]
        later.extend(
            p for p in vector_parts
            if p.name in deferred and p.follow_up is not None and p.follow_up.needed(facts[p.component][p.name])
        )  # fmt: skip
        return {
            "id": rid,
            "created_at": datetime.now(UTC).isoformat(),
            **base,
            "complete": True,
            "parts": {**parts_done, **skipped, **{n: "complete" for n in pending}},
            **({"warm_up": {p.follow_up.name: "pending" for p in later if p.follow_up}} if later else {}),
            "first_release": first_published["id"],
            "first_release_seconds": first_published["seconds"],
            "earlier_stages": sorted({first_published["id"], manifest["id"]}),
            "components": facts,
            "seconds": round(time.perf_counter() - started, 3),
        }

    later: list[VectorPart] = []  # vector parts with a follow-up after the complete release
    complete = _publish_stage(releases, progress, on_publish, second_stage)
    if later:
        complete = _follow_up(releases, progress, on_publish, ctx, complete, later, started, log)
    return _pruned(releases, complete, keep, ctx.forgetting)


def _pruned(releases: Releases, manifest: dict[str, Any], keep: int, forgetting: bool) -> dict[str, Any]:
    """The manifest with the releases pruned (``"pruned"``) and, after ``shopmind forget``, the older
    ones a running server still holds (``"held_back"``: deleted when it lets go, ``leases.py``)."""
    manifest["pruned"] = releases.prune(keep, forgetting=forgetting)
    if held := releases.held_back():
        manifest["held_back"] = held
    return manifest


def _follow_up(
    releases: Releases,
    progress: BuildProgress,
    on_publish: Callable[[dict[str, Any]], None] | None,
    ctx: BuildContext,
    complete: dict[str, Any],
    parts: Sequence[VectorPart],
    started: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Run the follow-ups of ``parts`` after the complete release and publish their release
    (the complete one is then an earlier stage of it). A follow-up changes no answer, so one
    that fails is logged and the complete release stays current; the manifest returned is the
    last one published (``"warm_up_error"`` says what failed)."""
    done = releases.root / complete["id"]
    redone = {p.component for p in parts}

    def stage(rid: str, staging: Path) -> dict[str, Any]:
        facts = {k: dict(v) for k, v in complete["components"].items()}
        for name in complete["components"]:
            if name not in redone:
                shutil.copytree(done / name, staging / name, copy_function=_link_or_copy)
        for p in parts:
            assert p.follow_up is not None
            (staging / p.component).mkdir()
            part = facts[p.component][p.name]
            facts[p.component][p.name] = dict(
                p.follow_up.build(ctx, done / p.component, staging / p.component, part)
            )
        return {
            **{k: v for k, v in complete.items() if k not in ("pruned", "warm_up_error")},
            "id": rid,
            "created_at": datetime.now(UTC).isoformat(),
            "warm_up": {p.follow_up.name: "complete" for p in parts if p.follow_up},
            "warm_up_of": complete["id"],
            "complete_seconds": complete["seconds"],
            "earlier_stages": sorted({*complete.get("earlier_stages", ()), complete["id"]}),
            "components": facts,
            "seconds": round(time.perf_counter() - started, 3),
        }  # fmt: skip

    try:
        return _publish_stage(releases, progress, on_publish, stage)
    except Exception as exc:  # noqa: BLE001 - a warm-up changes no answer: the complete release serves
        log(
            f"the warm-up after the complete release failed ({type(exc).__name__}: {exc}); serving without it"
        )
        return {**complete, "warm_up_error": f"{type(exc).__name__}: {exc}"}


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


def _vector_stage(
    build: Callable[[BuildContext, Path, Path], Mapping[str, Any]],
    base: Path,
    ctx: BuildContext,
    folder: Path,
) -> Mapping[str, Any]:
    """A vector part as a component of the second stage (picklable for a child process)."""
    return build(ctx, base, folder)
