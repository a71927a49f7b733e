"""Demand forecasts and the reorder list of the current release (``shopmind.forecast.release``):
``GET /v1/forecast/{product_id}`` and ``GET /v1/inventory/reorder``. Stock levels and order plans
are the shop's internal figures, so they need the dashboards' key (``monitor``: a read or admin
key), never the public storefront key — even when catalog reads are open. Both answer from the release's saved files, so what is served
is exactly what the build computed and is rolled back with it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shopmind.serve.api import ApiError, Rel, json_response, needs
from shopmind.serve.schemas import IdPath
from shopmind.serve.state import LoadedRelease

router = APIRouter(tags=["forecast"])


def served(rel: LoadedRelease) -> Any:
    """The release's forecasts, or a 404 saying why there are none."""
    from shopmind.forecast.served import NoForecast, load_served, why_none

    try:
        return load_served(str(rel.folder))
    except NoForecast:
        raise ApiError(404, "no_forecast", why_none(rel.manifest)) from None


@router.get("/v1/forecast/{product_id}", response_model=dict[str, Any], dependencies=[needs("monitor")])
def product_forecast(rel: Rel, product_id: IdPath) -> Response:
    """A product's recent demand, its forecast with 80 % and 95 % intervals, the projected stock
    (expected, and at the 95 % upper bound of cumulative demand) and its inventory figures."""
    body = served(rel).product(product_id)
    if body is None:
        raise ApiError(
            404,
            "unknown_product",
            # a mistyped id is told apart from a product that never sold (the message said "no
            # accepted sales" for an id the catalog does not hold)
            f"no product {product_id!r} in this release's catalog"
            if product_id not in rel.products
            else f"no forecast for product {product_id!r}: it has no accepted sales in this release's history",
            "product_id",
        )
    return json_response({**body, "release": rel.id})


def _titles(rel: Any, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The rows' titles in the served catalog, as the inventory dashboard shows them."""
    out = {}
    for r in rows:
        title = (rel.products.get(r["product_id"]) or {}).get("title")
        if title:
            out[r["product_id"]] = str(title)
    return out


@router.get("/v1/inventory/reorder", response_model=dict[str, Any], dependencies=[needs("monitor")])
def reorder(
    rel: Rel,
    format: Literal["json", "csv"] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> Response:
    """Products to order now (inventory position at or below the reorder point), most at risk of
    a stock-out within the lead time first; ``format=csv`` for a spreadsheet."""
    from shopmind.forecast.release import reorder_csv

    fc = served(rel)
    rows = fc.reorder[:limit]
    if format == "csv":
        return Response(
            reorder_csv(rows, _titles(rel, rows)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="reorder-{rel.id}.csv"'},
        )
    settings = fc.meta.get("settings", {})
    policy = {k: settings.get(k) for k in ("service_level", "lead_time_days", "review_days")}
    return json_response(
        {
            "release": rel.id,
            "as_of": fc.meta["as_of"],
            "policy": policy,
            "total": len(fc.reorder),
            "items": rows,
        }
    )
