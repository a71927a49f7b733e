"""``/v1/experiments``: list and read experiments, start/stop them (admin), and a unit's assignment.

Starting or stopping edits the workspace's ``experiments.json`` (atomic rename); every worker
re-reads it when its modification time changes, so no build or restart is needed. The assignment
route is how a shop's front end or back end learns which variant (and which shop-TOML overrides)
a user or session is in; it is a pure function of the ids and the definitions (hashing).
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import os
import random
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator

from shopmind.experiments import registry
from shopmind.experiments.apply import recs_for, search_engine_for
from shopmind.experiments.assign import Assigner, Assignment, deep_merge, unit_hash
from shopmind.experiments.definition import NAME_RE, ExperimentError, to_dict
from shopmind.experiments.exposure import ExposureLog
from shopmind.experiments.interleave import team_draft
from shopmind.experiments.interleave_log import InterleaveLog
from shopmind.experiments.interleave_opt import SolutionCache, served_interleave
from shopmind.experiments.interleave_prob import probabilistic_interleave
from shopmind.experiments.reports import load_readout
from shopmind.experiments.stopped import as_stopped
from shopmind.search.engine import SearchError, SearchResponse
from shopmind.serve.api import ApiError, json_response, needs, shop_of
from shopmind.serve.schemas import ID_PATTERN, MAX_ID, clean_optional_id

router = APIRouter(tags=["experiments"])

#: A shopper or session id in a query, as ids are everywhere (``schemas.Id``): " " was accepted
#: and hashed into an experiment arm, its exposures logged under a blank unit.
IdQuery = Annotated[
    str | None,
    Query(max_length=MAX_ID, json_schema_extra={"pattern": ID_PATTERN}),
    AfterValidator(clean_optional_id),
]
#: an experiment name as the definitions allow it (so the schema and the 400 agree)
NamePath = Annotated[str, Path(max_length=64, pattern=NAME_RE.pattern, description="the experiment's name")]


def _assigner(request: Request) -> Assigner:
    """The workspace's assigner, rebuilt only when ``experiments.json`` changed (one stat per call)."""
    state = request.app.state
    path = registry.path(shop_of(request).workspace)
    try:
        stamp: tuple[int, int] | None = (os.stat(path).st_mtime_ns, os.stat(path).st_size)
    except FileNotFoundError:
        stamp = None
    cached = getattr(state, "experiments_assigner", None)
    if cached is None or cached[0] != stamp:
        try:
            assigner = Assigner(registry.load(shop_of(request).workspace))
        except ExperimentError as exc:  # a hand-edited file went bad: say so, do not guess
            raise ApiError(503, "experiments_invalid", str(exc)) from None
        state.experiments_assigner = cached = (stamp, assigner)
    return cached[1]


def _worker_log(request: Request, attr: str, cls: Any) -> Any:
    """The worker's buffered log ``cls`` on ``app.state.<attr>`` (one writer thread per process,
    flushed at exit too)."""
    log = getattr(request.app.state, attr, None)
    if log is None:
        log = cls(shop_of(request).workspace)
        setattr(request.app.state, attr, log)
        atexit.register(log.close)
    return log


def _exposure_log(request: Request) -> ExposureLog:
    return _worker_log(request, "exposure_log", ExposureLog)


def search_variant(
    request: Request, engine: Any, user_id: str | None, session_id: str | None
) -> tuple[Any, list[Assignment], str | None]:
    """What ``/v1/search`` runs for this unit: the engine with its A/B variants' overrides applied,
    the A/B assignments, and the unit id as the models know it (the pseudonym when the shop
    pseudonymises ids). An interleaving assignment is kept on the request for
    ``interleaved_search`` (with the A/B overrides it builds on)."""
    request.state.experiment_interleave = None
    a = _assigner(request)
    if not a.active or (not user_id and not session_id):
        return engine, [], None
    uid = shop_of(request).user_handle(user_id) if user_id else None
    assigned = a.covering(a.assign(uid, _session(request, session_id)), "search")
    got = [x for x in assigned if x.kind == "ab"]
    base = a.overrides(got)
    il = next((x for x in assigned if x.kind == "interleave"), None)  # one interleaving per request
    if il is not None:
        request.state.experiment_interleave = (a.exps.by_name(il.experiment), base)
    if not got:
        return engine, [], uid
    return search_engine_for(engine, base, _engine_cache(request)), got, uid


def recs_variant(request: Request, recs: Any, user: str) -> tuple[Any, list[Assignment]]:
    """What ``/v1/users/{id}/recommendations`` runs for this user (``user``: the id as the models
    know it): the recommender with the A/B variants' ``[recs]`` overrides applied (``apply.recs_for``)
    and the A/B assignments, whose exposures the route logs: only experiments that cover recs
    (``apply.surfaces``; a search-only experiment's variants answer this request identically)."""
    a = _assigner(request)
    if not a.active or not user:
        return recs, []
    got = [x for x in a.covering(a.assign(user, None), "recs") if x.kind == "ab"]
    if not got:
        return recs, []
    return recs_for(recs, a.overrides(got), _engine_cache(request)), got


