"""The report of ``shopmind evaluate recs``: the run's JSON and a self-contained HTML page.

Split out of ``recommend/evaluate.py`` (which re-exports ``write_report`` and
``MAIN_COLUMNS``), as ``search/eval_report.py`` is for search: the evaluation computes, this
module only renders.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from shopmind.quality.svg import PALETTE, hbars

MAIN_COLUMNS = ("hit@5", "hit@10", "hit@20", "ndcg@5", "ndcg@10", "ndcg@20", "recall@10", "recall@20",
                "mrr@10", "precision@10", "coverage@20", "novelty@10")  # fmt: skip


def write_report(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """JSON and a self-contained HTML report (inline SVG bars; opens offline)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"recs-{result['format']}-{result['created'].replace(':', '').replace('+0000', 'Z')}"
    json_path = out_dir / f"{stem}.json"
    html_path = out_dir / f"{stem}.html"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    test = result["test"]
    head = "".join(f"<th>{escape(c)}</th>" for c in MAIN_COLUMNS)
    rows = "".join(
        f"<tr><td>{escape(name)}</td>"
        + "".join(f"<td>{m.get(c, float('nan')):.4f}</td>" for c in MAIN_COLUMNS)
        + f"<td>{result['timings'][name]['fit_s']:.1f}</td><td>{result['timings'][name]['rank_s']:.1f}</td></tr>"
        for name, m in test.items()
    )
    charts = "".join(
        f"<h3>{escape(metric)} (test)</h3>"
        + hbars([(n, m[metric]) for n, m in test.items()], color=PALETTE[i % len(PALETTE)], fmt="{:.4f}")
        for i, metric in enumerate(("ndcg@10", "hit@10", "recall@20", "coverage@20"))
    )
    chosen = "".join(
        f"<li><b>{escape(n)}</b>: {escape(json.dumps(c['params']))} — valid {escape(result['selection_metric'])} "
        f"{c['valid_' + result['selection_metric']]:.4f}</li>"
        for n, c in result["chosen"].items()
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in result["protocol_notes"])
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>shopmind recs — {escape(result["format"])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 7px;text-align:right}}td:first-child{{text-align:left}}</style></head><body>
<h1>Recommendation evaluation: {escape(result["format"])}</h1>
<p>{escape(result["path"])} — {escape(result["created"])} — total {result["seconds_total"]:.0f}s</p>
<h2>Protocol</h2><p>{escape(result["protocol"])}</p><ul>{notes}</ul>
<p>sizes: {escape(json.dumps(result["sizes"]))}; gate: {escape(json.dumps(result["gate"]))}</p>
<h2>Test results (full ranking)</h2><table><tr><th>model</th>{head}<th>fit s</th><th>rank s</th></tr>{rows}</table>
{charts}
<h2>Chosen on validation ({escape(result["selection_metric"])})</h2><ul>{chosen}</ul>
<p>ours-v1 fusion: {escape(json.dumps(result["fusion"]))}</p>
</body></html>"""
    html_path.write_text(html)
    return json_path, html_path
