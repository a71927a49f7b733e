"""The dashboards' pages: each served only to a browser holding a read or admin key (the dashboard
cookie or a header), else the sign-in page; their figures come from the JSON API or are drawn on
the server. Split from ``serve/pages.py`` (the storefront, the error pages and what every page
shares: ``_common``, ``render``) when the experiments page got a URL per experiment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from shopmind.serve import i18n
from shopmind.serve.api import ApiError, check_key
from shopmind.serve.auth import DASHBOARD_COOKIE
from shopmind.serve.contract import json_body
from shopmind.serve.money import ShopCurrency, money, shop_currency
from shopmind.serve.pages import _common, render

router = APIRouter(include_in_schema=False)


def _dashboard(
    request: Request, template: str, page: str, data: Callable[[], dict[str, Any]] | None = None
) -> HTMLResponse:
    """The dashboard to a browser holding a read/admin key (cookie or header), else sign-in.
    ``data``: figures rendered on the server (called only after the key is checked)."""
    ctx = _common(request, page)
    try:
        check_key(request, "monitor")
    except ApiError as exc:
        ctx.update(
            next=request.url.path, reason=ctx["t"]("dash.login.forbidden") if exc.status == 403 else ""
        )
        return render(request, "login.html", ctx, status_code=exc.status)
    ctx["signed_in"] = True  # the header offers "sign out"
    ctx.update(_currency(request, ctx["lang"]))
    if data is not None:
        ctx.update(data())
    return render(request, template, ctx)


def _currency(request: Request, lang: str) -> dict[str, Any]:
    """The shop's currency for the page (``serve/money.py``): ``money`` for the templates, the
    JSON ``<meta>`` for the scripts, and the words for a catalog of several currencies."""
    shop = getattr(request.app.state, "shop", None)
    rel = getattr(shop, "current", None) if shop is not None else None
    cur = shop_currency(rel.products) if rel is not None else ShopCurrency(None)
    mixed = ""
    if cur.code and cur.others:
        mixed = i18n.translate(lang, "dash.money.mixed", currency=cur.code, others=", ".join(cur.others))
    return {
        "currency": cur,
        "money": lambda value, digits=None: money(lang, value, cur.code, digits),
        # a product's own price (the pricing page): in the product's currency
        "money_in": lambda value, currency: money(lang, value, currency),
        "currency_json": json.dumps({**cur.as_dict(), "mixed": mixed}, ensure_ascii=False),
        "money_mixed": mixed,
    }


@router.get("/dashboard/quality", response_class=HTMLResponse)
def quality_dashboard(request: Request) -> HTMLResponse:
    """Quality runs over time, the failing checks of a run and its drift."""
    return _dashboard(request, "quality.html", "quality")


@router.get("/dashboard/evaluation", response_class=HTMLResponse)
def evaluation_dashboard(request: Request) -> HTMLResponse:
    """Latest offline search and recommendation metrics, per dataset, with the peers measured."""
    return _dashboard(request, "evaluation.html", "evaluation")


@router.get("/dashboard/segments", response_class=HTMLResponse)
def segments_dashboard(request: Request) -> HTMLResponse:
    """Customers per lifecycle segment (``shopmind.profiles``), drawn from ``/v1/segments``."""
    return _dashboard(request, "segments.html", "segments")


@router.get("/dashboard/inventory", response_class=HTMLResponse)
def inventory_dashboard(request: Request, product: str | None = None) -> HTMLResponse:
    """Forecasts and the reorder list (``shopmind.forecast``): plots drawn on the server."""
    from shopmind.serve.inventory_page import inventory_view

    shop = request.app.state.shop
    return _dashboard(request, "inventory.html", "inventory", lambda: inventory_view(shop.current, product))


@router.get("/dashboard/pricing", response_class=HTMLResponse)
def pricing_dashboard(request: Request, product: str | None = None) -> HTMLResponse:
    """Price suggestions (``shopmind.pricing``): table and demand curves drawn on the server."""
    from shopmind.pricing.page import pricing_view

    shop = request.app.state.shop
    return _dashboard(request, "pricing.html", "pricing", lambda: pricing_view(shop.current, product))


@router.get("/dashboard/experiments", response_class=HTMLResponse)
def experiments_dashboard(request: Request) -> HTMLResponse:
    """A/B and interleaving experiments: allocation, SRM status, metrics with intervals, decision."""
    return _dashboard(request, "experiments.html", "experiments", lambda: {"experiment": None})


@router.get("/dashboard/experiments/{name}", response_class=HTMLResponse)
def experiment_dashboard(request: Request, name: str) -> HTMLResponse:
    """One experiment's readout at its own URL, so a manager can send a colleague the link (the
    list's names link here). The page is the experiments page opened on that readout; a name the
    workspace does not define is the 404 page, with the way back to the list."""
    from shopmind.experiments import registry
    from shopmind.experiments.definition import ExperimentError

    def data() -> dict[str, Any]:
        try:
            known = [e.name for e in registry.load(request.app.state.workspace).experiments]
        except ExperimentError:  # a broken experiments.json: the page's script says it, as on the list
            known = [name]
        if name not in known:
            raise _Missing
        return {"experiment": name}

    try:
        return _dashboard(request, "experiments.html", "experiments", data)
    except _Missing:
        ctx = _common(request, "error")
        ctx["title"] = ctx["t"]("dash.exp.not_found_title")
        ctx["message"] = ctx["t"]("dash.exp.not_found", name=name)
        ctx["back"] = {"href": "/dashboard/experiments", "text": ctx["t"]("dash.exp.back_to_list")}
        return render(request, "error.html", ctx, status_code=404)


def _every_day(by_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``by_day`` with the days between that had no turn (an empty bar, not a missing one: a chart
    that skips quiet days reads as steadier traffic than there was)."""
    from datetime import date, timedelta

    if not by_day:
        return []
    have = {d["day"]: d for d in by_day}
    first, last = date.fromisoformat(by_day[0]["day"]), date.fromisoformat(by_day[-1]["day"])
    days = [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]
    return [have.get(d) or {"day": d, "turns": 0, "intents": {}, "handoff_rate": None} for d in days]


