"""The inventory dashboard's figures, computed on the server: the reorder list and, for one
product, its history + forecast with 80/95 % bands and its stock projection as inline-SVG
geometry (plain numbers the template puts into ``<polyline>``/``<polygon>`` attributes: no
script, no chart library). Read from the served release's ``forecast`` folder, so the page shows
exactly what ``/v1/forecast/{id}`` and ``/v1/inventory/reorder`` answer. Its words are the
template's, from the page language's catalog (errors come as a message key and parameters)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from shopmind.forecast.served import NoForecast, load_served
from shopmind.serve.schemas import MAX_ID

#: the plots' drawing area (SVG user units) and margins for the axis labels
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 240, 56, 12, 12, 28
#: reorder rows shown on the page (the CSV has them all)
SHOWN = 50


def _nice(v: float) -> float:
    """A round axis maximum at or above ``v``."""
    if v <= 0:
        return 1.0
    p = 10 ** len(str(int(v))) / 10 if v >= 1 else 1.0
    for m in (1, 1.2, 1.6, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * p >= v:
            return m * p
    return 10 * p


#: the axis steps a reader counts in without arithmetic (times a power of ten)
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def _step(span: float, intervals: int = 5) -> float:
    """A round tick step that cuts ``span`` into at most ``intervals`` (1, 2, 2.5 or 5 times a
    power of ten). Why: cutting any span into four equal parts labelled the stock axis
    30, -18, -65, -112, -160, with no tick at zero; a planner reads round steps at a glance."""
    raw = max(span, 1e-9) / intervals
    p = 10 ** math.floor(math.log10(raw))
    return next(m * p for m in STEPS if m * p >= raw * (1 - 1e-9))


class _Frame:
    """Maps (period index, value) to SVG coordinates; values outside [lo, hi] are drawn at the edge.
    The range is widened to whole multiples of a round step, so zero and every tick fall on it."""

    def __init__(self, n: int, lo: float, hi: float) -> None:
        self.step = _step(hi - lo)
        self.n = max(n - 1, 1)
        self.lo = math.floor(lo / self.step + 1e-9) * self.step
        self.hi = math.ceil(hi / self.step - 1e-9) * self.step

    def x(self, i: int) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * i / self.n, 1)

    def y(self, v: float) -> float:
        v = min(max(v, self.lo), self.hi)
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (self.hi - v) / (self.hi - self.lo), 1)

    def line(self, start: int, values: Sequence[float | None]) -> str:
        return " ".join(f"{self.x(start + i)},{self.y(v)}" for i, v in enumerate(values) if v is not None)

    def band(self, start: int, lo: Sequence[float], hi: Sequence[float]) -> str:
        top = [f"{self.x(start + i)},{self.y(v)}" for i, v in enumerate(hi)]
        bottom = [f"{self.x(start + i)},{self.y(v)}" for i, v in reversed(list(enumerate(lo)))]
        return " ".join(top + bottom)

    def ticks(self) -> list[dict[str, Any]]:
        """One labelled grid line per step, bottom to top (zero among them when the range holds it)."""
        big = max(abs(self.lo), abs(self.hi))
        n = round((self.hi - self.lo) / self.step)
        values = [round(self.lo + k * self.step, 9) for k in range(n + 1)]
        return [{"y": self.y(v), "label": tick_label(v, big)} for v in values]


def tick_label(v: float, big: float) -> str:
    """An axis label that fits the chart's left margin (``LEFT`` units, ~8 characters at the
    font size the page uses). Why: a lumpy product's projection reaches millions of units below
    zero, and ``-1499700.0`` was cut at the SVG's left edge - its minus sign first, so a negative
    stock read as a positive one. Thousands and millions are written ``k`` / ``M``."""
    if abs(v) < 1e-9 * max(big, 1.0):
        return "0"
    for scale, suffix in ((1e6, "M"), (1e4, "k")):
        if big >= scale:
            return f"{v / (1e6 if suffix == 'M' else 1e3):.3g}{suffix}"
    return f"{v:.2f}".rstrip("0").rstrip(".") if big < 100 else f"{v:.0f}"


def demand_chart(body: dict[str, Any]) -> dict[str, Any]:
    """History and forecast (mean, 80 % and 95 % bands) on one time axis. The axis tops out at the
    larger of history and the 80 % band (x1.25): a lumpy product's 95 % bound can be many times
    its usual demand, and is then cut at the top edge (``clipped`` says so)."""
    hist = [r["value"] for r in body["history"]]
    fc = body["forecast"]
    start = len(hist)
    seen = [v for v in hist if v is not None] + [r["hi80"] for r in fc] + [r["mean"] for r in fc]
    top = _nice(1.25 * max(seen, default=1.0))
    f = _Frame(start + len(fc), 0.0, top)
    return {
        "history": f.line(0, hist),
        "mean": f.line(start, [r["mean"] for r in fc]),
        "band80": f.band(start, [r["lo80"] for r in fc], [r["hi80"] for r in fc]),
        "band95": f.band(start, [r["lo95"] for r in fc], [r["hi95"] for r in fc]),
        "split": f.x(start),
        "ticks": f.ticks(),
        "clipped": any(r["hi95"] > top for r in fc),
        "first": body["history"][0]["date"] if hist else fc[0]["date"],
        "as_of": body["as_of"],
        "last": fc[-1]["date"],
    }


#: the pessimistic projection may stretch the stock axis to this many times the span of the
#: expected line, the reorder point and zero; further down it is cut at the bottom edge
LOW95_SPAN = 1.0


def stock_chart(body: dict[str, Any]) -> dict[str, Any] | None:
    """On hand projected forward: expected (on hand minus cumulative forecast) and pessimistic
    (minus the 95 % upper bound of cumulative demand), with the reorder point and zero. The axis
    spans the expected line, the reorder point and zero, and the pessimistic line down to
    ``LOW95_SPAN`` times that span: a lumpy product's 95 % bound of cumulative demand can be a
    thousand times its expected demand, which squeezed the expected line and the reorder point
    into one pixel at the top; below that the line is cut at the bottom edge (``clipped``)."""
    on_hand = body["stock"]["on_hand"]
    if on_hand is None:
        return None
    proj = body["stock"]["projection"]
    rop = body["policy"].get("reorder_point")
    core = [on_hand, 0.0, *(p["expected"] for p in proj), *([rop] if rop is not None else [])]
    core = [v for v in core if v is not None]
    low = [p["low95"] for p in proj if p["low95"] is not None]  # null: the release could not bound it
    span = max(max(core) - min(core), 1.0)
    floor = min(core) - LOW95_SPAN * span
    vals = core + [max(v, floor) for v in low]
    hi = _nice(max(max(vals), 1.0))
    lo = -_nice(max(-min(vals), 1.0)) if min(vals) < 0 else 0.0
    f = _Frame(len(proj) + 1, lo, hi)
    return {
        "clipped": any(v < f.lo for v in low),
        "expected": f.line(0, [on_hand, *(p["expected"] for p in proj)]),
        "low95": f.line(0, [on_hand, *(p["low95"] for p in proj)]),
        "zero": f.y(0.0),
        "rop": None if rop is None else f.y(rop),
        "ticks": f.ticks(),
        # the time axis: the projection starts from the stock on the forecast's origin (index 0)
        "first": body.get("as_of"),
        "last": proj[-1]["date"] if proj else None,
        "out_date": next((p["date"] for p in proj if p["expected"] is not None and p["expected"] < 0), None),
    }


#: The reasons a build skips forecasts (``forecast.release``), re-worded on the page.
SKIPPED = (
    (re.compile(r"\[forecast\] enabled = false"), "dash.inv.skip.off"),
    (re.compile(r"the events have no item_id/type columns"), "dash.inv.skip.columns"),
    (
        re.compile(r"(?P<n>\d+) periods of sales history \(< min_periods (?P<min>\d+)\)"),
        "dash.inv.skip.short",
    ),
)


def why_none_message(manifest: dict[str, Any]) -> dict[str, Any]:
    """Why a release has no forecasts, as a message of the page's catalog (``key`` + ``params``):
    the cases of ``forecast.served.why_none`` (the API's English answer), which the page says in
    its reader's language; the manifest's own reason stays as the build wrote it."""
    if manifest.get("parts", {}).get("forecast") == "pending":
        return {"key": "dash.inv.err.pending", "params": {}}
    facts = manifest.get("components", {}).get("forecast")
    if facts is None:
        return {"key": "dash.inv.err.not_built", "params": {}}
    reason = str(facts.get("reason", facts.get("forecast")))
    return {"key": "dash.inv.err.reason", "params": {"reason": reason}, "reword": SKIPPED}


def _title(rel: Any, product_id: str) -> str | None:
    """The product's title in the served catalog (None once deleted): a planner orders by name,
    and a list of bare ids sent them to the storefront for each row."""
    if product_id not in rel.products:
        return None
    title = rel.products[product_id].get("title")
    return str(title) if title else None


def inventory_view(rel: Any, product_id: str | None) -> dict[str, Any]:
    """Template context: the reorder list and the chosen product's charts (the most urgent one
    when none is chosen), or why there is nothing to show."""
    if rel is None:
        return {"fc_error": {"key": "dash.inv.err.no_release", "params": {}}}
    try:
        fc = load_served(str(rel.folder))
    except NoForecast:
        return {"fc_error": why_none_message(rel.manifest)}
    if product_id is not None and len(product_id) > MAX_ID:
        product_id = product_id[:MAX_ID]
    chosen = product_id or (fc.reorder[0]["product_id"] if fc.reorder else None)
    ctx: dict[str, Any] = {
        "fc_meta": fc.meta,
        "reorder": [{**r, "title": _title(rel, r["product_id"])} for r in fc.reorder[:SHOWN]],
        "reorder_total": len(fc.reorder),
        "chosen": chosen,
        "chart_size": {
            "w": WIDTH,
            "h": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "bottom": HEIGHT - BOTTOM,
        },
    }
    body = fc.product(chosen) if chosen else None
    if chosen and body is None:
        key = "dash.inv.err.no_product" if chosen not in rel.products else "dash.inv.err.no_forecast"
        ctx["product_error"] = {"key": key, "params": {"id": chosen}}
    elif body is not None:
        ctx.update(
            product=body, demand=demand_chart(body), stock=stock_chart(body), title=_title(rel, chosen)
        )
    return ctx
