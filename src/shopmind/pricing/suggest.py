"""Price suggestions: maximise expected profit (revenue without a cost) inside the shop's guardrails.

Demand is constant-elasticity around the current price, ``q(p) = q0 (p / p0) ** b``, with ``b`` the
product's posterior elasticity ``N(m, s^2)``; the expected objective is therefore
``(p - c) q0 exp(m L + s^2 L^2 / 2)`` with ``L = log(p / p0)`` — the uncertainty term penalises
moving far from the price the data was observed at. Candidates are enumerated exactly on the price
ending rule inside the feasible interval (floor/ceiling, minimum margin, maximum change, competitor
bounds), so the chosen price satisfies every guardrail by construction, and :func:`violations`
re-checks each one on every suggestion anyway (a changed price that breaks one raises).

A suggestion is a row in a report; nothing here writes to the catalog.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from shopmind.config import did_you_mean
from shopmind.pricing.elasticity import Elasticity, PricingError

ENDINGS = ("none", "9", ".99", ".95", "whole")
_EPS = 1e-9


@dataclass(frozen=True)
class Guardrails:
    """The shop's rules for a suggested price; per-product columns (floor, ceiling, cost,
    competitor_price) override ``floor``/``ceiling``/``default_cost_ratio`` for their product."""

    floor: float | None = None
    ceiling: float | None = None
    min_margin: float = 0.0  # (p - cost) / p must be >= this
    default_cost_ratio: float | None = None  # cost = ratio x current price when no cost column
    max_change: float = 0.10  # |p / p0 - 1| per period
    ending: str = "none"
    competitor_max_ratio: float | None = None  # p <= competitor x ratio
    competitor_min_ratio: float | None = None  # p >= competitor x ratio
    min_gain: float = 0.005  # expected objective gain (relative) needed to change a price

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], where: str = "pricing") -> Guardrails:
        """Validated settings (e.g. a TOML ``[pricing]`` table); errors name ``where.field``."""
        known = {f.name for f in fields(cls)}
        for key in raw:
            if key not in known:
                raise PricingError(
                    f"{where}.{key}: unknown setting{did_you_mean(key, known, where + '.')} "
                    f"(known: {', '.join(sorted(known))})"
                )
        vals: dict[str, Any] = {}
        for key, val in raw.items():
            if key == "ending":
                if val not in ENDINGS:
                    raise PricingError(f"{where}.ending: must be one of {', '.join(ENDINGS)}, got {val!r}")
                vals[key] = val
                continue
            if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
                raise PricingError(f"{where}.{key}: must be a finite number, got {val!r}")
            vals[key] = float(val)
        g = cls(**vals)
        checks = [
            ("floor", g.floor is None or g.floor > 0, "must be > 0"),
            ("ceiling", g.ceiling is None or g.ceiling > 0, "must be > 0"),
            ("ceiling", g.floor is None or g.ceiling is None or g.ceiling >= g.floor, "must be >= floor"),
            ("min_margin", 0 <= g.min_margin < 1, "must be in [0, 1)"),
            (
                "default_cost_ratio",
                g.default_cost_ratio is None or 0 <= g.default_cost_ratio < 1,
                "must be in [0, 1)",
            ),
            ("max_change", 0 < g.max_change <= 1, "must be in (0, 1]"),
            (
                "competitor_max_ratio",
                g.competitor_max_ratio is None or g.competitor_max_ratio > 0,
                "must be > 0",
            ),
            (
                "competitor_min_ratio",
                g.competitor_min_ratio is None or g.competitor_min_ratio > 0,
                "must be > 0",
            ),
            ("min_gain", g.min_gain >= 0, "must be >= 0"),
        ]
        for name, ok, msg in checks:
            if not ok:
                raise PricingError(f"{where}.{name}: {msg}, got {getattr(g, name)!r}")
        return g


@dataclass(frozen=True)
class ProductTerms:
    """What the guardrails need about one product beyond its elasticity (all optional)."""

    cost: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    competitor_price: float | None = None


@dataclass(frozen=True)
class Suggestion:
    item_id: str
    current_price: float
    suggested_price: float
    action: str  # "change" or "keep"
    reason: str
    elasticity: float
    elasticity_lo: float
    elasticity_hi: float
    cost: float | None
    lower_bound: float
    upper_bound: float
    binding: str  # the guardrail that stopped the price going further, "" when interior
    expected_qty_change: float  # relative, at the posterior mean
    expected_gain: float  # relative change of the expected objective vs the current price
    violations: str  # guardrails the *current* price breaks (kept rows); always "" for changes

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _bounds(p0: float, cost: float | None, t: ProductTerms, g: Guardrails) -> tuple[float, str, float, str]:
    """The feasible interval and which guardrail sets each end."""
    lows = [(p0 * (1 - g.max_change), "max_change")]
    highs = [(p0 * (1 + g.max_change), "max_change")]
    floor = t.floor if t.floor is not None else g.floor
    ceiling = t.ceiling if t.ceiling is not None else g.ceiling
    if floor is not None:
        lows.append((floor, "floor"))
    if ceiling is not None:
        highs.append((ceiling, "ceiling"))
    if cost is not None and g.min_margin > 0:
        lows.append((cost / (1 - g.min_margin), "min_margin"))
    if cost is not None:
        lows.append((cost, "cost"))
    if t.competitor_price is not None:
        if g.competitor_max_ratio is not None:
            highs.append((t.competitor_price * g.competitor_max_ratio, "competitor_max"))
        if g.competitor_min_ratio is not None:
            lows.append((t.competitor_price * g.competitor_min_ratio, "competitor_min"))
    lo, lo_name = max(lows)
    hi, hi_name = min(highs)
    return lo, lo_name, hi, hi_name


def candidates(lo: float, hi: float, ending: str) -> np.ndarray:
    """Every price in [lo, hi] (in cents) that satisfies the ending rule, ascending."""
    c_lo, c_hi = math.ceil(lo * 100 - _EPS), math.floor(hi * 100 + _EPS)
    if c_hi < c_lo:
        return np.empty(0)
    if ending in ("none", "9"):
        cents = np.arange(c_lo, c_hi + 1)
        if ending == "9":
            cents = cents[cents % 10 == 9]
    else:
        frac = {".99": 99, ".95": 95, "whole": 0}[ending]
        units = np.arange(c_lo // 100, c_hi // 100 + 1)
        cents = units * 100 + frac
        cents = cents[(cents >= c_lo) & (cents <= c_hi) & (cents > 0)]
    return cents / 100.0


def has_ending(price: float, ending: str) -> bool:
    cents = round(price * 100)
    if abs(cents - price * 100) > 1e-6:
        return False
    return {
        "none": True,
        "9": cents % 10 == 9,
        ".99": cents % 100 == 99,
        ".95": cents % 100 == 95,
        "whole": cents % 100 == 0,
    }[ending]


def violations(price: float, p0: float, cost: float | None, t: ProductTerms, g: Guardrails) -> list[str]:
    """Every guardrail ``price`` breaks (an independent re-check, not the interval arithmetic)."""
    out = []
    floor = t.floor if t.floor is not None else g.floor
    ceiling = t.ceiling if t.ceiling is not None else g.ceiling
    if floor is not None and price < floor - _EPS:
        out.append("floor")
    if ceiling is not None and price > ceiling + _EPS:
        out.append("ceiling")
    if cost is not None and (price - cost) < g.min_margin * price - _EPS:
        out.append("min_margin")
    if abs(price / p0 - 1) > g.max_change + 1e-7:
        out.append("max_change")
    if not has_ending(price, g.ending):
        out.append("ending")
    if t.competitor_price is not None:
        if g.competitor_max_ratio is not None and price > t.competitor_price * g.competitor_max_ratio + _EPS:
            out.append("competitor_max")
        if g.competitor_min_ratio is not None and price < t.competitor_price * g.competitor_min_ratio - _EPS:
            out.append("competitor_min")
    return out


def expected_objective(p: np.ndarray, p0: float, cost: float, m: float, s: float) -> np.ndarray:
    """E[(p - c) (p/p0)^b] for b ~ N(m, s^2), per unit of current demand."""
    lr = np.log(p / p0)
    return (p - cost) * np.exp(m * lr + 0.5 * s * s * lr * lr)


def suggest_one(e: Elasticity, g: Guardrails, terms: ProductTerms | None = None) -> Suggestion:
    """One product's suggestion; a kept price always says why."""
    t = terms or ProductTerms()
    p0 = e.price
    cost = (
        t.cost
        if t.cost is not None
        else (g.default_cost_ratio * p0 if g.default_cost_ratio is not None else None)
    )
    lo, lo_name, hi, hi_name = _bounds(p0, cost, t, g)
    current_bad = violations(p0, p0, cost, t, g)

    def keep(reason: str) -> Suggestion:
        return Suggestion(
            e.item_id, p0, p0, "keep", reason, e.estimate, e.lo, e.hi, cost, lo, hi, "", 0.0, 0.0,
            ";".join(current_bad),
        )  # fmt: skip

    if t.floor is not None and t.ceiling is not None and t.floor > t.ceiling:
        # said before any estimate: the catalog is wrong whatever the data, and the gate flags the
        # row (PRD_PRICE_BOUNDS); "guardrails conflict" named neither attribute
        return keep(
            f"price_floor {t.floor:.2f} is above price_ceiling {t.ceiling:.2f}: no price satisfies both "
            "(fix this product's floor or ceiling)"
        )
    if not math.isfinite(e.estimate):
        return keep(f"no elasticity estimate ({e.note})")
    if e.hi >= 0:
        return keep(f"elasticity sign uncertain: interval [{e.lo:.2f}, {e.hi:.2f}] includes 0")
    if cost is not None and e.hi > -1:
        return keep(
            f"may be inelastic: interval [{e.lo:.2f}, {e.hi:.2f}] reaches above -1, so the profit optimum "
            "lies outside what the data supports"
        )
    if cost is None and e.lo <= -1 <= e.hi:
        return keep(f"revenue direction unknown: interval [{e.lo:.2f}, {e.hi:.2f}] includes -1")
    if lo > hi + _EPS:
        return keep(f"guardrails conflict: {lo_name} needs >= {lo:.2f} but {hi_name} allows <= {hi:.2f}")
    cand = candidates(lo, hi, g.ending)
    if cand.size == 0:
        return keep(f"no price ending {g.ending!r} within [{lo:.2f}, {hi:.2f}]")
    c = cost if cost is not None else 0.0
    obj = expected_objective(cand, p0, c, e.estimate, e.se)
    best = int(np.argmax(obj))
    now = float(expected_objective(np.array([p0]), p0, c, e.estimate, e.se)[0])
    gain = (obj[best] - now) / abs(now) if now != 0 else math.inf
    if not current_bad and gain <= g.min_gain:
        return keep(
            f"current price is within {g.min_gain:.1%} of the best expected {'profit' if cost is not None else 'revenue'}"
        )
    price = float(cand[best])
    bad = violations(price, p0, cost, t, g)
    if bad:  # by construction impossible; asserted so a bug can never ship a price
        raise AssertionError(f"{e.item_id}: suggested {price} breaks {bad}")
    # At the last candidate on a side, that side's guardrail stopped the optimiser.
    binding = hi_name if best == cand.size - 1 and obj[best] > now else ""
    if best == 0 and cand.size > 1:
        binding = lo_name
    what = "profit" if cost is not None else "revenue"
    # a change forced by a guardrail the current price breaks may lose: the reason says so
    reason = (
        f"higher expected {what}"
        if gain > 0
        else (
            f"current price breaks {', '.join(current_bad)}: best compliant price ({gain:+.1%} expected {what})"
        )
    )
    return Suggestion(
        e.item_id, p0, price, "change", reason,
        e.estimate, e.lo, e.hi, cost, lo, hi, binding,
        float((price / p0) ** e.estimate - 1), float(gain), "",
    )  # fmt: skip


def suggest(
    elasticities: list[Elasticity], g: Guardrails, terms: dict[str, ProductTerms] | None = None
) -> list[Suggestion]:
    """Suggestions for every product; ``terms`` maps item_id -> its cost/floor/ceiling/competitor."""
    terms = terms or {}
    return [
        suggest_one(e, g, terms.get(e.item_id))
        for e in elasticities
        if math.isfinite(e.price) and e.price > 0
    ]
