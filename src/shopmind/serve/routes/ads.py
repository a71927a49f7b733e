"""``/v1/ads``: sponsored-placement campaigns and settings (admin), the per-campaign report (monitor),
and the one call search and "similar items" make to add sponsored slots to an answer.

Campaigns and settings live in the workspace's ads ledger (``shopmind.ads.ledger``, SQLite), so
they survive a restart, are shared by every worker and by ``shopmind ads``, and a failed write
changes nothing. A campaign's products must be in the served catalog.
"""

from __future__ import annotations

import atexit
from datetime import date
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from shopmind.ads.campaign import ID_RE, CampaignError
from shopmind.ads.ledger import AdsLedger, CampaignExists, UnknownCampaign, campaign_dict
from shopmind.ads.report import by_currency, one_sum
from shopmind.ads.serving import AdServer, blend
from shopmind.ads.settings import AdsSettingsError
from shopmind.privacy import workspace_secret
from shopmind.serve.api import ApiError, json_response, needs, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.schemas import CONTROL_CHARS, ID_PATTERN, MAX_AMOUNT, MAX_ID

router = APIRouter(tags=["ads"])

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
#: Bounds the route applies before the ledger parses a campaign (``_bounded``): the parser took a
#: 100,000-character advertiser or keyword, a NUL in a name, and a bid of 1e300 with a daily
#: budget of 1e308 (sums of such spend overflow to infinity).
MAX_TEXT = 1000
MAX_MONEY = MAX_AMOUNT
_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": ID_PATTERN}
_TEXTS = {"type": "array", "items": _TEXT, "maxItems": 1000}
_MONEY = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_MONEY}
_HOURS = {
    "type": "array",
    "items": {"type": "integer", "minimum": 0, "maximum": 24},
    "minItems": 2,
    "maxItems": 2,
}
_DAY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
#: The body's shape as the parser (``shopmind.ads.campaign``) checks it, so the OpenAPI document
#: says what is structurally valid; what depends on data (a product not in the catalog, a budget
#: below the bid, no keyword and no category, an end before the start) is a 422 naming the field.
_CAMPAIGN_FIELDS: dict[str, Any] = {
    "id": {"type": "string", "pattern": ID_RE.pattern},
    "advertiser": _TEXT,
    "brand": {"anyOf": [_TEXT, {"type": "null"}]},
    "products": {**_TEXTS, "items": {**_TEXT, "maxLength": MAX_ID}, "minItems": 1},
    "keywords": {"anyOf": [_TEXTS, {"type": "null"}]},
    "categories": {"anyOf": [_TEXTS, {"type": "null"}]},
    "bid": _MONEY,
    "daily_budget": _MONEY,
    "schedule": {
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {"start": _DAY, "end": _DAY, "hours": _HOURS},
            },
            {"type": "null"},
        ]
    },
    "status": {"enum": ["active", "paused"]},
}
_CAMPAIGN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "advertiser", "products", "bid", "daily_budget"],
    "properties": _CAMPAIGN_FIELDS,
}
_CHANGES = {"type": "object", "additionalProperties": False, "properties": _CAMPAIGN_FIELDS}
_POSITIONS = {
    "type": "array",
    "items": {"type": "integer", "minimum": 0, "maximum": 100},
    "maxItems": 20,
    "uniqueItems": True,
}
_SETTINGS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean"},
        "floor": {"type": "number", "minimum": 0, "maximum": 1},
        "max_slots": {"type": "integer", "minimum": 0, "maximum": 10},
        "positions": _POSITIONS,
        "reserve": {"type": "number", "minimum": 0, "maximum": 1e6},
        "recs_slots": {"type": "integer", "minimum": 0, "maximum": 10},
        "recs_positions": _POSITIONS,
        "click_window_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
        "sale_window_hours": {"type": "integer", "minimum": 1, "maximum": 2160},
        "traffic": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 1e12},
            "minItems": 24,
            "maxItems": 24,
        },
    },
}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """The documented JSON body of a route (FastAPI's own for ``dict`` says only "an object")."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


CampaignPath = Annotated[str, Path(max_length=64, pattern=ID_RE.pattern, description="the campaign id")]


def ad_server(request: Request) -> AdServer:
    """The worker's ads state (its ledger connection is closed at exit)."""
    server = getattr(request.app.state, "ad_server", None)
    if server is None:
        ws = shop_of(request).workspace
        ledger = AdsLedger(ws, workspace_secret(ws))
        ledger.start_at(shop_of(request).log.last_seq().get("events", 0))
        atexit.register(ledger.close)
        server = request.app.state.ad_server = AdServer(ledger)
    return server


