"""The printed table of ``shopmind evaluate forecast``: one row per model (MASE, RMSSE, bias,
interval coverages, seconds), what the demand read left out, and the goals' verdicts.

Its own module: ``evaluate.py`` runs the backtest and returns a JSON-ready result; this only
words that result for a terminal (the JSON and the docs read the same figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopmind.forecast import calibrate
from shopmind.forecast.ensemble import CALIB_REPORT
from shopmind.forecast.evaluate import OURS


def print_table(result: dict[str, Any], log: Callable[[str], None] = print) -> None:
    """Models best MASE first, then the demand line and the goals, one ``log`` call per line."""
    models = result["models"]
    nan = float("nan")
    log(
        f"{'model':<18}{'MASE':>8}{'RMSSE':>8}{'bias':>8}{'cov80':>8}{'cov95':>8}{'pit80':>8}{'pit95':>8}"
        f"{'sf80':>8}{'sf95':>8}{'sec':>8}"
    )
    for name in sorted(models, key=lambda n: models[n]["mase"]):
        f = models[name]
        log(
            f"{name:<18}{f['mase']:>8.3f}{f['rmsse']:>8.3f}{f['bias']:>8.3f}"
            f"{f.get('coverage_80', nan):>8.3f}{f.get('coverage_95', nan):>8.3f}"
            f"{f.get('coverage_pit80', nan):>8.3f}{f.get('coverage_pit95', nan):>8.3f}"
            f"{f.get('coverage_sf80', nan):>8.3f}{f.get('coverage_sf95', nan):>8.3f}{f['seconds']:>8.1f}"
        )
    demand = flagged_line(result.get("dataset", {}))
    if demand:
        log(demand)
    if "goals" in result:
        g = result["goals"]
        log(
            f"ours / best single statsforecast ({result['best_single_statsforecast']}): "
            f"{g['mase_ratio_to_best']:.3f} (goal <= 0.95: {'met' if g['mase_goal_met'] else 'NOT met'}); "
            f"coverage within 3 points: {'met' if g['coverage_goal_met'] else 'NOT met'}"
        )
        if "mase_ratio_mae_point_to_best" in g:
            log(
                f"ours-mae / best single: {g['mase_ratio_mae_point_to_best']:.3f}, / best single's own NB median: "
                f"{g['mase_ratio_mae_point_to_best_median']:.3f}; randomised-PIT coverage within 3 points: "
                f"{'met' if g['pit_coverage_goal_met'] else 'NOT met'}"
            )
            f = models[OURS]
            if "coverage_pit80_nearest" in f:
                log(
                    "randomised-PIT coverage 80/95 with the conformal rule"
                    + (" (re-centred)" if result.get("freq") in calibrate.RECENTRE_FREQS else "")
                    + " "
                    f"{f['coverage_pit80']:.3f}/{f['coverage_pit95']:.3f}, with the nearest-to-nominal rule "
                    f"(before 2026-12-04) {f['coverage_pit80_nearest']:.3f}/{f['coverage_pit95_nearest']:.3f}"
                )
            log(
                f"randomised-PIT coverage 80/95 by calibration windows (ours uses {result.get('calib_windows')}): "
                + "; ".join(
                    f"{n} {f[f'coverage_pit80_cw{n}']:.3f}/{f[f'coverage_pit95_cw{n}']:.3f}"
                    for n in CALIB_REPORT
                    if f"coverage_pit80_cw{n}" in f
                )
            )
            log(
                f"randomised-PIT coverage 80/95 by calibration cell (ours uses {calibrate.DEFAULT_SCHEME!r}"
                + (", re-centred: 'level'" if result.get("freq") in calibrate.RECENTRE_FREQS else "")
                + "): "
                + "; ".join(
                    f"{s} {f[f'coverage_pit80_{s}']:.3f}/{f[f'coverage_pit95_{s}']:.3f}"
                    for s in (*calibrate.SCHEMES, "expected", "level")
                    if f"coverage_pit80_{s}" in f
                )
            )


def flagged_line(meta: dict[str, Any]) -> str:
    """What the demand read left out (``--flagged``, the release's ``[forecast] flagged``), for the table; ""
    when the meta says nothing about it."""
    if "flagged" not in meta:
        return ""
    if meta.get("flagged_outliers") is None:
        return f"demand: --flagged {meta['flagged']} (long format: not gated, nothing flagged)"
    if meta["flagged"] == "keep":
        return (
            f"demand: --flagged keep: {meta['flagged_outliers']:,} purchases the gate flagged EVT_QTY_OUTLIER "
            "kept as demand"
        )
    return (
        f"demand: --flagged leave_out: {meta['flagged_outliers_left_out']:,} purchases flagged EVT_QTY_OUTLIER and "
        f"{meta['flagged_returns_left_out']:,} linked returns left out ({meta['flagged_units_left_out']:,.0f} units "
        "net), as the release reads demand"
    )


def named_models_note(names: list[str] | None, rows: dict[str, Any]) -> str | None:
    """With ``--models``, the rows the run added to the models named: ours' own candidates (on weekly
    panels with --thief, the default: the named models' THieF forms and LightGBM-mase, ours' partner,
    residual.weekly_pool; with --temporal its MAPA/daily forms). A shop that named one model saw
    LightGBM-mase and THieF rows without a word on where they came from (t1w's walk, session 32)."""
    if not names:
        return None
    bases = {n.removesuffix("+median") for n in rows}  # X+median: X's median point on count data
    added = sorted(n for n in bases if n not in names and not n.startswith(OURS))
    if not added:
        return None
    return (
        f"--models names the models compared and the pool ours chooses from ({', '.join(names)}); "
        f"{', '.join(added)}: ours' own additions to that pool (weekly series: the named models' "
        "THieF forms and LightGBM-mase, ours' partner; --no-thief leaves them out), not peers"
    )
