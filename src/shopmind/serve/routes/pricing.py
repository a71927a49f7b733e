"""Price suggestions of the current release (``shopmind.pricing.release``):
``GET /v1/pricing/suggestions`` and ``GET /v1/pricing/suggestions/{product_id}``. Suggested prices
and margins are the shop's internal figures, so they need the dashboards' key (``monitor``), never
the storefront key. Both answer from the release's saved files: what is served is what the build
computed, and is rolled back with it. Nothing here changes a price."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shopmind.serve.api import ApiError, Rel, json_response, needs
from shopmind.serve.schemas import MAX_COUNT, IdPath
from shopmind.serve.state import LoadedRelease

router = APIRouter(tags=["pricing"])


def served(rel: LoadedRelease) -> Any:
    """The release's suggestions, or a 404 saying why there are none."""
    from shopmind.pricing.release import why_none
    from shopmind.pricing.served import NoPricing, load_served

    try:
        return load_served(str(rel.folder))
    except NoPricing:
        raise ApiError(404, "no_pricing", why_none(rel.manifest)) from None


@router.get("/v1/pricing/suggestions", response_model=dict[str, Any], dependencies=[needs("monitor")])
def suggestions(
    rel: Rel,
    offset: Annotated[int, Query(ge=0, le=MAX_COUNT)] = 0,  # an int over 64 bits was a 500 (orjson)
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    category: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    action: Literal["change", "keep"] | None = None,
) -> Response:
    """Suggestions by product id: current and suggested price, expected profit/revenue change with
    its interval, the elasticity with its interval, and the guardrail that bound the price."""
    sp = served(rel)
    return json_response(
        {"release": rel.id, "as_of": sp.meta.get("as_of"), **sp.page(offset, limit, category, action)}
    )


@router.get(
    "/v1/pricing/suggestions/{product_id}", response_model=dict[str, Any], dependencies=[needs("monitor")]
)
def suggestion(rel: Rel, product_id: IdPath) -> Response:
    """One product's suggestion and its demand curve (weekly quantity vs price, with interval)."""
    from shopmind.pricing.served import demand_curve

    row = served(rel).by_id.get(product_id)
    if row is None:
        raise ApiError(
            404,
            "unknown_product",
            f"no price suggestion for product {product_id!r}: it has no identified elasticity in this release",
            "product_id",
        )
    return json_response({**row, "demand_curve": demand_curve(row), "release": rel.id})


def served_prices(
    request: Request,
    rel: LoadedRelease,
    items: list[dict[str, Any]],
    assigned: list[Any],
    key: str = "product_id",
) -> None:
    """Prices of a search/recommendation answer for this unit, in place: the suggested price when its
    experiment variant (or the shop's ``[pricing] apply``) says so, with ``price_source`` on each item."""
    from shopmind.pricing.served import apply_prices, price_mode

    overrides: dict[str, Any] = {}
    if assigned:
        from shopmind.serve.routes.experiments import _assigner

        a = _assigner(request)
        overrides = dict(a.overrides(assigned))
        # a unit in a pricing experiment's control arm is served the current price, and told so
        in_test = any(
            "pricing" in v.overrides for x in assigned for v in a.exps.by_name(x.experiment).variants
        )
        if in_test and "pricing" not in overrides:
            overrides["pricing"] = {"apply": "current"}
    apply_prices(rel, items, price_mode(rel, overrides), key=key)
