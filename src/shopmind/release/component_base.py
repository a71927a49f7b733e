"""What every release component shares: its settings table checked against its config
dataclass (``config_from``; an unknown key is an error naming the key, not a silent no-op),
the build-policy keys taken out of a table first (``BUILD_KEYS``, ``split_settings``), and
the manifest of the release that was current when the build started.

Split out of ``release/components.py`` so that the search and recommendation components,
and the components living in other packages (profiles, forecast, pricing, tune, Spark),
import these without the builders; ``release.components`` re-exports them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from shopmind.release.build import BuildContext
from shopmind.release.releases import MANIFEST, ReleaseError

#: build policy per settings table (not engine settings) and its defaults
BUILD_KEYS: dict[str, dict[str, float]] = {
    # the query adapter is opt-in: on the samples measured it did not lift the served engine
    # (held-out NDCG 1.00x, BENCHMARKS "Shop-tuned query adapter") and it lengthens the vector stage
    # warm_after_complete = 1: the past-query warm-up (no answer needs it) is encoded after the
    # complete release, in a follow-up release (release/search_warmup.py); 0: before it
    "search": {"ltr_retrain_share": 0.05, "adapter": 0.0, "warm_after_complete": 1.0},
    # learn = 1: warm-started updates of ALS + co-visitation behind a forgetting check (shopmind.learn.release)
    "recs": {"retrain_hours": 24.0, "retrain_events_share": 0.10, "learn": 0.0},
}


def config_from(cls: type, table: str, values: Mapping[str, Any]) -> Any:
    """``cls(**values)`` with a clear error for unknown keys or bad values."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ReleaseError(
            f"[{table}] has unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ReleaseError(f"[{table}]: {exc}") from None


def split_settings(ctx: BuildContext, table: str) -> tuple[dict[str, Any], dict[str, float]]:
    """``[table]`` as (engine settings, build policy with defaults filled in)."""
    values = dict(ctx.settings.get(table, {}))
    policy = dict(BUILD_KEYS.get(table, {}))
    for key in list(policy):
        if key in values:
            raw = values.pop(key)
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise ReleaseError(f"[{table}] {key} must be a number >= 0, not {raw!r}")
            policy[key] = float(raw)
    return values, policy


def previous_manifest(ctx: BuildContext) -> dict[str, Any] | None:
    """The manifest of the release current when the build started (None: none, or unreadable)."""
    if ctx.previous is None:
        return None
    try:
        return json.loads((ctx.previous / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
