"""Move what the API accepted (the live log) into the store, through the quality gate.

Runs at the start of ``shopmind build``. The watermark file records the last log sequence
numbers included; it is written after the store commit, so a crash in between only means
the same entries are drained again — harmless, because events are insert-if-absent by
``event_id`` and products are replaced by key.

Live traffic is judged row by row, never held as a batch: an entry failing a check is
quarantined (in the store, and listed in the live log with its reasons for
``shopmind live quarantine|purge``) while the rest is stored and the watermark moves on. A
check crossing an *error* threshold on live traffic becomes an **alert** — recorded in the
run summary (``meta.alerts``), returned for the release manifest and printed by the build —
instead of holding the drain: anyone with the storefront's public key could otherwise post
one bad event and block every later build (a held drain never moves its watermark).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.codes import CODES
from shopmind.quality.coerce import typed_products
from shopmind.quality.gate import GateResult, publish, run_gate
from shopmind.quality.report import pending_report
from shopmind.store.livelog import LOG_FILE, EventLog, net_product_changes
from shopmind.store.store import Store

WATERMARK = "live.drained.json"
#: The run source of a drain (the quality dashboard and ``build`` tell it from batch ingests).
LIVE_SOURCE = "live-api"


class Drained(dict[str, int]):
    """What one drain did. The mapping is the new watermark (``{"events": seq, "products":
    seq}``, what a release records as ``log_drained``); the attributes say what the gate did:
    its run, rows accepted and quarantined, and the alerts raised."""

    def __init__(self, mark: dict[str, int]) -> None:
        super().__init__(mark)
        self.run_id: str | None = None
        self.accepted = 0
        self.quarantined = 0
        self.alerts: list[dict[str, Any]] = []

    @property
    def mark(self) -> dict[str, int]:
        return dict(self)

    def facts(self) -> dict[str, Any]:
        """For the release manifest (``live_drain``)."""
        return {"run_id": self.run_id, "accepted": self.accepted, "quarantined": self.quarantined,
                "alerts": self.alerts}  # fmt: skip

    def report(self, log: Callable[[str], None]) -> None:
        """Say what the drain did through the build's log: the run, and every alert."""
        if self.run_id:
            log(f"live log drained through the gate (run {self.run_id}): "
                f"{self.accepted} accepted, {self.quarantined} quarantined")  # fmt: skip
        for a in self.alerts:
            log(
                f"ALERT live traffic: {a['table']} {a['code']} failed on {a['failed']} rows "
                f"({a['fraction']:.1%} > {a['threshold']:.1%}): {a['summary']}; those rows are "
                "quarantined one by one (`shopmind live quarantine` lists them)"
            )


def read_watermark(workspace: Path) -> dict[str, int]:
    try:
        return json.loads((workspace / WATERMARK).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"events": 0, "products": 0}


def _write_watermark(workspace: Path, mark: dict[str, int]) -> None:
    tmp = workspace / (WATERMARK + ".tmp")
    tmp.write_text(json.dumps(mark), encoding="utf-8")
    os.replace(tmp, workspace / WATERMARK)


def live_config(cfg: GateConfig) -> GateConfig:
    """``cfg`` with every error severity lowered to a warning: row actions stay as they are
    (a bad row is still quarantined), but no threshold holds live traffic."""
    overrides = dict(cfg.overrides)
    for code in CODES:
        if cfg.code(code).severity == "error":
            overrides[code] = {**overrides.get(code, {}), "severity": "warn"}
    return replace(cfg, overrides=overrides)


def alerts_of(result: GateResult, cfg: GateConfig) -> list[dict[str, Any]]:
    """The checks of a live run that crossed a threshold whose severity in ``cfg`` is error
    (they would have held a batch ingest)."""
    out = []
    for c in result.checks:
        if c.get("crossed") and c["code"] in CODES and cfg.code(c["code"]).severity == "error":
            out.append(
                {k: c.get(k) for k in ("table", "code", "failed", "fraction", "threshold")}
                | {"summary": CODES[c["code"]].summary}
            )
    return out


def _quarantined_entries(
    result: GateResult,
    events: list[tuple[int, dict[str, Any]]],
    upserts: list[dict[str, Any]],
    product_seq: dict[str, int],
) -> list[dict[str, Any]]:
    """The log entries behind the gate's quarantine rows (row ``i`` of a table is the
    ``i``-th entry handed to the gate)."""
    out = []
    for table, outcome in result.tables.items():
        for r in outcome.quarantine.iter_rows(named=True):
            i = int(r["row_no"])
            if table == "events" and i < len(events):
                seq, e = events[i]
                out.append({"kind": "events", "seq": seq, "key": e.get("event_id")})
            elif table == "products" and i < len(upserts):
                pid = str(upserts[i]["product_id"])
                out.append({"kind": "products", "seq": product_seq[pid], "key": pid})
            else:
                continue
            out[-1].update(codes=list(r.get("codes") or []), detail=r.get("detail"))
    return out


def drain_live_log(workspace: Path | str, cfg: GateConfig | None = None) -> Drained:
    """Gate and store the log entries after the watermark; returns the new watermark and
    what the gate did with them. Never holds: see the module docstring."""
    workspace = Path(workspace)
    mark = read_watermark(workspace)
    if not (workspace / LOG_FILE).exists():
        return Drained(mark)
    cfg = cfg or GateConfig()
    log = EventLog(workspace)
    try:
        events = log.events_after(mark["events"])
        changes = log.products_after(mark["products"])
        if not events and not changes:
            return Drained(mark)
        drained = Drained(dict(mark))
        with Store(workspace) as store:
            upserts, deletes = net_product_changes((pid, op, payload) for _seq, pid, op, payload in changes)
            product_seq = {pid: seq for seq, pid, _op, _p in changes}  # the last change of each
            frame_e = None
            if events:
                frame_e = pl.DataFrame(
                    [{k: (None if v is None else str(v)) for k, v in e.items()} for _s, e in events],
                    infer_schema_length=None,
                )
            frame_p = typed_products(upserts) if upserts else None
            if frame_e is not None or frame_p is not None:
                result = run_gate(
                    Batch(LIVE_SOURCE, products=frame_p, events=frame_e), live_config(cfg), store
                )
                drained.alerts = alerts_of(result, cfg)
                result.meta["alerts"] = drained.alerts
                with pending_report(result, workspace / "reports", store) as (_json, html):
                    publish(result, store, cfg, str(html))  # a killed build leaves no report of it
                drained.run_id = result.run_id
                drained.accepted, drained.quarantined = result.accepted_rows, result.quarantined_rows
                log.record_quarantine(
                    _quarantined_entries(result, events, upserts, product_seq), result.run_id
                )
            store.delete_products(deletes)
    finally:
        log.close()
    if events:
        drained["events"] = events[-1][0]
    if changes:
        drained["products"] = changes[-1][0]
    _write_watermark(workspace, drained.mark)
    return drained
