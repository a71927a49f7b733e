"""Profiles as a ranker feature (issue 15 item 5): ``ours-ranker``'s ``ui_profile_category_interest`` is
the category interest a user's profile shows (``GET /v1/users/{id}/profile``: event-type weights decayed
with the profiles' half-life, as shares) — computed by the ranker from its own ``Interactions`` and
cross-checked here against ``shopmind.profiles`` on the same events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.profiles import ProfileIndex
from shopmind.recommend.base import Interactions
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.ranker import (
    ITEM_FEATURES,
    PAIR_FEATURES,
    PROFILE_HALF_LIFE_DAYS,
    USER_FEATURES,
    build_features,
    context,
)

CATS = ["Home > Lamps", "Home > Rugs", "Garden > Tools", "Toys"]
PRODUCTS = pl.DataFrame(
    {
        "product_id": [f"P{i}" for i in range(12)],
        "title": [f"thing {i}" for i in range(12)],
        "category_path": [CATS[i % 4] for i in range(12)],
        "brand": ["acme", "zen"] * 6,
        "price": [float(5 + i) for i in range(12)],
        "currency": ["USD"] * 12,
    }
)
T0 = datetime(2026, 9, 1, tzinfo=UTC)
event = st.tuples(
    st.sampled_from(["u1", "u2", "u3"]),
    st.integers(0, 11),
    st.sampled_from(["view", "click", "add_to_cart", "purchase"]),
    st.integers(0, 120 * 24),  # hours after T0: several half-lives
)


def _events(rows: list[tuple[str, int, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_id": [f"e{k}" for k in range(len(rows))],
            "user_id": [r[0] for r in rows],
            "item_id": [f"P{r[1]}" for r in rows],
            "type": [r[2] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[3]) for r in rows],
            "session_id": [f"{r[0]}-{r[3] // 24}" for r in rows],
        }
    )


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(event, min_size=1, max_size=40))
def test_the_ranker_feature_is_the_profiles_category_interest(rows):
    events = _events(rows)
    cats = PRODUCTS.select(pl.col("product_id").alias("item_id"), pl.col("category_path").alias("category"))
    data = Interactions.from_events(events, items=PRODUCTS["product_id"].to_list(), item_categories=cats)
    ctx = context(data)
    assert ctx.user_interest is not None
    profiles = ProfileIndex.build(events, PRODUCTS)
    assert profiles.cfg.half_life_days == PROFILE_HALF_LIFE_DAYS  # one definition of "interest"
    code = {c: k for k, c in enumerate(data.categories)}
    for row, uid in enumerate(data.user_ids):
        prof = profiles.get(str(uid))
        shares = {c["name"]: c["share"] for c in prof["interests"]["categories"]} if prof else {}
        got = {c: float(ctx.user_interest[row, k]) for c, k in code.items()}
        for c in CATS:
            assert got.get(c, 0.0) == pytest.approx(shares.get(c, 0.0), abs=1e-4), (uid, c, got, shares)


def test_build_features_reads_the_interest_at_each_candidates_category():
    rows = [("u1", 0, "purchase", 0), ("u1", 4, "view", 10), ("u1", 1, "view", 2000), ("u2", 2, "view", 5)]
    events = _events(rows)
    cats = PRODUCTS.select(pl.col("product_id").alias("item_id"), pl.col("category_path").alias("category"))
    data = Interactions.from_events(events, items=PRODUCTS["product_id"].to_list(), item_categories=cats)
    ctx = context(data)
    gens = {"pop": Popularity().fit(data)}
    u1 = int(np.flatnonzero(data.user_ids == "u1")[0])
    pos, items, X = build_features(data, ctx, gens, np.array([u1, -1]), depth=12, history_depth=10)
    first_pair = 2 * len(gens) + len(ITEM_FEATURES) + len(USER_FEATURES)
    col = X[:, first_pair + PAIR_FEATURES.index("ui_profile_category_interest")]
    for p, i, v in zip(pos, items, col, strict=True):
        cat = data.item_category[i]
        expected = ctx.user_interest[u1, cat] if p == 0 else 0.0  # a cold user has no profile
        assert v == pytest.approx(expected)
    # u1's recent "Home > Rugs" view outweighs an old purchase in "Home > Lamps" (decayed)
    lamps, rugs = (int(np.flatnonzero(data.categories == c)[0]) for c in ("Home > Lamps", "Home > Rugs"))
    assert ctx.user_interest[u1, rugs] > ctx.user_interest[u1, lamps] > 0
