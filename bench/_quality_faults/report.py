"""The printed per-dataset report and the run's summary (shape recorded in docs/BENCHMARKS.md)."""

from __future__ import annotations

from typing import Any

from .runner import DatasetReport


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def format_report(rep: DatasetReport) -> str:
    lines = [f"== {rep.name}: {rep.description}", f"   now = {rep.now.isoformat()}; {rep.seconds:.1f} s"]
    for run, rows in rep.input_rows.items():
        lines.append(f"   input rows [{run}]: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    head = (
        f"   {'class':<34} {'round':<11} {'action':<10} {'injected':>8} {'detected':>8} {'tp':>6} {'recall':>7} "
        f"{'precision':>9} {'clean-prec':>10} {'fp_clean':>8} {'fp_defect':>9} {'lost':>5}"
    )
    lines += [head, "   " + "-" * (len(head) - 3)]
    for c in rep.classes:
        lines.append(
            f"   {c.key:<34} {c.round:<11} {c.action:<10} {c.injected:>8,} {c.detected:>8,} {c.tp:>6,} "
            f"{_pct(c.recall):>7} {_pct(c.precision):>9} {_pct(c.clean_precision):>10} {c.fp_clean:>8,} "
            f"{c.fp_defect:>9,} {c.lost:>5,}"
        )
    for c in rep.classes:
        if c.missed_rows:
            lines.append(f"   missed {c.key}: rows {', '.join(map(str, c.missed_rows[:8]))}"
                         + (" ..." if len(c.missed_rows) > 8 else ""))  # fmt: skip
        for other, n in c.fp_defect_on.items():
            lines.append(f"   extra code {c.key} on {n:,} rows injected as {c.table}/{other}")
    for c in rep.side_effects:
        lines.append(
            f"   side effect [{c.round} round, {c.key} not injected]: {c.fp_clean:,} new on clean rows, "
            f"{c.fp_defect:,} new on injected rows, {c.lost:,} baseline detections lost"
        )
    for key, note in rep.notes.items():
        lines.append(f"   note {key}: {note}")
    for key, why in rep.not_applicable.items():
        lines.append(f"   n/a  {key}: {why}")
    for acc in rep.account:
        if "error" in acc:
            lines.append(f"   account [{acc['run']}]: BROKEN - {acc['error']}")
            continue
        parts = [
            f"{t} {a['input']:,} = {a.get('accepted', 0):,} + {a.get('quarantined', 0):,}{'' if a['ok'] else ' BROKEN'}"
            for t, a in acc["tables"].items()
        ]
        lines.append(f"   account [{acc['run']}]: {'ok' if acc['ok'] else 'BROKEN'} ({'; '.join(parts)})")
    return "\n".join(lines)


def summarise(reports: list[DatasetReport]) -> dict[str, Any]:
    injected = [(r.name, c) for r in reports for c in r.classes if c.injected]
    full = [(n, c) for n, c in injected if c.recall == 1.0]
    with_det = [(r.name, c) for r in reports for c in r.classes if c.detected]
    worst = min(with_det, key=lambda nc: nc[1].precision or 0.0, default=None)
    worst_clean = min(
        ((n, c) for n, c in with_det if c.clean_precision is not None),
        key=lambda nc: nc[1].clean_precision or 0.0,
        default=None,
    )
    side = [(r.name, c) for r in reports for c in r.side_effects]
    return {
        "classes_injected": len(injected),
        "classes_full_recall": len(full),
        "below_full_recall": [f"{n}:{c.key} {_pct(c.recall)}" for n, c in injected if c.recall != 1.0],
        "min_precision": worst[1].precision if worst else None,
        "min_precision_class": f"{worst[0]}:{worst[1].key}" if worst and worst[1].precision != 1.0 else None,
        "min_clean_precision": worst_clean[1].clean_precision if worst_clean else None,
        "min_clean_precision_class": (
            f"{worst_clean[0]}:{worst_clean[1].key}"
            if worst_clean and worst_clean[1].clean_precision != 1.0
            else None
        ),
        "fp_clean_rows": sum(c.fp_clean for r in reports for c in r.classes),
        "fp_defect_rows": sum(c.fp_defect for r in reports for c in r.classes),
        "side_effect_new_clean": sum(c.fp_clean for _, c in side),
        "side_effect_lost": sum(c.lost for _, c in side),
        "side_effects": [
            f"{n}:{c.key} ({c.round}) +{c.fp_clean} clean/+{c.fp_defect} injected/-{c.lost}" for n, c in side
        ],
        "account_ok": all(r.account_ok for r in reports),
    }
