"""The FastAPI application: versioned JSON routes over the served release (see docs/API.md).

Handlers that wait on I/O — SQLite commits, the quality gate with its store of product
changes, file reads — are plain ``def`` functions (run in the thread pool). Search,
recommendation handlers and the dependencies (key check, release lookup) are ``async``: they
are pure CPU work of one to a few milliseconds, a thread-pool hop costs a good part of that,
and on the event loop requests run to completion in arrival order — with one worker process
per core that is the shortest tail, where threads would share the GIL and finish a burst of
searches all late together. Each handler takes
``shop.current`` once so a release swap never changes the objects mid-request. Responses are
serialised once, with orjson, instead of FastAPI's generic encoder plus validation.

Several worker processes (``shopmind serve --workers N``) each build their own app with
``app_from_env``; they share the live log (see ``state``), the storefront key (passed by the
parent) and Prometheus metrics (``PROMETHEUS_MULTIPROC_DIR``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shopmind import __version__
from shopmind.quality.codes import CODES
from shopmind.recommend.rules import RecsError
from shopmind.search.engine import SearchError
from shopmind.serve.auth import KeyStore
from shopmind.serve.observe import Metrics, ObserveMiddleware
from shopmind.serve.schemas import (
    EventBatch,
    EventIn,
    ProductBatch,
    ProductBody,
    ProductIn,
    SessionBody,
    item_errors,
)
from shopmind.serve.state import LoadedRelease, Shop
from shopmind.store.livelog import EventLog

DEFAULTS: dict[str, Any] = {
    "max_body_bytes": 1_000_000,
    "read_key_required": False,
    "poll_seconds": 1.0,
    "storefront_events": True,
    "workers": 1,
}
#: Environment variable through which ``shopmind serve --workers N`` hands each worker process
#: its workspace and settings (``app_from_env``).
SERVE_ENV = "SHOPMIND_SERVE"


class ApiError(Exception):
    """An error answered as JSON ``{"error": {code, message, field}}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def _err(request: Request, status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    body["request_id"] = request.scope.get("state", {}).get("request_id")
    return JSONResponse(body, status_code=status)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(value.as_dict() if hasattr(value, "as_dict") else asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _json(content: Any, status: int = 200) -> Response:
    """One orjson pass over already-plain data (``_jsonable``): ~10x cheaper than FastAPI's
    ``jsonable_encoder`` + response-model validation + ``json.dumps`` on a 20-item answer."""
    return Response(orjson.dumps(_jsonable(content)), status_code=status, media_type="application/json")


async def current_release(request: Request) -> LoadedRelease:
    """The release this request uses from start to end (a swap mid-request does not affect it),
    after applying what other worker processes logged (``Shop.sync``)."""
    shop: Shop = request.app.state.shop
    shop.sync()
    cur = shop.current
    if cur is None:
        raise ApiError(503, "no_release", shop.last_error or "no release yet: run `shopmind build`")
    return cur


Rel = Annotated[LoadedRelease, Depends(current_release)]


def create_app(workspace: Path | str, settings: Mapping[str, Any] | None = None) -> FastAPI:
    """Build the app for a workspace; the release is loaded at startup and followed after."""
    workspace = Path(workspace)
    cfg = {**DEFAULTS, **dict(settings or {})}
    metrics = Metrics()
    eventlog = EventLog(workspace)
    shop = Shop(workspace, eventlog, poll_seconds=float(cfg["poll_seconds"]))
    keys = KeyStore(workspace)
    storefront_key = None
    if cfg["storefront_events"]:
        # worker processes share the key their parent made (a page served by one worker posts
        # its clicks to whichever worker accepts the connection)
        given = cfg.get("storefront_key")
        storefront_key = keys.add("storefront", "events", persist=False, plaintext=given)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        shop.refresh()
        shop.watch()
        yield
        shop.stop()
        eventlog.close()

    app = FastAPI(
        title="shopmind",
        version=__version__,
        description="Search and recommendations for online shops, behind a data-quality gate.",
        lifespan=lifespan,
    )
    app.state.shop = shop
    app.state.keys = keys
    app.state.metrics = metrics
    app.state.storefront_key = storefront_key
    app.state.workspace = workspace
    app.add_middleware(ObserveMiddleware, metrics=metrics, max_body=int(cfg["max_body_bytes"]))

    # ------------------------------------------------------------------ errors
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _err(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(p) for p in first.get("loc", ())]
        where = loc[0] if loc else ""
        field = ".".join(loc[1:]) or where
        status = 422 if where == "body" else 400
        msg = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg", "invalid request"))
        return _err(request, status, "invalid_body" if status == 422 else "invalid_parameter", msg, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(
            exc.status_code, "http_error"
        )
        return _err(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        import logging

        logging.getLogger("shopmind.serve").exception("unhandled error")
        return _err(request, 500, "internal", "internal error (logged with this request id)")

    # ------------------------------------------------------------------ dependencies

    def _key(authorization: str | None, x_api_key: str | None) -> str | None:
        if x_api_key:
            return x_api_key
        if authorization and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return None

    def needs(scope: str):  # type: ignore[no-untyped-def]
        async def check(
            authorization: Annotated[str | None, Header()] = None,
            x_api_key: Annotated[str | None, Header()] = None,
        ) -> None:
            if scope == "read" and not cfg["read_key_required"]:
                return
            verdict = keys.check(_key(authorization, x_api_key), scope)
            if verdict == "missing":
                raise ApiError(401, "unauthorized", f"this route needs an API key with the '{scope}' scope")
            if verdict == "invalid":
                raise ApiError(401, "unauthorized", "the API key is not valid")
            if verdict == "forbidden":
                raise ApiError(403, "forbidden", f"the API key lacks the '{scope}' scope")

        return Depends(check)

    # ------------------------------------------------------------------ search
    @app.get("/v1/search", tags=["search"], dependencies=[needs("read")], response_model=dict[str, Any])
    async def search(
        rel: Rel,
        q: Annotated[str, Query(max_length=2000, description="Free text, any language")] = "",
        category: Annotated[list[str] | None, Query(max_length=20)] = None,
        brand: Annotated[list[str] | None, Query(max_length=50)] = None,
        price_min: Annotated[float | None, Query(ge=0, le=1e12)] = None,
        price_max: Annotated[float | None, Query(ge=0, le=1e12)] = None,
        attr: Annotated[list[str] | None, Query(max_length=50, description="key:value")] = None,
        in_stock: bool = False,
        sort: str = "relevance",
        page: Annotated[int, Query(ge=1, le=1000)] = 1,
        size: Annotated[int, Query(ge=1, le=100)] = 20,
        facets: Annotated[
            str | None, Query(max_length=500, description="comma-separated facet names")
        ] = None,
        understand: bool = True,
    ) -> Response:
        """Hybrid search with filters, facets over the same result set and the understood query."""
        from shopmind.search.query import Filters

        if rel.engine is None:
            raise ApiError(503, "no_search_index", "the current release has no search index")
        attrs: dict[str, list[str]] = {}
        for a in attr or []:
            k, sep, v = a.partition(":")
            if not sep or not k.strip() or not v.strip():
                raise ApiError(400, "invalid_parameter", f"attr {a!r} must look like key:value", "attr")
            attrs.setdefault(k.strip(), []).append(v.strip())
        if price_min is not None and price_max is not None and price_min > price_max:
            raise ApiError(
                400,
                "invalid_parameter",
                f"price_min ({price_min}) is above price_max ({price_max})",
                "price_min",
            )
        filters = Filters(
            categories=tuple(category or ()),
            brands=tuple(brand or ()),
            price_min=price_min,
            price_max=price_max,
            attributes=tuple((k, tuple(v)) for k, v in attrs.items()),
            in_stock=in_stock,
        )
        kwargs: dict[str, Any] = {}
        if facets is not None:
            kwargs["facets"] = tuple(f.strip() for f in facets.split(",") if f.strip())
        try:
            resp = rel.engine.search(
                q, filters=filters, sort=sort, page=page, size=size, apply_understood=understand, **kwargs
            )
        except SearchError as exc:  # only the engine's parameter errors; anything else is a logged 500
            raise ApiError(400, exc.code, exc.message, exc.param) from None
        out = _jsonable(resp)
        out["release"] = rel.id
        return _json(out)

    @app.get("/v1/autocomplete", tags=["search"], dependencies=[needs("read")], response_model=dict[str, Any])
    async def autocomplete(
        rel: Rel,
        q: Annotated[str, Query(max_length=200)] = "",
        k: Annotated[int, Query(ge=1, le=20)] = 8,
    ) -> Response:
        """Completions: popular past queries, product titles and categories starting with ``q``."""
        if rel.engine is None:
            raise ApiError(503, "no_search_index", "the current release has no search index")
        return _json({"prefix": q, "suggestions": rel.engine.autocomplete(q, k=k), "release": rel.id})

    # ------------------------------------------------------------------ recommendations
    def recs_get(path: str) -> Any:
        return app.get(
            path, tags=["recommendations"], dependencies=[needs("read")], response_model=dict[str, Any]
        )

    def _recs(rel: LoadedRelease) -> Any:
        if rel.recs is None:
            raise ApiError(503, "no_recommender", "the current release has no recommendation models")
        return rel.recs

    def _items(rel: LoadedRelease, recs: list[Any], context: str) -> Response:
        # recommendations are flat dataclasses of plain values: copied, not walked by _jsonable
        # (which was ~12 % of a recommendation request); orjson writes NaN as null
        items = []
        for r in recs:
            d = dict(r.__dict__) if hasattr(r, "__dict__") else _jsonable(r)
            p = rel.products.get(str(d.get("item_id")), {})
            for col in ("title", "price", "currency", "category_path", "brand", "image_url"):
                if d.get(col) in (None, ""):
                    d[col] = p.get(col)
            items.append(d)
        body = orjson.dumps(
            {"context": context, "items": items, "release": rel.id},
            default=_jsonable,
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        return Response(body, media_type="application/json")

    def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RecsError as exc:
            status = 404 if getattr(exc, "code", "") in ("unknown_item", "unknown_user", "not_found") else 400
            raise ApiError(
                status, getattr(exc, "code", "invalid_parameter"), str(exc), getattr(exc, "param", None)
            ) from None

    @recs_get("/v1/users/{user_id}/recommendations")
    async def for_user(
        rel: Rel,
        user_id: str,
        k: Annotated[int, Query(ge=1, le=200)] = 10,
        category: Annotated[list[str] | None, Query(max_length=20)] = None,
        brand: Annotated[list[str] | None, Query(max_length=50)] = None,
        price_min: Annotated[float | None, Query(ge=0)] = None,
        price_max: Annotated[float | None, Query(ge=0)] = None,
        in_stock: bool = False,
    ) -> Response:
        """Recommendations for a user (known, or cold start), each with its reason."""
        from shopmind.search.query import Filters

        if price_min is not None and price_max is not None and price_min > price_max:
            raise ApiError(400, "invalid_parameter", "price_min is above price_max", "price_min")
        filters = Filters(
            categories=tuple(category or ()),
            brands=tuple(brand or ()),
            price_min=price_min,
            price_max=price_max,
            in_stock=in_stock,
        )
        recs = _recs(rel)
        return _items(
            rel,
            _call(recs.for_user, user_id, k=k, filters=None if filters.is_empty() else filters),
            "for_user",
        )

    @recs_get("/v1/items/{item_id}/similar")
    async def similar(rel: Rel, item_id: str, k: Annotated[int, Query(ge=1, le=200)] = 10) -> Response:
        """Items similar to this one (co-visitation and content)."""
        if item_id not in rel.products:
            raise ApiError(404, "unknown_item", f"no product {item_id!r}", "item_id")
        return _items(rel, _call(_recs(rel).similar_items, item_id, k=k), "similar_items")

    @recs_get("/v1/items/{item_id}/bought-together")
    async def bought_together(
        rel: Rel, item_id: str, k: Annotated[int, Query(ge=1, le=200)] = 10
    ) -> Response:
        """Items often bought with this one."""
        if item_id not in rel.products:
            raise ApiError(404, "unknown_item", f"no product {item_id!r}", "item_id")
        return _items(rel, _call(_recs(rel).bought_together, [item_id], k=k), "bought_together")

    @app.post(
        "/v1/sessions/recommendations",
        tags=["recommendations"],
        dependencies=[needs("read")],
        response_model=dict[str, Any],
    )
    async def for_session(rel: Rel, body: SessionBody) -> Response:
        """Recommendations for an anonymous visitor from the events of the session."""
        events = [e.model_dump() for e in body.events]
        return _items(rel, _call(_recs(rel).for_session, events, k=body.k), "for_session")

    # ------------------------------------------------------------------ events
    @app.post("/v1/events", tags=["events"], dependencies=[needs("events")])
    def post_events(
        body: EventBatch,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Validate each event; store the valid ones durably before answering."""
        valid, rejected = [], []
        for i, raw in enumerate(body.events):
            try:
                valid.append(EventIn.model_validate(raw).record())
            except ValidationError as exc:
                for e in item_errors(exc):
                    rejected.append({"index": i, **e})
        if not valid:
            return JSONResponse(
                {
                    "error": {"code": "invalid_events", "message": "no event in the batch is valid"},
                    "rejected": rejected,
                },
                status_code=422,
            )
        response = {"accepted": len(valid), "rejected": rejected, "duplicate": False}
        seqs, previous = shop.record_events(valid, idempotency_key, response)
        if previous is not None:
            return JSONResponse({**previous, "duplicate": True})
        metrics.events.inc(len(seqs))
        response["new"] = len(seqs)  # events whose event_id was not logged before
        return JSONResponse(response)

    # ------------------------------------------------------------------ products
    def _gate_products(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from shopmind.config import GateConfig
        from shopmind.data.model import Batch
        from shopmind.quality.coerce import typed_products
        from shopmind.quality.gate import run_gate

        frame = typed_products(rows)
        result = run_gate(Batch("api-products", products=frame), GateConfig(), None)
        outcome = result.tables["products"]
        accepted = [
            {k: v for k, v in r.items() if not k.startswith("_")}
            for r in outcome.accepted.iter_rows(named=True)
        ]
        quarantined = []
        for r in outcome.quarantine.iter_rows(named=True):
            try:
                pid = json.loads(r.get("payload") or "{}").get("product_id")
            except ValueError:
                pid = None
            codes = list(r.get("codes") or [])
            reasons = "; ".join(f"{c}: {CODES[c].summary}" if c in CODES else c for c in codes)
            quarantined.append({"product_id": pid, "codes": codes, "message": reasons})
        return accepted, quarantined

    def _apply(rows: list[dict[str, Any]]) -> dict[str, Any]:
        accepted, quarantined = _gate_products(rows)
        if accepted:
            shop.change_products([(str(r["product_id"]), "upsert", _jsonable(r)) for r in accepted])
        return {"accepted": [r["product_id"] for r in accepted], "quarantined": quarantined}

    @app.put("/v1/products/{product_id}", tags=["products"], dependencies=[needs("write")])
    def put_product(
        rel: Rel, product_id: Annotated[str, PathParam(min_length=1, max_length=200)], body: ProductBody
    ) -> dict[str, Any]:
        """Create or replace one product (through the quality gate; searchable at once)."""
        row = {"product_id": product_id, **body.model_dump(exclude_none=True)}
        return _apply([_jsonable(row)])

    @app.post("/v1/products:batch", tags=["products"], dependencies=[needs("write")])
    def post_products(rel: Rel, body: ProductBatch) -> JSONResponse:
        """Create or replace up to 1,000 products; invalid ones are answered one by one."""
        valid, rejected = [], []
        for i, raw in enumerate(body.products):
            try:
                valid.append(_jsonable(ProductIn.model_validate(raw).model_dump(exclude_none=True)))
            except ValidationError as exc:
                rejected += [{"index": i, **e} for e in item_errors(exc)]
        if not valid:
            return JSONResponse(
                {
                    "error": {"code": "invalid_products", "message": "no product in the batch is valid"},
                    "rejected": rejected,
                },
                status_code=422,
            )
        return JSONResponse({**_apply(valid), "rejected": rejected})

    @app.delete("/v1/products/{product_id}", tags=["products"], dependencies=[needs("write")])
    def delete_product(rel: Rel, product_id: str) -> dict[str, Any]:
        """Remove a product from search and recommendations at once."""
        if product_id not in rel.products:
            raise ApiError(404, "unknown_item", f"no product {product_id!r}", "product_id")
        shop.change_products([(product_id, "delete", None)])
        return {"deleted": product_id}

    # ------------------------------------------------------------------ quality + releases
    def _reports(limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` run summaries (file names sort by run id = start time)."""
        folder = workspace / "reports"
        out = []
        for p in (sorted(folder.glob("*.json"), reverse=True) if folder.exists() else [])[:limit]:
            try:
                out.append(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return out

    @app.get("/v1/quality/runs", tags=["quality"], dependencies=[needs("read")])
    def quality_runs(limit: Annotated[int, Query(ge=1, le=500)] = 20) -> dict[str, Any]:
        """Quality runs, newest first (summaries without the per-check detail)."""
        runs = []
        for s in _reports(limit):
            runs.append(
                {
                    k: s.get(k)
                    for k in ("run_id", "source", "status", "started_at", "held", "exit_code", "account")
                }
            )
        return {"runs": _jsonable(runs)}

    @app.get("/v1/quality/runs/{run_id}", tags=["quality"], dependencies=[needs("read")], response_model=None)
    def quality_run(run_id: str, format: str = "json") -> Response:
        """The full summary of one run, or its HTML report with ``format=html``."""
        if format not in ("json", "html"):
            raise ApiError(400, "invalid_parameter", "format must be json or html", "format")
        folder = workspace / "reports"
        safe = "".join(ch for ch in run_id if ch.isalnum() or ch in "-_.")
        if safe != run_id or not (folder / f"{safe}.json").exists():
            raise ApiError(404, "not_found", f"no quality run {run_id!r}", "run_id")
        if format == "html":
            html = folder / f"{safe}.html"
            if not html.exists():
                raise ApiError(404, "not_found", f"run {run_id} has no HTML report")
            return HTMLResponse(html.read_text(encoding="utf-8"))
        return JSONResponse(json.loads((folder / f"{safe}.json").read_text(encoding="utf-8")))

    @app.get("/v1/evaluation", tags=["quality"], dependencies=[needs("read")])
    def evaluation() -> dict[str, Any]:
        """Latest offline evaluation results (``shopmind evaluate … --out <workspace>/evaluation/…``)."""
        folder = workspace / "evaluation"
        out: dict[str, list[Any]] = {"search": [], "recs": []}
        for p in sorted(folder.glob("*.json")) if folder.exists() else []:
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            kind = (
                "recs" if "recs" in p.name or data.get("kind") == "recs" or "protocol" in data else "search"
            )
            out[kind].append(
                {"file": p.name, **data} if isinstance(data, dict) else {"file": p.name, "data": data}
            )
        return out

    @app.get("/v1/releases", tags=["admin"], dependencies=[needs("read")])
    def list_releases() -> dict[str, Any]:
        return {"current": shop.release_id, "releases": _jsonable(shop.releases.list())}

    @app.post("/v1/admin/reload", tags=["admin"], dependencies=[needs("admin")])
    def reload() -> dict[str, Any]:
        """Load the release CURRENT points at now (the watcher does this every second anyway)."""
        swapped = shop.refresh()
        keys.reload()
        return {"release": shop.release_id, "swapped": swapped}

    # ------------------------------------------------------------------ health
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        cur = shop.current
        if cur is None:
            return JSONResponse(
                {"status": "not_ready", "reason": shop.last_error or "no release"}, status_code=503
            )
        return JSONResponse({"status": "ready", "release": cur.id, "sizes": cur.sizes()})

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def prometheus() -> Response:
        cur = shop.current
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

    try:
        from shopmind.serve import pages
    except ImportError:  # pages not installed in this build
        pages = None  # type: ignore[assignment]
    if pages is not None and hasattr(pages, "router"):
        app.include_router(pages.router)
        pages.mount_static(app)
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process of ``shopmind serve --workers N`` (a uvicorn factory):
    workspace and settings come from ``SHOPMIND_SERVE`` (JSON), set by the parent."""
    from shopmind.serve.observe import configure_logging

    spec = json.loads(os.environ[SERVE_ENV])
    configure_logging(spec.get("log_level", "info"))
    return create_app(Path(spec["workspace"]), spec.get("settings") or {})