def _field(message: str) -> str:
    """The field path an error message starts with (``campaign.bid: ...`` -> ``campaign.bid``)."""
    return message.split(":", 1)[0].strip()


def _bounded(body: dict[str, Any]) -> None:
    """Refuse (422 naming the field) what the campaign parser (``shopmind.ads.campaign``) would
    store unbounded: text over ``MAX_TEXT`` characters (a product id over ``MAX_ID``), control
    characters in text, money over ``MAX_MONEY``. Everything else is the parser's to judge."""

    def text(value: Any, where: str, limit: int = MAX_TEXT) -> None:
        if not isinstance(value, str):
            return  # the parser names a wrong type
        if len(value) > limit:
            raise CampaignError(f"{where}: at most {limit} characters, got {len(value)}")
        if bad := CONTROL_CHARS.search(value):
            raise CampaignError(f"{where}: control character {bad.group()!r} at position {bad.start()}")

    for key in ("advertiser", "brand"):
        text(body.get(key), f"campaign.{key}")
    for key, limit in (("keywords", MAX_TEXT), ("categories", MAX_TEXT), ("products", MAX_ID)):
        values = body.get(key)
        if isinstance(values, list):
            for i, v in enumerate(values[:1000]):
                text(v, f"campaign.{key}[{i}]", limit)
    for key in ("bid", "daily_budget"):
        v = body.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and v > MAX_MONEY:
            raise CampaignError(f"campaign.{key}: at most {MAX_MONEY:g}, got {v!r}")


def _catalog(request: Request) -> Any:
    cur = shop_of(request).read()
    return None if cur is None else cur.products


def settle(request: Request) -> AdServer:
    """Attribute the clicks and purchases logged so far (called before anything reports spend)."""
    server = ad_server(request)
    server.ledger.settle(shop_of(request).log.events_after, server.ledger.settings())
    return server


@router.get("/v1/ads/campaigns", dependencies=[needs("admin")], response_model=dict[str, Any])
def list_campaigns(request: Request) -> Response:
    """Every campaign as stored."""
    return json_response({"campaigns": [campaign_dict(c) for c in ad_server(request).ledger.campaigns()]})


