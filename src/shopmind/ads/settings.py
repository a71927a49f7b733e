"""``[ads]``: whether a shop serves sponsored placements, and the auction's guardrails.

Ads are **off** unless a shop turns them on (``enabled = true``): a shop that never asked for
ads must never show one. The same keys are what an experiment variant may override
(``overrides = { ads = { enabled = true } }``), so ads on/off is an A/B test like any other.
Errors name the key (``ads.max_slots: ...``); an unknown key is an error, not ignored.

Format (shop TOML, or ``PUT /v1/ads/settings`` with the same keys as JSON)::

    [ads]
    enabled = true
    floor = 0.5            # an ad's product must score >= floor x the top organic score
    max_slots = 2          # sponsored slots in a search page
    positions = [0, 4]     # where they go (0-based)
    reserve = 0.05         # least price per click
    recs_slots = 1         # sponsored slots in a recommendation row: similar items, for you (0 = none)
    recs_positions = [1]
    click_window_minutes = 30   # a click counts for an impression this long after it
    sale_window_hours = 168     # a purchase counts for a click this long after it
    traffic = [24 hourly weights]  # the pacing curve (default: flat)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from shopmind.ads.auction import AuctionSettings
from shopmind.config import did_you_mean


class AdsSettingsError(ValueError):
    """A bad ``[ads]`` value; the message starts with ``ads.<key>``."""


@dataclass(frozen=True)
class AdsSettings:
    """The validated ``[ads]`` table (defaults: ads off)."""

    enabled: bool = False
    floor: float = 0.5
    max_slots: int = 2
    positions: tuple[int, ...] = (0, 4)
    reserve: float = 0.05
    recs_slots: int = 1
    recs_positions: tuple[int, ...] = (1,)
    click_window_minutes: int = 30
    sale_window_hours: int = 168
    traffic: tuple[float, ...] = (1.0,) * 24

    def auction(self, recs: bool = False) -> AuctionSettings:
        """The auction guardrails for a search page (or, ``recs``, a recommendation row)."""
        if recs:
            return AuctionSettings(self.floor, self.recs_slots, self.recs_positions, self.reserve)
        return AuctionSettings(self.floor, self.max_slots, self.positions, self.reserve)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


KEYS = tuple(f.name for f in fields(AdsSettings))


def _whole(v: Any) -> int | None:
    """An integer, also as JSON writes one with a fraction of zero (``512.0``: JSON Schema's
    ``integer``); None for anything else."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _positions(value: Any, where: str) -> tuple[int, ...]:
    """Distinct positions, in any order (kept sorted: slot i goes to the i-th smallest)."""
    ints = [_whole(p) for p in value] if isinstance(value, list | tuple) else []
    if (
        not isinstance(value, list | tuple)
        or len(value) > 20
        or not all(p is not None and 0 <= p <= 100 for p in ints)
        or len(set(ints)) != len(ints)
    ):
        raise AdsSettingsError(f"{where}: expected up to 20 distinct positions 0..100, got {value!r}")
    return tuple(sorted(int(p) for p in ints))  # type: ignore[arg-type]


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    v = _whole(value)
    if v is None or not lo <= v <= hi:
        raise AdsSettingsError(f"{where}: expected a whole number from {lo} to {hi}, got {value!r}")
    return v


def _float(value: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AdsSettingsError(f"{where}: expected a number from {lo:g} to {hi:g}, got {value!r}")
    if not lo <= value <= hi:
        raise AdsSettingsError(f"{where}: expected a number from {lo:g} to {hi:g}, got {value!r}")
    return float(value)


def _check(key: str, value: Any, where: str) -> Any:
    w = f"{where}.{key}"
    if key == "enabled":
        if not isinstance(value, bool):
            raise AdsSettingsError(f"{w}: expected true or false, got {value!r}")
        return value
    if key in ("floor",):
        return _float(value, w, 0, 1)
    if key == "reserve":
        return _float(value, w, 0, 1e6)
    if key in ("max_slots", "recs_slots"):
        return _int(value, w, 0, 10)
    if key in ("positions", "recs_positions"):
        return _positions(value, w)
    if key == "click_window_minutes":
        return _int(value, w, 1, 24 * 60)
    if key == "sale_window_hours":
        return _int(value, w, 1, 24 * 90)
    if key == "traffic":
        if not isinstance(value, list | tuple) or len(value) != 24:
            raise AdsSettingsError(f"{w}: expected 24 hourly traffic weights, got {value!r}")
        out = tuple(_float(v, f"{w}[{i}]", 0, 1e12) for i, v in enumerate(value))
        if sum(out) <= 0:
            raise AdsSettingsError(f"{w}: at least one hour needs traffic")
        return out
    raise AdsSettingsError(f"{w}: unknown setting; valid: {', '.join(KEYS)}")  # pragma: no cover


def check_value(key: str, value: Any, where: str = "ads") -> Any:
    """One key's value validated (also how an experiment variant's ``ads`` override is checked)."""
    if key not in KEYS:
        raise AdsSettingsError(
            f"{where}.{key}: unknown setting{did_you_mean(key, KEYS, where + '.')}; valid: {', '.join(KEYS)}"
        )
    return _check(key, value, where)


def parse_settings(raw: Any, base: AdsSettings | None = None, where: str = "ads") -> AdsSettings:
    """``raw`` (a table) over ``base`` (default: the defaults); every key checked, slots <= positions."""
    if not isinstance(raw, Mapping):
        raise AdsSettingsError(f"{where}: expected a table, got {type(raw).__name__}")
    values = {k: check_value(k, v, where) for k, v in raw.items()}
    out = replace(base or AdsSettings(), **values)
    for slots, pos in (("max_slots", "positions"), ("recs_slots", "recs_positions")):
        if getattr(out, slots) > len(getattr(out, pos)):
            key = pos if pos in raw and slots not in raw else slots  # name what this change set
            raise AdsSettingsError(
                f"{where}.{key}: {getattr(out, slots)} slots but only {len(getattr(out, pos))} {pos}"
            )
    return out
