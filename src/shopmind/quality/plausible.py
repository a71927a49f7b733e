"""The one plausibility window for timestamps: what a shop's events and products can carry.

A shop's data starts after the Unix epoch and cannot be in the future beyond the gate's
tolerance (``GateConfig.future_tolerance_seconds``, the ``EVT_TS_FUTURE`` rule). Year 1 or
year 9999 are typos or sentinels, never a real order — and converting them to UTC overflows
Python's ``datetime`` (``0001-01-01T00:00:00+05:00`` is before year 1 in UTC), which is how
they crashed the API. The API's request schemas and the gate read the bounds from here, so
the two never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: Earliest plausible timestamp (inclusive).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
#: Years outside this range are judged on the wall-clock value alone, before any conversion,
#: so an extreme offset can never overflow ``astimezone``.
_SAFE_YEARS = (EARLIEST.year + 1, 9000)


def timestamp_problem(value: datetime, now: datetime, future_tolerance_s: float) -> str | None:
    """Why ``value`` is outside [``EARLIEST``, ``now`` + tolerance], or None when it is inside.

    A naive ``value`` is read as UTC (the API's rule for a timestamp without an offset)."""
    latest = now + timedelta(seconds=future_tolerance_s)
    if value.year < _SAFE_YEARS[0]:
        if value.year < EARLIEST.year - 1 or to_utc(value) < EARLIEST:
            return (
                f"{value.isoformat()} is before {EARLIEST.date().isoformat()}, outside the plausible window"
            )
        return None
    if value.year > _SAFE_YEARS[1] or to_utc(value) > latest:
        return (
            f"{value.isoformat()} is in the future (later than now + "
            f"{future_tolerance_s:g} s, the gate's EVT_TS_FUTURE tolerance)"
        )
    return None


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive = UTC). Only call on values ``timestamp_problem`` accepted, or
    on years 1969..9000, where no offset can overflow."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
