"""Profile features for a ranker: how well an item fits what a user's profile says.

``profile_features(index, user_id, item_ids)`` gives one row per item with the user's interest
share in the item's category and brand, the distance between the item's price position in its
category and the user's usual one, whether the item's language is the user's, and the user's
recency and frequency — numbers a learning-to-rank model (``recommend/ranker.py``) can take
beside its generator scores, given a served ``ProfileIndex``.

The recommendation ranker (``recommend/ranker.py``, ``ours-ranker``) takes the profile's category
interest as ``ui_profile_category_interest``, computed from its own interactions at each training
cut with the profiles' half-life (the same shares ``GET /v1/users/{id}/profile`` shows:
``tests/test_profiles_ranker.py`` checks them equal). Wired because the recs evaluation showed it
does not lose NDCG (docs/BENCHMARKS.md, "Profiles as a ranker feature"); brand, price and
language are not, because the ranker's interactions carry no brand or price.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shopmind.profiles.live import ProfileIndex

FEATURE_NAMES: tuple[str, ...] = (
    "profile_category_share",
    "profile_brand_share",
    "profile_price_distance",
    "profile_language_match",
    "profile_recency_days",
    "profile_orders",
)


def profile_features(index: ProfileIndex, user_id: str, item_ids: Sequence[str]) -> np.ndarray:
    """``(len(item_ids), len(FEATURE_NAMES))`` float32; NaN where a value is unknown (an
    unknown user, an item the profiles never saw) so a tree model can tell "unknown" from 0."""
    out = np.full((len(item_ids), len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    prof = index.get(user_id)
    if prof is None:
        return out
    interests = prof["interests"]
    cats = {c["name"]: c["share"] for c in interests["categories"]}
    brands = {b["name"]: b["share"] for b in interests["brands"]}
    pos = interests["price_position"]
    lang = interests["language"]
    out[:, 4] = prof["recency_days"]
    out[:, 5] = prof["rfm"]["frequency"]
    for i, item in enumerate(item_ids):
        info = index._items.get(str(item))
        if info is None:
            continue
        category, brand, item_lang, item_pos = info
        out[i, 0] = cats.get(category, 0.0) if category else np.nan
        out[i, 1] = brands.get(brand, 0.0) if brand else np.nan
        if pos is not None and item_pos is not None:
            out[i, 2] = abs(float(item_pos) - float(pos))
        if lang and item_lang:
            out[i, 3] = 1.0 if item_lang == lang else 0.0
    return out