def _session(request: Request, session_id: str | None) -> str | None:
    """The session id as the events hold it (a pseudonym when the shop pseudonymises ids), so
    assignment stays sticky across routes and exposures join the events they attribute."""
    return shop_of(request).user_handle(session_id) if session_id else session_id


def _engine_cache(request: Request) -> dict[Any, Any]:
    return request.app.state.__dict__.setdefault("_experiment_engines", {})


#: Deepest list an interleaved request merges (page * size); deeper pages get the first ranker alone.
INTERLEAVE_DEPTH = 100


def interleaved_search(
    request: Request,
    engine: Any,
    run: Callable[[Any, int, int], SearchResponse],
    query: str,
    sort: str,
    page: int,
    size: int,
    unit: str | None,
    session_id: str | None,
) -> tuple[SearchResponse, list[dict[str, str]]] | None:
    """For a unit in an interleaving experiment: both variants' rankings merged (the experiment's
    ``method``: probabilistic, team draft or optimized), one
    page of it, and the list with each item's team in the interleaving log. None when the unit is in
    no interleaving experiment, or the request is not a relevance-sorted page within
    ``INTERLEAVE_DEPTH`` (another sort orders both rankers' candidates the same way).

    ``run(engine, page, size)`` is the route's search. Both rankers share the query analysis: the
    variant engines are shallow copies sharing the indexes and the query-vector cache (the query is
    encoded once), and for this request one parser memo (the query is understood once); retrieval,
    fusion, sorting, facets and hits run twice (``bench/experiments_serve.py`` measures the cost).
    The merge's coin flips are seeded by (experiment salt, unit, query), so a shopper paging through
    or repeating a query sees the same list, and any replay can recompute it."""
    pending = getattr(request.state, "experiment_interleave", None)
    if pending is None or sort != "relevance" or page * size > INTERLEAVE_DEPTH:
        return None
    exp, base = pending
    cache = _engine_cache(request)
    engines = [
        search_engine_for(engine, deep_merge(copy.deepcopy(base), v.overrides), cache) for v in exp.variants
    ]
    if engine.parser is not None:  # this request's copies share one parse of the query
        shared = _SharedParse(engine.parser)
        engines = [copy.copy(e) for e in engines]
        for e in engines:
            e.parser = shared
    depth = page * size
    ra, rb = (run(e, 1, depth) for e in engines)
    sid = _session(request, session_id)
    who = unit if exp.unit == "user" and unit else sid
    rng = random.Random(unit_hash(exp.salt, f"{who or ''}\x1f{query}"))
    ids_a, ids_b = [h.product_id for h in ra.hits], [h.product_id for h in rb.hits]
    # the experiment's merge (definition.METHODS): probabilistic logs its posteriors, optimized its
    # per-position credit in the same column (interleave_opt.credit_to_p_b), team draft neither
    p_b = None
    merged: Any
    if exp.method == "team-draft":
        merged = team_draft(ids_a, ids_b, depth, rng)
    elif exp.method == "optimized":  # the LP solved once per pair of rankings (the worker's cache)
        merged = served_interleave(ids_a, ids_b, depth, rng, _opt_cache(request))
    else:
        merged = probabilistic_interleave(ids_a, ids_b, depth, rng)
    start = (page - 1) * size
    if page > 1 and start >= len(merged.items):
        raise SearchError(
            "page_out_of_range", "page", f"page {page} is past the last page of {len(merged.items)} result(s)"
        )
    hit_of = {h.product_id: h for h in rb.hits} | {h.product_id: h for h in ra.hits}
    items, teams = merged.items[start : start + size], merged.teams[start : start + size]
    if exp.method != "team-draft":
        p_b = list(merged.p_b[start : start + size])
    timing = dict(ra.timing_ms)
    timing["second_ranker_total"] = rb.timing_ms.get("total", 0.0)
    timing["second_ranker_analysis"] = rb.timing_ms.get("analysis", 0.0)
    resp = dataclasses.replace(ra, hits=[hit_of[i] for i in items], page=page, size=size, timing_ms=timing)
    rid = request.scope.get("state", {}).get("request_id")
    _interleave_log(request).record(exp.name, who, sid, rid, "search", list(items), teams, p_b)
    # an exposure like any other (so the unit's rows are found and forgotten with the A/B ones)
    mark = Assignment(exp.name, "interleaved", exp.layer, exp.unit, exp.kind)
    _exposure_log(request).record([mark], unit, sid, rid, "search", resp.total)
    return resp, [{"experiment": exp.name, "variant": "interleaved"}]


