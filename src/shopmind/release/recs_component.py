"""The recommendation component of a release: the service (generators, ranker, neighbour
lists, rules) refitted or carried over from the previous release (``recs_reuse``: settings,
``[recs] retrain_hours``, ``retrain_events_share``), optional continual learning, and its
vector part (content neighbours from the bundled encoder, or from the search's e5 product
vectors: ``content_from_search``).

Split out of ``release/components.py`` (which lists the components and re-exports these names).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import shutil
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

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
        **({"ranker_guard": service.ranker_guard} if service.ranker_guard else {}),
        "events": ctx.events.height,
        "fitted_at": datetime.now(UTC).isoformat(),
        "events_watermark": int(ctx.drained.get("events", 0)),
        "content": "deferred" if deferred else ("built" if cfg.encoder else "off"),
        "decision": "trained",
        "why": why,
        "timings": {k: round(v, 3) for k, v in service.timings.items()},
    }


def complete_recs(ctx: BuildContext, base: Path, folder: Path) -> Mapping[str, Any]:
    """The vector stage of recommendations: content neighbours added to the models fitted in
    the first stage, written as a complete service. From the search's e5 product vectors when
    ``content_from_search`` says so (computed beside the search's re-ranker, see
    ``start_content_from_search``), else from the bundled encoder over ``item_text``."""
    from shopmind.recommend.content import ContentIndex, item_text, make_encoder
    from shopmind.recommend.service import RecommendationService

    cfg, _ = _recs_config(ctx)
    t0 = time.perf_counter()
    shared = content_from_search(ctx)
    started = ctx.memo.pop("recs_content_from_search", None)
    if started is not None:  # computed in this process from the search's vectors
        service, content, source = started.result()
    else:
        service = RecommendationService.load(base)
        c = service.catalog
        if shared is not None:  # (the search's vector part ran elsewhere: its vectors, through the cache)
            content, source = _content_through_cache(ctx, service, shared, cfg.content_neighbours)
        else:
            texts = [item_text(c.titles[i], c.category[i], c.brand[i]) if c.has_product[i] else ""
                     for i in range(len(c))]  # fmt: skip
            encoder = make_encoder(cfg.encoder)
            content = ContentIndex.build(texts, encoder, ctx.cache_dir, cfg.content_neighbours)
            source = f"{cfg.encoder}: {encoder.name} over title | category | brand"
    service.content = content
    service.config = cfg
    service.timings["content_s"] = time.perf_counter() - t0
    service.save(folder)
    if (base / "learn").exists():  # the continual-learning state goes with the models it describes
        shutil.copytree(base / "learn", folder / "learn", dirs_exist_ok=True, copy_function=_link_or_copy)
    return {
        "items": len(service.catalog),
        "items_with_vectors": int(content.vectors.any(axis=1).sum()),
        "encoder": cfg.encoder,
        "vectors": source,
        "seconds_content": round(time.perf_counter() - t0, 3),
    }


def content_from_search(ctx: BuildContext) -> str | None:
    """The ``[search] encoder`` whose product vectors the content neighbours take: with
    ``[recs] encoder = "search"`` (the default) and a search that encodes with e5. Why: the
    catalog was encoded twice — USE for the neighbours beside e5 for search, ~37 CPU-s of a Home
    Depot build's ~300 — and the neighbours from e5's vectors recommend as well
    (bench/recs_content_source.py, issue 17). Another search encoder (or none): None (USE)."""
    from shopmind.recommend.content import SEARCH_SHARED
    from shopmind.release.search_component import search_encoder

    cfg, _ = _recs_config(ctx)
    if cfg.encoder != "search":
        return None
    name = search_encoder(ctx)
    return name if name in SEARCH_SHARED else None


def start_content_from_search(
    ctx: BuildContext,
    base: Path | None,
    product_ids: Sequence[str],
    vectors: np.ndarray,
    texts: Sequence[str],
) -> None:
    """Called by the search's vector part as soon as its product vectors are encoded: when the
    content neighbours take them and run in this process (the vector stage), start computing
    them in a thread — numpy releases the GIL, so the neighbour lists fill the core the
    search's one-thread re-ranker leaves idle — for ``complete_recs`` to collect."""
    if base is None or ctx.stage != "vectors" or "recs_content" not in ctx.deferred:
        return
    if content_from_search(ctx) is None or recs_in_child("recs", ctx):
        return
    cfg, _ = _recs_config(ctx)
    rows = np.where(np.array([bool(t) for t in texts], dtype=bool)[:, None], vectors, 0.0).astype(np.float32)
    pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="recs-content")
    ctx.memo["recs_content_from_search"] = pool.submit(
        _neighbours_from_rows, base.parent / "recs", list(product_ids), rows, content_from_search(ctx),
        cfg.content_neighbours,
    )  # fmt: skip
    pool.shutdown(wait=False)  # the task runs on; the thread ends with it


def _neighbours_from_rows(
    recs_base: Path, product_ids: list[str], rows: np.ndarray, search: str | None, n: int
) -> tuple[Any, Any, str]:
    from shopmind.recommend.content import ContentIndex
    from shopmind.recommend.service import RecommendationService

    service = RecommendationService.load(recs_base)
    c = service.catalog
    ids = [str(c.ids[i]) if c.has_product[i] else "" for i in range(len(c))]
    content = ContentIndex.from_rows(ids, product_ids, rows, f"search:{search}", n)
    return service, content, f"search: the search's {search} product vectors (title, else description)"


def _content_through_cache(ctx: BuildContext, service: Any, search: str, n: int) -> tuple[Any, str]:
    """The search's product vectors read through the vector cache (encoded there by the
    search's vector part; what it lacks is encoded here, the same texts and encoder)."""
    import polars as pl

    from shopmind.recommend.content import ContentIndex
    from shopmind.search.dense import ENCODERS, VectorCache, passage_text

    encoder = ENCODERS[search]()
    frame = ctx.products.unique("product_id", keep="first", maintain_order=True)
    desc = frame["description"] if "description" in frame.columns else pl.Series([None] * frame.height)
    texts = [passage_text(t, d) for t, d in zip(frame["title"], desc, strict=True)]
    rows = np.zeros((frame.height, encoder.dim), dtype=np.float32)
    has = np.array([bool(t) for t in texts], dtype=bool)
    if has.any():
        rows[has] = VectorCache(ctx.cache_dir).passages(encoder, [t for t in texts if t])
    c = service.catalog
    ids = [str(c.ids[i]) if c.has_product[i] else "" for i in range(len(c))]
    pids = frame["product_id"].cast(pl.Utf8).to_list()
    return ContentIndex.from_rows(ids, pids, rows, f"search:{search}", n), (
        f"search: the search's {search} product vectors (title, else description), through the vector cache"
    )


def recs_needs_content(ctx: BuildContext) -> bool:
    """Whether content neighbours must be computed (an encoder is set and the models are refitted)."""
    cfg, _ = _recs_config(ctx)
    if not cfg.encoder:
        return False
    reuse, _ = recs_reuse(ctx)
    return reuse is None


def recs_in_child(name: str, ctx: BuildContext) -> bool:
    """Fit recommendations (and their content neighbours) in a child process beside search,
    unless the models are carried over (a child costs ~1-2 s of imports for nothing then), or
    in the vector stage when the neighbours come from the search's vectors (they are computed
    in this process, where those vectors are: ``start_content_from_search``)."""
    if name != "recs" or recs_reuse(ctx)[0] is not None:
        return False
    return not (ctx.stage == "vectors" and content_from_search(ctx) is not None)
