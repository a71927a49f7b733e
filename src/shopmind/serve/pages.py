"""The storefront and the dashboards: server-rendered HTML shells, filled in by plain JS.

There is no front-end build step and nothing is loaded from another host: the templates are
Jinja2, the scripts and styles are files under ``static/`` served by this same process, and
the charts are inline SVG drawn by ``static/charts.js``. The pages only *call* the public JSON
API (docs/API.md), so anything the storefront shows, an integrator can show too.

What the pages need from the app (set by :func:`shopmind.serve.app.create_app`):

* ``app.state.shop`` with ``.product(id) -> dict | None`` and ``.release_id``;
* ``app.state.storefront_key`` (optional): a key with the ``events`` scope, put into every
  page as ``<meta name="shopmind-key">`` so the browser can send click/view events. Without it
  the pages still work; events are then simply not recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)

#: Fields shown in the product page's header/facts; everything else non-empty goes to "details".
_SHOWN = {
    "product_id",
    "title",
    "description",
    "brand",
    "price",
    "currency",
    "category_path",
    "attributes",
    "stock",
}
_HIDDEN = {"image_url", "_row", "_source_line"}  # image hosts are external: the pages never load them


def mount_static(app: FastAPI) -> None:
    """Serve ``serve/static`` at ``/static`` (scripts, styles, the SVG chart helper)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _common(request: Request, page: str) -> dict[str, Any]:
    """Context every page gets: the events key for the browser and the release being served."""
    state = request.app.state
    shop = getattr(state, "shop", None)
    return {
        "page": page,
        "storefront_key": getattr(state, "storefront_key", None) or "",
        "release_id": getattr(shop, "release_id", None) if shop is not None else None,
    }


def attribute_pairs(value: Any) -> list[tuple[str, str]]:
    """Normalise the attributes a product can carry (list of key/value structs, a dict, or JSON text).

    The catalog keeps attributes as a list of ``{"key", "value"}`` structs, live-updated products
    may arrive as a plain mapping or as JSON text; the page shows all of them the same way.
    """
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [("", value)] if value.strip() else []
    if isinstance(value, Mapping):
        return [(str(k), _text(v)) for k, v in value.items() if v is not None]
    pairs: list[tuple[str, str]] = []
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, Mapping) and "key" in item:
                if item.get("value") is not None:
                    pairs.append((str(item["key"]), _text(item.get("value"))))
            elif isinstance(item, Mapping):
                pairs.extend((str(k), _text(v)) for k, v in item.items() if v is not None)
            elif item is not None:
                pairs.append(("", _text(item)))
    return pairs


def _text(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(_text(x) for x in v)
    return str(v)


def product_view(product: Mapping[str, Any]) -> dict[str, Any]:
    """What the product template shows: the raw fields made display-ready, no external URLs."""
    crumbs = [c.strip() for c in str(product.get("category_path") or "").split(">") if c.strip()]
    details = [
        (k, _text(v))
        for k, v in product.items()
        if k not in _SHOWN and k not in _HIDDEN and not k.startswith("_") and v is not None and _text(v) != ""
    ]
    price = product.get("price")
    stock = product.get("stock")
    return {
        "id": str(product.get("product_id", "")),
        "title": str(product.get("title") or product.get("product_id") or ""),
        "description": str(product.get("description") or ""),
        "brand": str(product.get("brand") or ""),
        "price": float(price) if isinstance(price, int | float) else None,
        "currency": str(product.get("currency") or ""),
        "category_path": str(product.get("category_path") or ""),
        "crumbs": crumbs,
        "attributes": attribute_pairs(product.get("attributes")),
        "stock": int(stock) if isinstance(stock, int | float) else None,
        "details": details,
    }


@router.get("/", response_class=HTMLResponse)
def storefront(request: Request) -> HTMLResponse:
    """Search, facets, autocomplete and the "For you" row; all data comes from the JSON API."""
    return templates.TemplateResponse(request, "storefront.html", _common(request, "storefront"))


@router.get("/product/{product_id:path}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str) -> HTMLResponse:
    """The product's facts are rendered here (crawlable, no flash); the rows below come from the API."""
    ctx = _common(request, "product")
    shop = getattr(request.app.state, "shop", None)
    if shop is None or ctx["release_id"] is None:
        ctx["message"] = "No release is being served yet: run `shopmind build`, then reload this page."
        return templates.TemplateResponse(request, "error.html", ctx, status_code=503)
    product = shop.product(product_id)
    if product is None:
        ctx["message"] = f"There is no product with id “{product_id}” in release {ctx['release_id']}."
        ctx["title"] = "Product not found"
        return templates.TemplateResponse(request, "error.html", ctx, status_code=404)
    ctx["product"] = product_view(product)
    return templates.TemplateResponse(request, "product.html", ctx)


@router.get("/dashboard/quality", response_class=HTMLResponse)
def quality_dashboard(request: Request) -> HTMLResponse:
    """Quality runs over time, the failing checks of a run and its drift."""
    return templates.TemplateResponse(request, "quality.html", _common(request, "quality"))


@router.get("/dashboard/evaluation", response_class=HTMLResponse)
def evaluation_dashboard(request: Request) -> HTMLResponse:
    """Latest offline search and recommendation metrics, per dataset, with the peers measured."""
    return templates.TemplateResponse(request, "evaluation.html", _common(request, "evaluation"))
