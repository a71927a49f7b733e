"""The search component of a release: the engine (lexical index, understanding, autocomplete,
facets) built in full or incrementally from the previous release by product diff, and its
vector part (product and past-query vectors through the content-hash cache, the optional
query adapter, the re-ranker for lexical + dense).

Split out of ``release/components.py`` (which lists the components and re-exports these
names); the re-ranker's reuse-or-train decision is in ``release/search_ltr.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.release.build import BuildContext
from shopmind.release.component_base import config_from, previous_manifest, split_settings
from shopmind.release.search_ltr import attach_ltr, write_ltr_state
from shopmind.release.search_warmup import warm_after_complete, warm_up_pending

ENCODE_CHUNK = 512  # texts per progress step (and per cache lookup)


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
        facts["ltr"] = attach_ltr(ctx, engine, cfg, policy, folder, prev)
        engine.save(folder)
        write_ltr_state(folder, ctx.memo.pop("ltr_state", {}))
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
    # (no vectors, graph or query vectors: dropped below; the vector stage extends the graph)
    engine = SearchEngine.load(prev / "search", cache_dir=ctx.cache_dir, reranker=_KeepNone(), vectors=False)
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
    if changed or removed:  # the saved graph knows the old catalog: a new category must be understood
        engine.refresh_understanding()
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
    with contextlib.ExitStack() as stack:
        bulk = _bulk_encoder(cfg, encoder, cache, texts, stack)
        vecs = encode_with_progress(ctx, cache, bulk, texts, "search: encoding product texts")
        # the recommendations' content neighbours from these vectors, beside what follows here
        from shopmind.release.recs_component import start_content_from_search

        start_content_from_search(ctx, base, [str(p) for p in frame["product_id"].to_list()], vecs, texts)
        # (a shop-tuned adapter rewrites the warmed vectors when attached: warmed before it, as always)
        warm_now = (
            "search_vectors" not in ctx.followed
            or not warm_after_complete(policy)
            or bool(policy.get("adapter", 0.0))
        )
        facts = _vector_facts(
            ctx, engine, cfg, encoder, cache, texts, vecs, prev_search_of(ctx), bulk, warm_now
        )
    engine.reranker = None
    facts["adapter"] = _adapter(ctx, engine, encoder, policy)
    facts["ltr"] = attach_ltr(ctx, engine, cfg, policy, folder, prev_search_of(ctx), carry_from=base)
    # what the vector stage did not change (lexical index, catalog, type-ahead, graph) is
    # hard-linked from the first release's engine, not written again
    engine.save(folder, link_from=base)
    facts["linked"] = list(engine.linked_parts)
    write_ltr_state(folder, ctx.memo.pop("ltr_state", {}))
    if warm_up_pending(facts):  # the warm-up release starts from this engine (same process)
        ctx.memo["search_warm_engine"] = engine
    return facts


def prev_search_of(ctx: BuildContext) -> Path | None:
    """The previous release's search folder (graph extension, re-ranker reuse), if any."""
    return ctx.previous / "search" if ctx.previous else None


def _bulk_encoder(cfg: Any, encoder: Any, cache: Any, texts: list[str], stack: contextlib.ExitStack) -> Any:
    """The encoder a build's bulk calls go through: a pool of one-thread worker processes
    (``search/dense_pool.py``) when there is enough to encode and the encoder allows it, threads
    of one OpenMP thread each in process for a smaller batch (``search/dense_threads.py``: a
    rebuild after a small change starts no pool but still uses both cores), else ``encoder``
    itself. A first build's past queries then go through the same encoder."""
    from shopmind.search.dense_pool import POOLABLE
    from shopmind.search.dense_threads import THREADABLE, bulk_encoder

    if cfg.encoder not in POOLABLE and cfg.encoder not in THREADABLE:  # (a catalog-fitted one: in process)
        return encoder
    # sized by the product texts to encode
    n_texts = cache.missing(encoder.name, encoder.dim, texts)
    return bulk_encoder(cfg.encoder, encoder, n_texts, cfg.encode_workers, stack)


