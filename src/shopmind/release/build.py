"""``shopmind build``: read the accepted tables from the store and publish a new release.

A build runs each *component* (catalog snapshot, search engine, recommendation service, ...)
into its own sub-folder of a staging folder, then publishes with :meth:`Releases.publish`.
Components are plain callables so tests can inject a failing or hanging one and check that
the current release keeps serving. The store is opened read-only and closed before the heavy
work starts, so ingestion can continue while a release builds.
"""

from __future__ import annotations

import platform
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind import __version__
from shopmind.release.drain import LIVE_SOURCE, drain_live_log
from shopmind.release.releases import ReleaseError, Releases, new_release_id
from shopmind.store.identity import shop_identity
from shopmind.store.store import DB_FILE, Store


@dataclass
class BuildContext:
    """What every component gets: the accepted tables and the build settings."""

    products: pl.DataFrame
    events: pl.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    log: Callable[[str], None] = lambda _msg: None
    #: graded search judgments (query, product_id, relevance): trains the search re-ranker
    judgments: pl.DataFrame = field(default_factory=pl.DataFrame)


#: A component writes its artefacts into the folder it is given and returns facts for the manifest.
Component = tuple[str, Callable[[BuildContext, Path], Mapping[str, Any]]]


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
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Build and publish a release; returns its manifest.

    Refuses (ReleaseError) when the store is empty or the latest quality run was held,
    unless ``force``. On any failure the staging folder is removed and CURRENT is untouched.
    """
    workspace = Path(workspace)
    releases = Releases(workspace)
    with releases.lock():
        releases.clean_staging()
        if not (workspace / DB_FILE).exists():
            raise ReleaseError(f"no shopmind store in {workspace}: run `shopmind ingest` first")
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
        if products.is_empty():
            raise ReleaseError(f"the store in {workspace} has no accepted products")
        ctx = BuildContext(products, events, dict(settings or {}), cache_dir, log, judgments)
        rid = new_release_id()
        staging = releases.staging(rid)
        started = time.perf_counter()
        facts: dict[str, Any] = {}
        try:
            for name, builder in components:
                t0 = time.perf_counter()
                log(f"building {name}")
                folder = staging / name
                folder.mkdir()
                info = dict(builder(ctx, folder))
                info["seconds"] = round(time.perf_counter() - t0, 3)
                facts[name] = info
            manifest = {
                "id": rid,
                "created_at": datetime.now(UTC).isoformat(),
                "shopmind_version": __version__,
                "python": platform.python_version(),
                "forced": bool(force and run["status"] == "held"),
                "latest_run": {k: run[k] for k in ("run_id", "source", "status")},
                "runs_included": len(store_runs),
                "rows": {"products": products.height, "events": events.height, "judgments": judgments.height},
                "shop": {k: shop_identity(workspace).get(k) for k in ("id", "dataset")},
                "log_drained": drained,
                "live_drain": drained.facts(),
                "settings": dict(settings or {}),
                "components": facts,
                "seconds": round(time.perf_counter() - started, 3),
            }
            releases.publish(staging, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pruned = releases.prune(keep)
        manifest["pruned"] = pruned
        return manifest
