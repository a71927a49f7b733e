"""Request ids, structured JSON logs, Prometheus metrics, body-size limits and the security
headers of every response (ASGI middleware).

Every response says ``nosniff``, may not be framed (``X-Frame-Options: DENY`` and CSP
``frame-ancestors 'none'``) and sends no referrer to other sites; an HTML response without a
policy of its own gets :data:`PAGE_CSP` (scripts and styles from this origin only, never inline),
anything else :data:`API_CSP` (nothing may load at all). The access log never holds personal
data: customer ids in the path are pseudonymised and e-mails/phones masked (``shopmind.privacy``);
query strings are not logged.

Pure ASGI rather than ``BaseHTTPMiddleware`` so that the body limit is enforced while the
body streams in (a client sending 1 GB without Content-Length is cut off at the limit) and
so that the per-request overhead stays small.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException

from shopmind.privacy import ID_FIELDS, mask_pii, pseudonymise

log = logging.getLogger("shopmind.http")

#: The policy of every page: everything from this origin, nothing inline, nothing framed.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: JSON, text and the rest: a browser that renders one anyway may load and run nothing.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """One registry per app so tests can create many apps."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shopmind_requests", "HTTP requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "shopmind_request_seconds",
            "Request latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.release = Gauge(
            "shopmind_release_info",
            "Served release (value 1)",
            ["release"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.index_size = Gauge(
            "shopmind_index_size",
            "Items in each served index",
            ["index"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.events = Counter("shopmind_events_accepted", "Events durably accepted", registry=self.registry)
        self.served_release: str | None = None  # the release labelled 1 in ``release``


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):  # the access line: structured already, no re-parse
            payload.update(fields)
            return json.dumps(payload, ensure_ascii=False)
        msg = record.getMessage()
        try:
            parsed = json.loads(msg)
            payload.update(parsed if isinstance(parsed, dict) else {"msg": msg})
        except ValueError:
            payload["msg"] = msg
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in ("shopmind.http", "shopmind.serve"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level.upper())
        lg.propagate = False


def _error_body(code: str, message: str, request_id: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}, "request_id": request_id}).encode()


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` plus the security headers (a policy the response set itself is kept)."""
    names = {k.lower() for k, _ in headers}
    out = [*headers, *(h for h in _SECURITY_HEADERS if h[0] not in names)]
    if b"content-security-policy" not in names:
        ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        out.append(
            (b"content-security-policy", (PAGE_CSP if ctype.startswith(b"text/html") else API_CSP).encode())
        )
    return out


def loggable_path(path: str, path_params: dict[str, Any] | None, key: bytes | None) -> str:
    """The request path as the access log keeps it: ids of people pseudonymised (``key``) or
    cut to their length, e-mail addresses and phone numbers masked wherever they appear."""
    for name, value in (path_params or {}).items():  # ASGI paths and params are decoded already
        if name in ID_FIELDS and isinstance(value, str) and value:
            handle = pseudonymise(value, key) if key else f"<{len(value)} chars>"
            path = path.replace("/" + value + "/", "/" + handle + "/")
            if path.endswith("/" + value):
                path = path[: -len(value)] + handle
    return mask_pii(path)


class ObserveMiddleware:
    """Adds X-Request-ID and the security headers, enforces the body limit, logs one JSON line
    (without personal data) and records metrics."""

    def __init__(self, app: Any, metrics: Metrics, max_body: int, pseudonym_key: bytes | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.pseudonym_key = pseudonym_key

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")[:100] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = with_security_headers(
                    [*message.get("headers", []), (b"x-request-id", rid.encode("latin-1", "replace"))]
                )
            await send(message)

        async def reject(code: int, err: str, message: str) -> None:
            body = _error_body(err, message, rid)
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": code,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await reject(413, "body_too_large", f"request body over {self.max_body} bytes")
            self._observe(scope, status["code"], started, rid)
            return
        seen = {"n": 0, "over": False}

        async def limited_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                seen["n"] += len(message.get("body", b""))
                if seen["n"] > self.max_body:
                    seen["over"] = True
                    raise _BodyTooLarge(self.max_body)
            return message

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await reject(413, "body_too_large", f"request body over {self.max_body} bytes")
        self._observe(scope, status["code"], started, rid)

    def _observe(self, scope: dict, code: int, started: float, rid: str) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        # the template as the API documents it: "/v1/users/{user_id}/…", not the router's "{user_id:path}"
        template = getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(template, scope["method"], str(code)).inc()
        self.metrics.latency.labels(template).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            fields = {
                "request_id": rid,
                "method": scope["method"],
                "path": loggable_path(scope["path"], scope.get("path_params"), self.pseudonym_key),
                "route": template,
                "status": code,
                "ms": round(elapsed * 1000, 2),
            }
            log.info("request", extra={"fields": fields})


class _BodyTooLarge(HTTPException):
    """Raised while the app reads a body over the limit. An ``HTTPException``, because FastAPI
    turns any other exception raised while reading a body into a 400 (a 3 MB chunked body
    used to get 400 instead of 413); the app's handler answers it as 413 ``body_too_large``."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")
