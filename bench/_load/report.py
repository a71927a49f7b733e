"""The printed table and the HTML page of a load run (the shapes docs/BENCHMARKS.md records)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


def print_table(report: dict[str, Any]) -> None:
    print()
    print(
        f"{'run':<11} {'target':>7} {'achieved':>8} {'route':<13} {'n':>6} {'p50':>7} {'p99':>8} {'err':>4} "
        f"{'client%':>7} {'server%':>7} {'box%':>5} held goals"
    )
    for run in ("mixed", "search_only", "recs_only"):
        for st in report.get(run, []):
            for i, (route, b) in enumerate(st["routes"].items()):
                head = (
                    f"{run:<11} {st['target_rps']:>7.0f} {st['all']['achieved_rps']:>8.1f}"
                    if i == 0
                    else f"{'':<11} {'':>7} {'':>8}"
                )
                tail = (
                    f" {st['client_cpu_pct']:>7} {st['server_cpu_pct']:>7} {st['machine_busy_pct']:>5} "
                    f"{'yes' if st['held'] else 'NO':<4} {'yes' if st['meets_goals'] else 'no'}"
                    if i == 0
                    else ""
                )
                print(
                    f"{head} {route:<13} {b['n']:>6} {b['p50_ms']!s:>7} {b['p99_ms']!s:>8} {b['errors']:>4}{tail}"
                )
    s = report["summary"]
    print()
    for k, v in s.items():
        print(f"{k}: {v}")
    if report.get("soak"):
        sk = report["soak"]
        print(
            f"soak: {sk['minutes']} min at {sk['target_rps']}/s, errors {sk['all']['errors']}, "
            f"search p99 {sk['groups'].get('search', {}).get('p99_ms')} ms, recs p99 {sk['groups'].get('recs', {}).get('p99_ms')} ms, "
            f"RSS {sk['rss_baseline_mb']} -> {sk['rss_final_mb']} MB ({sk['rss_growth_pct']:+.2f} %)"
        )


def _svg_lines(
    title: str, series: dict[str, list[tuple[float, float]]], xlab: str, ylab: str, hline: float | None = None
) -> str:
    """A tiny inline-SVG line chart (no JS, no dependency)."""
    w, h, pad = 520, 260, 48
    pts = [p for s in series.values() for p in s if p[1] is not None]
    if not pts:
        return ""
    xmax = max(p[0] for p in pts) or 1
    ymax = max([p[1] for p in pts] + ([hline] if hline else [])) * 1.1 or 1

    def X(x: float) -> float:
        return pad + (w - 2 * pad) * x / xmax

    def Y(y: float) -> float:
        return h - pad + -(h - 2 * pad) * y / ymax

    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    out = [
        f'<svg width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" style="font:11px sans-serif">',
        f'<text x="{w / 2}" y="16" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#000"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#000"/>',
        f'<text x="{w / 2}" y="{h - 10}" text-anchor="middle">{html.escape(xlab)} (max {xmax:g})</text>',
        f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" text-anchor="middle">{html.escape(ylab)} (max {ymax / 1.1:.1f})</text>',
    ]
    if hline:
        out.append(
            f'<line x1="{pad}" y1="{Y(hline):.1f}" x2="{w - pad}" y2="{Y(hline):.1f}" stroke="#999" stroke-dasharray="4"/>'
        )
    for i, (name, s) in enumerate(series.items()):
        s = [p for p in s if p[1] is not None]
        c = colours[i % len(colours)]
        out.append(
            f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
            + " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in s)
            + '"/>'
        )
        out.append(f'<text x="{w - pad + 4 - 100}" y="{pad + 14 * i}" fill="{c}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_html(report: dict[str, Any], path: Path) -> None:
    charts = []
    for run in ("mixed", "search_only", "recs_only"):
        steps = report.get(run) or []
        if not steps:
            continue
        series = {
            g: [
                (st["groups"][g]["achieved_rps"], st["groups"][g]["p99_ms"])
                for st in steps
                if g in st["groups"]
            ]
            for g in ("search", "recs", "events")
        }
        series = {g: s for g, s in series.items() if s}
        goal = 30.0 if run == "search_only" else 15.0 if run == "recs_only" else None
        charts.append(
            _svg_lines(
                f"{run}: p99 latency vs achieved req/s (per group)", series, "achieved req/s", "p99 ms", goal
            )
        )
    if report.get("soak"):
        charts.append(_svg_lines("soak: server RSS", {"RSS MB": report["soak"]["rss_mb"]}, "seconds", "MB"))
    rows = []
    for run in ("mixed", "search_only", "recs_only"):
        for st in report.get(run, []):
            for route, b in st["routes"].items():
                rows.append(
                    f"<tr><td>{run}</td><td>{st['target_rps']:g}</td><td>{b['achieved_rps']}</td><td>{route}</td>"
                    f"<td>{b['p50_ms']}</td><td>{b['p99_ms']}</td><td>{b['errors']}</td>"
                    f"<td>{st['client_cpu_pct']}</td><td>{st['server_cpu_pct']}</td><td>{st['machine_busy_pct']}</td></tr>"
                )
    summ = "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>" for k, v in report["summary"].items()
    )
    doc = f"""<!doctype html><meta charset="utf-8"><title>shopmind load</title>
<style>body{{font:14px sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}table{{border-collapse:collapse}}
tr:nth-child(even){{background:#f3f3f3}}</style>
<h1>shopmind serve — load and reliability</h1><p>{html.escape(report["meta"]["date"])} · {html.escape(report["meta"]["dataset"])}
· {report["meta"]["traffic"]["products"]} products · {report["meta"]["cpus"]} CPUs shared by client and server</p>
<ul>{summ}</ul>{"".join(charts)}
<table><tr><th>run</th><th>target/s</th><th>achieved/s</th><th>route</th><th>p50 ms</th><th>p99 ms</th><th>errors</th>
<th>client CPU %</th><th>server CPU %</th><th>box busy %</th></tr>{"".join(rows)}</table>"""
    path.write_text(doc, encoding="utf-8")
