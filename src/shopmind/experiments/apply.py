"""Which variant overrides a server can apply per request, and applying them to the search engine
and the recommender.

A variant is a set of shop-TOML overrides. Only settings that change how a *request* is answered can
switch per request against the one loaded release: in search fusion, its weights and depths, query
understanding, the learned re-ranker on/off; in recommendations the fusion weight of each fitted
source (0 turns a generator off), the exploration share and seen-item exclusion. Settings that
change what a build produces (the encoder, which generators are fitted and their parameters) need
their own release and are refused here with the field named, rather than silently ignored.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from shopmind.experiments.definition import Experiment, ExperimentError


def _choice(*options: str):
    def check(v: Any) -> bool:
        return v in options

    check.__doc__ = "one of " + ", ".join(options)
    return check


def _number(lo: float, hi: float, integer: bool = False):
    def check(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int | float) or (integer and not isinstance(v, int)):
            return False
        return lo <= v <= hi

    check.__doc__ = f"{'an integer' if integer else 'a number'} from {lo:g} to {hi:g}"
    return check


def _bool(v: Any) -> bool:
    """true or false"""
    return isinstance(v, bool)


#: ``[search]`` settings a request may override (key -> validator, whose docstring says what it wants)
SEARCH_RUNTIME = {
    "fusion": _choice("linear", "rrf"),
    "alpha": _number(0, 1),
    "rrf_k": _number(1, 1e4),
    "fusion_depth": _number(1, 10_000, integer=True),
    "dense_depth": _number(1, 10_000, integer=True),
    "rerank_depth": _number(1, 10_000, integer=True),
    "min_match": _number(0, 1),
    "expansion_weight": _number(0, 10),
    "understand": _bool,
    "ltr": _choice("auto", "off"),
}


#: ``[recs]`` settings a request may override: how the release's fitted sources are fused (a
#: source's weight, 0 = that generator off), the exploration slot's share, and seen-item exclusion.
#: The models themselves (which generators are fitted, their parameters, the encoder) are built.
RECS_RUNTIME = {
    "explore_share": _number(0, 0.5),
    "rrf_c": _number(1, 1e4),
    "exclude_seen": _bool,
}
_WEIGHT = _number(0, 100)


def _check_recs(table: Any, where: str) -> None:
    """``[recs]`` keys a variant may switch per request (``RECS_RUNTIME`` and ``weights``)."""
    if not isinstance(table, Mapping):
        raise ExperimentError(f"{where}: must be a table")
    allowed = ["weights", *RECS_RUNTIME]
    for key, value in table.items():
        if key == "weights":
            from shopmind.recommend.service import MAKERS  # lazily: only a recs override needs it

            sources = sorted({*MAKERS, "content"})
            if not isinstance(value, Mapping) or not value:
                raise ExperimentError(
                    f"{where}.weights: must be a table of source = weight ({', '.join(sources)})"
                )
            for src, w in value.items():
                if src not in sources:
                    raise ExperimentError(
                        f"{where}.weights.{src}: unknown source (known: {', '.join(sources)})"
                    )
                if not _WEIGHT(w):
                    raise ExperimentError(
                        f"{where}.weights.{src}: must be {_WEIGHT.__doc__} (0 = off), got {w!r}"
                    )
            continue
        check = RECS_RUNTIME.get(key)
        if check is None:
            raise ExperimentError(
                f"{where}.{key}: not switchable per request (allowed: {', '.join(allowed)})"
            )
        if not check(value):
            raise ExperimentError(f"{where}.{key}: must be {check.__doc__}, got {value!r}")


def check_overrides(overrides: Mapping[str, Any], where: str) -> None:
    """Refuse any override a server cannot apply per request, naming the field."""
    for section, table in overrides.items():
        if section == "recs":  # fusion weights, exploration (recs_for)
            _check_recs(table, f"{where}.recs")
            continue
        if section == "ads":  # sponsored placements on/off and their guardrails (shopmind.ads.settings)
            _check_ads(table, f"{where}.ads")
            continue
        if section == "pricing":  # serve the release's suggested prices (shopmind.pricing.served)
            _check_pricing(table, f"{where}.pricing")
            continue
        if section != "search":
            # the sections a variant may override are all four; naming only [search] here sent a
            # user who mistyped `recs` to believe recommendations could not be tested
            raise ExperimentError(
                f"{where}.{section}: not a section a variant may override; the sections are "
                f"{', '.join(SECTION_SURFACES)} (search: {', '.join(SEARCH_RUNTIME)}; "
                f"recs: weights, {', '.join(RECS_RUNTIME)}; pricing: apply; ads: any [ads] setting)"
            )
        if not isinstance(table, Mapping):
            raise ExperimentError(f"{where}.search: must be a table")
        for key, value in table.items():
            check = SEARCH_RUNTIME.get(key)
            if check is None:
                raise ExperimentError(
                    f"{where}.search.{key}: not switchable per request (allowed: {', '.join(SEARCH_RUNTIME)})"
                )
            if not check(value):
                raise ExperimentError(f"{where}.search.{key}: must be {check.__doc__}, got {value!r}")


#: The served surfaces a shop-TOML section changes: ``[pricing] apply`` sets the price shown in search
#: hits and recommendation rows, ``[ads]`` fills sponsored slots in search and "similar items".
SECTION_SURFACES: dict[str, tuple[str, ...]] = {
    "search": ("search",),
    "recs": ("recs",),
    "ads": ("search", "recs"),
    "pricing": ("search", "recs"),
}
SURFACES = ("search", "recs")


def surfaces(exp: Experiment) -> frozenset[str]:
    """The surfaces (``search``, ``recs``) an experiment covers: those any of its variants changes.

    Why: an exposure says "this response was answered by the unit's variant"; a recommendation row
    is not an exposure of a search-only experiment (its variants answer it identically), and logging
    it would count recs rows and their clicks into that experiment's search metrics. An experiment
    whose variants override nothing (an A/A test) covers every surface. Interleaving merges search
    rankings only, so an interleaving experiment covers search."""
    if exp.kind == "interleave":
        return frozenset({"search"})
    touched = {s for v in exp.variants for section in v.overrides for s in SECTION_SURFACES.get(section, ())}
    return frozenset(touched or SURFACES)


def _check_ads(table: Any, where: str) -> None:
    """``[ads]`` keys a variant may switch per request (every key of ``AdsSettings``)."""
    from shopmind.ads.settings import AdsSettingsError, parse_settings

    if not isinstance(table, Mapping):
        raise ExperimentError(f"{where}: must be a table")
    try:
        parse_settings(table, where=where)
    except AdsSettingsError as exc:
        raise ExperimentError(str(exc)) from None


def search_engine_for(engine: Any, overrides: Mapping[str, Any], cache: dict[Any, Any]) -> Any:
    """The engine as the variant configures it: a shallow copy sharing every index and model, with
    its own ``config`` (and no re-ranker when ``ltr = "off"``). Cached per (engine, overrides), so a
    request pays a dict lookup; the copy is dropped with the release (the cache is keyed by id and
    holds the engine, so an id is never reused while cached)."""
    search = dict(overrides.get("search", {}))
    if not search:
        return engine
    key = (id(engine), tuple(sorted(search.items())))
    hit = cache.get(key)
    if hit is not None and hit[0] is engine:
        return hit[1]
    variant = copy.copy(engine)
    ltr_off = search.get("ltr") == "off"
    variant.config = dataclasses.replace(engine.config, **search)
    if ltr_off:
        variant.reranker = None
    if len(cache) > 256:  # old releases' copies: drop them all, they rebuild on demand
        cache.clear()
    cache[key] = (engine, variant)
    return variant


def recs_for(recs: Any, overrides: Mapping[str, Any], cache: dict[Any, Any]) -> Any:
    """The recommender as the variant configures it: a shallow copy sharing every model and the
    live state, with its own ``config`` (weights merged over the release's) and, for another
    exploration share, its own explorer view over the same counts and random stream. Cached per
    (recommender, overrides) like ``search_engine_for``."""
    r = dict(overrides.get("recs", {}))
    if not r:
        return recs
    key = (
        "recs",
        id(recs),
        repr(sorted((k, sorted(v.items()) if isinstance(v, Mapping) else v) for k, v in r.items())),
    )
    hit = cache.get(key)
    if hit is not None and hit[0] is recs:
        return hit[1]
    variant = copy.copy(recs)
    changes = {k: v for k, v in r.items() if k != "weights"}
    if "weights" in r:
        changes["weights"] = {**recs.config.weights, **r["weights"]}
    variant.config = dataclasses.replace(recs.config, **changes)
    if "explore_share" in r:
        variant.explorer = copy.copy(recs.explorer)  # the same impression/click counts and rng
        variant.explorer.share = float(r["explore_share"])
    if len(cache) > 256:
        cache.clear()
    cache[key] = (recs, variant)
    return variant


def _check_pricing(table: Any, where: str) -> None:
    """``[pricing]``: only ``apply`` switches per request (guardrails shape what a build computes)."""
    if not isinstance(table, Mapping):
        raise ExperimentError(f"{where}: must be a table")
    for key, value in table.items():
        if key != "apply":
            raise ExperimentError(f"{where}.{key}: not switchable per request (allowed: apply)")
        if value not in ("current", "suggested"):
            raise ExperimentError(f"{where}.apply: must be one of current, suggested, got {value!r}")