class _SharedParse:
    """One request's query parser for both rankers of an interleaving: the query is understood once
    (the second ranker reads the first one's result); everything else is the engine's parser."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser
        self._memo: dict[str, Any] = {}

    def parse(self, text: str) -> Any:
        hit = self._memo.get(text)
        if hit is None:
            hit = self._memo[text] = self._parser.parse(text)
        return hit

    def __getattr__(self, name: str) -> Any:  # graph, knows, ... as the engine's parser has them
        return getattr(self._parser, name)


def _opt_cache(request: Request) -> SolutionCache:
    """The worker's cache of optimized-interleaving solutions (``interleave_opt.SolutionCache``)."""
    cache = getattr(request.app.state, "interleave_opt_cache", None)
    if cache is None:
        cache = request.app.state.interleave_opt_cache = SolutionCache()
    return cache


def _interleave_log(request: Request) -> InterleaveLog:
    return _worker_log(request, "interleave_log", InterleaveLog)


def log_exposures(
    request: Request,
    got: list[Assignment],
    uid: str | None,
    session_id: str | None,
    kind: str,
    n_results: int,
) -> list[dict[str, str]]:
    """Buffer the exposures (no fsync on the request path) and return what the response reports."""
    rid = request.scope.get("state", {}).get("request_id")
    _exposure_log(request).record(got, uid, _session(request, session_id), rid, kind, n_results)
    return [{"experiment": x.experiment, "variant": x.variant} for x in got]


def _name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ApiError(400, "invalid_parameter", f"experiment name {name!r} is not a valid name", "name")
    return name


def _summary(workspace: Any, exp: dict[str, Any]) -> dict[str, Any]:
    r = as_stopped(load_readout(workspace, exp["name"]), exp["status"])
    brief = None
    if r is not None:
        brief = {k: r.get(k) for k in ("allocation", "blocked", "decision", "days")}
        brief["srm_pvalue"] = (r.get("srm") or {}).get("pvalue")
    return {**exp, "readout": brief}


@router.get("/v1/experiments", dependencies=[needs("monitor")], response_model=dict[str, Any])
async def list_experiments(request: Request) -> Response:
    """Every experiment with its status, allocation, SRM check and decision from the latest readout."""
    exps = _assigner(request).exps
    ws = shop_of(request).workspace
    data = to_dict(exps)
    data["experiment"] = [_summary(ws, e) for e in data["experiment"]]
    return json_response(data)


@router.get("/v1/experiments/assignment", dependencies=[needs("read")], response_model=dict[str, Any])
async def assignment(request: Request, user_id: IdQuery = None, session_id: IdQuery = None) -> Response:
    """The running experiments a user (or anonymous session) is in, and the overrides to apply
    (empty without an id: nothing to hash, the defaults)."""
    a = _assigner(request)  # neither id: nothing to hash, so no experiment (the defaults), as in search
    # the ids as search hashes them (pseudonyms when the shop pseudonymises): the same variant
    uid = shop_of(request).user_handle(user_id) if user_id else None
    got = a.assign(uid, _session(request, session_id))
    return json_response({"assignments": [asdict(x) for x in got], "overrides": a.overrides(got)})


@router.get("/v1/experiments/{name}", dependencies=[needs("monitor")], response_model=dict[str, Any])
async def get_experiment(request: Request, name: NamePath) -> Response:
    """One experiment's definition and its latest full readout (metrics with intervals, daily looks)."""
    exps = _assigner(request).exps
    try:
        exp = exps.by_name(_name(name))
    except KeyError:
        raise ApiError(404, "unknown_experiment", f"no experiment {name!r}", "name") from None
    one = next(e for e in to_dict(exps)["experiment"] if e["name"] == exp.name)
    saved = as_stopped(load_readout(shop_of(request).workspace, exp.name), exp.status)
    return json_response({**one, "readout": saved})


def _set(request: Request, name: str, status: str) -> Response:
    workspace = shop_of(request).workspace
    known = [e.name for e in registry.load(workspace).experiments]
    if _name(name) not in known:
        # named here, not by the registry's message, which holds the server's file path
        raise ApiError(
            404,
            "unknown_experiment",
            f"no experiment {name!r} (known: {', '.join(known) or 'none defined'})",
            "name",
        )
    try:
        exps = registry.set_status(workspace, name, status)
    except ExperimentError as exc:  # removed by another writer since the check above
        raise ApiError(404, "unknown_experiment", f"no experiment {name!r}", "name") from exc
    request.app.state.experiments_assigner = None  # this worker sees it at once; others at their next stat
    return json_response({"name": name, "status": exps.by_name(name).status})


@router.post("/v1/experiments/{name}/start", dependencies=[needs("admin")], response_model=dict[str, Any])
async def start(request: Request, name: NamePath) -> Response:
    """Start assigning traffic to the experiment (no build, no restart)."""
    return _set(request, name, "running")


@router.post("/v1/experiments/{name}/stop", dependencies=[needs("admin")], response_model=dict[str, Any])
async def stop(request: Request, name: NamePath) -> Response:
    """Kill switch: stop the experiment; its units get the defaults from the next request on."""
    return _set(request, name, "stopped")
