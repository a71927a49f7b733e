"""What the OpenAPI document promises, made true: every error a route can answer is declared
with the API's one error body, and write routes take JSON only (415 otherwise).

FastAPI documents 200 and a 422 with its own ``HTTPValidationError`` body for every route
with parameters; the app answers 400 for a bad parameter, 401/403 for keys, 404 for an
unknown id, 413 for a body over the limit, 415 for a non-JSON body, 422 for an invalid body
and 503 without a release — all with ``{"error": {code, message, field}}``. schemathesis'
``status_code_conformance`` found 19 undocumented codes. The statuses are derived from each
route's own parameters and dependencies (not listed by hand), so a new route is documented
correctly without anyone remembering to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from shopmind.serve.api import ApiError, current_release, known_query_only

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        },
        "request_id": {"type": ["string", "null"]},
        "rejected": {"type": "array", "items": {"type": "object"}},
    },
}

_WHY = {
    "400": "A query or path parameter is invalid or unknown (the error names it).",
    "401": "No API key, or the key is not valid.",
    "403": "The key lacks the capability this route needs.",
    "404": "No such resource (the error names the id).",
    "413": "The request body is over the server's limit.",
    "415": "The body is not JSON (Content-Type must be application/json).",
    "422": "The body is invalid (the error names the field; batches list each rejected item).",
    "503": "No release is being served yet, or it lacks the component the route needs.",
}

#: Answers that are not the error body: readiness says why it is not ready in its own shape.
_EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("/readyz", "get"): {
        "503": {
            "description": "Not ready: no release loaded (the reason says why); \"building\" while the "
                           "first release is built, with the build's stages.",
            "content": {"application/json": {"schema": {
                "type": "object", "required": ["status", "reason"],
                "properties": {"status": {"enum": ["not_ready", "building"]}, "reason": {"type": "string"},
                               "building": {"type": ["object", "null"]}},
            }}},
        }
    }
}  # fmt: skip
#: A release built without forecasts answers 404 on a route with no path parameter.
_EXTRA[("/v1/inventory/reorder", "get")] = {
    "404": {
        "description": "The current release has no forecasts (the message says why).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}

#: A release built without price suggestions answers 404 on the list route too.
_EXTRA[("/v1/pricing/suggestions", "get")] = {
    "404": {
        "description": "The current release has no price suggestions (the message says why).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}

#: Media types a JSON body may be sent with.
JSON_TYPES = ("application/json",)


async def json_body(request: Request) -> None:
    """A route dependency: a body must be JSON (415 otherwise; a wrong type used to get a 422
    from the JSON parser, as if the content were at fault), and no JSON object in it may give a
    name twice (422 ``invalid_body`` naming it): ``{"events": [...], "events": []}`` was read as
    its last value without a word, so a careless client's batch vanished. Elasticsearch refuses
    such bodies too (strict duplicate detection). The second parse costs ~1.6 ms on a
    1,000-event batch (stdlib json, as the route's own parse)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype not in JSON_TYPES and not ctype.endswith("+json"):
        raise ApiError(
            415, "unsupported_media_type", f"send the body as application/json, not {ctype or 'no type'!r}"
        )
    raw = await request.body()
    if not raw:
        return
    try:
        json.loads(raw, object_pairs_hook=_unique_names)
    except _DuplicateName as dup:
        raise ApiError(
            422,
            "invalid_body",
            f"the body gives {dup.name!r} more than once in one object (each name once: only one would be read)",
            dup.name,
        ) from None
    except ValueError:  # not JSON at all: the route's own parse says so
        return


class _DuplicateName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _DuplicateName(name)
            seen.add(name)
    return out


def _calls(dependant: Dependant) -> Iterable[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _route_calls(routers: Iterable[APIRouter]) -> dict[tuple[str, str], set[Any]]:
    """(path, method) → every dependency callable of the route, router-level ones included."""
    out: dict[tuple[str, str], set[Any]] = {}
    for router in routers:
        # create_app includes every API router with known_query_only (an unknown query name is a 400)
        shared = {d.dependency for d in router.dependencies} | {known_query_only}
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    out[(route.path_format, method.lower())] = set(_calls(route.dependant)) | shared
    return out


def error_statuses(op: dict[str, Any], calls: set[Any]) -> list[str]:
    """The error statuses of an OpenAPI operation, from its parameters, body and the route's
    dependencies (``calls``)."""
    params = op.get("parameters", [])
    where = {p.get("in") for p in params}
    headers = {str(p.get("name", "")).lower() for p in params if p.get("in") == "header"}
    out = {"413"}  # the body limit applies before routing (a Content-Length over it)
    if where & {"query", "path"} or "requestBody" in op or known_query_only in calls:
        out.add("400")
    if "authorization" in headers or any(getattr(c, "__name__", "") == "_metrics_key" for c in calls):
        out |= {"401", "403"}
    if "path" in where:
        out.add("404")
    if "requestBody" in op or json_body in calls:
        out |= {"415", "422"}
    if current_release in calls:
        out.add("503")
    return sorted(out)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without FastAPI's ``null`` branch: a query string, path or header
    cannot carry a JSON null (an absent parameter is the default), and a generator that sends
    the text "null" as an "invalid" value finds it accepted — as the string it is."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [b for b in branches if b.get("type") != "null"]
    if len(kept) == len(branches) or not kept:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def allowed_methods(app: FastAPI, path: str) -> str | None:
    """The ``Allow`` value of a 405 for ``path``: every documented method of every route with
    that path (Starlette names only the first route it matched: ``PUT`` where ``PUT, DELETE``)."""
    methods: set[str] = set()
    for template, ops in app.openapi().get("paths", {}).items():
        rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(rx, path):
            methods |= {m.upper() for m in ops}
    return ", ".join(sorted(methods)) or None


def install_openapi(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Replace ``app.openapi`` with one declaring every route's error answers (above);
    ``routers`` are the API's routers (their dependencies say which routes need a release)."""
    calls = _route_calls(routers)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                for param in op.get("parameters", []):
                    param["schema"] = _not_null(param.get("schema", {}))
                responses = op.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI's HTTPValidationError: not what we answer
                for status in error_statuses(op, calls.get((path, method), set())):
                    responses.setdefault(status, {"description": _WHY[status], **ref})
                responses.update(_EXTRA.get((path, method), {}))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
