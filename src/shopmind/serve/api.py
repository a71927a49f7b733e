"""What every route shares: the JSON error type, one-pass JSON responses, the key check and
the release a request runs against.

Routes live in ``serve/routes/`` (one module per resource); they reach the served state only
through ``request.app.state`` (set by :func:`shopmind.serve.app.create_app`), so a router is a
plain module-level object and the app factory stays small.
"""

from __future__ import annotations

import difflib
import math
import typing
import urllib.parse
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from shopmind.serve.auth import CAPABILITIES, DASHBOARD_COOKIE
from shopmind.serve.state import LoadedRelease, Shop


class ApiError(Exception):
    """An error answered as JSON ``{"error": {code, message, field}}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> JSONResponse:
    """The one error body of the API (with the request id, so a user can quote it)."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    body["request_id"] = request.scope.get("state", {}).get("request_id")
    return JSONResponse(body, status_code=status)


def jsonable(value: Any) -> Any:
    """Plain JSON values from dataclasses, numpy scalars, dates and non-finite floats (null)."""
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(value.as_dict() if hasattr(value, "as_dict") else asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def json_response(content: Any, status: int = 200) -> Response:
    """One orjson pass over already-plain data (``jsonable``): ~10x cheaper than FastAPI's
    ``jsonable_encoder`` + response-model validation + ``json.dumps`` on a 20-item answer."""
    return Response(orjson.dumps(jsonable(content)), status_code=status, media_type="application/json")


def shop_of(request: Request) -> Shop:
    """The served state of the app's workspace."""
    return request.app.state.shop


async def current_release(request: Request) -> LoadedRelease:
    """The release this request uses from start to end (a swap mid-request does not affect it),
    after applying what other worker processes logged (``Shop.sync``)."""
    shop = shop_of(request)
    shop.sync()
    cur = shop.current
    if cur is None:
        raise ApiError(503, "no_release", shop.last_error or "no release yet: run `shopmind build`")
    return cur


Rel = Annotated[LoadedRelease, Depends(current_release)]


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key of a request: ``X-API-Key`` or ``Authorization: Bearer``."""
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def key_header(request: Request) -> str | None:
    """The header a request's key came in (``X-API-Key`` or ``Authorization``), for messages
    that must say where the wrong key is without echoing it; None when it sent no key. An
    ``Authorization`` header of another scheme (``Basic``: a proxy's own password in front of
    the shop) is no shopmind key and is left alone."""
    headers = request.headers
    if headers.get("x-api-key"):
        return "X-API-Key"
    auth = headers.get("authorization")
    if auth is not None and auth.strip().lower().split(" ", 1)[0] == "bearer":
        return "Authorization"
    return "X-API-Key" if "x-api-key" in headers else None


def refuse_a_wrong_key(request: Request) -> None:
    """On a route open to everyone, a request that *sends* a key must send a valid one (401
    otherwise, naming the header): an integrator who mistyped a key learns it at once, not on
    the day ``read_key_required`` closes the route. Elasticsearch does the same (a request is
    anonymous only when it carries no credentials; wrong ones are 401). The key itself is never
    echoed."""
    header = key_header(request)
    if header is None:
        return
    key = presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
    if not key or request.app.state.keys.check(key, "read") == "invalid":
        raise ApiError(401, "unauthorized", _invalid_message(header, bool(key)))


def _invalid_message(header: str, sent: bool) -> str:
    """Why a presented key is refused, naming its header (never the key)."""
    shown = "Authorization: Bearer" if header == "Authorization" else header
    if not sent:
        return f"the {shown} header holds no key: send a valid key or leave the header out"
    return (
        f"the API key in the {shown} header is not valid (mistyped, revoked, or made for another workspace)"
    )


def request_key(request: Request, capability: str) -> str | None:
    """The key a request presents for ``capability``: a header, or — for ``monitor`` routes
    only — the dashboard cookie (HttpOnly, SameSite=Strict, set by ``POST /dashboard/login``).

    The cookie never authorises a write: a browser sends cookies on its own, headers only when
    our script adds them, so a cookie that could post events or change products would let any
    other site's page act with the operator's key.
    """
    headers = request.headers
    key = presented_key(headers.get("authorization"), headers.get("x-api-key"))
    if key is None and capability == "monitor":
        key = request.cookies.get(DASHBOARD_COOKIE) or None
    return key


def check_key(request: Request, capability: str) -> None:
    """Raise 401/403 unless the request may use ``capability`` (see ``serve/auth.py``);
    ``read`` is open unless the server was started with ``read_key_required``."""
    state = request.app.state
    if capability == "read" and not state.settings["read_key_required"]:
        refuse_a_wrong_key(request)
        return
    verdict = state.keys.check(request_key(request, capability), capability)
    if verdict == "missing":
        raise ApiError(401, "unauthorized", f"this route needs an API key allowed to {_VERB[capability]}")
    if verdict == "invalid":
        header = key_header(request)
        raise ApiError(
            401,
            "unauthorized",
            _invalid_message(header, True) if header else "the API key is not valid",
        )
    if verdict == "forbidden":
        raise ApiError(403, "forbidden", f"the API key is not allowed to {_VERB[capability]}")


#: What each capability lets a key do, for error messages (and which scopes have it).
_VERB = {
    "read": "read the catalog (any key: storefront, read, events, write or admin)",
    "events": "post events (a storefront, events, write or admin key)",
    "write": "change products (a write or admin key)",
    "monitor": "read quality runs, reports, releases and metrics (a read or admin key)",
    "admin": "administer the server (an admin key)",
}


def needs(capability: str) -> Any:
    """A route dependency: the request must present a key with ``capability``."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; one of {', '.join(CAPABILITIES)}")

    async def check(
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> None:
        check_key(request, capability)

    return Depends(check)


async def known_query_only(request: Request) -> None:
    """Refuse a query parameter the route does not take (400 ``unknown_parameter`` naming it and
    listing the ones it takes). Bodies already refuse unknown fields; a query string ignored its
    unknown names silently, so ``/v1/search?q=shoe&limit=5`` answered 20 hits as if asked, and a
    typo in a filter (``brnad=Acme``) returned the unfiltered list.

    Also refused, naming the parameter (``invalid_parameter``): a name or value whose
    percent-encoded bytes are not UTF-8 (they were replaced by U+FFFD and searched for), and a
    parameter that takes one value given twice (``q=a&q=b`` kept the last silently; list
    parameters such as ``category``, ``brand`` and ``attr`` repeat by design)."""
    if not request.query_params:
        return
    _utf8_only(request.scope.get("query_string", b""))
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known: frozenset[str] | None = getattr(route, "_shopmind_query_names", None)
    if known is None:
        known = frozenset(_query_names(route.dependant))
        route._shopmind_query_names = known  # type: ignore[attr-defined]
        route._shopmind_query_lists = frozenset(_query_names(route.dependant, lists=True))  # type: ignore[attr-defined]
    lists: frozenset[str] = getattr(route, "_shopmind_query_lists", frozenset())
    for name in dict.fromkeys(request.query_params):
        times = len(request.query_params.getlist(name))
        if times > 1 and name in known and name not in lists:
            raise ApiError(
                400,
                "invalid_parameter",
                f"{name}: given {times} times; it takes one value (give it once)",
                name,
            )
    for name in request.query_params:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        takes = f" (it takes: {', '.join(sorted(known))})" if known else " (it takes no query parameters)"
        raise ApiError(
            400, "unknown_parameter", f"{route.path} has no query parameter {name!r}{hint}{takes}", name
        )


def _query_names(dependant: Dependant, lists: bool = False) -> set[str]:
    """The query parameter names a route reads, its dependencies' included (a parameter model's
    fields by their aliases); with ``lists``, only those that take a list (may repeat)."""
    names: set[str] = set()
    for param in dependant.query_params:
        model = getattr(param, "type_", None) or getattr(param.field_info, "annotation", None)
        fields = getattr(model, "model_fields", None) if isinstance(model, type) else None
        if fields:
            names |= {f.alias or n for n, f in fields.items() if not lists or _is_list(f.annotation)}
        elif not lists or _is_list(param.field_info.annotation):
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub, lists)
    return names


def _is_list(annotation: object) -> bool:
    """Whether a parameter's type takes several values (``list[str] | None``, ``Annotated[...]``)."""
    if typing.get_origin(annotation) in (list, set, tuple, frozenset):
        return True
    return any(_is_list(a) for a in typing.get_args(annotation))


def _utf8_only(raw: bytes) -> None:
    """A 400 naming the first query parameter whose name or value is not UTF-8 once percent-decoded."""
    for part in raw.split(b"&"):
        name, _, value = part.partition(b"=")
        name_bytes = urllib.parse.unquote_to_bytes(name.replace(b"+", b" "))
        shown = name_bytes.decode("utf-8", errors="replace")
        for what, data in (
            ("name", name_bytes),
            ("value", urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))),
        ):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError(
                    400,
                    "invalid_parameter",
                    f"{shown}: the parameter's {what} is not valid UTF-8 once percent-decoded "
                    "(encode text as UTF-8 before percent-encoding it)",
                    shown,
                ) from None
