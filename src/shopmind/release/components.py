"""The components a release is made of, in build order, and their text-vector parts.

This module is the registry (``default_components``, ``default_vector_parts``, what runs in a
child process, what is late) and the catalog component; the others live in their own modules:
``search_component.py`` (+ ``search_ltr.py``: the re-ranker), ``recs_component.py``, and
``component_base.py`` (settings and the previous manifest, shared by all); every name they
had here is re-exported.

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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, Component, FollowUp, VectorPart
from shopmind.release.component_base import BUILD_KEYS, config_from, previous_manifest, split_settings
from shopmind.release.recs_component import (
    build_recs,
    complete_recs,
    recs_in_child,
    recs_needs_content,
    recs_reuse,
)
from shopmind.release.search_component import (
    ENCODE_CHUNK,
    INCREMENTAL_MAX_SHARE,
    build_search,
    complete_search,
    encode_with_progress,
    product_diff,
    search_needs_vectors,
)
from shopmind.release.search_ltr import LTR_MODELS, LTR_STATE
from shopmind.release.search_warmup import warm_search, warm_up_pending


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


# ---------------------------------------------------------------------- the default build
def build_profiles(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """User profiles (``shopmind.profiles.component``), imported when the component runs."""
    from shopmind.profiles.component import build_profiles as build

    return build(ctx, folder)


def build_forecast(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Forecasts and the reorder list (``shopmind.forecast.release``), imported when it runs."""
    from shopmind.forecast.release import build_forecast as build

    return build(ctx, folder)


def build_pricing(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Price suggestions (``shopmind.pricing.release``), imported when the component runs."""
    from shopmind.pricing.release import build_pricing as build

    return build(ctx, folder)


def default_components() -> list[Component]:
    """Every component of a shop's release. The late ones (profiles, forecasts, prices) import
    their code when they run: listing them must not cost a build ~1.5 s of scipy and
    statsforecast imports before its first release (measured: `pricing` pulled in scipy.stats)."""
    return [("catalog", build_catalog), ("search", build_search), ("recs", build_recs),
            ("profiles", build_profiles), ("forecast", build_forecast),
            ("pricing", build_pricing)]  # fmt: skip


def default_vector_parts() -> list[VectorPart]:
    """Text vectors, computed after the first release is serving (progressive builds)."""
    return [
        VectorPart(
            "search_vectors",
            "search",
            search_needs_vectors,
            complete_search,
            # the past-query warm-up (no answer needs it), in a release after the complete one
            follow_up=FollowUp("search_queries", warm_up_pending, warm_search),
        ),
        VectorPart("recs_content", "recs", recs_needs_content, complete_recs),
    ]


#: what runs in a child process beside the rest (both cores busy)
DEFAULT_PARALLEL = recs_in_child

#: components no first search needs: built with the text vectors, after the first release serves
DEFAULT_LATE = ("profiles", "forecast", "pricing")

__all__ = [
    "BUILD_KEYS",
    "DEFAULT_LATE",
    "DEFAULT_PARALLEL",
    "ENCODE_CHUNK",
    "INCREMENTAL_MAX_SHARE",
    "LTR_MODELS",
    "LTR_STATE",
    "build_catalog",
    "build_recs",
    "build_search",
    "complete_recs",
    "complete_search",
    "config_from",
    "default_components",
    "default_vector_parts",
    "encode_with_progress",
    "previous_manifest",
    "product_diff",
    "recs_in_child",
    "recs_needs_content",
    "recs_reuse",
    "search_needs_vectors",
    "split_settings",
]
