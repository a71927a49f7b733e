"""The pricing dashboard's figures, computed on the server: the suggestions table and, for one
product, its demand curve (weekly quantity vs price, with the elasticity interval's band) with the
current and suggested prices marked, as inline-SVG geometry (numbers for ``<polyline>`` /
``<polygon>`` attributes: no script, CSP-safe). Read from the served release, so the page shows
exactly what ``/v1/pricing/suggestions`` answers. The plot frame is the inventory page's."""

from __future__ import annotations

from typing import Any

from shopmind.pricing.release import why_none
from shopmind.pricing.served import NoPricing, demand_curve, load_served
from shopmind.serve.inventory_page import BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, _Frame, _nice
from shopmind.serve.schemas import MAX_ID

SHOWN = 100  # table rows on the page (the API pages through all)


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


def pricing_view(rel: Any, product_id: str | None) -> dict[str, Any]:
    """Template context: the table and the chosen product's curve (the largest expected gain when
    none is chosen), or why there is nothing to show."""
    if rel is None:
        return {"pr_error": "no release is being served yet"}
    try:
        sp = load_served(str(rel.folder))
    except NoPricing:
        return {"pr_error": why_none(rel.manifest)}
    if product_id is not None and len(product_id) > MAX_ID:
        product_id = product_id[:MAX_ID]
    ranked = sorted(sp.rows, key=lambda r: -(r["profit_change"]["expected"] or 0.0))
    chosen = product_id or (ranked[0]["product_id"] if ranked else None)
    ctx: dict[str, Any] = {
        "pr_meta": sp.meta,
        "rows": ranked[:SHOWN],
        "total": len(sp.rows),
        "chosen": chosen,
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
        ctx["product_error"] = f"no price suggestion for product {chosen!r} (no identified elasticity)"
    elif row is not None:
        ctx.update(product=row, curve=curve_chart(row))
    return ctx
