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
import logging
import os
from collections.abc import Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from shopmind import __version__
from shopmind.privacy import policy_notice, secure_workspace, workspace_secret
from shopmind.serve.api import ApiError, error_response, known_query_only
from shopmind.serve.auth import KeyStore
from shopmind.serve.contract import allowed_methods, install_openapi
from shopmind.serve.observe import Metrics, ObserveMiddleware
from shopmind.serve.pages import browser_not_found, browser_server_error
from shopmind.serve.routes import ROUTERS
from shopmind.serve.schemas import error_message
from shopmind.serve.state import Shop
from shopmind.store.livelog import EventLog

DEFAULTS: dict[str, Any] = {
    "max_body_bytes": 1_000_000,
    "read_key_required": False,
    # /metrics needs a read or admin key (Prometheus: `authorization: {credentials: <key>}`)
    "metrics_key_required": True,
    "poll_seconds": 1.0,
    "storefront_events": True,
    "workers": 1,
    # seconds after a release loads before its assistant is built in the background (0: on the
    # first turn); `shopmind serve` sets 5 unless [serve] says otherwise, an embedded app leaves it off
    "assistant_warmup_seconds": 0.0,
}
#: Environment variable through which ``shopmind serve --workers N`` hands each worker process
#: its workspace and settings (``app_from_env``).
SERVE_ENV = "SHOPMIND_SERVE"


#: What a parameter's regular expression asks for, in words: a 400 quoted the expression itself
#: ("String should match pattern ...") to a user who wrote ``attr=colour``.
PATTERN_WORDS = {
    r"^\s*[^:\s][^:]*:.*\S.*$": "key:value, e.g. colour:red",
    r"^[A-Za-z]{3}$": "a three-letter ISO 4217 currency code, e.g. EUR",
    r"\S": "text that is not only white space",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$": "letters, digits, '_', '.' or '-' (at most 64, starting with a letter or digit)",
}


def _install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as the API's one JSON error body, never a traceback."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(p) for p in first.get("loc", ())]
        where = loc[0] if loc else ""
        if where == "body" and (whole := _whole_body_problem(first)):
            return error_response(request, 422, "invalid_body", whole, "body")
        field = ".".join(loc[1:]) or where
        status = 422 if where == "body" else 400
        said = error_message(first) if first else "invalid request"
        msg = f"{field}: {said}" if field else said
        if first.get("type") == "string_pattern_mismatch" and field:
            want = PATTERN_WORDS.get(str((first.get("ctx") or {}).get("pattern")))
            if want:  # the value and the form in words, not the regular expression it failed
                msg = f"{field}: {first.get('input')!r} must be {want}"
        return error_response(
            request, status, "invalid_body" if status == 422 else "invalid_parameter", msg, field
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.detail == _PARSE_FAILED and (unreadable := _unreadable_body(exc.__cause__)):
            return error_response(request, 422, "invalid_body", unreadable, "body")
        if exc.status_code == 404 and (page := browser_not_found(request)) is not None:
            return page
        code = {
            404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "body_too_large",
        }.get(exc.status_code, "http_error")  # fmt: skip
        allow = allowed_methods(request.app, request.url.path) if exc.status_code == 405 else None
        message = str(exc.detail)
        if message == HTTPStatus(exc.status_code).phrase:  # the router's own "Not Found": say what was asked
            path = request.url.path
            if exc.status_code == 404:
                message = f"nothing at {path} (the API's routes: /docs)"
            elif exc.status_code == 405 and allow:
                message = f"{request.method} is not allowed on {path}; it takes {allow}"
        response = error_response(request, exc.status_code, code, message)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405 (RFC 9110 requires it)
        if allow:
            response.headers["Allow"] = allow
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logging.getLogger("shopmind.serve").exception("unhandled error")
        if (page := browser_server_error(request)) is not None:
            return page
        return error_response(request, 500, "internal", "internal error (logged with this request id)")


_JSON_KIND = {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}


def _whole_body_problem(err: Mapping[str, Any]) -> str | None:
    """What is wrong with a body as a whole, said plainly: not JSON (FastAPI named the character
    offset as if it were a field: ``"14: JSON decode error"``), empty, or not a JSON object
    (``"body: Input should be a valid dictionary or object to extract fields from"``)."""
    kind = err.get("type")
    loc = tuple(err.get("loc", ()))
    if kind == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        why = (err.get("ctx") or {}).get("error") or "invalid JSON"
        return f"the body is not valid JSON{where}: {why}"
    if loc != ("body",):
        return None
    if kind == "missing":
        return "the body is empty: send a JSON object"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        got = err.get("input")
        what = _JSON_KIND.get(type(got), "a number")
        return f"the body must be a JSON object ({{...}}), not {what}"
    return None


#: FastAPI's answer to a JSON body it could not read, whatever the reason (``fastapi.routing``).
_PARSE_FAILED = "There was an error parsing the body"


def _unreadable_body(cause: BaseException | None) -> str | None:
    """Why FastAPI could not read a JSON body (it answers any such failure with a bare "There was
    an error parsing the body"): bytes that are not UTF-8, or nesting too deep to parse."""
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"the body is not valid UTF-8 (byte 0x{cause.object[cause.start]:02x} at position {cause.start}): "
            "send JSON encoded as UTF-8"
        )
    if isinstance(cause, RecursionError):
        return "the body nests arrays or objects too deeply to be read"
    if cause is not None:
        return f"the body could not be read as JSON ({type(cause).__name__})"
    return None


