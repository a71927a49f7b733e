"""Tiny inline-SVG charts for self-contained HTML reports.

Reports must open from a file on a machine with no network, so no JavaScript library or CDN:
a few bar, histogram and line charts drawn as SVG strings are all a person needs here.
"""

from __future__ import annotations

from html import escape

import numpy as np

PALETTE = ("#2f6fb3", "#e07b39", "#3a9a5b", "#c23b4e", "#7d5ba6")


def hbars(
    items: list[tuple[str, float]],
    width: int = 640,
    bar_h: int = 18,
    color: str = PALETTE[0],
    fmt: str = "{:,.0f}",
) -> str:
    """Horizontal bars, label on the left, value on the right."""
    if not items:
        return "<p class='muted'>nothing to show</p>"
    label_w, value_w = 300, 90
    top = max(v for _, v in items) or 1.0
    h = bar_h * len(items) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * bar_h + 2
        w = (width - label_w - value_w) * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h - 4}" fill="{color}"><title>{escape(label)}: {fmt.format(value)}</title></rect>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="12">{fmt.format(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    series: dict[str, list[float]], bins: int = 30, width: int = 640, height: int = 180, log: bool = False
) -> str:
    """Overlaid histograms (as densities) of a few samples on shared bins."""
    values = [np.asarray(v, dtype=float) for v in series.values() if len(v)]
    if not values:
        return "<p class='muted'>no values</p>"
    allv = np.concatenate(values)
    if log:
        allv = allv[allv > 0]
        if not len(allv):
            return "<p class='muted'>no positive values</p>"
    lo, hi = np.quantile(allv, [0.005, 0.995]) if len(allv) > 20 else (allv.min(), allv.max())
    if log:
        edges = np.geomspace(max(lo, 1e-9), max(hi, lo * 1.0001 + 1e-9), bins + 1)
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    dens = []
    for v in series.values():
        arr = np.clip(np.asarray(v, dtype=float), edges[0], edges[-1])
        counts = np.histogram(arr, edges)[0]
        dens.append(counts / max(counts.sum(), 1))
    top = max(float(d.max()) for d in dens) or 1.0
    pad_l, pad_b = 40, 30
    plot_w, plot_h = width - pad_l - 10, height - pad_b - 10
    bw = plot_w / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for k, (name, d) in enumerate(zip(series, dens, strict=True)):
        color = PALETTE[k % len(PALETTE)]
        for i, frac in enumerate(d):
            hgt = plot_h * frac / top
            parts.append(
                f'<rect x="{pad_l + i * bw + k * bw / len(dens):.1f}" y="{10 + plot_h - hgt:.1f}" width="{bw / len(dens):.1f}" height="{hgt:.1f}" fill="{color}" opacity="0.85"/>'
            )
        parts.append(
            f'<rect x="{pad_l + 10 + 120 * k}" y="0" width="10" height="10" fill="{color}"/><text x="{pad_l + 24 + 120 * k}" y="9" font-size="11">{escape(name)}</text>'
        )
    for frac, x in ((0, pad_l), (0.5, pad_l + plot_w / 2), (1, pad_l + plot_w)):
        val = (
            edges[0] + (edges[-1] - edges[0]) * frac if not log else edges[0] * (edges[-1] / edges[0]) ** frac
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{val:,.4g}</text>'
        )
    parts.append(
        f'<line x1="{pad_l}" y1="{10 + plot_h}" x2="{pad_l + plot_w}" y2="{10 + plot_h}" stroke="#888"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def lines(
    series: dict[str, list[float]],
    labels: list[str],
    width: int = 640,
    height: int = 200,
    fmt: str = "{:.1%}",
) -> str:
    """A line per series over the same x labels (runs in time order)."""
    if not labels:
        return "<p class='muted'>no history yet</p>"
    pad_l, pad_b = 50, 40
    plot_w, plot_h = width - pad_l - 20, height - pad_b - 20
    top = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    n = len(labels)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad_l + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, 20 + plot_h - plot_h * v / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for k, (name, vals) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(vals)))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(vals):
            x, y = xy(i, v)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(labels[i])}: {fmt.format(v)}</title></circle>'
            )
        parts.append(
            f'<rect x="{pad_l + 130 * k}" y="2" width="10" height="10" fill="{color}"/><text x="{pad_l + 14 + 130 * k}" y="11" font-size="11">{escape(name)}</text>'
        )
    parts.append(f'<text x="{pad_l - 6}" y="24" font-size="11" text-anchor="end">{fmt.format(top)}</text>')
    parts.append(
        f'<text x="{pad_l - 6}" y="{20 + plot_h}" font-size="11" text-anchor="end">{fmt.format(0)}</text>'
    )
    for i in {0, n - 1}:
        x, _ = xy(i, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{height - 12}" font-size="10" text-anchor="middle">{escape(labels[i][:16])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
