"""Move what the API accepted (the live log) into the store, through the quality gate.

Runs at the start of ``shopmind build``. The watermark file records the last log sequence
numbers included; it is written after the store commit, so a crash in between only means
the same entries are drained again — harmless, because events are insert-if-absent by
``event_id`` and products are replaced by key. A held gate run leaves the watermark where
it was: nothing accepted by the API is lost, and the build refuses until it is resolved.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.coerce import typed_products
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.store.livelog import LOG_FILE, EventLog, net_product_changes
from shopmind.store.store import Store

WATERMARK = "live.drained.json"


def read_watermark(workspace: Path) -> dict[str, int]:
    try:
        return json.loads((workspace / WATERMARK).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"events": 0, "products": 0}


def _write_watermark(workspace: Path, mark: dict[str, int]) -> None:
    tmp = workspace / (WATERMARK + ".tmp")
    tmp.write_text(json.dumps(mark), encoding="utf-8")
    os.replace(tmp, workspace / WATERMARK)


def drain_live_log(workspace: Path | str, cfg: GateConfig | None = None) -> dict[str, int]:
    """Gate and store the log entries after the watermark; returns the new watermark."""
    workspace = Path(workspace)
    mark = read_watermark(workspace)
    if not (workspace / LOG_FILE).exists():
        return mark
    cfg = cfg or GateConfig()
    log = EventLog(workspace)
    try:
        events = log.events_after(mark["events"])
        changes = log.products_after(mark["products"])
    finally:
        log.close()
    if not events and not changes:
        return mark
    new = dict(mark)
    with Store(workspace) as store:
        upserts, deletes = net_product_changes((pid, op, payload) for _seq, pid, op, payload in changes)
        frame_e = None
        if events:
            frame_e = pl.DataFrame(
                [{k: (None if v is None else str(v)) for k, v in e.items()} for _s, e in events],
                infer_schema_length=None,
            )
        frame_p = typed_products(upserts) if upserts else None
        if frame_e is not None or frame_p is not None:
            result = run_gate(Batch("live-api", products=frame_p, events=frame_e), cfg, store)
            _json, html = write_report(result, workspace / "reports", store)
            publish(result, store, cfg, str(html))
            if result.held:
                return mark
        store.delete_products(deletes)
    if events:
        new["events"] = events[-1][0]
    if changes:
        new["products"] = changes[-1][0]
    _write_watermark(workspace, new)
    return new
