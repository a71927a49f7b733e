"""The SQL text of each check is the specification; native Polars fast paths must agree with it."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.config import GateConfig
from shopmind.data.model import EVENTS, ROW
from shopmind.demo.generator import generate
from shopmind.quality import checks
from shopmind.quality.coerce import coerce

CTX = checks.Context(
    now_epoch=datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
    has_catalog=True,
    rating_scale=(1, 5),
    relevance_scale=(0, 3),
)


def _context(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(True).alias("_known"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("_p_created"),
        pl.lit(None, pl.Float64).alias("_p_price"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("_first_buy"),
    )


def _both(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    rules = checks.rules_for("events", GateConfig(), CTX)
    assert any(d.native for d in rules.derived)
    native = checks.add_derived(frame, rules.derived, native=True)
    spec = checks.add_derived(frame, rules.derived, native=False)
    names = [d.name for d in rules.derived if d.native]
    return native.select(ROW, *names), spec.select(ROW, *names)


def test_native_paths_equal_sql_on_the_demo_shop():
    events = generate(seed=3, n_products=200, n_users=100, days=5).batch.events
    frame = _context(coerce(events, EVENTS).frame)
    native, spec = _both(frame)
    assert native.equals(spec)


_ids = st.sampled_from(["a", "b", "c", None])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            _ids, _ids, _ids, st.sampled_from(["view", "click", "purchase"]), st.integers(0, 6) | st.none()
        ),
        max_size=30,
    )
)
def test_native_paths_equal_sql_on_random_events(rows):
    frame = pl.DataFrame(
        {
            ROW: list(range(len(rows))),
            "event_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "item_id": [r[2] for r in rows],
            "session_id": [r[1] for r in rows],
            "type": [r[3] for r in rows],
            "timestamp": [None if r[4] is None else f"2026-01-01T00:00:0{r[4]}Z" for r in rows],
        },
        schema={
            ROW: pl.Int64,
            **dict.fromkeys(["event_id", "user_id", "item_id", "session_id", "type", "timestamp"], pl.Utf8),
        },
    )
    native, spec = _both(_context(coerce(frame, EVENTS).frame))
    assert native.equals(spec)
