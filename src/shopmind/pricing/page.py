"""The pricing dashboard's figures, computed on the server: the suggestions table and, for one
product, its demand curve (weekly quantity vs price, with the elasticity interval's band) with the
current and suggested prices marked, as inline-SVG geometry (numbers for ``<polyline>`` /
``<polygon>`` attributes: no script, CSP-safe). Read from the served release, so the page shows
exactly what ``/v1/pricing/suggestions`` answers. The plot frame is the inventory page's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shopmind.pricing.served import NoPricing, demand_curve, load_served
from shopmind.serve import i18n
from shopmind.serve.inventory_page import BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, _Frame, _nice
from shopmind.serve.schemas import MAX_ID

SHOWN = 100  # table rows on the page (the API pages through all)

_NUM = r"-?[0-9.]+"
#: The reasons ``pricing.suggest.suggest_one`` writes (English, in the served rows and the API),
#: each matched to its message in the page's catalog: the page re-words them from their parts.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"no elasticity estimate \((?P<note>.*)\)", "no_estimate"),
        (rf"elasticity sign uncertain: interval \[(?P<lo>{_NUM}), (?P<hi>{_NUM})\] includes 0", "sign"),
        (rf"may be inelastic: interval \[(?P<lo>{_NUM}), (?P<hi>{_NUM})\] reaches above -1, so the profit optimum "
         r"lies outside what the data supports", "inelastic"),
        (rf"revenue direction unknown: interval \[(?P<lo>{_NUM}), (?P<hi>{_NUM})\] includes -1", "revenue_unknown"),
        (rf"guardrails conflict: (?P<lo_name>\w+) needs >= (?P<lo>{_NUM}) but (?P<hi_name>\w+) allows <= (?P<hi>{_NUM})",
         "conflict"),
        (rf"no price ending (?P<ending>.+) within \[(?P<lo>{_NUM}), (?P<hi>{_NUM})\]", "no_ending"),
        (r"current price is within (?P<gain>[0-9.]+%) of the best expected (?P<what>profit|revenue)", "near_best"),
        (r"higher expected (?P<what>profit|revenue)", "higher"),
        (rf"price_floor (?P<floor>{_NUM}) is above price_ceiling (?P<ceiling>{_NUM}): no price satisfies both "
         r"\(fix this product's floor or ceiling\)", "floor_above_ceiling"),
        (r"current price breaks (?P<rules>[\w, ]+): best compliant price \((?P<gain>[-+][0-9.]+%) expected "
         r"(?P<what>profit|revenue)\)", "breaks"),
    )
)  # fmt: skip


def reason_text(lang: str, reason: str) -> str:
    """A suggestion's reason in ``lang``: re-worded from its parts (guardrail names and "profit" /
    "revenue" translated, numbers kept), or as written when no pattern knows it. English is the
    language the reasons are written in: shown as the API answers them (guardrails by their
    setting names)."""
    if lang == "en":
        return reason or ""
    for pattern, key in REASONS:
        m = pattern.fullmatch(reason or "")
        if m is None:
            continue
        params = m.groupdict()
        for name in ("lo_name", "hi_name"):
            if name in params:
                params[name] = i18n.term(lang, "dash.guard.", params[name])
        if "rules" in params:
            sep = i18n.translate(lang, "dash.sep")
            params["rules"] = sep.join(
                i18n.term(lang, "dash.guard.", r.strip()) for r in params["rules"].split(",")
            )
        if "what" in params:
            params["what"] = i18n.translate(lang, "dash.price.what." + params["what"])
        return i18n.translate(lang, "dash.price.why." + key, **params)
    return reason or ""


def curve_chart(row: dict[str, Any]) -> dict[str, Any]:
    """Demand curve geometry; x runs over the curve's evenly spaced prices (0.7x .. 1.3x current)."""
    curve = demand_curve(row)
    top = _nice(max(c["hi"] for c in curve) * 1.05)
    frame = _Frame(len(curve), 0.0, top)
    first, last = curve[0]["price"], curve[-1]["price"]

    def at(price: float) -> float:
        return frame.x((price - first) / (last - first) * (len(curve) - 1))  # type: ignore[arg-type]

    return {
        "ticks": frame.ticks(),
        "mean": frame.line(0, [c["qty"] for c in curve]),
        "band": frame.band(0, [c["lo"] for c in curve], [c["hi"] for c in curve]),
        "current_x": at(row["current_price"]),
        "suggested_x": at(row["suggested_price"]),
        "first": round(first, 2),
        "last": round(last, 2),
    }


