"""The report of ``shopmind evaluate search``: the summary as JSON and as one self-contained
HTML page (tables, inline SVG bars, no script).

Split out of ``search/evaluate.py``; ``search.evaluate`` re-exports ``write_report`` and
``render_html``.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from shopmind.quality.svg import PALETTE, hbars
from shopmind.search.eval_data import VIEWS


def write_report(summary: dict[str, object], out_dir: Path | str, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and a self-contained ``<stem>.html`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    html_path = out_dir / f"{stem}.html"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    html_path.write_text(render_html(summary), encoding="utf-8")
    return json_path, html_path


def render_html(s: dict[str, object]) -> str:
    methods: dict[str, dict] = s["methods"]  # type: ignore[assignment]
    metrics = ("ndcg@10", "recall@100", "mrr@10")
    views = sorted({v for m in methods.values() for v in m["views"]}, key=lambda v: VIEWS.index(v))
    rows = []
    for name, m in methods.items():
        for v in views:
            r = m["views"].get(v)
            if r is None:
                continue
            cells = "".join(f"<td>{_fmt(r[k])}</td>" for k in metrics)
            rows.append(
                f"<tr><td>{escape(name)}</td><td>{v}</td>{cells}<td>{r['queries_per_second']}</td></tr>"
            )
            h = r.get("heldout")
            if h:
                cells = "".join(f"<td>{_fmt(h[k])}</td>" for k in metrics)
                rows.append(f"<tr><td>{escape(name)}</td><td>{v}, held-out half</td>{cells}<td></td></tr>")
    charts = []
    for i, (name, m) in enumerate(methods.items()):
        items = [
            (f"{v} {k}", float(m["views"][v][k]))
            for v in views
            for k in metrics
            if v in m["views"] and m["views"][v][k] is not None
        ]
        tuned = m.get("tuning", {}).get("chosen")
        what = (
            "scored out of fold" if "protocol" in m.get("tuning", {}) else "fusion chosen on the tuning half"
        )
        tuned_txt = f" {what}: {escape(json.dumps(tuned))}" if tuned else ""
        charts.append(
            f"<h3>{escape(name)} <span class='muted'>(fit {m['fit_seconds']} s){tuned_txt}</span></h3>"
            + hbars(items, color=PALETTE[i % len(PALETTE)], fmt="{:.3f}")
        )
    compare = []
    for v in views:
        items = [
            (f"{n} {v}", float(m["views"][v]["ndcg@10"]))
            for n, m in methods.items()
            if v in m["views"] and m["views"][v]["ndcg@10"] is not None
        ]
        compare.append(f"<h3>NDCG@10, {v}</h3>" + hbars(items, fmt="{:.3f}"))
    lang_rows = "".join(
        f"<tr><td>{escape(n)}</td><td>{_fmt(m['languages']['same_language_ndcg@10'])}</td>"
        f"<td>{_fmt(m['languages']['cross_language_ndcg@10'])}</td><td>{_fmt(m['languages']['cross_over_same'])}</td></tr>"
        for n, m in methods.items()
        if m.get("languages")
    )
    languages = (
        "<h2>Across languages</h2><p>NDCG@10 ranking every product of the query's own language "
        "(same) or of the other language (cross), on those products' judgments; goal cross/same >= 0.8.</p>"
        f"<table><tr><th>method</th><th>same-language</th><th>cross-language</th><th>cross/same</th></tr>{lang_rows}</table>"
        if lang_rows
        else ""
    )
    formulas = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in s["formulas"].items())  # type: ignore[union-attr]
    view_notes = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in s["views"].items())  # type: ignore[union-attr]
    notes = "".join(f"<li>{escape(n)}</li>" for n in s["notes"])  # type: ignore[union-attr]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Search evaluation: {escape(str(s["dataset"]))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,td:nth-child(2){{text-align:left}}
.muted{{color:#777;font-weight:normal}}</style></head><body>
<h1>Search evaluation: {escape(str(s["dataset"]))}</h1>
<p>{s["n_products"]:,} products, {s["n_queries"]:,} queries, {s["n_judgments"]:,} judgments; grades {s["scale"][0]:g}–{s["scale"][1]:g},
relevant from {s["relevance_threshold"]:g}. {escape(str(s["created_at"]))}</p>
<p>{escape(str(s.get("split", "")))}</p>
<table><tr><th>method</th><th>view</th><th>NDCG@10</th><th>Recall@100</th><th>MRR@10</th><th>queries/s</th></tr>
{"".join(rows)}</table>
{"".join(compare)}
{languages}
<h2>Per method</h2>{"".join(charts)}
<h2>Definitions</h2><ul>{formulas}{view_notes}</ul>
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>"""


def _fmt(v: object) -> str:
    return "–" if v is None else f"{v:.4f}"  # type: ignore[str-format]
