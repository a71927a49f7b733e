"""Sponsored-placement campaigns: parsed from JSON/TOML-like mappings and validated before any auction.

A campaign that is wrong must fail loudly with the field that is wrong (``campaigns[2].bid``): a
mis-typed budget spends real money. Parsing never half-applies: it returns complete ``Campaign``
objects or raises ``CampaignError``.

Format (one campaign)::

    {"id": "acme-drills", "advertiser": "Acme", "brand": "Acme",
     "products": ["100001", "100002"],       # what may be advertised (ids in the catalog)
     "keywords": ["drill", "cordless drill"], # a keyword matches when all its tokens are in the query
     "categories": ["Power Tools"],          # or: the request's categories (search facets / recs context)
     "bid": 0.80,                            # max price per click, shop currency
     "daily_budget": 50.0,                   # never overspent (pacing.py), >= bid
     "schedule": {"start": "2026-12-01", "end": "2026-12-31", "hours": [8, 22]},  # UTC, end inclusive
     "status": "active"}                     # active | paused
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KEYS = {
    "id",
    "advertiser",
    "brand",
    "products",
    "keywords",
    "categories",
    "bid",
    "daily_budget",
    "schedule",
    "status",
}
SCHEDULE_KEYS = {"start", "end", "hours"}
STATUSES = ("active", "paused")
#: Bound on list fields, so one definition cannot blow up the auction's per-request work.
MAX_ITEMS = 1000


class CampaignError(ValueError):
    """A definition error; the message starts with the path of the offending field."""


@dataclass(frozen=True)
class Schedule:
    """Days (inclusive, UTC) and the hours of the day ``[from, to)`` a campaign may serve."""

    start: date | None = None
    end: date | None = None
    hours: tuple[int, int] = (0, 24)

    def active(self, when: datetime) -> bool:
        """Whether the campaign may serve at ``when`` (UTC)."""
        day = when.date()
        if self.start is not None and day < self.start:
            return False
        if self.end is not None and day > self.end:
            return False
        return self.hours[0] <= when.hour < self.hours[1]


@dataclass(frozen=True)
class Campaign:
    """A validated campaign. ``keywords`` are stored lower-cased; matching is done by the auction."""

    id: str
    advertiser: str
    products: tuple[str, ...]
    bid: float
    daily_budget: float
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brand: str = ""
    schedule: Schedule = Schedule()
    status: Literal["active", "paused"] = "active"


#: White space as JSON Schema's ``\S`` pattern (ECMAScript) knows it, so the API's documented body
#: and this parser agree on what a blank string is (Python's ``str.strip`` also strips \x1c-\x1f).
_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _str(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip(_WS)):
        raise CampaignError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip(_WS)


def _money(value: Any, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise CampaignError(f"{where}: expected a positive finite number, got {value!r}")
    return float(value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CampaignError(f"{where}: expected a list of strings, got {value!r}")
    if len(value) > MAX_ITEMS:
        raise CampaignError(f"{where}: at most {MAX_ITEMS} entries, got {len(value)}")
    out = tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(value))
    return tuple(dict.fromkeys(out))


def _day(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(_str(value, where))
    except ValueError:
        raise CampaignError(f"{where}: expected an ISO date (YYYY-MM-DD), got {value!r}") from None


def _schedule(value: Any, where: str) -> Schedule:
    if value is None:
        return Schedule()
    if not isinstance(value, Mapping):
        raise CampaignError(f"{where}: expected a table with start, end, hours, got {value!r}")
    unknown = set(value) - SCHEDULE_KEYS
    if unknown:
        raise CampaignError(
            f"{where}.{sorted(unknown)[0]}: unknown field; valid: {', '.join(sorted(SCHEDULE_KEYS))}"
        )
    start, end = _day(value.get("start"), f"{where}.start"), _day(value.get("end"), f"{where}.end")
    if start and end and end < start:
        raise CampaignError(f"{where}.end: {end} is before start {start}")
    hours = value.get("hours", (0, 24))
    if not isinstance(hours, str) and isinstance(hours, Sequence):  # 8.0 is JSON's 8 too
        hours = [int(h) if isinstance(h, float) and h.is_integer() else h for h in hours]
    if (
        isinstance(hours, str)
        or not isinstance(hours, Sequence)
        or len(hours) != 2
        or not all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
        or not 0 <= hours[0] < hours[1] <= 24
    ):
        raise CampaignError(
            f"{where}.hours: expected [from, to) whole hours with 0 <= from < to <= 24, got {hours!r}"
        )
    return Schedule(start, end, (int(hours[0]), int(hours[1])))


def parse_campaign(raw: Any, where: str = "campaign", catalog: Mapping[str, Any] | None = None) -> Campaign:
    """One campaign from a mapping; ``catalog`` (product id -> anything), when given, must hold every product."""
    if not isinstance(raw, Mapping):
        raise CampaignError(f"{where}: expected a table, got {type(raw).__name__}")
    unknown = set(raw) - KEYS
    if unknown:
        raise CampaignError(f"{where}.{sorted(unknown)[0]}: unknown field; valid: {', '.join(sorted(KEYS))}")
    for key in ("id", "advertiser", "products", "bid", "daily_budget"):
        if key not in raw:
            raise CampaignError(f"{where}.{key}: required")
    cid = raw["id"]
    if not isinstance(cid, str) or not ID_RE.fullmatch(cid):
        raise CampaignError(f"{where}.id: {cid!r} must be 1-64 letters, digits, '_', '.', '-'")
    products = _strings(raw["products"], f"{where}.products")
    if not products:
        raise CampaignError(f"{where}.products: at least one product")
    if catalog is not None:
        for i, p in enumerate(products):
            if p not in catalog:
                raise CampaignError(f"{where}.products[{i}]: {p!r} is not in the catalog")
    keywords = tuple(dict.fromkeys(k.lower() for k in _strings(raw.get("keywords"), f"{where}.keywords")))
    categories = _strings(raw.get("categories"), f"{where}.categories")
    if not keywords and not categories:
        raise CampaignError(f"{where}.keywords: a campaign needs keywords or categories to target")
    bid = _money(raw["bid"], f"{where}.bid")
    budget = _money(raw["daily_budget"], f"{where}.daily_budget")
    if budget < bid:
        raise CampaignError(
            f"{where}.daily_budget: {budget} is below the bid {bid}; not one click could be paid"
        )
    status = raw.get("status", "active")
    if status not in STATUSES:
        raise CampaignError(f"{where}.status: {status!r} is not one of {', '.join(STATUSES)}")
    brand = _str(raw["brand"], f"{where}.brand") if raw.get("brand") is not None else ""
    return Campaign(
        id=cid,
        advertiser=_str(raw["advertiser"], f"{where}.advertiser"),
        products=products,
        bid=bid,
        daily_budget=budget,
        keywords=keywords,
        categories=categories,
        brand=brand,
        schedule=_schedule(raw.get("schedule"), f"{where}.schedule"),
        status=status,
    )


def parse_campaigns(raw: Any, catalog: Mapping[str, Any] | None = None) -> tuple[Campaign, ...]:
    """A list of campaigns (``campaigns[i]`` in errors); ids must be unique."""
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise CampaignError(f"campaigns: expected a list, got {type(raw).__name__}")
    out = tuple(parse_campaign(c, f"campaigns[{i}]", catalog) for i, c in enumerate(raw))
    seen: set[str] = set()
    for i, c in enumerate(out):
        if c.id in seen:
            raise CampaignError(f"campaigns[{i}].id: {c.id!r} is used twice")
        seen.add(c.id)
    return out
