"""Request ids, structured JSON logs, Prometheus metrics and body-size limits (ASGI middleware).

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

log = logging.getLogger("shopmind.http")

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


class ObserveMiddleware:
    """Adds X-Request-ID, enforces the body limit, logs one JSON line and records metrics."""

    def __init__(self, app: Any, metrics: Metrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

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
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode("latin-1", "replace")),
                ]
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
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await reject(413, "body_too_large", f"request body over {self.max_body} bytes")
        self._observe(scope, status["code"], started, rid)

    def _observe(self, scope: dict, code: int, started: float, rid: str) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(template, scope["method"], str(code)).inc()
        self.metrics.latency.labels(template).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            fields = {
                "request_id": rid,
                "method": scope["method"],
                "path": scope["path"],
                "route": template,
                "status": code,
                "ms": round(elapsed * 1000, 2),
            }
            log.info("request", extra={"fields": fields})


class _BodyTooLarge(Exception):
    pass
