"""The printed table of ``shopmind evaluate forecast`` (forecast/eval_table.py): rows best MASE
first with every column, the demand line, and the goals said as met / NOT met from the result."""

from shopmind.forecast.eval_table import print_table
from shopmind.forecast.evaluate import OURS


def _row(mase: float, **extra: float) -> dict[str, float]:
    return {"mase": mase, "rmsse": mase + 0.1, "bias": -0.02, "seconds": 1.25, **extra}


def test_rows_by_mase_then_demand_and_goals() -> None:
    result = {
        "models": {
            "seasonal_naive": _row(1.2),
            OURS: _row(0.8, coverage_80=0.79, coverage_95=0.94),
            "AutoETS": _row(0.9),
        },
        "dataset": {"flagged": "keep", "flagged_outliers": 1234},
        "best_single_statsforecast": "AutoETS",
        "goals": {"mase_ratio_to_best": 0.8 / 0.9, "mase_goal_met": True, "coverage_goal_met": False},
    }
    lines: list[str] = []
    print_table(result, lines.append)
    assert lines[0].split() == ["model", "MASE", "RMSSE", "bias", "cov80", "cov95", "pit80", "pit95",
                                "sf80", "sf95", "sec"]  # fmt: skip
    assert [line.split()[0] for line in lines[1:4]] == [OURS, "AutoETS", "seasonal_naive"]
    ours = lines[1].split()
    assert ours[1:4] == ["0.800", "0.900", "-0.020"] and ours[4:6] == ["0.790", "0.940"]
    assert ours[6] == "nan" and ours[-1] == "1.2"  # a coverage the row lacks is nan, not a crash
    assert (
        lines[4] == "demand: --flagged keep: 1,234 purchases the gate flagged EVT_QTY_OUTLIER kept as demand"
    )
    assert lines[5] == (
        "ours / best single statsforecast (AutoETS): 0.889 (goal <= 0.95: met); coverage within 3 points: NOT met"
    )
    assert len(lines) == 6


def test_no_demand_line_nor_goals_when_the_result_has_none() -> None:
    lines: list[str] = []
    print_table({"models": {OURS: _row(1.0)}}, lines.append)
    assert len(lines) == 2 and lines[1].startswith(OURS)
