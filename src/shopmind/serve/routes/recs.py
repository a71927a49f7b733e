"""Recommendation routes: for a user, similar items, bought together, for a session."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shopmind.recommend.rules import Filters, RecsError
from shopmind.search.request_warnings import unknown_brand, unknown_category
from shopmind.serve.api import ApiError, Rel, jsonable, needs, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.routes.ads import sponsor_for_user, sponsor_similar
from shopmind.serve.routes.experiments import IdQuery, log_exposures, recs_variant
from shopmind.serve.schemas import IdPath, SessionBody
from shopmind.serve.state import LoadedRelease

router = APIRouter(tags=["recommendations"], dependencies=[needs("read")])

#: Product fields filled into a recommendation from the catalog when the model left them empty.
_SHOWN = ("title", "price", "currency", "category_path", "brand", "image_url")


def _recs(rel: LoadedRelease) -> Any:
    if rel.recs is None:
        if (rel.manifest.get("parts") or {}).get("recs") == "pending":  # a progressive build's first release
            raise ApiError(
                503, "no_recommender", "recommendations are still being built: ask again in a moment"
            )
        raise ApiError(503, "no_recommender", "the current release has no recommendation models")
    return rel.recs


def _items(
    rel: LoadedRelease,
    recs: list[Any],
    context: str,
    extra: dict[str, Any] | None = None,
    request: Request | None = None,
    assigned: list[Any] | None = None,
) -> Response:
    # recommendations are flat dataclasses of plain values: copied, not walked by jsonable
    # (which was ~12 % of a recommendation request); orjson writes NaN as null
    items = []
    for r in recs:
        d = dict(r.__dict__) if hasattr(r, "__dict__") else jsonable(r)
        p = rel.products.get(str(d.get("item_id")), {})
        for col in _SHOWN:
            if d.get(col) in (None, ""):
                d[col] = p.get(col)
        items.append(d)
    if request is not None:  # the unit's [pricing] variant decides the price shown (shopmind.pricing)
        from shopmind.serve.routes.pricing import served_prices

        served_prices(request, rel, items, assigned or [], key="item_id")
    body = orjson.dumps(
        {"context": context, "items": items, "release": rel.id, **(extra or {})},
        default=jsonable,
        option=orjson.OPT_SERIALIZE_NUMPY,
    )
    return Response(body, media_type="application/json")


#: The recommender names a bad filter by its ``Filters`` key; the API names its query parameter.
_PARAM_OF = {"filters.categories": "category", "filters.brands": "brand"}


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except RecsError as exc:
        status = 404 if getattr(exc, "code", "") in ("unknown_item", "unknown_user", "not_found") else 400
        param = getattr(exc, "param", None)
        if param:
            param = _PARAM_OF.get(param, param.removeprefix("filters."))
        raise ApiError(status, getattr(exc, "code", "invalid_parameter"), str(exc), param) from None


@router.get("/v1/users/{user_id:path}/recommendations", response_model=dict[str, Any])
async def for_user(
    request: Request,
    rel: Rel,
    user_id: IdPath,
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    category: Annotated[list[str] | None, Query(max_length=20)] = None,
    brand: Annotated[list[str] | None, Query(max_length=50)] = None,
    price_min: Annotated[float | None, Query(ge=0, le=1e12, allow_inf_nan=False)] = None,
    price_max: Annotated[float | None, Query(ge=0, le=1e12, allow_inf_nan=False)] = None,
    in_stock: Annotated[bool | None, Query(description="default: the shop's rule")] = None,
) -> Response:
    """Recommendations for a user (known, or cold start), each with its reason."""
    if price_min is not None and price_max is not None and price_min > price_max:
        raise ApiError(400, "invalid_parameter", "price_min is above price_max", "price_min")
    # the recommender's own Filters (shopmind.recommend.rules), not the search engine's: the
    # search type was passed here once and every filtered request was answered 400
    filters = Filters(
        categories=tuple(category or ()),
        brands=tuple(brand or ()),
        price_min=price_min,
        price_max=price_max,
        in_stock=in_stock,
    )
    recs = _recs(rel)
    sent = user_id  # sponsored slots pseudonymise it themselves (as search's do)
    user_id = shop_of(request).user_handle(user_id)  # the id the models know (a pseudonym)
    recs, assigned = recs_variant(request, recs, user_id)  # the user's [recs] variant, if any
    got = _call(recs.for_user, user_id, k=k, filters=None if filters == Filters() else filters)
    got = sponsor_for_user(request, rel.products, got, user_id=sent, assigned=assigned)  # [ads] on only
    # a category or brand no item has answers empty as before, and says so (search's warnings)
    catalog = recs.catalog
    extra: dict[str, Any] = {
        "warnings": [
            unknown_category(c) for c in dict.fromkeys(category or ()) if not catalog.knows_category(c)
        ]
        + [unknown_brand(b) for b in dict.fromkeys(brand or ()) if not catalog.knows_brand(b)]
    }
    if assigned:  # the exposure, as search logs it (no fsync on the request path)
        extra["experiments"] = log_exposures(request, assigned, user_id, None, "recs", len(got))
    return _items(rel, got, "for_user", extra, request=request, assigned=assigned)


@router.get("/v1/items/{item_id}/similar", response_model=dict[str, Any])
async def similar(
    request: Request,
    rel: Rel,
    item_id: IdPath,
    k: Annotated[int, Query(ge=1, le=200)] = 10,
    user_id: Annotated[
        IdQuery, Query(description="the shopper (sponsored slots are attributed to it)")
    ] = None,
    session_id: Annotated[IdQuery, Query(description="the session (for sponsored-slot attribution)")] = None,
) -> Response:
    """Items similar to this one (co-visitation and content); with ads on and a shopper id, sponsored slots."""
    if item_id not in rel.products:
        raise ApiError(404, "unknown_item", f"no product {item_id!r}", "item_id")
    recs = _call(_recs(rel).similar_items, item_id, k=k)
    recs = sponsor_similar(request, rel.products, item_id, recs, user_id=user_id, session_id=session_id)
    return _items(rel, recs, "similar_items")


@router.get("/v1/items/{item_id}/bought-together", response_model=dict[str, Any])
async def bought_together(rel: Rel, item_id: IdPath, k: Annotated[int, Query(ge=1, le=200)] = 10) -> Response:
    """Items often bought with this one."""
    if item_id not in rel.products:
        raise ApiError(404, "unknown_item", f"no product {item_id!r}", "item_id")
    return _items(rel, _call(_recs(rel).bought_together, [item_id], k=k), "bought_together")


@router.post("/v1/sessions/recommendations", response_model=dict[str, Any], dependencies=[Depends(json_body)])
async def for_session(rel: Rel, body: SessionBody) -> Response:
    """Recommendations for an anonymous visitor from the events of the session.

    ``unknown_items``: the session's item ids the served catalog does not hold (in order, once
    each). They cannot steer the answer, and a session of only unknown ids is answered as a
    cold start — said here, not left for an integrator to guess (a stale or mistyped id)."""
    events = [e.model_dump() for e in body.events]
    unknown = list(dict.fromkeys(e["item_id"] for e in events if e["item_id"] not in rel.products))
    recs = _call(_recs(rel).for_session, events, k=body.k)
    return _items(rel, recs, "for_session", {"unknown_items": unknown})
