"""The storefront and the dashboards: server-rendered HTML shells, filled in by plain JS.

There is no front-end build step and nothing is loaded from another host: the templates are
Jinja2, the scripts and styles are files under ``static/`` served by this same process, and
the charts are inline SVG drawn by ``static/charts.js``. The pages only *call* the public JSON
API (docs/API.md), so anything the storefront shows, an integrator can show too.

What the pages need from the app (set by :func:`shopmind.serve.app.create_app`):

* ``app.state.shop`` with ``.product(id) -> dict | None`` and ``.release_id``;
* ``app.state.storefront_key`` (optional): a key with the ``storefront`` scope (post events,
  read the catalog — nothing else), put into every page as ``<meta name="shopmind-key">`` so the
  browser can send click/view events and search when ``read_key_required`` is on. Without it
  the pages still work; events are then simply not recorded.

The dashboards show quarantined rows and the shop's metrics, so they are served only to a
browser that holds a read or admin key in the dashboard cookie (HttpOnly, SameSite=Strict,
ending with the browser session); anyone else gets the sign-in page, which posts the key to
``/dashboard/login``. ``shopmind demo`` prints a sign-in link that carries a fresh read key in
its ``#fragment`` (never sent to the server, nor logged). ``/docs`` is Swagger UI from the
``swagger-ui-py`` package's files: nothing any page shows is fetched from another host.

Every page is served under a strict Content-Security-Policy (``serve/observe.py``): no inline
script, style or event handler may appear in a template — behaviour lives in ``static/*.js``,
which builds DOM from API data with ``textContent``/``createElement`` only.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Mapping
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from shopmind.data.model import SHOP_ONLY_ATTRIBUTES
from shopmind.search.engine_types import COMPARE_AT_KEY, sale_was
from shopmind.search.money import format_money
from shopmind.serve import category_names, i18n
from shopmind.serve.api import ApiError

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
#: Swagger UI's distribution as the ``swagger-ui-py`` package ships it (no CDN).
#: Located without importing the package (its import pulls in web-framework glue: ~0.14 s).
SWAGGER_DIR = Path(importlib.util.find_spec("swagger_ui").submodule_search_locations[0]) / "static"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")

templates = Jinja2Templates(directory=TEMPLATES_DIR)
# autoescaping on for every template whatever its name (Starlette's default, made explicit)
templates.env.autoescape = True


@pass_context
def _money(ctx: Any, value: Any, currency: str | None) -> str:
    """A price as its tag reads in the page's language ("€19.90", "US$1,299.00"), before (or
    without) JavaScript: the rules ``SM.money`` (Intl) follows when the script draws it again, so
    the tag does not change under the shopper's eyes (``search.money.format_amount``)."""
    return format_money(value, currency, trim=False, lang=ctx.get("lang") or "en")


templates.env.filters["money"] = _money
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


