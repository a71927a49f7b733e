"""The recommendation component of a release: the service (generators, ranker, neighbour
lists, rules) refitted or carried over from the previous release (``recs_reuse``: settings,
``[recs] retrain_hours``, ``retrain_events_share``), optional continual learning, and its
vector part (content neighbours from the bundled encoder).

Split out of ``release/components.py`` (which lists the components and re-exports these names).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, _link_or_copy
from shopmind.release.component_base import config_from, previous_manifest, split_settings


def _recs_config(ctx: BuildContext) -> tuple[Any, dict[str, float]]:
    from shopmind.recommend.service import RecsConfig

    values, policy = split_settings(ctx, "recs")
    if isinstance(values.get("rules"), Mapping):
        from shopmind.recommend.rules import RulesConfig

        values["rules"] = config_from(RulesConfig, "recs.rules", values["rules"])
    return config_from(RecsConfig, "recs", values), policy


def recs_reuse(ctx: BuildContext) -> tuple[Path | None, str]:
    """The previous release's recommendation folder if its models may be carried over (and
    why / why not): same settings, fitted less than ``retrain_hours`` ago, event count moved
    by at most ``retrain_events_share``. Product edits alone never force a refit."""
    cached = ctx.memo.get("recs_reuse")
    if cached is not None:
        return cached
    _cfg, policy = _recs_config(ctx)
    result: tuple[Path | None, str]
    prev = previous_manifest(ctx)
    facts = (prev or {}).get("components", {}).get("recs")
    if ctx.previous is None or prev is None or facts is None or not (ctx.previous / "recs").exists():
        result = (None, "no previous recommendation models")
    elif ctx.forgetting:
        result = (None, "a customer was forgotten (shopmind forget): refitted without their events")
    elif (prev.get("settings") or {}).get("recs", {}) != dict(ctx.settings.get("recs", {})):
        result = (None, "[recs] settings changed")
    elif prev.get("parts", {}).get("recs_content") == "pending":
        result = (None, "the previous release's content neighbours were never completed")
    else:
        fitted = datetime.fromisoformat(facts.get("fitted_at") or prev["created_at"])
        age_h = (datetime.now(UTC) - fitted).total_seconds() / 3600
        before, now = int(facts.get("events", 0)), ctx.events.height
        moved = abs(now - before) / max(before, 1)
        if age_h >= policy["retrain_hours"]:
            result = (
                None,
                f"scheduled refit: models are {age_h:.1f} h old (retrain_hours {policy['retrain_hours']:g})",
            )
        elif moved > policy["retrain_events_share"]:
            result = (None, f"events changed by {moved:.1%} (> {policy['retrain_events_share']:.0%})")
        else:
            result = (ctx.previous / "recs", f"models {age_h:.1f} h old, events changed by {moved:.1%}")
    ctx.memo["recs_reuse"] = result
    return result


def build_recs(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Recommendation service: candidate generators, ranker, neighbour lists, rules; content
    neighbours unless deferred to the vector stage (``recs_content``). Carried over from the
    previous release when ``recs_reuse`` allows."""
    from shopmind.recommend.service import RecommendationService

    cfg, _policy = _recs_config(ctx)
    reuse, why = recs_reuse(ctx)
    prev = previous_manifest(ctx)
    if reuse is not None and prev is not None:
        for item in folder.iterdir():  # an empty folder made by the build
            shutil.rmtree(item) if item.is_dir() else item.unlink()
        shutil.copytree(reuse, folder, dirs_exist_ok=True, copy_function=_link_or_copy)
        old = dict(prev["components"]["recs"])
        old.pop("seconds", None)
        old.pop("recs_content", None)
        return {**old, "decision": "reused", "reused_from": prev["id"], "why": why}
    deferred = "recs_content" in ctx.deferred
    fit_cfg = dataclasses.replace(cfg, encoder=None) if deferred else cfg
    trained, learned = None, None
    if _policy.get("learn"):  # continual learning (opt-in; shopmind.learn.release)
        from shopmind.learn.release import prepare as prepare_learned

        prev_recs = ctx.previous / "recs" if ctx.previous is not None else None
        trained, learned = prepare_learned(prev_recs, ctx.events, cfg, folder, ctx.forgetting)
    service = RecommendationService.fit(
        ctx.products, ctx.events, fit_cfg, cache_dir=ctx.cache_dir, trained=trained
    )
    service.config = cfg
    service.save(folder)
    return {
        **({"learn": learned} if learned else {}),
        **({"notes": service.notes} if service.notes else {}),
        "events": ctx.events.height,
        "fitted_at": datetime.now(UTC).isoformat(),
        "events_watermark": int(ctx.drained.get("events", 0)),
        "content": "deferred" if deferred else ("built" if cfg.encoder else "off"),
        "decision": "trained",
        "why": why,
        "timings": {k: round(v, 3) for k, v in service.timings.items()},
    }


def complete_recs(ctx: BuildContext, base: Path, folder: Path) -> Mapping[str, Any]:
    """The vector stage of recommendations: content neighbours from the bundled encoder,
    added to the models fitted in the first stage, written as a complete service."""
    from shopmind.recommend.content import ContentIndex, item_text, make_encoder
    from shopmind.recommend.service import RecommendationService

    cfg, _ = _recs_config(ctx)
    service = RecommendationService.load(base)
    c = service.catalog
    texts = [
        item_text(c.titles[i], c.category[i], c.brand[i]) if c.has_product[i] else "" for i in range(len(c))
    ]
    t0 = time.perf_counter()
    service.content = ContentIndex.build(
        texts, make_encoder(cfg.encoder), ctx.cache_dir, cfg.content_neighbours
    )
    service.config = cfg
    service.timings["content_s"] = time.perf_counter() - t0
    service.save(folder)
    if (base / "learn").exists():  # the continual-learning state goes with the models it describes
        shutil.copytree(base / "learn", folder / "learn", dirs_exist_ok=True, copy_function=_link_or_copy)
    return {
        "items": len(texts),
        "encoder": cfg.encoder,
        "seconds_content": round(time.perf_counter() - t0, 3),
    }


def recs_needs_content(ctx: BuildContext) -> bool:
    """Whether content neighbours must be computed (an encoder is set and the models are refitted)."""
    cfg, _ = _recs_config(ctx)
    if not cfg.encoder:
        return False
    reuse, _ = recs_reuse(ctx)
    return reuse is None


def recs_in_child(name: str, ctx: BuildContext) -> bool:
    """Fit recommendations (and their content neighbours) in a child process beside search,
    unless the models are carried over (a child costs ~1-2 s of imports for nothing then)."""
    return name == "recs" and recs_reuse(ctx)[0] is None