def _vector_facts(
    ctx: BuildContext,
    engine: Any,
    cfg: Any,
    encoder: Any,
    cache: Any,
    texts: list[str],
    vecs: np.ndarray,
    prev_search: Path | None,
    bulk: Any,
    warm_now: bool = True,
) -> dict[str, Any]:
    """Attach the product vectors (extending the previous graph when possible), warm the past
    queries' vectors through ``bulk`` — or, unless ``warm_now``, leave that for after the
    complete release (``release/search_warmup.py``: no answer needs them) — and say what was done."""
    engine.config = dataclasses.replace(cfg)
    t_graph = time.perf_counter()
    ann = extended_graph(engine.config.ann_threshold, vecs, encoder.name, prev_search)
    engine.attach_vectors(vecs, encoder, ann=ann)
    graph_facts = {
        "graph": "none" if engine._ann is None else ("extended" if ann is not None else "built"),
        "graph_seconds": round(time.perf_counter() - t_graph, 3),
    }
    t0 = time.perf_counter()
    warm_up = "done"
    if warm_now:
        stage = "search: encoding past queries"
        ctx.progress.start(stage, None)
        warmed = engine.warm_queries(progress=lambda done, total: ctx.progress.advance(stage, done - _done(ctx, stage), total), encoder=bulk)  # fmt: skip
        ctx.progress.finish(stage)
    else:
        # the re-ranker's training queries through ``bulk`` (its training would encode them in
        # process, two OpenMP threads: slow on a busy machine), and what the vector cache holds
        # (a rebuild's: costs nothing); the rest waits for the follow-up after the complete release
        stage = "search: encoding the re-ranker's queries"
        needed = engine.match_texts(ltr_queries(ctx, cfg))
        ctx.progress.start(stage, len(needed))
        ltr_vectors = engine.warm_queries(progress=lambda done, total: ctx.progress.advance(stage, done - _done(ctx, stage), total), encoder=bulk, texts=needed)  # fmt: skip
        ctx.progress.finish(stage)
        todo = engine.warm_query_texts()
        qname = f"{encoder.name}/query"
        have = [t for t in todo if engine.cache.missing(qname, encoder.dim, [t]) == 0]
        warmed = engine.warm_queries(texts=have)
        warm_up = "pending" if len(have) < len(todo) else "done"
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
        "warm_up": warm_up,
        **({} if warm_now else {"ltr_query_vectors": ltr_vectors}),
        "encode_workers": getattr(bulk, "workers", 1),
        "encode_mode": getattr(bulk, "mode", "in process"),
        **graph_facts,
    }
    return facts


def ltr_queries(ctx: BuildContext, cfg: Any) -> list[str]:
    """The queries the learned re-ranker will train on (``ltr.fit.fit_engine_reranker``): the
    judged ones when there are at least ``ltr_min_queries``, else the searched queries with a
    click (a superset is harmless: only their vectors are encoded ahead); none when it is off."""
    import polars as pl

    if cfg.ltr == "off":
        return []
    j = ctx.judgments
    if "query" in j.columns:
        judged = j["query"].drop_nulls().cast(pl.Utf8).unique(maintain_order=True).to_list()
        if len(judged) >= cfg.ltr_min_queries:
            return judged
    from shopmind.search.ltr.clicks import CLICK_COLUMNS, click_labels

    if ctx.events.is_empty() or not set(ctx.events.columns) >= CLICK_COLUMNS:
        return []
    labels = click_labels(ctx.events)
    return labels.filter(pl.col("label") > 0)["query"].cast(pl.Utf8).unique(maintain_order=True).to_list()


def extended_graph(threshold: int | None, vecs: np.ndarray, encoder_name: str, previous: Path | None) -> Any:
    """The previous release's HNSW graph with this build's extra rows inserted, when its
    vectors are exactly the first rows of ``vecs`` (same encoder, same texts: a rebuild's
    engine is the previous one plus the changed products' new rows); else None (build it).

    Why: rebuilding the graph re-inserts every row — on Home Depot ~55k vectors for a 1 %
    change. Inserting the new rows into the old graph is what HNSW construction does anyway.
    Kept only while the old rows are at least ``1 - INCREMENTAL_MAX_SHARE`` of the new ones,
    so a graph is rebuilt from scratch after enough change."""
    from shopmind.search.dense import ANNConfig, DenseIndex

    if previous is None or threshold is None or len(vecs) < max(threshold, 1):
        return None
    graph = previous / "hnsw.usearch"
    try:
        meta = json.loads((previous / "engine.json").read_text(encoding="utf-8"))
        old = np.load(previous / "vectors.npy", mmap_mode="r") if graph.exists() else None
    except (OSError, ValueError):
        return None
    if old is None or meta.get("encoder") != encoder_name or old.ndim != 2 or old.shape[1] != vecs.shape[1]:
        return None
    k = len(old)
    if not (max(threshold, 1) <= k <= len(vecs)) or k < (1 - INCREMENTAL_MAX_SHARE) * len(vecs):
        return None
    if not np.array_equal(old, vecs[:k]):
        return None
    index = DenseIndex([str(i) for i in range(k)], np.asarray(old), ANNConfig(threshold=threshold), graph)
    # (a saved graph that does not restore is built over the old rows: still correct)
    index.extend([str(i) for i in range(k, len(vecs))], vecs[k:])
    return index


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
    cache.prepare(encoder, texts)  # a catalog-fitted encoder (static-fit) fits before its name keys vectors
    if hasattr(encoder, "prefetch"):  # a pool or threads: every text to encode queued now, so the
        # workers never wait at a barrier per chunk or for this loop's cache work (dense_pool)
        encoder.prefetch("passages", cache.missing_texts(encoder.name, encoder.dim, texts))
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


def search_encoder(ctx: BuildContext) -> str | None:
    """The build's ``[search] encoder`` (None: lexical only)."""
    cfg, _ = _search_config(ctx)
    return cfg.encoder


def search_needs_vectors(ctx: BuildContext) -> bool:
    """Whether the search settings name an encoder (then product vectors are a vector part)."""
    cfg, _ = _search_config(ctx)
    return cfg.encoder is not None