@router.get("/docs-assets/{name}")
def swagger_asset(name: str) -> Response:
    """Swagger UI's script and stylesheet from the installed package (only those two files)."""
    from fastapi.responses import FileResponse

    if name not in SWAGGER_FILES:
        raise ApiError(404, "not_found", f"no docs asset {name!r}")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(SWAGGER_DIR / name, media_type=media, headers={"Cache-Control": "max-age=86400"})


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, every file from this server (works offline)."""
    return render(request, "docs.html", _common(request, "docs"))


#: The shopper-facing pages (the rest are the dashboards, their sign-in page and the API docs).
#: Every page is rendered in the reader's language (``serve/i18n.py``): a Chinese shop's
#: planner or merchandiser reads the dashboards too. Only the storefront pages leave the
#: dashboards' messages (``dash.*``) out of the scripts' catalog they carry.
STOREFRONT_PAGES = frozenset({"storefront", "product", "error"})


def _common(request: Request, page: str) -> dict[str, Any]:
    """Context every page gets: the events key for the browser, the release being served, the
    page's language with its catalog (``t``, ``pct``) and the language switch's links."""
    state = request.app.state
    shop = getattr(state, "shop", None)
    shop_default = (getattr(state, "settings", None) or {}).get("storefront_language", "auto")
    lang, remember = i18n.choose_language(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        shop_default,
        request.headers.get("accept-language"),
    )
    release_id = getattr(shop, "release_id", None) if shop is not None else None
    cat_names = category_names.names(getattr(state, "workspace", None), lang)
    # parts of the release still building (progressive builds), or the first release being
    # built (no release yet): the storefront's banners
    build = shop.build_status() if shop is not None else None
    return {
        "page": page,
        "storefront_key": getattr(state, "storefront_key", None) or "",
        "release_id": release_id,
        "build": build,
        "banner": build_banner(build, release_id, lang),
        "lang": lang,
        "remember_lang": remember,
        "t": partial(i18n.translate, lang),
        "tm": partial(i18n.translate_markup, lang),
        "code": i18n.code_markup,
        "term": partial(i18n.term, lang),
        "reword": partial(i18n.reword, lang),
        "pct": partial(i18n.percent, lang),
        "num": partial(i18n.number, lang),
        # the decoded path quoted once: a product id with "?" or a space stays one path
        "switch": i18n.switch_links(
            quote(request.scope["path"], safe="/"), request.query_params.multi_items()
        ),
        # the scripts' words, as JSON in a <meta> (autoescaped here; the CSP allows no inline script)
        "script_messages": json.dumps(
            {
                **i18n.script_messages(lang, dashboard=page not in STOREFRONT_PAGES),
                "categoryNames": cat_names,
            },
            ensure_ascii=False,
        ),
        # a category path in the page's language (the stored value stays in links and filters)
        "cat": partial(category_names.label, cat_names),
    }


def vectors_pending(build: Mapping[str, Any]) -> bool:
    """Whether the served release still searches on words only: its text vectors are pending.
    An incomplete release whose vectors are in (forecasts or profiles still building) said
    "search is running on words only" too, naming "(forecast)" as the stage."""
    if build.get("complete"):
        return False
    parts = build.get("parts") or {}
    return parts.get("search_vectors", "pending") == "pending"


def build_banner(build: Mapping[str, Any] | None, release_id: str | None, lang: str) -> dict[str, str] | None:
    """The banner over every page while a build runs: the first release being built (no search
    yet; ``build_banner.js`` reloads the page when it is served) or a progressive release's
    vectors (search on words only meanwhile). The stage shown is the one with items to count,
    as ``/readyz`` reports it; the page's scripts keep the same words up to date."""
    if not build:
        return None
    building = build.get("building") or {}
    stages = building.get("stages") or []
    if release_id is None and building:
        key, element = "banner.shop_building", "shop-building-banner"
    elif release_id is not None and vectors_pending(build):
        key, element = "banner.vectors", "build-banner"
        # a stage with items to count (encoding); never a model fitting beside it ("(forecast)")
        stages = [s for s in stages if s.get("total")]
    else:
        return None
    stage = ""
    st = next((s for s in stages if s.get("total")), stages[0] if stages else None)
    if st:
        what = str(st.get("name", "")).removesuffix(" (child process)")
        if st.get("total"):
            what = i18n.translate(lang, "banner.count", name=what, done=st.get("done"), total=st["total"])
        if st.get("eta_s") is not None:
            what = i18n.translate(lang, "banner.eta", what=what, s=round(float(st["eta_s"])))
        stage = i18n.translate(lang, "banner.stage", what=what)
    return {"id": element, "text": i18n.translate(lang, key, stage=stage)}


