"""Write a gate run as a JSON summary and a self-contained HTML report.

The HTML is what a person opens after an ingest: the account first (where every row went),
then failures by check with example rows, repairs, distributions and drift against the
previous batch, and the trend over past runs of the same source.

Everything in it came from the data, so it is treated as hostile: the template autoescapes
(only our own SVG and CSS are inserted raw, and the SVG escapes its labels), the file carries a
Content-Security-Policy that allows no script at all and only its own style block (by hash),
and personal data is masked — customer ids pseudonymised with the workspace's key, e-mails and
phone numbers in any text masked (``shopmind.privacy``). Files are created owner-only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader

from shopmind.data.model import FLAGS, ROW
from shopmind.privacy import mask_payload, mask_pii, mask_row, mask_value, workspace_secret
from shopmind.quality import svg
from shopmind.quality.context import FLAG_REASONS
from shopmind.quality.gate import COMPLETENESS_SCOPE, GateResult
from shopmind.store.store import Store

EXAMPLES = 8
#: The report's one style block (a file, so its CSP hash is computed from exactly what is inlined).
_CSS = resources.files("shopmind.quality").joinpath("templates/report.css").read_text(encoding="utf-8")
#: The policy of a report file: no script of any kind, no request to anywhere, only its style.
REPORT_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode()
    + "'; img-src data:; base-uri 'none'; form-action 'none'"
)
#: The header when the API serves a report: still no script and no request anywhere; inline
#: style allowed without the hash, so reports written by other versions (other CSS) keep theirs.
REPORT_CSP_HEADER = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

_ENV = Environment(
    loader=PackageLoader("shopmind.quality", "templates"),
    autoescape=True,  # every template, whatever its file name ends with
)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new owner-only (0600) file, replaced atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def scope_label(where: str) -> str:
    """``type IN ('purchase', 'return')`` -> ``purchase, return events`` (what a completeness
    share is computed over, said in words)."""
    names = re.findall(r"'([^']+)'", where)
    if not names:
        return where
    return (
        ("events other than " if "<>" in where or " NOT " in where.upper() else "")
        + ", ".join(names)
        + " events"
    )


def completeness_scopes(tables: list[str] | None = None) -> dict[str, dict[str, str]]:
    """For each table, the columns whose completeness counts only some rows, and which."""
    out: dict[str, dict[str, str]] = {}
    for (table, col), where in COMPLETENESS_SCOPE.items():
        if tables is None or table in tables:
            out.setdefault(table, {})[col] = scope_label(where)
    return out


def _examples(result: GateResult, key: bytes | None) -> dict[str, list[dict[str, Any]]]:
    """Up to EXAMPLES failing rows per code: quarantined payloads, flagged rows, repairs — with
    personal data masked unless ``key`` is None."""

    def text(s: Any) -> str:
        return "" if s is None else (mask_pii(str(s)) if key is not None else str(s))

    def payload(p: Any) -> str:
        if key is not None:
            return mask_payload(p, key)
        return p if isinstance(p, str) else json.dumps(p, default=str, ensure_ascii=False)

    def row(r: dict[str, Any]) -> str:
        plain = {k: v for k, v in r.items() if v is not None and not k.startswith("_")}
        if key is not None:
            plain = mask_row(plain, key)
        return json.dumps(plain, default=str, ensure_ascii=False)

    def cell(column: str, v: Any) -> str:
        return repr(mask_value(column, v, key) if key is not None else v)

    out: dict[str, list[dict[str, Any]]] = {}
    for name, t in result.tables.items():
        # lazily: a Spark run's rows stay in its Parquet; only the examples are collected
        if t.rows("quarantine"):
            exploded = t.quarantine.lazy().explode("codes")
            for code in _codes(exploded, "codes"):
                rows = exploded.filter(pl.col("codes") == code).sort("row_no").head(EXAMPLES).collect()
                out.setdefault(f"{name}:{code}", []).extend(
                    {
                        "row": r["row_no"],
                        "line": r["line"],
                        "what": text(r["detail"]),
                        "data": payload(r["payload"]),
                    }
                    for r in rows.iter_rows(named=True)
                )
        flagged = t.accepted.lazy().filter(pl.col(FLAGS).list.len() > 0).explode(FLAGS)
        for code in _codes(flagged, FLAGS):
            rows = flagged.filter(pl.col(FLAGS) == code).sort(ROW).head(EXAMPLES).drop(FLAGS).collect()
            out.setdefault(f"{name}:{code}", []).extend(
                {
                    "row": r[ROW],
                    "line": r.get("_line"),
                    "what": "flagged, accepted"
                    + (f" — {text(FLAG_REASONS[code](r))}" if code in FLAG_REASONS else ""),
                    "data": row(r),
                }
                for r in rows.iter_rows(named=True)
            )
        if t.rows("audit"):
            audit = t.audit.lazy()
            for code in _codes(audit, "code"):
                rows = (
                    audit.filter(pl.col("code") == code)
                    .sort(ROW, maintain_order=True)
                    .head(EXAMPLES)
                    .collect()
                )
                out.setdefault(f"{name}:{code}", []).extend(
                    {
                        "row": r[ROW],
                        "line": None,
                        "what": f"{r['column_name']} repaired",
                        "data": f"{cell(r['column_name'], r['old_value'])} → {cell(r['column_name'], r['new_value'])}",
                    }
                    for r in rows.iter_rows(named=True)
                )
    return out


def _codes(frame: pl.LazyFrame, column: str) -> list[str]:
    """The distinct non-null codes of ``column``, sorted."""
    got = frame.select(pl.col(column).drop_nulls().unique().sort()).collect()
    return got[column].to_list()


def _distributions(result: GateResult, store: Store | None) -> list[dict[str, str]]:
    reference: dict[tuple[str, str], dict[str, Any]] = {}
    if store is not None:
        prev = store.previous_run(result.source, result.tables)
        if prev is not None:
            reference = store.profiles_of(prev["run_id"])
    charts = []
    for p in result.profiles:
        key = (p["table"], p["column"])
        ref = reference.get(key)
        title = f"{p['table']}.{p['column']}"
        if p["kind"] == "numeric":
            series = {"this batch": p["profile"]["sample"]}
            if ref:
                series = {"previous batch": ref["sample"], **series}
            positive = all(v > 0 for v in p["profile"]["sample"][:1000])
            charts.append(
                {
                    "title": title,
                    "svg": svg.histogram(series, log=positive and p["column"].startswith("price")),
                }
            )
        else:
            counts = p["profile"]["counts"]
            items = sorted(counts.items(), key=lambda kv: -kv[1])[:15]
            charts.append({"title": title, "svg": svg.hbars([(k, float(v)) for k, v in items])})
    return charts


def _trend(result: GateResult, store: Store | None) -> str:
    if store is None:
        return svg.lines({}, [])
    runs = store.runs(limit=30, source=result.source).sort("started_at")
    labels = [str(r) for r in runs["run_id"].to_list()] + [result.run_id]
    q = [r["quarantined"] / r["input_rows"] if r["input_rows"] else 0.0 for r in runs.iter_rows(named=True)]
    q.append(result.quarantined_rows / result.input_rows if result.input_rows else 0.0)
    return svg.lines({"quarantined share": q}, labels)


def write_report(
    result: GateResult, out_dir: Path, store: Store | None = None, mask: bool = True
) -> tuple[Path, Path]:
    """Write ``<run_id>.json`` and ``<run_id>.html`` into ``out_dir`` (0700, files 0600);
    return both paths. ``mask=False`` shows personal data as it came (a local debugging aid)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(out_dir, 0o700)
    key: bytes | None = None
    if mask:
        # pseudonyms stable across a workspace's reports; a per-report key without a store
        key = workspace_secret(store.workspace) if store is not None else secrets.token_bytes(32)
    summary = result.summary()
    if key is not None:  # free-text facts an adapter noted (file names, notes) may hold contacts
        for part in ("notes", "meta", "source"):
            summary[part] = mask_value(part, summary[part], key)
    summary["completeness_scope"] = completeness_scopes(list(summary["completeness"]))
    json_path = out_dir / f"{result.run_id}.json"
    _write_private(json_path, json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    failures = sorted(
        (
            (f"{c['table']}:{c['code']}", float(c["failed"]))
            for c in result.checks
            if c["failed"] and c["action"] != "batch"
        ),
        key=lambda kv: -kv[1],
    )
    account_bars = []
    for name, a in summary["account"].items():
        account_bars += [
            (f"{name} accepted", float(a["accepted"])),
            (f"{name} quarantined", float(a["quarantined"])),
        ]
    html = _ENV.get_template("report.html.j2").render(
        s=summary,
        result=result,
        csp=REPORT_CSP,
        css=_CSS,
        account_svg=svg.hbars(account_bars),
        failures_svg=svg.hbars(failures, color=svg.PALETTE[3]),
        checks=[c for c in result.checks if c["failed"] or c["crossed"]],
        examples=_examples(result, key),
        distributions=_distributions(result, store),
        trend_svg=_trend(result, store),
        notes=readable_notes(summary),
    )
    html_path = out_dir / f"{result.run_id}.html"
    _write_private(html_path, html)
    return json_path, html_path


def readable_notes(summary: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The run's notes and input facts as (section, [(label, text)]) for people, not JSON:
    empty entries dropped, lists joined, nested mappings flattened into "a › b" labels."""

    def flat(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                flat(f"{prefix} › {k}" if prefix else str(k), v, out)
        elif isinstance(value, list | tuple):
            if all(not isinstance(v, dict | list | tuple) for v in value):
                out.append((prefix, ", ".join(str(v) for v in value)))
            else:
                for i, v in enumerate(value, 1):
                    flat(f"{prefix} {i}", v, out)
        else:
            out.append((prefix, mask_pii(str(value))))

    sections = []
    for title, data in (("Notes by table", summary.get("notes") or {}), ("Input", summary.get("meta") or {})):
        rows: list[tuple[str, str]] = []
        flat("", data, rows)
        if rows:
            sections.append((title, [(label.replace("_", " "), text) for label, text in rows]))
    return sections


#: Where a run's report waits, inside ``reports/``, until its run is recorded in the store: the
#: dashboard and ``/v1/quality/runs`` list runs by the report files in ``reports/`` itself.
PENDING = ".pending"


@contextmanager
def pending_report(result: GateResult, reports: Path, store: Store) -> Iterator[tuple[Path, Path]]:
    """Write the run's report into ``reports/.pending`` and yield its final (json, html) paths;
    publish the run inside the block. The report moves into ``reports/`` after the block, and is
    deleted if the block fails.

    Why: the report was written into ``reports/`` before the run was committed; an ingest killed
    in between (kill -9 at "publishing", 2026-12-06) left a report that the quality dashboard and
    ``/v1/quality/runs`` listed as a run the store never recorded, and no later ingest removed it.
    A report left in ``.pending`` by a killed process is settled by the next run (``settle_pending``)."""
    settle_pending(reports, store)
    tmp_json, tmp_html = write_report(result, reports / PENDING, store)
    final = reports / tmp_json.name, reports / tmp_html.name
    try:
        yield final
    except BaseException:
        tmp_json.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
        raise
    else:
        os.replace(tmp_json, final[0])
        os.replace(tmp_html, final[1])
    finally:
        with suppress(OSError):  # an empty .pending goes: reports/ holds only reports otherwise
            (reports / PENDING).rmdir()


def settle_pending(reports: Path, store: Store) -> list[str]:
    """Move each pending report whose run the store recorded (a process killed between the
    commit and the move) into ``reports/``; delete the others (killed before the commit). Returns
    the names moved."""
    folder = reports / PENDING
    moved: list[str] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if store.run(path.name.split(".", 1)[0]) is not None:
            os.replace(path, reports / path.name)
            moved.append(path.name)
        else:
            path.unlink(missing_ok=True)
    return moved
