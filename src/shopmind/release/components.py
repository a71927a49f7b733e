"""The components a release is made of, in build order, and their text-vector parts.

Each is ``(name, builder)`` where ``builder(ctx, folder)`` writes artefacts into ``folder``
and returns facts for the manifest. Heavy imports happen inside the builders so that
``shopmind --help`` stays fast. Settings come from the shop TOML's ``[search]`` and
``[recs]`` tables and are checked against the component's config dataclass (an unknown key
is an error naming the key, not a silent no-op); a few keys are build policy, not engine
settings (``BUILD_KEYS``), and are taken out first.

What is reused from the release that was current when the build started (17.3):

- product and query vectors: the content-hash ``VectorCache`` in ``<workspace>/cache``, so only
  new or changed texts are encoded (counts in the manifest: ``encoded`` / ``cached``);
- the learned search re-ranker: retrained only when more than ``[search] ltr_retrain_share``
  of the labelled queries (judgments, click labels) changed since the model was trained for
  the same retrieval parts (``ltr.parts_key``); the manifest records the inputs' fingerprint,
  the changed share and the decision;
- recommendation models: refitted on a schedule (``[recs] retrain_hours``) or when the event
  count moved by more than ``[recs] retrain_events_share``, never because a product was edited;
  otherwise the previous release's models are carried over (hard links) and events that came
  through the live log since are replayed into them by the server.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.release.build import BuildContext, Component, VectorPart, _link_or_copy
from shopmind.release.releases import MANIFEST, ReleaseError

#: build policy per settings table (not engine settings) and its defaults
BUILD_KEYS: dict[str, dict[str, float]] = {
    # the query adapter is opt-in: on the samples measured it did not lift the served engine
    # (held-out NDCG 1.00x, BENCHMARKS "Shop-tuned query adapter") and it lengthens the vector stage
    "search": {"ltr_retrain_share": 0.05, "adapter": 0.0},
    # learn = 1: warm-started updates of ALS + co-visitation behind a forgetting check (shopmind.learn.release)
    "recs": {"retrain_hours": 24.0, "retrain_events_share": 0.10, "learn": 0.0},
}
LTR_STATE = "ltr_state.json"  # per retrieval parts: labels digest, decision facts, model folder
LTR_MODELS = "ltr_models"
ENCODE_CHUNK = 512  # texts per progress step (and per cache lookup)


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
    if ctx.previous is None:
        return None
    try:
        return json.loads((ctx.previous / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------------- catalog
def build_catalog(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Snapshot of the accepted products: what product pages and the storefront read (prices
    rounded to their currency's minor unit: 0.82, never 0.8200000000000001)."""
    from shopmind.search.money import round_money_expr

    products = ctx.products
    if {"price", "currency"} <= set(products.columns):
        products = products.with_columns(round_money_expr())
    products.write_parquet(folder / "products.parquet")
    return {"products": ctx.products.height}


# ---------------------------------------------------------------------- search
def _search_config(ctx: BuildContext) -> tuple[Any, dict[str, float]]:
    from shopmind.search.engine import SearchConfig

    values, policy = split_settings(ctx, "search")
    return config_from(SearchConfig, "search", values), policy


