"""The ``profiles`` release component: every user's profile from the store's accepted events.

Settings come from ``[profiles]`` in the shop TOML (``ProfileConfig``: half_life_days,
new_days, active_days, lapsed_days, top_k); an unknown key is an error naming it. Built in the
build process (a few Polars group-bys: 0.3 s for the demo shop), beside search and recs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def build_profiles(ctx: Any, folder: Path) -> Mapping[str, Any]:
    """Compute and save the profiles; facts for the manifest: users, segments, reference time."""
    from shopmind.profiles.live import ProfileIndex
    from shopmind.profiles.model import ProfileConfig
    from shopmind.release.components import config_from

    cfg = config_from(ProfileConfig, "profiles", dict(ctx.settings.get("profiles", {})))
    index = ProfileIndex.build(ctx.events, ctx.products, cfg)
    index.save(folder)
    return {"users": index.meta["users"], "segments": index.meta["segments"], "as_of": index.meta["as_of"]}