#: The reasons a build skips price suggestions (``pricing.release``), re-worded on the page.
SKIPPED = (
    (re.compile(r"\[pricing\] enabled = false"), "dash.price.skip.off"),
    (re.compile(r"the events have no (?P<columns>.+) column\(s\)"), "dash.price.skip.columns"),
    # (a release before session 33 said "moved across weeks")
    (re.compile(r"no price variation in the history: none of (?P<n>\d+) products has a price that moved across "
                r"(?:at least 8 weeks with sales|weeks), so no elasticity can be estimated"), "dash.price.skip.no_variation"),
)  # fmt: skip


def why_none_message(manifest: dict[str, Any]) -> dict[str, Any]:
    """``pricing.release.why_none`` as a message of the page's catalog (``key`` + ``params``); the
    manifest's own reason stays as the build wrote it."""
    facts = manifest.get("components", {}).get("pricing")
    if not facts:
        return {"key": "dash.price.err.no_component", "params": {}}
    reason = str(facts.get("reason", facts.get("pricing")))
    # a reason the build skipped on purpose (turned off, no price variation, columns the events
    # lack) is the shop's situation, not a fault: shown as a note, not in the error's red
    chosen = any(pattern.search(reason) for pattern, _ in SKIPPED)
    return {
        "key": "dash.price.err.reason",
        "params": {"reason": reason},
        "reword": SKIPPED,
        "level": "note" if chosen else "error",
    }


def readable_time(value: Any) -> str:
    """A time a person reads: ``2011-12-09 12:50 UTC`` (minutes, in UTC, as the dashboards write a
    time), not the stored ``2011-12-09 12:50:00+00:00``; a date alone stays a date; anything that is
    not an ISO time is shown as it is."""
    if value is None:
        return "–"
    text = str(value)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) <= 10:  # a date without a time
        return when.date().isoformat()
    if when.tzinfo is None:
        return f"{when:%Y-%m-%d %H:%M}"
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def pricing_view(rel: Any, product_id: str | None) -> dict[str, Any]:
    """Template context: the table and the chosen product's curve (the largest expected gain when
    none is chosen), or why there is nothing to show."""
    if rel is None:
        return {"pr_error": {"key": "dash.price.err.no_release", "params": {}}}
    try:
        sp = load_served(str(rel.folder))
    except NoPricing:
        return {"pr_error": why_none_message(rel.manifest)}
    if product_id is not None and len(product_id) > MAX_ID:
        product_id = product_id[:MAX_ID]
    ranked = sorted(sp.rows, key=lambda r: -(r["profit_change"]["expected"] or 0.0))
    chosen = product_id or (ranked[0]["product_id"] if ranked else None)
    ctx: dict[str, Any] = {
        "pr_meta": sp.meta,
        "pr_as_of": readable_time(sp.meta.get("as_of")),
        "rows": ranked[:SHOWN],
        "total": len(sp.rows),
        "chosen": chosen,
        "why": reason_text,
        "chart_size": {
            "w": WIDTH,
            "h": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "bottom": HEIGHT - BOTTOM,
        },
    }
    row = sp.by_id.get(chosen) if chosen else None
    if chosen and row is None:
        ctx["product_error"] = {"key": "dash.price.err.no_product", "params": {"id": chosen}}
    elif row is not None:
        ctx.update(product=row, curve=curve_chart(row))
    return ctx
