"""`shopmind evaluate forecast` without --out writes where the other evaluations do
(`<workspace>/evaluation/`, the folder the evaluation dashboard reads; t1y, session 29: it was
`shopmind-data/reports/`), not into `bench/results/` of whatever folder it runs in.

Seen running the README's example from a shop's own folder: "saved bench/results/forecast.json",
a `bench/results/` created beside the shop's files (the repository's benchmark folder name).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from shopmind.cli import app


def test_the_default_result_file_is_under_the_workspace_evaluation(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    d0 = date(2025, 1, 6)
    rows = [
        {"id": f"s{i}", "date": d0 + timedelta(weeks=w), "value": float(rng.poisson(5))}
        for i in range(4)
        for w in range(60)
    ]
    pl.DataFrame(rows).write_csv(tmp_path / "weekly.csv")
    monkeypatch.chdir(tmp_path)
    args = ["evaluate", "forecast", "weekly.csv", "--horizon", "4", "--models", "SeasonalNaive"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    (saved,) = (tmp_path / "shopmind-data" / "evaluation").glob("forecast-long-*.json")
    assert f"saved shopmind-data/evaluation/{saved.name}" in res.output
    assert json.loads(saved.read_text())["series"] == 4
    assert not (tmp_path / "bench").exists()
    # --models SeasonalNaive still lists ours' own candidates (t1w's walk, session 32): now said
    rows = json.loads(saved.read_text())["models"]
    assert "LightGBM-mase" in rows and "THieF-SeasonalNaive" in rows, sorted(rows)
    assert "--models names the models compared and the pool ours chooses from (SeasonalNaive); " in res.output
    assert "LightGBM-mase, THieF-SeasonalNaive: ours' own additions" in res.output, res.output


def test_a_running_evaluation_shows_that_it_works(tmp_path: Path, monkeypatch) -> None:
    """After its load lines the README's Online Retail example printed nothing for minutes (seen:
    7+ minutes at load ~10). A terminal now shows a spinner, what runs and the elapsed time."""
    import io

    from rich.console import Console

    import shopmind.cli.forecast as F

    screen = io.StringIO()
    monkeypatch.setattr(F, "console", Console(file=screen, force_terminal=True, width=160))
    rng = np.random.default_rng(1)
    d0 = date(2025, 1, 6)
    rows = [{"id": f"s{i}", "date": d0 + timedelta(weeks=w), "value": float(rng.poisson(5))} for i in range(4) for w in range(60)]  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "weekly.csv")
    args = [
        "evaluate",
        "forecast",
        str(tmp_path / "weekly.csv"),
        "--horizon",
        "4",
        "--models",
        "SeasonalNaive",
    ]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    assert "backtesting every model on 4 series at 1 cut(s)" in screen.getvalue()
    assert "0:00:0" in screen.getvalue()  # the elapsed-time column