def _close_buffered_logs(app: FastAPI) -> None:
    """Write what the request-path logs (experiment exposures, assistant turns, any other
    ``BufferedTable`` a router keeps on ``app.state``) still hold: a clean stop must not drop
    their last second of rows."""
    from shopmind.store.buffered import BufferedTable

    for value in list(getattr(app.state, "_state", {}).values()):
        if isinstance(value, BufferedTable):
            value.close()


def create_app(workspace: Path | str, settings: Mapping[str, Any] | None = None) -> FastAPI:
    """Build the app for a workspace; the release is loaded at startup and followed after."""
    workspace = Path(workspace)
    cfg = {**DEFAULTS, **dict(settings or {})}
    metrics = Metrics()
    eventlog = EventLog(workspace)
    # the store, live log (+ -wal/-shm), keys and reports owner-only, also in a workspace made
    # before files were created so (or by a process with a looser umask)
    secure_workspace(workspace)
    shop = Shop(workspace, eventlog, poll_seconds=float(cfg["poll_seconds"]))
    if notice := policy_notice(workspace):  # raw customer ids kept: say so at every start
        logging.getLogger("shopmind.serve").warning(notice)
    keys = KeyStore(workspace)
    storefront_key = None
    if cfg["storefront_events"]:
        # worker processes share the key their parent made (a page served by one worker posts
        # its clicks to whichever worker accepts the connection)
        given = cfg.get("storefront_key")
        storefront_key = keys.add("storefront", "storefront", persist=False, plaintext=given)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        shop.refresh()
        shop.watch()
        warmup = None
        if float(cfg["assistant_warmup_seconds"]) > 0:
            from shopmind.serve.routes.assistant import start_warmup

            warmup = start_warmup(shop, cfg, float(cfg["assistant_warmup_seconds"]))
        yield
        if warmup is not None:
            warmup.set()
        _close_buffered_logs(app)
        shop.stop()
        eventlog.close()

    app = FastAPI(
        title="shopmind",
        version=__version__,
        description="Search and recommendations for online shops, behind a data-quality gate.",
        lifespan=lifespan,
        # /docs is served by serve/pages.py from packaged assets (FastAPI's loads a CDN)
        docs_url=None,
        redoc_url=None,
    )
    app.state.shop = shop
    app.state.keys = keys
    app.state.metrics = metrics
    app.state.settings = cfg
    app.state.storefront_key = storefront_key
    app.state.workspace = workspace
    app.add_middleware(
        ObserveMiddleware,
        metrics=metrics,
        max_body=int(cfg["max_body_bytes"]),
        pseudonym_key=workspace_secret(workspace),
    )
    _install_error_handlers(app)
    for router in ROUTERS:  # every API route refuses a query parameter it does not take
        app.include_router(router, dependencies=[Depends(known_query_only)])
    install_openapi(app, ROUTERS)  # every route's error answers declared (serve/contract.py)

    from shopmind.serve import dashboards, pages

    app.include_router(pages.router)
    app.include_router(dashboards.router)
    pages.mount_static(app)
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process of ``shopmind serve --workers N`` (a uvicorn factory):
    workspace and settings come from ``SHOPMIND_SERVE`` (JSON), set by the parent."""
    from shopmind.serve.observe import configure_logging

    spec = json.loads(os.environ[SERVE_ENV])
    configure_logging(spec.get("log_level", "info"))
    return create_app(Path(spec["workspace"]), spec.get("settings") or {})
