"""Time in the demo generator: integer microseconds since the epoch, and their Polars column.

Why a module of its own: the catalogue, the simulated shoppers and the products and events
tables all count time in these units (numpy int64 is exact and fast where datetimes are not);
one definition keeps them agreeing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

_US = 1_000_000
_SECOND = _US
_HOUR = 3600 * _US
_DAY = 86_400 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ts_series(values: list[int]) -> pl.Series:
    return pl.Series(values, dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