@router.post(
    "/v1/ads/campaigns",
    dependencies=[needs("admin"), Depends(json_body)],
    response_model=dict[str, Any],
    status_code=201,
    responses={409: {"description": "A campaign with this id exists (field: id).", **_ERROR}},
    openapi_extra=_body(_CAMPAIGN),
)
def create_campaign(request: Request, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Create one campaign (see docs/API.md for the fields); 409 if the id exists, 422 naming a bad field."""
    ledger = ad_server(request).ledger
    try:
        _bounded(body)
        (c,) = ledger.create([body], _catalog(request))
    except CampaignExists as exc:
        raise ApiError(409, "campaign_exists", str(exc), "id") from None
    except CampaignError as exc:
        raise ApiError(422, "invalid_campaign", str(exc), _field(str(exc))) from None
    return json_response(campaign_dict(c), status=201)


@router.get("/v1/ads/campaigns/{campaign_id}", dependencies=[needs("admin")], response_model=dict[str, Any])
def get_campaign(request: Request, campaign_id: CampaignPath) -> Response:
    """One campaign."""
    try:
        return json_response(campaign_dict(ad_server(request).ledger.get(campaign_id)))
    except UnknownCampaign:
        raise ApiError(404, "unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id") from None


@router.patch(
    "/v1/ads/campaigns/{campaign_id}",
    dependencies=[needs("admin"), Depends(json_body)],
    response_model=dict[str, Any],
    openapi_extra=_body(_CHANGES),
)
def update_campaign(
    request: Request, campaign_id: CampaignPath, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """Change some fields, e.g. ``{"status": "paused"}``, ``{"bid": 0.4}``, ``{"daily_budget": 80}``."""
    try:
        _bounded(body)
        c = ad_server(request).ledger.update(campaign_id, body, _catalog(request))
    except UnknownCampaign:
        raise ApiError(404, "unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id") from None
    except CampaignError as exc:
        raise ApiError(422, "invalid_campaign", str(exc), _field(str(exc))) from None
    return json_response(campaign_dict(c))


@router.delete(
    "/v1/ads/campaigns/{campaign_id}", dependencies=[needs("admin")], response_model=dict[str, Any]
)
def delete_campaign(request: Request, campaign_id: CampaignPath) -> Response:
    """Delete a campaign (its impressions, clicks and spend stay in the report)."""
    try:
        ad_server(request).ledger.delete(campaign_id)
    except UnknownCampaign:
        raise ApiError(404, "unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id") from None
    return json_response({"deleted": campaign_id})


@router.get("/v1/ads/settings", dependencies=[needs("admin")], response_model=dict[str, Any])
def get_settings(request: Request) -> Response:
    """The ``[ads]`` settings in force (ads are off unless ``enabled``)."""
    return json_response(ad_server(request).ledger.settings().as_dict())


@router.put(
    "/v1/ads/settings",
    dependencies=[needs("admin"), Depends(json_body)],
    response_model=dict[str, Any],
    openapi_extra=_body(_SETTINGS),
)
def put_settings(request: Request, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Change some ``[ads]`` keys, e.g. ``{"enabled": true}``; 422 naming a bad key."""
    try:
        s = ad_server(request).ledger.set_settings(body)
    except AdsSettingsError as exc:
        raise ApiError(422, "invalid_settings", str(exc), _field(str(exc))) from None
    return json_response(s.as_dict())


@router.get("/v1/ads/report", dependencies=[needs("monitor")], response_model=dict[str, Any])
def report(
    request: Request,
    day: Annotated[date | None, Query(description="the day of spend_today (UTC; default today)")] = None,
) -> Response:
    """Per campaign: impressions, clicks, CTR, spend, today's spend, attributed orders and sales."""
    server = settle(request)
    return json_response(
        {"enabled": server.ledger.settings().enabled, "campaigns": server.ledger.report(day)}
    )


# ---------------------------------------------------------------------- the serving hooks
def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def _variant_overrides(request: Request, assigned: list[Any]) -> dict[str, Any] | None:
    if not assigned:
        return None
    from shopmind.serve.routes.experiments import _assigner

    return _assigner(request).overrides(assigned).get("ads") or None


def _settle_now(request: Request, server: AdServer) -> None:
    """Attribute the clicks logged so far before an auction whenever the live log has events the
    ledger has not settled: the auction's budget check then reads every click already logged (see
    ``ads.serving``). Settled once per refresh interval, a click posted just after a settle was
    charged up to 0.5 s later, and a spent campaign was placed again meanwhile."""
    log = shop_of(request).log
    if log.last_seq()["events"] > server.ledger.settled_seq():
        server.ledger.settle(log.events_after, server.settings)


def sponsor_search(
    request: Request,
    out: dict[str, Any],
    query: str,
    *,
    user_id: str | None,
    session_id: str | None,
    assigned: list[Any],
) -> None:
    """Add sponsored slots to a ``/v1/search`` answer in place (first page, relevance order only)."""
    if not query.strip() or out.get("page") != 1 or out.get("sort") != "relevance" or not out.get("hits"):
        return
    if not (user_id or session_id):
        return
    server = ad_server(request)
    overrides = _variant_overrides(request, assigned)
    if not server.serving(overrides):  # ads off: nothing to attribute or auction
        return
    _settle_now(request, server)
    shop = shop_of(request)
    cats = (out.get("filters") or {}).get("categories") or ()
    rid = _request_id(request)
    result = server.place(
        query,
        _organic([(h["product_id"], h.get("score")) for h in out["hits"]]),
        categories=[str(c) for c in cats] if isinstance(cats, list | tuple) else (),
        user_id=shop.user_handle(user_id) if user_id else None,
        session_id=shop.user_handle(session_id) if session_id else None,
        request_id=rid,
        context="search",
        overrides=overrides,
    )
    if result is not None and result.placements:
        out["hits"] = blend(out["hits"], result, "product_id", rid)
        out["ads"] = {"request_id": rid, "sponsored": len(result.placements)}


def _levels(products: Any, item_id: str) -> list[str]:
    """Every level of a product's category path (a campaign may target any of them)."""
    path = str((products.get(item_id) or {}).get("category_path") or "")
    return [c.strip() for c in path.split(">") if c.strip()]


def _sponsor_row(
    request: Request,
    recs: list[Any],
    categories: list[str],
    *,
    user_id: str | None,
    session_id: str | None,
    context: str,
    assigned: list[Any] | None = None,
) -> list[Any]:
    """A recommendation row with sponsored slots (``[ads] recs_slots`` at ``recs_positions``):
    category-targeted, and only for products of the row itself that score >= floor x its top."""
    if not recs or not (user_id or session_id):
        return recs
    server = ad_server(request)
    overrides = _variant_overrides(request, assigned or [])
    if not server.serving(overrides):
        return recs
    _settle_now(request, server)
    shop = shop_of(request)
    rows = [dict(r.__dict__) if hasattr(r, "__dict__") else dict(r) for r in recs]
    rid = _request_id(request)
    result = server.place(
        None,
        _organic([(str(r["item_id"]), r.get("score")) for r in rows]),
        categories=categories,
        user_id=shop.user_handle(user_id) if user_id else None,
        session_id=shop.user_handle(session_id) if session_id else None,
        request_id=rid,
        context=context,
        overrides=overrides,
    )
    if result is None or not result.placements:
        return recs
    return [SimpleNamespace(**r) for r in blend(rows, result, "item_id", rid)]


def sponsor_similar(
    request: Request,
    products: Any,
    item_id: str,
    recs: list[Any],
    *,
    user_id: str | None,
    session_id: str | None,
) -> list[Any]:
    """Similar items with sponsored slots: targeted by the viewed product's categories. The unit's
    A/B variant decides ads on/off here as in search and "for you" (the same hash, so one shopper
    sees one arm everywhere)."""
    return _sponsor_row(
        request, recs, _levels(products, item_id), user_id=user_id, session_id=session_id,
        context="similar_items", assigned=_recs_assignments(request, user_id, session_id),
    )  # fmt: skip


def _recs_assignments(request: Request, user_id: str | None, session_id: str | None) -> list[Any]:
    """The unit's A/B assignments of experiments that cover recommendation rows (none: [])."""
    from shopmind.serve.routes.experiments import _assigner

    a = _assigner(request)
    if not a.active or not (user_id or session_id):
        return []
    shop = shop_of(request)
    uid = shop.user_handle(user_id) if user_id else None
    sid = shop.user_handle(session_id) if session_id else None
    return [x for x in a.covering(a.assign(uid, sid), "recs") if x.kind == "ab"]


#: how many of a user's top recommendations say what the user is shopping for (ad targeting)
TARGET_TOP = 3


def sponsor_for_user(
    request: Request, products: Any, recs: list[Any], *, user_id: str, assigned: list[Any]
) -> list[Any]:
    """A user's recommendations ("for you", the storefront's home row) with sponsored slots,
    targeted by the categories of the row's own top items (what the recommender believes this
    shopper wants); the unit's experiment variant may switch ads on or off. ``user_id`` is the id the
    shopper sent (pseudonymised here, as the live log stores it, when the shop pseudonymises)."""
    if not recs:
        return recs
    cats: list[str] = []
    for r in recs[:TARGET_TOP]:
        for c in _levels(products, str(getattr(r, "item_id", None) or r["item_id"])):
            if c not in cats:
                cats.append(c)
    return _sponsor_row(
        request, recs, cats, user_id=user_id, session_id=None, context="for_user", assigned=assigned
    )


def _organic(pairs: list[tuple[str, Any]]) -> list[tuple[str, float]]:
    """Organic scores for the relevance floor. Scores that can be negative (a learned re-ranker's)
    are shifted so the last result is 0: the floor is then a share of the score range, and an ad's
    product still has to be near the top of *this* answer."""
    scores = [float(s) if isinstance(s, int | float) else 0.0 for _, s in pairs]
    lo = min(scores, default=0.0)
    if lo < 0:
        scores = [s - lo for s in scores]
    return [(p, s) for (p, _), s in zip(pairs, scores, strict=True)]


def ads_view(request: Request) -> dict[str, Any]:
    """What ``/dashboard/ads`` shows: the settled report with totals."""
    server = settle(request)
    s = server.ledger.settings()
    rows = server.ledger.report()
    total = {k: sum(r[k] for r in rows) for k in ("impressions", "clicks", "spend", "orders")}
    total["ctr"] = total["clicks"] / total["impressions"] if total["impressions"] else None
    # sales per currency, never one sum of two (ads.report)
    per = by_currency((e["currency"], e["orders"], e["amount"]) for r in rows for e in r["sales_by_currency"])
    total.update(sales=one_sum(per), sales_by_currency=per)
    return {
        "enabled": s.enabled,
        "rows": rows,
        "total": total,
        "click_window": s.click_window_minutes,
        "sale_hours": s.sale_window_hours,
    }
