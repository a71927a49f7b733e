"""Quality runs and offline evaluation results, read from the workspace's JSON summaries
(the server never opens the DuckDB store: one writing process owns it).

Runs hold quarantined rows as they came in, so every route here needs a key allowed to
``monitor`` (a read or admin key, or the dashboard cookie) — never the storefront's key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from shopmind.serve.api import ApiError, jsonable, needs
from shopmind.serve.schemas import IdPath

router = APIRouter(tags=["quality"], dependencies=[needs("monitor")])


def _workspace(request: Request) -> Path:
    return request.app.state.workspace


def _reports(folder: Path, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` run summaries (file names sort by run id = start time)."""
    out = []
    for p in (sorted(folder.glob("*.json"), reverse=True) if folder.exists() else [])[:limit]:
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


@router.get("/v1/quality/runs")
def quality_runs(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> dict[str, Any]:
    """Quality runs, newest first (summaries without the per-check detail, with their totals)."""
    keep = ("run_id", "source", "status", "started_at", "exit_code", "account", "totals")
    # "held" was read from the summary, which has no such key: null for every run, held or not
    runs = [
        {**{k: s.get(k) for k in keep}, "held": s.get("status") == "held"}
        for s in _reports(_workspace(request) / "reports", limit)
    ]
    return {"runs": jsonable(runs)}


@router.get("/v1/quality/runs/{run_id}", response_model=None)
def quality_run(
    request: Request, run_id: IdPath, format: Literal["json", "html"] = "json", lang: str | None = None
) -> Response:
    """The full summary of one run, or its HTML report with ``format=html`` (``lang=zh-Hans``: its words the
    dashboard also shows in that language, ``serve/report_lang.py``)."""
    if format not in ("json", "html"):
        raise ApiError(400, "invalid_parameter", "format must be json or html", "format")
    folder = _workspace(request) / "reports"
    safe = "".join(ch for ch in run_id if ch.isalnum() or ch in "-_.")
    if safe != run_id or not (folder / f"{safe}.json").exists():
        raise ApiError(404, "not_found", f"no quality run {run_id!r}", "run_id")
    if format == "html":
        html = folder / f"{safe}.html"
        if not html.exists():
            raise ApiError(404, "not_found", f"run {run_id} has no HTML report")
        # the file has its own policy (<meta>); this one also covers reports written before it.
        # Imported here: quality.report pulls in the gate, DuckDB and scipy.stats (~80 MB RSS),
        # which a serving process otherwise never needs.
        from shopmind.quality.report import REPORT_CSP_HEADER
        from shopmind.serve.report_lang import in_language

        return HTMLResponse(
            in_language(html.read_text(encoding="utf-8"), lang),
            headers={"Content-Security-Policy": REPORT_CSP_HEADER},
        )
    return JSONResponse(json.loads((folder / f"{safe}.json").read_text(encoding="utf-8")))


@router.get("/v1/evaluation")
def evaluation(request: Request) -> dict[str, Any]:
    """Latest offline evaluation results (``shopmind evaluate search|recs|assistant|forecast``, which
    write to ``<workspace>/evaluation``), by kind: the assistant's and the forecast backtest's files
    have their own lists (read as search results, they broke the page's search panel)."""
    folder = _workspace(request) / "evaluation"
    out: dict[str, list[Any]] = {"search": [], "recs": [], "assistant": [], "forecast": []}
    for p in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        kind = _eval_kind(p.name, data)
        out[kind].append(
            {"file": p.name, **data} if isinstance(data, dict) else {"file": p.name, "data": data}
        )
    return out


def _eval_kind(name: str, data: Any) -> str:
    """Which evaluate command wrote a file: its ``kind`` (assistant, forecast), else its name
    (``assistant_eval*.json``, ``forecast*.json``: files written before the kind), else search or recs."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind in ("assistant", "forecast", "recs"):
        return kind
    for prefix, k in (("assistant_eval", "assistant"), ("forecast", "forecast")):
        if name.startswith(prefix):
            return k
    return "recs" if "recs" in name or (isinstance(data, dict) and "protocol" in data) else "search"
