"""``/v1/experiments``: list and read experiments, start/stop them (admin), and a unit's assignment.

Starting or stopping edits the workspace's ``experiments.json`` (atomic rename); every worker
re-reads it when its modification time changes, so no build or restart is needed. The assignment
route is how a shop's front end or back end learns which variant (and which shop-TOML overrides)
a user or session is in; it is a pure function of the ids and the definitions (hashing).
"""

from __future__ import annotations

import atexit
import os
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from shopmind.experiments import registry
from shopmind.experiments.apply import search_engine_for
from shopmind.experiments.assign import Assigner, Assignment
from shopmind.experiments.definition import NAME_RE, ExperimentError, to_dict
from shopmind.experiments.exposure import ExposureLog
from shopmind.experiments.reports import load_readout
from shopmind.serve.api import ApiError, json_response, needs, shop_of

router = APIRouter(tags=["experiments"])

IdQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f]+$")]
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


def _exposure_log(request: Request) -> ExposureLog:
    """The worker's exposure log (one writer thread per process, flushed at exit too)."""
    log = getattr(request.app.state, "exposure_log", None)
    if log is None:
        log = request.app.state.exposure_log = ExposureLog(shop_of(request).workspace)
        atexit.register(log.close)
    return log


def search_variant(
    request: Request, engine: Any, user_id: str | None, session_id: str | None
) -> tuple[Any, list[Assignment], str | None]:
    """What ``/v1/search`` runs for this unit: the engine with its variants' overrides applied, the
    A/B assignments (interleave experiments are not served per request yet: they get the defaults),
    and the unit id as the models know it (the pseudonym when the shop pseudonymises ids)."""
    a = _assigner(request)
    if not a.active or (not user_id and not session_id):
        return engine, [], None
    uid = shop_of(request).user_handle(user_id) if user_id else None
    got = [x for x in a.assign(uid, _session(request, session_id)) if x.kind == "ab"]
    if not got:
        return engine, [], uid
    cache = request.app.state.__dict__.setdefault("_experiment_engines", {})
    return search_engine_for(engine, a.overrides(got), cache), got, uid


def _session(request: Request, session_id: str | None) -> str | None:
    """The session id as the events hold it (a pseudonym when the shop pseudonymises ids), so
    assignment stays sticky across routes and exposures join the events they attribute."""
    return shop_of(request).user_handle(session_id) if session_id else session_id


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
    r = load_readout(workspace, exp["name"])
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
    return json_response({**one, "readout": load_readout(shop_of(request).workspace, exp.name)})


def _set(request: Request, name: str, status: str) -> Response:
    try:
        exps = registry.set_status(shop_of(request).workspace, _name(name), status)
    except ExperimentError as exc:
        raise ApiError(404, "unknown_experiment", str(exc), "name") from None
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
