"""``/v1/search`` and ``/v1/autocomplete``: hybrid product search over the served release."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import StringConstraints

from shopmind.config import ISO_4217
from shopmind.search.engine import SearchError
from shopmind.search.query import SORT_KEYS
from shopmind.serve.api import ApiError, Rel, json_response, jsonable, needs
from shopmind.serve.routes.ads import sponsor_search
from shopmind.serve.routes.experiments import IdQuery, interleaved_search, log_exposures, search_variant
from shopmind.serve.routes.pricing import served_prices

router = APIRouter(tags=["search"])

#: The engine's sort keys, as the parameter's enum (an unknown sort is a 400 naming ``sort``).
Sort = Literal[SORT_KEYS]  # type: ignore[valid-type]
#: The currencies a filter may name (the gate's ISO 4217 list; lower case is read as upper case).
_CURRENCIES = sorted(ISO_4217) + sorted(c.lower() for c in ISO_4217)
#: ``key:value`` with both sides non-blank, as the schema says (not only as the handler checks).
AttrFilter = Annotated[str, StringConstraints(pattern=r"^\s*[^:\s][^:]*:.*\S.*$", max_length=500)]


@router.get("/v1/search", dependencies=[needs("read")], response_model=dict[str, Any])
async def search(
    request: Request,
    rel: Rel,
    q: Annotated[str, Query(max_length=2000, description="Free text, any language")] = "",
    category: Annotated[list[str] | None, Query(max_length=20)] = None,
    brand: Annotated[list[str] | None, Query(max_length=50)] = None,
    price_min: Annotated[float | None, Query(ge=0, le=1e12, allow_inf_nan=False)] = None,
    price_max: Annotated[float | None, Query(ge=0, le=1e12, allow_inf_nan=False)] = None,
    currency: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z]{3}$",
            description="ISO 4217 code of price_min/price_max (default: the query's)",
            json_schema_extra={"enum": _CURRENCIES},
        ),
    ] = None,
    attr: Annotated[list[AttrFilter] | None, Query(max_length=50, description="key:value")] = None,
    in_stock: bool = False,
    sort: Annotated[
        Sort, Query(description="relevance, price_asc, price_desc, newest or popularity")
    ] = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    facets: Annotated[str | None, Query(max_length=500, description="comma-separated facet names")] = None,
    understand: bool = True,
    user_id: Annotated[
        IdQuery, Query(description="the shopper: picks the experiment variant, attributes the exposure")
    ] = None,
    session_id: Annotated[IdQuery, Query(description="the session, for experiments by session")] = None,
) -> Response:
    """Hybrid search with filters, facets over the same result set and the understood query.
    With ``user_id``/``session_id`` the running experiments' variant is applied and its exposure logged."""
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
            400, "invalid_parameter", f"price_min ({price_min}) is above price_max ({price_max})", "price_min"
        )
    if currency is not None and currency.upper() not in ISO_4217:  # ZZZ matched no price: 0 hits, 200
        raise ApiError(400, "invalid_parameter", f"currency {currency!r} is not an ISO 4217 code", "currency")
    filters = Filters(
        categories=tuple(category or ()),
        brands=tuple(brand or ()),
        price_min=price_min,
        price_max=price_max,
        attributes=tuple((k, tuple(v)) for k, v in attrs.items()),
        in_stock=in_stock,
        currency=currency.upper() if currency else None,
    )
    kwargs: dict[str, Any] = {}
    if facets is not None:
        kwargs["facets"] = tuple(f.strip() for f in facets.split(",") if f.strip())
    engine, assigned, unit = search_variant(request, rel.engine, user_id, session_id)

    def run(e: Any, pg: int = page, sz: int = size) -> Any:
        u = understand if e is rel.engine else understand and e.config.understand  # a variant may turn it off
        return e.search(q, filters=filters, sort=sort, page=pg, size=sz, apply_understood=u, **kwargs)

    try:  # a unit in an interleaving experiment gets both variants' rankings merged (its method)
        il = interleaved_search(request, rel.engine, run, q, sort, page, size, unit, session_id)
        resp = il[0] if il else run(engine)
    except SearchError as exc:  # only the engine's parameter errors; anything else is a logged 500
        raise ApiError(400, exc.code, exc.message, exc.param) from None
    out = jsonable(resp)
    out["release"] = rel.id
    # sponsored slots (off unless the shop or the unit's variant turns [ads] on)
    sponsor_search(request, out, q, user_id=user_id, session_id=session_id, assigned=assigned)
    # prices: the suggested one for a unit in a [pricing] apply = "suggested" variant (shopmind.pricing)
    served_prices(request, rel, out["hits"], assigned)
    if assigned:
        out["experiments"] = log_exposures(request, assigned, unit, session_id, "search", resp.total)
    if il:
        out["experiments"] = out.get("experiments", []) + il[1]
    return json_response(out)


@router.get("/v1/autocomplete", dependencies=[needs("read")], response_model=dict[str, Any])
async def autocomplete(
    rel: Rel,
    q: Annotated[str, Query(max_length=200)] = "",
    k: Annotated[int, Query(ge=1, le=20)] = 8,
) -> Response:
    """Completions: popular past queries, product titles and categories starting with ``q``."""
    if rel.engine is None:
        raise ApiError(503, "no_search_index", "the current release has no search index")
    return json_response({"prefix": q, "suggestions": rel.engine.autocomplete(q, k=k), "release": rel.id})