class _Missing(Exception):
    """The experiment a dashboard URL names is not defined (raised after the key is checked)."""


@router.get("/dashboard/assistant", response_class=HTMLResponse)
def assistant_dashboard(request: Request) -> HTMLResponse:
    """The shop assistant: turns by day, intent and language, hand-off rate, unanswered questions
    (masked), the hand-off queue — rendered on the server from ``assistant.turnlog.summary``."""

    def data() -> dict[str, Any]:
        from shopmind.assistant.turnlog import summary

        log = getattr(request.app.state, "assistant_turns", None)
        if log is not None:
            log.flush()  # this worker's buffered turns
        s = summary(request.app.state.workspace)
        # the charts' figures (static/assistant_dash.js), the same the tables show
        chart = {"intents": s["intents"], "by_day": _every_day(s["by_day"])}
        return {"s": s, "chart_json": json.dumps(chart, ensure_ascii=False)}

    return _dashboard(request, "assistant.html", "assistant", data)


@router.get("/dashboard/ads", response_class=HTMLResponse)
def ads_dashboard(request: Request) -> HTMLResponse:
    """Sponsored placements per campaign: impressions, clicks, CTR, spend, attributed sales
    (``shopmind.ads.ledger.report``, settled from the live log first), rendered on the server."""

    def data() -> dict[str, Any]:
        from shopmind.serve.routes.ads import ads_view

        return {"s": ads_view(request)}

    return _dashboard(request, "ads.html", "ads", data)


@router.get("/dashboard/login", response_class=HTMLResponse)
def dashboard_login_page(request: Request) -> HTMLResponse:
    """The sign-in page (``shopmind demo`` links here with the key in the ``#fragment``)."""
    return render(
        request, "login.html", {**_common(request, "login"), "next": "/dashboard/quality", "reason": ""}
    )


#: JSON only, as the sign-in page sends it (a form post ``key=...`` was answered "key: Field
#: required" although the key was there).
@router.post("/dashboard/login", dependencies=[Depends(json_body)])
def dashboard_login(request: Request, key: str = Body(..., embed=True, max_length=200)) -> JSONResponse:
    """Check a read/admin key and keep it in the dashboard cookie for this browser session.

    The cookie is HttpOnly (page scripts never see it), SameSite=Strict (no other site's page
    makes the browser send it), Secure behind HTTPS, and only ever read by ``monitor`` routes.
    """
    verdict = request.app.state.keys.check(key.strip(), "monitor")
    if verdict != "ok":
        status = 403 if verdict == "forbidden" else 401
        why = (
            "this key may not open the dashboards: use a read or admin key"
            if verdict == "forbidden"
            else "the key is not valid (create one with: shopmind keys add NAME --scope read)"
        )
        raise ApiError(status, "unauthorized" if status == 401 else "forbidden", why, "key")
    resp = JSONResponse({"ok": True})
    resp.set_cookie(
        DASHBOARD_COOKIE,
        key.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return resp


@router.post("/dashboard/logout")
def dashboard_logout() -> JSONResponse:
    """Forget the dashboard key in this browser."""
    resp = JSONResponse({"ok": True})
    resp.delete_cookie(DASHBOARD_COOKIE, path="/", httponly=True, samesite="strict")
    return resp
