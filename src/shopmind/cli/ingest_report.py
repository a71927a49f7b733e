"""What `shopmind ingest` prints about a finished gate run: a crossed batch check in words, why fewer rows
were written than accepted, and the ways on from a held batch (split from ``cli/data.py`` by job)."""

from __future__ import annotations

import math
from pathlib import Path


def batch_line(check: dict) -> str:
    """A crossed batch check in words: its meaning, the value against the threshold and the detail
    (it printed the raw dict: "BATCH_FRESHNESS: {'newest': '2026-11-07 09:00:00+00:00'}")."""
    detail = check.get("detail") or {}
    said = ", ".join(f"{k} {v}" for k, v in detail.items()) if isinstance(detail, dict) else str(detail)
    value = f"{check['fraction']:g} > {check['threshold']:g}"
    return f"{check['summary']}: {value}" + (f" ({said})" if said else "")


def stored_notes(account: dict[str, dict[str, int]], written: dict[str, int]) -> list[str]:
    """Why "written to store" is below "accepted" for a published table: rows the store already
    holds unchanged (a re-ingest writes nothing for them), said per table with the key compared."""
    from shopmind.data.model import SCHEMAS

    notes = []
    for name, a in account.items():
        if not a["input"]:  # a header-only export published "0 0 0 0" and nothing else
            notes.append(f"{name}: the file holds no rows (a header only?): nothing to check or store")
        same = a.get("already_stored", 0)
        if name not in written or not same:
            continue
        key = ", ".join(SCHEMAS[name].key)  # type: ignore[index]
        what = f"already in the store unchanged (same {key} and values)"
        if same >= a["accepted"]:
            notes.append(f"{name}: 0 new: all {a['accepted']:,} accepted rows are {what}")
        else:
            notes.append(
                f"{name}: {same:,} of {a['accepted']:,} accepted rows are {what}; "
                f"{written[name]:,} new or changed rows written"
            )
    return notes


def held_advice(checks: list[dict], run_id: str, workspace: Path) -> str:
    """What held the batch and the three ways on: fix the feed, --force, or a --config override
    (a TOML snippet naming the exact check codes), so a held run is never a dead end."""
    holding = [c for c in checks if c["crossed"] and c["severity"] == "error"]
    lines = [f"held by {len(holding)} error check{'s' if len(holding) != 1 else ''} over the threshold:"]
    for c in holding:
        if c["action"] == "batch":
            measured = f"measured {c['fraction']:g} against the limit {c['threshold']:g}"
        else:
            floor = c.get("min_rows", 0)
            measured = f"{c['failed']:,} rows ({c['fraction']:.1%}) > threshold {c['threshold']:.1%}" + (
                f" and >= min_rows {floor}"
                if c["failed"] >= floor
                else f", below min_rows {floor} but the table kept no row"  # verdicts.row_checks
            )
        lines.append(f"  {c['table']} {c['code']}: {measured} ({c['summary']})")
    for c in holding:  # a column read the wrong way, not bad rows: --force or "warn" published nothing
        if c["action"] != "batch" and c["fraction"] >= 1.0:
            lines.append(
                f"  every {c['table']} row failed {c['code']}: a column is read the wrong way (the mapping's "
                "[columns] or [formats], a delimiter or the format), not a few bad rows: fix that first; "
                "--force or a gate change would publish none of them"
            )
    lines += [
        "to go on, either:",
        f"  - fix the feed (the rows: shopmind quarantine {run_id} -w {workspace}) and ingest it again,",
        "  - publish this batch as it is with --force (its quarantined rows stay out), or",
        "  - change the gate for this feed in a TOML file passed with --config, e.g.:",
    ]
    for c in holding:
        lines.append(f"      [checks.{c['code']}]")
        lines.append('      severity = "warn"  # report it, never hold the batch')
        if c["action"] != "batch":
            above = math.ceil(c["fraction"] * 10_000 + 1e-6) / 10_000  # a check holds when share > threshold
            lines.append(
                f"      # or: threshold = {above:g}  (now {c['threshold']:g}; this batch {c['fraction']:g})"
            )
    return "\n".join(lines)
