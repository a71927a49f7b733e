"""Releases, reload, health, readiness and Prometheus metrics (releases and metrics need a key
allowed to ``monitor``; health and readiness are open for load balancers)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shopmind.serve.api import check_key, jsonable, needs, refuse_a_wrong_key, shop_of

router = APIRouter()


@router.get("/v1/releases", tags=["admin"], dependencies=[needs("monitor")])
def list_releases(request: Request) -> dict[str, Any]:
    """The releases in the workspace and the one being served."""
    shop = shop_of(request)
    return {"current": shop.release_id, "releases": jsonable(shop.releases.list())}


@router.post("/v1/admin/reload", tags=["admin"], dependencies=[needs("admin")])
def reload(request: Request) -> dict[str, Any]:
    """Load the release CURRENT points at now (the watcher does this every second anyway)."""
    shop = shop_of(request)
    swapped = shop.refresh()
    request.app.state.keys.reload()
    return {"release": shop.release_id, "swapped": swapped}


@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"])
def readyz(request: Request) -> JSONResponse:
    """Readiness: a release is loaded (503 with the reason otherwise). Before the first release,
    while a build (or ``shopmind demo``'s generation and gate before it) runs, the 503 says
    ``"building"`` with its stages, which the storefront's banner shows."""
    shop = shop_of(request)
    cur = shop.current
    if cur is None:
        status = shop.build_status()
        if status["building"] is not None and not shop.last_error:
            reason = "the first release is being built: search answers as soon as it is ready"
            return JSONResponse({"status": "building", "reason": reason, **status}, status_code=503)
        return JSONResponse(
            {"status": "not_ready", "reason": shop.last_error or "no release"}, status_code=503
        )
    body = {"status": "ready", "release": cur.id, "sizes": cur.sizes(), **shop.build_status()}
    if shop.last_error:  # e.g. a newer release refused (built from another shop): say why
        body["reason"] = shop.last_error
    return JSONResponse(body)


def _metrics_key(request: Request) -> None:
    """/metrics needs a read or admin key unless ``[serve] metrics_key_required = false``
    (a server whose port only the scraper can reach)."""
    if request.app.state.settings.get("metrics_key_required", True):
        check_key(request, "monitor")
    else:
        refuse_a_wrong_key(request)


@router.get(
    "/metrics", tags=["health"], response_class=PlainTextResponse, dependencies=[Depends(_metrics_key)]
)
def prometheus(request: Request) -> Response:
    """Prometheus exposition (summed over worker processes when there are several); needs a
    read or admin key unless ``[serve] metrics_key_required = false``."""
    metrics = request.app.state.metrics
    cur = shop_of(request).current
    if cur is not None:
        # the previous release's series drops to 0 (clearing labels is not possible when
        # several workers share the metrics files)
        if metrics.served_release not in (None, cur.id):
            metrics.release.labels(metrics.served_release).set(0)
        metrics.served_release = cur.id
        metrics.release.labels(cur.id).set(1)
        for name, n in cur.sizes().items():
            metrics.index_size.labels(name).set(n)
    registry = metrics.registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # several workers: sum their files
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