def render(request: Request, template: str, ctx: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A page, remembering the language the URL asked for (``?lang=``) in a cookie, so the
    next page the shopper opens is in it too. The page differs by that cookie and by the
    browser's languages: ``Vary`` says so, so no shared cache serves one shopper's language to
    another."""
    resp = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    resp.headers["Content-Language"] = ctx["lang"]
    resp.headers["Vary"] = "Accept-Language, Cookie"
    if ctx.get("remember_lang"):
        resp.set_cookie(
            i18n.COOKIE,
            i18n.SHORT[ctx["lang"]],
            max_age=i18n.COOKIE_MAX_AGE,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return resp


#: Paths whose 404 stays the API's JSON error whatever the client accepts: programs call these.
_API_PREFIXES = ("/v1/", "/static/", "/metrics", "/healthz", "/readyz", "/openapi")


def is_page_request(request: Request) -> bool:
    """A browser asking for a page: GET/HEAD that accepts ``text/html``, outside the API's paths.
    Why one test: the 404 and 500 pages must agree on who gets HTML and who keeps the JSON body
    (an API client, a script's fetch, a POST); two copies of the test could drift apart."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith(_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def browser_not_found(request: Request) -> HTMLResponse | None:
    """A page for a person who typed or followed a URL that does not exist (``/search?q=dress``,
    ``/dashbord``): the API's JSON error body in a browser tab is a dead end with no way back.

    Only for a browser's page request (GET/HEAD that accepts ``text/html``) outside the API's
    paths; an API client keeps the JSON body it parses. A ``q`` parameter is carried to the
    storefront's own search URL, where the shopper most likely meant to go."""
    if not is_page_request(request):
        return None
    path = request.url.path
    ctx = _common(request, "error")
    ctx["title"] = ctx["t"]("error.not_found_title")
    ctx["message"] = ctx["t"]("error.no_page", path=path)
    query = request.query_params.get("q", "").strip()
    if query:
        ctx["search_query"] = query
    return render(request, "error.html", ctx, status_code=404)


def browser_server_error(request: Request) -> HTMLResponse | None:
    """A page for a person whose page request failed on the server: the API's JSON error body in a
    browser tab reads as a broken site and offers no way back. The request id is on the page, so the
    person can quote it and the operator can find the logged traceback. Same browser-request test as
    ``browser_not_found`` (:func:`is_page_request`); None (the JSON body) when the error page
    itself cannot be made."""
    if not is_page_request(request):
        return None
    try:
        ctx = _common(request, "error")
        request_id = request.scope.get("state", {}).get("request_id") or "-"
        ctx["title"] = ctx["t"]("error.internal_title")
        ctx["message"] = ctx["t"]("error.internal", request_id=request_id)
        return render(request, "error.html", ctx, status_code=500)
    except Exception:  # the page's own parts are what failed: the JSON body still says it
        logging.getLogger("shopmind.serve").exception("the error page could not be made")
        return None


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
    currency = str(product.get("currency") or "")
    pairs = attribute_pairs(product.get("attributes"))
    # the "was" price is shown crossed out above the price, not as a row; the pricing guardrails' terms
    # (the shop's unit cost, a competitor's price, its floor and ceiling) are the shop's own business:
    # the page listed a product's cost to every shopper
    was = next((v for k, v in pairs if k.strip().lower() == COMPARE_AT_KEY), None)
    own = {COMPARE_AT_KEY, *SHOP_ONLY_ATTRIBUTES}
    return {
        "id": str(product.get("product_id", "")),
        "title": str(product.get("title") or product.get("product_id") or ""),
        "description": str(product.get("description") or ""),
        "brand": str(product.get("brand") or ""),
        "price": float(price) if isinstance(price, int | float) else None,
        "compare_at_price": sale_was(was, float(price), currency) if isinstance(price, int | float) else None,
        "currency": currency,
        "category_path": str(product.get("category_path") or ""),
        "crumbs": crumbs,
        "attributes": [(k, v) for k, v in pairs if k.strip().lower() not in own],
        "stock": int(stock) if isinstance(stock, int | float) else None,
        "details": details,
    }


@router.get("/", response_class=HTMLResponse)
def storefront(request: Request) -> HTMLResponse:
    """Search, facets, autocomplete and the "For you" row; all data comes from the JSON API."""
    return render(request, "storefront.html", _common(request, "storefront"))


@router.get("/product/{product_id:path}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str) -> HTMLResponse:
    """The product's facts are rendered here (crawlable, no flash); the rows below come from the API."""
    ctx = _common(request, "product")
    shop = getattr(request.app.state, "shop", None)
    if shop is None or ctx["release_id"] is None:
        ctx["message"] = ctx["t"]("error.no_release")
        return render(request, "error.html", ctx, status_code=503)
    product = shop.product(product_id)
    if product is None:
        ctx["message"] = ctx["t"]("error.no_product", id=product_id, release=ctx["release_id"])
        ctx["title"] = ctx["t"]("error.product_not_found_title")
        return render(request, "error.html", ctx, status_code=404)
    ctx["product"] = product_view(product)
    return render(request, "product.html", ctx)
