"""Write a gate run as a JSON summary and a self-contained HTML report.

The HTML is what a person opens after an ingest: the account first (where every row went),
then failures by check with example rows, repairs, distributions and drift against the
previous batch, and the trend over past runs of the same source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from shopmind.data.model import FLAGS, ROW
from shopmind.quality import svg
from shopmind.quality.gate import GateResult
from shopmind.store.store import Store

EXAMPLES = 8


def _examples(result: GateResult) -> dict[str, list[dict[str, Any]]]:
    """Up to EXAMPLES failing rows per code: quarantined payloads, flagged rows, repairs."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, t in result.tables.items():
        if t.quarantine.height:
            exploded = t.quarantine.explode("codes")
            for code in exploded["codes"].unique().sort().to_list():
                rows = exploded.filter(pl.col("codes") == code).head(EXAMPLES)
                out.setdefault(f"{name}:{code}", []).extend(
                    {"row": r["row_no"], "line": r["line"], "what": r["detail"], "data": r["payload"]}
                    for r in rows.iter_rows(named=True)
                )
        flagged = t.accepted.filter(pl.col(FLAGS).list.len() > 0)
        if flagged.height:
            exploded = flagged.explode(FLAGS)
            for code in exploded[FLAGS].unique().sort().to_list():
                rows = exploded.filter(pl.col(FLAGS) == code).head(EXAMPLES).drop(FLAGS)
                out.setdefault(f"{name}:{code}", []).extend(
                    {
                        "row": r[ROW],
                        "line": r.get("_line"),
                        "what": "flagged, accepted",
                        "data": json.dumps(
                            {k: v for k, v in r.items() if v is not None and not k.startswith("_")},
                            default=str,
                            ensure_ascii=False,
                        ),
                    }
                    for r in rows.iter_rows(named=True)
                )
        if t.audit.height:
            for code in t.audit["code"].unique().sort().to_list():
                rows = t.audit.filter(pl.col("code") == code).head(EXAMPLES)
                out.setdefault(f"{name}:{code}", []).extend(
                    {
                        "row": r[ROW],
                        "line": None,
                        "what": f"{r['column_name']} repaired",
                        "data": f"{r['old_value']!r} → {r['new_value']!r}",
                    }
                    for r in rows.iter_rows(named=True)
                )
    return out


def _distributions(result: GateResult, store: Store | None) -> list[dict[str, str]]:
    reference: dict[tuple[str, str], dict[str, Any]] = {}
    if store is not None:
        prev = store.previous_run(result.source)
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
                {"title": title, "svg": svg.histogram(series, log=positive and p["column"] == "price")}
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


def write_report(result: GateResult, out_dir: Path, store: Store | None = None) -> tuple[Path, Path]:
    """Write ``<run_id>.json`` and ``<run_id>.html`` into ``out_dir``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    json_path = out_dir / f"{result.run_id}.json"
    json_path.write_text(json.dumps(summary, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
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
    env = Environment(loader=PackageLoader("shopmind.quality", "templates"), autoescape=select_autoescape())
    html = env.get_template("report.html.j2").render(
        s=summary,
        result=result,
        account_svg=svg.hbars(account_bars),
        failures_svg=svg.hbars(failures, color=svg.PALETTE[3]),
        checks=[c for c in result.checks if c["failed"] or c["crossed"]],
        examples=_examples(result),
        distributions=_distributions(result, store),
        trend_svg=_trend(result, store),
    )
    html_path = out_dir / f"{result.run_id}.html"
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path