def build_search(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Search engine: lexical index, query understanding, autocomplete, facets, and — unless
    deferred to the vector stage (``search_vectors``) — product vectors and past-query
    vectors. A learned re-ranker for the parts present is trained (or reused, see the
    module docstring) on the store's judgments or click logs and attached only when it does
    not lose NDCG@10 on held-out queries (``[search] ltr = "off"`` skips it)."""
    from shopmind.search.engine import SearchEngine

    cfg, policy = _search_config(ctx)
    deferred = "search_vectors" in ctx.deferred
    stage = "search: lexical index, understanding, facets"
    ctx.progress.start(stage, ctx.products.height)
    facts: dict[str, Any] = {"documents": ctx.products.height}
    reused = _incremental_engine(ctx, cfg)
    if reused is not None:
        engine, facts["lexical"] = reused
    else:
        engine = SearchEngine.build(
            ctx.products, ctx.events, dataclasses.replace(cfg, encoder=None), cache_dir=ctx.cache_dir
        )
        facts["lexical"] = {"build": "full"}
    ctx.progress.advance(stage, ctx.products.height)
    ctx.progress.finish(stage)
    if deferred:
        # the first release answers with BM25F alone (the settings for the parts present); a
        # re-ranker is trained for lexical + dense in the vector stage: training one here would
        # only delay the first answered search
        facts.update(encoder=None, parts="lexical")
        facts["ltr"] = {"ltr": "deferred", "reason": "trained with the text vectors (search_vectors)"}
        engine.reranker = None
        engine.save(folder)
        ctx.memo["search_engine"] = engine
        return facts
    if cfg.encoder is None:
        facts.update(encoder=None, parts="lexical")
        prev = ctx.previous / "search" if ctx.previous else None
        facts["ltr"] = _ltr(ctx, engine, cfg, policy, folder, prev)
        engine.save(folder)
        _write_ltr_state(folder, ctx.memo.pop("ltr_state", {}))
        return facts
    facts.update(_add_vectors(ctx, engine, cfg, policy, folder, None))
    return facts


#: above this share of products added, changed or removed, a rebuild indexes from scratch
INCREMENTAL_MAX_SHARE = 0.2


class _KeepNone:
    """A placeholder re-ranker: loading an engine with it skips reading its saved model."""

    def rerank(self, *_a: Any, **_k: Any) -> list[float]:  # pragma: no cover - never called
        raise AssertionError("placeholder")


def product_diff(old: Any, new: Any) -> tuple[list[str], list[str]]:
    """Ids of products in ``new`` that are new or differ from ``old`` in any column, and ids
    only ``old`` has. Rows are compared by a hash over the columns both frames have."""
    import polars as pl

    cols = sorted(set(old.columns) & set(new.columns) - {"_row"})
    if "product_id" not in cols:
        return new["product_id"].cast(pl.Utf8).to_list(), []

    def keyed(frame: Any) -> Any:
        f = frame.select(cols).with_columns(pl.col("product_id").cast(pl.Utf8))
        return f.select("product_id", f.hash_rows(seed=7).alias("h"))

    a, b = keyed(old), keyed(new)
    joined = b.join(a, on="product_id", how="left", suffix="_old")
    changed = joined.filter(pl.col("h_old").is_null() | (pl.col("h") != pl.col("h_old")))[
        "product_id"
    ].to_list()
    removed = a.join(b, on="product_id", how="anti")["product_id"].to_list()
    return changed, removed


def _incremental_engine(ctx: BuildContext, cfg: Any) -> tuple[Any, dict[str, Any]] | None:
    """The previous release's search engine with only what changed re-indexed (upserts and
    deletes keep BM25 statistics equal to a fresh build), or None when a full build is due:
    no previous engine, other settings, a schema change, or more than
    ``INCREMENTAL_MAX_SHARE`` of the catalog changed."""
    import polars as pl

    from shopmind.search.autocomplete import Autocomplete
    from shopmind.search.engine import SearchEngine

    prev = ctx.previous
    if prev is None or ctx.forgetting or not (prev / "search" / "engine.json").exists():
        return None  # (a forgotten customer's searches may be in the old engine's past queries)
    try:
        saved = json.loads((prev / "search" / "engine.json").read_text(encoding="utf-8"))["config"]
        old = pl.read_parquet(prev / "catalog" / "products.parquet")
    except (OSError, KeyError, json.JSONDecodeError, pl.exceptions.PolarsError):
        return None
    want = json.loads(json.dumps(dataclasses.asdict(dataclasses.replace(cfg, encoder=None))))
    if {**saved, "encoder": None} != want:
        return None
    changed, removed = product_diff(old, ctx.products)
    if len(changed) + len(removed) > INCREMENTAL_MAX_SHARE * max(ctx.products.height, 1):
        return None
    engine = SearchEngine.load(prev / "search", cache_dir=ctx.cache_dir, reranker=_KeepNone())
    engine.config = dataclasses.replace(cfg, encoder=None)
    engine.reranker = None
    engine._encoder = None
    engine.vectors = None
    engine._ann = None
    engine._qvecs.clear()
    if removed:
        engine.delete(removed)
    if changed:
        engine.upsert(ctx.products.filter(pl.col("product_id").cast(pl.Utf8).is_in(changed)))
    engine.catalog.set_popularity(ctx.events)
    prev_events = (previous_manifest(ctx) or {}).get("rows", {}).get("events")
    if prev_events != ctx.events.height:  # new past queries and popularity for type-ahead
        cat = engine.catalog
        live = cat.frame.filter(pl.Series(cat.live, dtype=pl.Boolean))
        pop = {pid: float(cat.popularity[r]) for pid, r in cat.pos.items()}
        engine.autocompleter = Autocomplete.build(live, pop, ctx.events)
    return engine, {
        "build": "incremental",
        "from": prev.name,
        "upserted": len(changed),
        "deleted": len(removed),
    }


def complete_search(ctx: BuildContext, base: Path, folder: Path) -> Mapping[str, Any]:
    """The vector stage of search: product vectors for every catalog row at once, past-query
    vectors, the re-ranker for lexical + dense, written as a complete engine into ``folder``."""
    from shopmind.search.engine import SearchEngine

    cfg, policy = _search_config(ctx)
    engine = ctx.memo.pop("search_engine", None)
    if engine is None:  # the vector stage runs in another process than the first stage
        engine = SearchEngine.load(base, cache_dir=ctx.cache_dir)
    return _add_vectors(ctx, engine, cfg, policy, folder, base)


def _add_vectors(
    ctx: BuildContext, engine: Any, cfg: Any, policy: Mapping[str, float], folder: Path, base: Path | None
) -> dict[str, Any]:
    from shopmind.search.dense import ENCODERS, VectorCache, passage_text

    encoder = ENCODERS[cfg.encoder]()
    frame = engine.catalog.frame
    texts = [passage_text(t, d) for t, d in frame.select("title", "description").iter_rows()]
    cache = VectorCache(ctx.cache_dir)
    vecs = encode_with_progress(ctx, cache, encoder, texts, "search: encoding product texts")
    engine.config = dataclasses.replace(cfg)
    engine.attach_vectors(vecs, encoder)
    stage = "search: encoding past queries"
    ctx.progress.start(stage, None)
    t0 = time.perf_counter()
    warmed = engine.warm_queries(progress=lambda done, total: ctx.progress.advance(stage, done - _done(ctx, stage), total))  # fmt: skip
    ctx.progress.finish(stage)
    facts: dict[str, Any] = {
        "documents": len(texts),
        "encoder": cfg.encoder,
        "encoder_name": encoder.name,
        "parts": "lexical+dense",
        "encoded": int(cache.stats["encoded"]),
        "cached": int(cache.stats["hits"]),
        "encode_seconds": round(float(cache.stats["encode_seconds"]), 3),
        "warm_queries": warmed,
        "warm_queries_seconds": round(time.perf_counter() - t0, 3),
    }
    engine.reranker = None
    facts["adapter"] = _adapter(ctx, engine, encoder, policy)
    prev = ctx.previous / "search" if ctx.previous else None
    facts["ltr"] = _ltr(ctx, engine, cfg, policy, folder, prev, carry_from=base)
    engine.save(folder)
    _write_ltr_state(folder, ctx.memo.pop("ltr_state", {}))
    return facts


def _adapter(ctx: BuildContext, engine: Any, encoder: Any, policy: Mapping[str, float]) -> dict[str, Any]:
    """The shop-tuned query adapter (``search.adapt.release``): trained from the store's
    search clicks, attached only when it wins on held-out queries; saved with the engine, so
    it is versioned and rolled back with the release. Opt-in: ``[search] adapter = 1``."""
    if not policy.get("adapter", 0.0):
        return {
            "adapter": "off",
            "reason": "[search] adapter = 0 (the default; 1 trains it from the shop's clicks)",
        }
    from shopmind.search.adapt.release import fit_release_adapter

    stage = "search: query adapter"
    ctx.progress.start(stage, None)
    prev = ctx.previous / "search" if ctx.previous is not None else None  # warm start + forgetting check
    facts = fit_release_adapter(engine, encoder, ctx.events, ctx.cache_dir, previous=prev)
    ctx.progress.finish(stage)
    return facts


def _done(ctx: BuildContext, stage: str) -> int:
    snap = ctx.progress.active.get(stage)
    return 0 if snap is None else snap.done


def encode_with_progress(
    ctx: BuildContext, cache: Any, encoder: Any, texts: list[str], stage: str
) -> np.ndarray:
    """Vectors of ``texts`` through the content-hash cache, in chunks so the build's progress
    shows items, rate and ETA; the cache is written once at the end (and every ~8k texts)."""
    ctx.progress.start(stage, len(texts))
    parts = []
    since_save = 0
    for start in range(0, len(texts), ENCODE_CHUNK):
        part = texts[start : start + ENCODE_CHUNK]
        before = cache.stats["encoded"]
        parts.append(
            cache.get_or_encode(encoder.name, encoder.dim, part, encoder.encode_passages, save=False)
        )
        since_save += cache.stats["encoded"] - before
        if since_save >= 8192:
            cache.flush()
            since_save = 0
        ctx.progress.advance(stage, len(part))
    cache.flush()
    ctx.progress.finish(stage)
    if not parts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack(parts).astype(np.float32)


def _ltr(
    ctx: BuildContext,
    engine: Any,
    cfg: Any,
    policy: Mapping[str, float],
    folder: Path,
    previous: Path | None,
    carry_from: Path | None = None,
) -> dict[str, Any]:
    """Attach the re-ranker for the engine's parts: reuse the previous release's when its
    labels changed by at most ``ltr_retrain_share``, else train. Leaves the state to save
    (this parts' entry plus the entries carried from ``carry_from``/``previous``) in
    ``ctx.memo["ltr_state"]``."""
    from shopmind.search.ltr.fit import (
        changed_share,
        digest_fingerprint,
        fit_engine_reranker,
        label_digest,
        parts_key,
    )

    state: dict[str, Any] = {}
    for src in (previous, carry_from):  # later sources win: the first release of this build
        for key, entry in _read_ltr_state(src).items():
            if entry.get("model") and src is not None:
                _copy_model(src / entry["model"], folder / entry["model"])
            state[key] = entry
    ctx.memo["ltr_state"] = state
    if cfg.ltr == "off":
        engine.reranker = None
        return {"ltr": "off", "reason": '[search] ltr = "off"'}
    key = parts_key(engine)
    digest = ctx.memo.get("ltr_digest")
    if digest is None:
        digest = ctx.memo["ltr_digest"] = label_digest(ctx.judgments, ctx.events)
    fp = digest_fingerprint(digest)
    prev = _read_ltr_state(previous).get(key) if previous is not None else None
    share = changed_share(prev["digest"] if prev else None, digest)
    limit = policy["ltr_retrain_share"]
    stage = f"search: learned re-ranker ({key.split(':')[0]})"
    ctx.progress.start(stage, None)
    reranker = None
    facts: dict[str, Any] | None = None
    if prev is not None and share <= limit:
        try:
            reranker = _load_reranker(engine, ctx, previous / prev["model"]) if prev.get("model") else None
            facts = {
                **prev["facts"],
                "decision": "reused",
                "why": f"{share:.1%} of labelled queries changed (<= {limit:.0%})",
            }
        except Exception as exc:  # noqa: BLE001 - a model that cannot be read is retrained
            facts = None
            ctx.log(f"previous re-ranker unusable ({exc}); training")
    if facts is None:
        reranker, facts = fit_engine_reranker(engine, ctx.judgments, ctx.events, cfg.ltr_min_queries)
        why = "no earlier model for these parts" if prev is None else f"{share:.1%} of labelled queries changed (> {limit:.0%})"  # fmt: skip
        facts = {**facts, "decision": "trained", "why": why}
    ctx.progress.finish(stage)
    facts.update(parts=key, fingerprint=fp, changed_share=round(share, 4), labelled_queries=len(digest))
    attached = facts.get("ltr") == "attached" and reranker is not None
    engine.reranker = reranker if attached else None
    entry: dict[str, Any] = {
        "digest": digest,
        "facts": {k: v for k, v in facts.items() if k not in ("decision", "why")},
    }
    if reranker is not None:
        entry["model"] = f"{LTR_MODELS}/{_safe(key)}"
        target = folder / entry["model"]
        if target.exists():
            shutil.rmtree(target)
        reranker.save(target)
    state[key] = entry
    return facts


def _load_reranker(engine: Any, ctx: BuildContext, model_dir: Path) -> Any:
    """A saved model over this engine's parts, popularity features from this build's events."""
    from shopmind.search.ltr import FeatureExtractor, LTRModel, LTRReranker

    info_path = model_dir / "reranker.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    return LTRReranker(
        FeatureExtractor.from_engine(engine, events=ctx.events), LTRModel.load(model_dir), info
    )


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


def _read_ltr_state(folder: Path | None) -> dict[str, Any]:
    if folder is None:
        return {}
    try:
        return json.loads((folder / LTR_STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_ltr_state(folder: Path, state: Mapping[str, Any]) -> None:
    (folder / LTR_STATE).write_text(json.dumps(state), encoding="utf-8")


def _copy_model(src: Path, dst: Path) -> None:
    if src.exists() and not dst.exists():
        shutil.copytree(src, dst, copy_function=_link_or_copy)


def search_needs_vectors(ctx: BuildContext) -> bool:
    cfg, _ = _search_config(ctx)
    return cfg.encoder is not None


# ---------------------------------------------------------------------- recommendations
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
    cfg, _ = _recs_config(ctx)
    if not cfg.encoder:
        return False
    reuse, _ = recs_reuse(ctx)
    return reuse is None


# ---------------------------------------------------------------------- the default build
def default_components() -> list[Component]:
    from shopmind.forecast.release import build_forecast
    from shopmind.pricing.release import build_pricing
    from shopmind.profiles.component import build_profiles

    return [("catalog", build_catalog), ("search", build_search), ("recs", build_recs),
            ("profiles", build_profiles), ("forecast", build_forecast),
            ("pricing", build_pricing)]  # fmt: skip


def default_vector_parts() -> list[VectorPart]:
    """Text vectors, computed after the first release is serving (progressive builds)."""
    return [
        VectorPart("search_vectors", "search", search_needs_vectors, complete_search),
        VectorPart("recs_content", "recs", recs_needs_content, complete_recs),
    ]


def recs_in_child(name: str, ctx: BuildContext) -> bool:
    """Fit recommendations (and their content neighbours) in a child process beside search,
    unless the models are carried over (a child costs ~1-2 s of imports for nothing then)."""
    return name == "recs" and recs_reuse(ctx)[0] is None


#: what runs in a child process beside the rest (both cores busy)
DEFAULT_PARALLEL = recs_in_child

#: components no first search needs: built with the text vectors, after the first release serves
DEFAULT_LATE = ("profiles", "forecast", "pricing")

__all__ = [
    "BUILD_KEYS",
    "DEFAULT_LATE",
    "DEFAULT_PARALLEL",
    "build_catalog",
    "build_recs",
    "build_search",
    "complete_recs",
    "complete_search",
    "config_from",
    "default_components",
    "default_vector_parts",
]
