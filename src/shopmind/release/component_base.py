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
import math
import types
import typing
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


def type_problem(value: Any, hint: Any) -> str | None:
    """What a settings value of the wrong kind is, said for the annotation ``hint`` (``int``,
    ``float``, ``bool``, ``str``, ``dict``/``list`` forms and their ``| None``), or None when it
    fits or the annotation is not one of those (a nested config, ``Any``).

    Why: the config dataclasses take any value, so ``depth = "x"`` or ``explore_share = "a"`` in a
    shop TOML reached the recommender's fit in the build's child process as a traceback, after a
    first release had been published."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None and len(args) < len(typing.get_args(hint)):
            return None
        problems = [type_problem(value, a) for a in args]
        return None if any(p is None for p in problems) else " or ".join(p for p in problems if p)
    kind = origin or hint
    if kind is bool:
        return None if isinstance(value, bool) else "true or false"
    if kind is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "a finite number"
    if kind is str:
        return None if isinstance(value, str) else "text"
    if kind is dict:
        return None if isinstance(value, dict) else "a table"
    if kind in (list, tuple):
        return None if isinstance(value, list | tuple) else "a list"
    return None


def check_types(hints: Mapping[str, Any], where: str, values: Mapping[str, Any]) -> None:
    """Refuse the first value in ``values`` whose kind does not fit its annotation in ``hints``."""
    for key, value in values.items():
        if key in hints and (want := type_problem(value, hints[key])):
            raise ReleaseError(f"[{where}] {key} must be {want}, not {value!r}")


def config_from(cls: type, table: str, values: Mapping[str, Any]) -> Any:
    """``cls(**values)`` with a clear error for unknown keys, values of the wrong kind (by the
    field's annotation) or bad values (the class's own checks)."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        from shopmind.config import did_you_mean

        hint = did_you_mean(unknown[0], known) if len(unknown) == 1 else ""
        raise ReleaseError(
            f"[{table}] has unknown setting(s) {', '.join(unknown)}{hint}; known: {', '.join(sorted(known))}"
        )
    check_types(typing.get_type_hints(cls), table, values)
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
