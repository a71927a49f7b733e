"""The gate's verdicts: which quality codes crossed their thresholds, per row code and per batch.

``gate.py`` (and the Spark gate, ``engine/spark/gate.py``) sort every row into accepted or
quarantined and count what failed; this module turns those counts into the checks the report
lists and the publish decision reads: a row code's failed share against its threshold, and the
batch-level checks no single row can show (completeness, freshness, a truncated file, volume
change, drift against the previous run). One definition for both engines.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import TableName
from shopmind.quality.drift import compare
from shopmind.store.store import Store

if TYPE_CHECKING:
    from shopmind.quality.gate import TableOutcome


def row_checks(outcomes: dict[TableName, TableOutcome], cfg: GateConfig) -> list[dict[str, Any]]:
    """One verdict per row code that failed somewhere: its share of the table's input rows
    against the code's threshold and ``min_rows`` (``crossed`` decides the action)."""
    out = []
    for name, t in outcomes.items():
        # a share alone is no pattern: 1 bad row of 20 is 5 %, so min_rows rows must fail too; unless
        # the table kept no row at all (a 3-row catalog of '$24.99' prices published 0 rows, exit 0)
        none_kept = _none_accepted(t)
        for code, n in sorted(t.failed.items()):
            c = cfg.code(code)
            action = c.action
            frac = n / t.input_rows if t.input_rows else 0.0
            out.append({
                "table": name, "code": code, "action": action, "severity": c.severity, "failed": n,
                "fraction": round(frac, 6), "threshold": c.threshold, "min_rows": c.min_rows,
                "crossed": frac > c.threshold and (n >= c.min_rows or none_kept), "summary": c.summary,
            })  # fmt: skip
    return out


def _none_accepted(t: TableOutcome) -> bool:
    """The table had rows and the gate accepted none of them."""
    return t.input_rows > 0 and t.rows("accepted") == 0


def none_accepted_checks(
    outcomes: dict[TableName, TableOutcome], row: list[dict[str, Any]], cfg: GateConfig
) -> list[dict[str, Any]]:
    """``BATCH_NONE_ACCEPTED`` for a table whose every row was quarantined while no error row check
    of it holds the batch (its codes are "warn", by default or by the feed's --config): such a
    batch "published" nothing with exit 0. Where a row check holds it already, that check is the reason."""
    c = cfg.code("BATCH_NONE_ACCEPTED")
    out = []
    for name, t in outcomes.items():
        held = any(r["table"] == name and r["crossed"] and r["severity"] == "error" for r in row)
        if _none_accepted(t) and not held:
            out.append({
                "table": name, "code": c.code, "action": "batch", "severity": c.severity, "failed": 1,
                "fraction": 1.0, "threshold": c.threshold, "crossed": True, "summary": c.summary,
                "detail": {"input": t.input_rows, "quarantined": t.rows("quarantine"),
                           "codes": ", ".join(sorted(k for k, v in t.failed.items() if v))},
            })  # fmt: skip
    return out


def batch_checks(
    outcomes: dict[TableName, TableOutcome],
    cfg: GateConfig,
    store: Store | None,
    source: str,
    now: datetime,
    profiles: list[dict[str, Any]],
    meta: dict[str, Any] | None = None,
    per_row: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The batch's own verdicts — a table none of whose rows was accepted, completeness per table,
    events' freshness, a file cut off, volume change and drift against the source's previous run — and the drift rows.
    ``per_row``: the row checks the caller already has (a Spark run counts its lazy tables once)."""
    out: list[dict[str, Any]] = []

    def add(code: str, table: str, value: float, limit: float, crossed: bool, detail: dict[str, Any]) -> None:
        c = cfg.code(code)
        out.append({
            "table": table, "code": code, "action": "batch", "severity": c.severity, "failed": int(crossed),
            "fraction": round(value, 6), "threshold": limit, "crossed": crossed, "summary": c.summary, "detail": detail,
        })  # fmt: skip

    out += none_accepted_checks(outcomes, row_checks(outcomes, cfg) if per_row is None else per_row, cfg)
    for name, t in outcomes.items():
        low = {col: v for col, v in t.completeness.items() if v < cfg.completeness_min}
        if low:
            add("COMPLETENESS", name, min(low.values()), cfg.completeness_min, True, {"columns": low})
    ev = outcomes.get("events")
    if ev is not None and ev.rows("accepted"):
        newest = ev.accepted.lazy().select(pl.col("timestamp").max()).collect().item()
        age_days = (now - newest).total_seconds() / 86400  # type: ignore[operator]
        add(
            "BATCH_FRESHNESS",
            "events",
            age_days,
            cfg.freshness_days,
            age_days > cfg.freshness_days,
            {"newest": str(newest)},
        )
    # a file cut off (its reader quarantined the line it stops in): the rows after the cut are not
    # bad, they are missing, so no row share can measure it; the batch is held until it is fetched again
    for cut in (m for m in (meta or {}).get("malformed", []) or [] if m.get("cut_off")):
        add(
            "FILE_TRUNCATED",
            str(cut["table"]),
            1.0,
            0.0,
            True,
            {"line": cut["line"], "reason": cut["reason"]},
        )
    drift: list[dict[str, Any]] = []
    prev = store.previous_run(source, outcomes) if store is not None else None
    if prev is not None:
        before = int(prev["input_rows"])
        now_rows = sum(t.input_rows for t in outcomes.values())
        change = abs(now_rows - before) / before if before else 0.0
        add(
            "BATCH_VOLUME",
            "batch",
            change,
            cfg.volume_change,
            change > cfg.volume_change,
            {"previous": before, "current": now_rows},
        )
        reference = store.profiles_of(prev["run_id"])  # type: ignore[union-attr]
        drift = compare(reference, profiles, cfg.drift_psi, cfg.drift_js)
        drifted = [d for d in drift if d["drifted"]]
        worst = max((d["psi"] for d in drift), default=0.0)
        add("BATCH_DRIFT", "batch", worst, cfg.drift_psi, bool(drifted),
            {"columns": [f"{d['table']}.{d['column']}" for d in drifted], "reference_run": prev["run_id"]})  # fmt: skip
    return out, drift
