"""The components a release is made of, in build order.

Each is ``(name, builder)`` where ``builder(ctx, folder)`` writes artefacts into ``folder``
and returns facts for the manifest. Heavy imports happen inside the builders so that
``shopmind --help`` stays fast. Settings come from the shop TOML's ``[search]`` and
``[recs]`` tables and are checked against the component's config dataclass (an unknown key
is an error naming the key, not a silent no-op).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, Component
from shopmind.release.releases import ReleaseError


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


def build_catalog(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Snapshot of the accepted products: what product pages and the storefront read (prices
    rounded to their currency's minor unit: 0.82, never 0.8200000000000001)."""
    from shopmind.search.money import round_money_expr

    products = ctx.products
    if {"price", "currency"} <= set(products.columns):
        products = products.with_columns(round_money_expr())
    products.write_parquet(folder / "products.parquet")
    return {"products": ctx.products.height}


def build_search(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Search engine: lexical + dense index, query understanding, autocomplete, facets, and
    a learned re-ranker trained here on the store's judgments (or click logs) and saved with
    the index, attached only when it does not lose NDCG@10 on held-out queries
    (``ltr.fit_engine_reranker``; ``[search] ltr = "off"`` skips it)."""
    from shopmind.search.engine import SearchConfig, SearchEngine

    cfg = config_from(SearchConfig, "search", ctx.settings.get("search", {}))
    engine = SearchEngine.build(ctx.products, ctx.events, cfg, cache_dir=ctx.cache_dir)
    if cfg.ltr == "off":
        ltr: dict[str, Any] = {"ltr": "off", "reason": '[search] ltr = "off"'}
    else:
        from shopmind.search.ltr import fit_engine_reranker

        ctx.log("training the search re-ranker")
        reranker, ltr = fit_engine_reranker(engine, ctx.judgments, ctx.events, cfg.ltr_min_queries)
        engine.reranker = reranker if ltr.get("ltr") == "attached" else None
    engine.save(folder)
    return {"documents": ctx.products.height, "encoder": cfg.encoder, "ltr": ltr}


def build_recs(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Recommendation service: candidate generators, ranker, neighbour lists, rules."""
    from shopmind.recommend.service import RecommendationService, RecsConfig

    values = dict(ctx.settings.get("recs", {}))
    if isinstance(values.get("rules"), Mapping):
        from shopmind.recommend.rules import RulesConfig

        values["rules"] = config_from(RulesConfig, "recs.rules", values["rules"])
    cfg = config_from(RecsConfig, "recs", values)
    service = RecommendationService.fit(ctx.products, ctx.events, cfg, cache_dir=ctx.cache_dir)
    service.save(folder)
    return {"events": ctx.events.height, "timings": {k: round(v, 3) for k, v in service.timings.items()}}


def default_components() -> list[Component]:
    return [("catalog", build_catalog), ("search", build_search), ("recs", build_recs)]
