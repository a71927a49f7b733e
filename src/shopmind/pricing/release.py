"""The ``pricing`` release component: price suggestions computed at build, served by the API.

Built with every release from the store's accepted purchase events and the catalog, so the
suggestions a shop reads are versioned and rolled back with the release (the same pattern as
``shopmind.forecast.release``). Settings are ``[pricing]`` in the shop TOML: the guardrails of
:class:`shopmind.pricing.suggest.Guardrails` plus ``enabled`` (default true), ``level`` (the
elasticity interval level, default 0.95), ``stock_history`` (an inventory file: stock-out weeks are not
read as low demand, :func:`read_stock_history`) and ``apply`` (``"current"`` or ``"suggested"``: what an
experiment variant serves, see ``shopmind.pricing.served``). An unknown key is an error naming it.
A product's own cost, competitor price, floor and ceiling come from its catalog attributes
(:func:`product_terms`), its current price from the catalog (:func:`catalog_current`: the last
week with a sale may have been a promotion since ended).

A shop whose history has no price variation gets no suggestions and the reason in the manifest
(``{"pricing": "skipped", "reason": ...}``): an elasticity is never invented.

Files in the component folder (read by ``serve/routes/pricing.py``):

- ``pricing.json``: settings, level, counts, as-of date;
- ``suggestions.parquet``: one row per product with an identified elasticity (the
  :class:`Suggestion` fields plus category, currency, weekly quantity and the profit/revenue
  change at the suggested price under the elasticity's interval ends).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.data.categories import top_categories
from shopmind.data.model import FLAGS, SHOP_ONLY_ATTRIBUTES
from shopmind.pricing.elasticity import (
    Elasticity,
    PricingError,
    estimate,
    weekly_availability,
    weekly_observations,
)
from shopmind.pricing.observations import negative_stock
from shopmind.pricing.suggest import Guardrails, ProductTerms, Suggestion, suggest

META, SUGGESTIONS = "pricing.json", "suggestions.parquet"
APPLY = ("current", "suggested")
#: keys of ``[pricing]`` that are not guardrails
OWN_KEYS = ("enabled", "level", "apply", "stock_history")


def split_settings(raw: Mapping[str, Any]) -> tuple[dict[str, Any], Guardrails]:
    """``[pricing]`` -> (component settings, guardrails); errors name ``pricing.<key>``."""
    values = dict(raw)
    own: dict[str, Any] = {"enabled": True, "level": 0.95, "apply": "current", "stock_history": None}
    for key in OWN_KEYS:
        if key in values:
            own[key] = values.pop(key)
    if not isinstance(own["enabled"], bool):
        raise PricingError(f"pricing.enabled: must be true or false, got {own['enabled']!r}")
    lvl = own["level"]
    if isinstance(lvl, bool) or not isinstance(lvl, int | float) or not 0.5 <= lvl < 1:
        raise PricingError(f"pricing.level: must be a number in [0.5, 1), got {lvl!r}")
    if own["apply"] not in APPLY:
        raise PricingError(f"pricing.apply: must be one of {', '.join(APPLY)}, got {own['apply']!r}")
    hist = own["stock_history"]
    if hist is not None and (not isinstance(hist, str) or not hist.strip()):
        raise PricingError(f"pricing.stock_history: must be a file path, got {hist!r}")
    return own, Guardrails.from_mapping(values)


def outcome(s: Suggestion, b: float) -> tuple[float, float]:
    """Relative (profit, revenue) change at the suggested price if the elasticity were ``b``.

    Constant-elasticity demand around the current price: q(p)/q(p0) = (p/p0)^b. Profit uses the
    cost when known (else it equals revenue)."""
    r = s.suggested_price / s.current_price
    qty = r**b
    revenue = r * qty - 1
    c = s.cost if s.cost is not None else 0.0
    base = s.current_price - c
    profit = ((s.suggested_price - c) * qty - base) / base if base > 0 else math.nan
    return profit, revenue


def _currencies(products: pl.DataFrame) -> dict[str, str]:
    if not {"product_id", "currency"} <= set(products.columns):
        return {}
    return dict(
        products.select(pl.col("product_id").cast(pl.Utf8), pl.col("currency").cast(pl.Utf8)).iter_rows()
    )


#: catalog attributes a product may carry for its guardrails (``attributes`` key/value pairs): the
#: shop's own, which search does not index (``data.model.SHOP_ONLY_ATTRIBUTES``)
TERM_ATTRIBUTES = SHOP_ONLY_ATTRIBUTES


#: a catalog price outside this factor of the last sold week's median is more likely another unit or currency
#: than a price change: the suggestion then starts from the sold price (counted in ``pricing.json``)
CATALOG_PRICE_SPAN = 2.0


def catalog_current(known: list[Elasticity], products: pl.DataFrame) -> tuple[list[Elasticity], int, int]:
    """``known`` with each product's current price from the catalog: (elasticities, how many moved from the last
    sold week's median, how many catalog prices were left unused as too far from it).

    Why: ``estimate`` reads a product's price off its last week with a sale, which may be a promotion that ended or
    a list price changed since (a third of the demo's products, session 34); a suggestion computed from it is a
    change from a price the shop no longer charges, and ``[pricing] apply = "suggested"`` serves it in place of the
    catalog's price, up to 40 % away from it where ``max_change`` allows 10 %."""
    if not {"product_id", "price"} <= set(products.columns):
        return known, 0, 0
    listed = dict(
        products.select(pl.col("product_id").cast(pl.Utf8), pl.col("price").cast(pl.Float64, strict=False))
        .drop_nulls()
        .iter_rows()
    )
    out, moved, far = [], 0, 0
    for e in known:
        p = listed.get(e.item_id)
        if p is None or not math.isfinite(p) or p <= 0 or not math.isfinite(e.price) or p == e.price:
            out.append(e)
        elif not 1 / CATALOG_PRICE_SPAN <= p / e.price <= CATALOG_PRICE_SPAN:
            far += 1
            out.append(e)
        else:
            moved += 1
            out.append(replace(e, price=p))
    return out, moved, far


def product_terms(products: pl.DataFrame) -> tuple[dict[str, ProductTerms], int]:
    """Per-product guardrail terms from the catalog's attributes: ``cost`` (the minimum margin is
    over it; without it ``[pricing] default_cost_ratio`` applies), ``competitor_price`` (the
    competitor bounds), ``price_floor``/``price_ceiling``. Why attributes: the canonical products
    table has no cost column, and a shop's feed already maps extra columns to attributes.
    Returns (terms by product, values that are not a positive finite number: skipped, counted)."""
    if not {"product_id", "attributes"} <= set(products.columns):
        return {}, 0
    pairs = (
        products.select(pl.col("product_id").cast(pl.Utf8), "attributes")
        .explode("attributes")
        .drop_nulls("attributes")
        .unnest("attributes")
        .with_columns(pl.col("key").str.strip_chars().str.to_lowercase())  # " Cost " as search reads it
        .filter(pl.col("key").is_in(TERM_ATTRIBUTES))
    )
    vals: dict[str, dict[str, float]] = {}
    bad = 0
    for pid, key, raw in pairs.iter_rows():
        try:
            v = float(str(raw).strip().replace(",", ""))
        except ValueError:
            v = math.nan
        if not math.isfinite(v) or v <= 0:
            bad += 1
            continue
        name = {"price_floor": "floor", "price_ceiling": "ceiling"}.get(key, key)
        vals.setdefault(pid, {})[name] = v
    return {pid: ProductTerms(**v) for pid, v in vals.items()}, bad


def read_stock_history(path: str | Path, where: str = "pricing.stock_history") -> pl.DataFrame:
    """``[pricing] stock_history``: the shop's inventory history (CSV or Parquet; item_id, date,
    stock or in_stock; see ``elasticity.weekly_availability``), so stock-out weeks are not read as
    low demand. A relative path is taken from the directory ``shopmind build`` runs in. Why a file:
    the store keeps each product's current stock only, not its history. ``where`` names the setting
    in errors (``--stock`` for ``shopmind pricing suggest``)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise PricingError(f"{where}: {'a folder, not a file' if p.is_dir() else 'no file'} {str(p)!r}")
    try:
        frame = pl.read_parquet(p) if p.suffix == ".parquet" else pl.read_csv(p, infer_schema_length=10000)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise PricingError(f"{where}: {p} is not readable: {str(exc).splitlines()[0]}") from None
    try:
        weekly_availability(frame)  # its columns checked here: a bad file fails the build, naming it
    except PricingError as exc:
        raise PricingError(f"{where}: {p}: {exc}") from None
    return frame


#: Event flags whose lines are no demand at a price: the gate keeps a 500-unit line it flags as an outlier (it may
#: be a real bulk order), but read as a week's demand it swamped every elasticity of the demo shop (session 33).
LEFT_OUT_FLAGS = ("EVT_QTY_OUTLIER",)


def unflagged(events: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """``events`` without the lines the gate flagged with a ``LEFT_OUT_FLAGS`` code, and how many were left out."""
    if FLAGS not in events.columns:
        return events, 0
    bad = pl.col(FLAGS).list.eval(pl.element().is_in(LEFT_OUT_FLAGS)).list.any().fill_null(False)
    kept = events.filter(~bad)
    return kept, events.height - kept.height


def build_pricing(ctx: Any, folder: Path) -> Mapping[str, Any]:
    """Elasticities and guardrailed suggestions for every product with identified price response;
    facts for the manifest, or ``{"pricing": "skipped"|"off", "reason": ...}``."""
    from shopmind.release.releases import ReleaseError

    try:
        own, rails = split_settings(ctx.settings.get("pricing", {}))
    except PricingError as exc:
        raise ReleaseError(f"[pricing] {exc}") from None
    if not own["enabled"]:
        return {"pricing": "off", "reason": "[pricing] enabled = false"}
    t0 = time.perf_counter()
    events = ctx.events
    need = {"item_id", "timestamp", "quantity", "price"}
    if not need <= set(events.columns):
        missing = ", ".join(sorted(need - set(events.columns)))
        return {"pricing": "skipped", "reason": f"the events have no {missing} column(s)"}
    try:
        stock = read_stock_history(own["stock_history"]) if own["stock_history"] else None
    except PricingError as exc:
        raise ReleaseError(f"[pricing] {exc}") from None
    events, left_out = unflagged(events)
    try:
        obs = weekly_observations(events, top_categories(ctx.products), stock=stock)
        elasticities = estimate(obs, level=float(own["level"]))
    except PricingError as exc:
        return {"pricing": "skipped", "reason": str(exc)}
    known = [e for e in elasticities if math.isfinite(e.estimate)]
    if not known:
        return {
            "pricing": "skipped",
            "reason": f"no price variation in the history: none of {len(elasticities)} products "
            "has a price that moved across at least 8 weeks with sales, so no elasticity can be estimated",
        }
    known, from_catalog, catalog_far = catalog_current(known, ctx.products)
    terms, bad_terms = product_terms(ctx.products)
    rows = suggest(known, rails, terms)
    cats = {e.item_id: e.category for e in known}
    qty = {e.item_id: e.weekly_qty for e in known}
    cur = _currencies(ctx.products)
    records = []
    for s in rows:
        mid, lo, hi = (outcome(s, b) for b in (s.elasticity, s.elasticity_lo, s.elasticity_hi))
        records.append(
            {
                **s.as_dict(),
                "category": cats[s.item_id],
                "currency": cur.get(s.item_id),
                "weekly_qty": qty[s.item_id],
                "profit_change": mid[0],
                "profit_change_lo": min(lo[0], hi[0]),
                "profit_change_hi": max(lo[0], hi[0]),
                "revenue_change": mid[1],
                "revenue_change_lo": min(lo[1], hi[1]),
                "revenue_change_hi": max(lo[1], hi[1]),
            }
        )
    pl.DataFrame(records, infer_schema_length=None).write_parquet(folder / SUGGESTIONS)
    changed = sum(s.action == "change" for s in rows)
    as_of = str(events["timestamp"].max()) if events.height else None
    meta = {
        "settings": {**own, **rails.__dict__},
        "level": own["level"],
        "as_of": as_of,
        "products": len(rows),
        "unidentified": len(elasticities) - len(known),
        "changed": changed,
        "with_product_terms": sum(e.item_id in terms for e in known),
        "stock_history": own["stock_history"],
        "stock_out_weeks": int((obs["avail"] < 1).sum()),
        # products whose history goes below 0 units, read as out of stock (a booking error is not)
        "negative_stock": negative_stock(stock)["item_id"].to_list() if stock is not None else [],
        "unreadable_terms": bad_terms,
        "flagged_left_out": left_out,
        # current prices taken from the catalog where the last sold week's differed; catalog prices left unused
        "current_from_catalog": from_catalog,
        "catalog_price_far": catalog_far,
    }
    (folder / META).write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    return {
        "pricing": "built",
        "products": len(rows),
        "changed": changed,
        "unidentified": len(elasticities) - len(known),
        "with_product_terms": meta["with_product_terms"],
        "stock_out_weeks": meta["stock_out_weeks"],
        "flagged_left_out": left_out,
        "seconds_fit": round(time.perf_counter() - t0, 3),
    }


def why_none(manifest: Mapping[str, Any]) -> str:
    """Why a release serves no suggestions (the manifest's reason, or that it has no component)."""
    facts = manifest.get("components", {}).get("pricing")
    if not facts:
        return "this release has no pricing component"
    return f"no price suggestions in this release: {facts.get('reason', facts.get('pricing'))}"


__all__ = [
    "APPLY",
    "META",
    "SUGGESTIONS",
    "build_pricing",
    "outcome",
    "product_terms",
    "split_settings",
    "why_none",
]
