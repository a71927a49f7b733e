"""The four evaluate commands take the same --workspace/-w and write where the evaluation dashboard
reads (``<workspace>/evaluation``); the page lists the assistant's and the forecast's files apart.

Why: ``evaluate search|recs`` had -w (t1x, session 28) while ``evaluate assistant`` wrote to
shopmind-data/reports and ``evaluate forecast`` to shopmind-data/reports/forecast.json, which no page
read; read by /v1/evaluation they would have been listed as search results (t1y, session 29).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app

KINDS = ("search", "recs", "assistant", "forecast")


def _command(kind: str):
    import typer.main

    root = typer.main.get_command(app)
    return root.commands["evaluate"].commands[kind]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_every_evaluate_command_has_the_same_workspace_option(kind: str) -> None:
    params = {p.name: p for p in _command(kind).params}
    ws = params["workspace"]
    assert {"--workspace", "-w"} <= set(ws.opts) and Path(ws.default) == Path("shopmind-data")
    assert ws.help == {p.name: p for p in _command("search").params}["workspace"].help
    assert params["out"].default is None and "<workspace>/evaluation" in params["out"].help


def _weekly(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    d0 = date(2025, 1, 6)
    rows = [{"id": f"s{i}", "date": d0 + timedelta(weeks=w), "value": float(rng.poisson(5))}
            for i in range(4) for w in range(60)]  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "weekly.csv")
    return tmp_path / "weekly.csv"


def test_forecast_writes_into_the_workspace_evaluation_folder(tmp_path: Path) -> None:
    data = _weekly(tmp_path)
    args = [
        "evaluate",
        "forecast",
        str(data),
        "--horizon",
        "4",
        "--models",
        "SeasonalNaive",
        "-w",
        str(tmp_path / "ws"),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    (saved,) = (tmp_path / "ws" / "evaluation").glob("forecast-long-*.json")
    body = json.loads(saved.read_text())
    assert body["kind"] == "forecast" and body["series"] == 4
    assert "holds no shop of its own" not in res.output


def _stub_assistant(monkeypatch) -> None:
    import shopmind.assistant.evaluate as E

    monkeypatch.setattr(E, "build_demo", lambda **kw: SimpleNamespace(questions=[1]))
    monkeypatch.setattr(E, "evaluate", lambda demo: {"questions": 1, "intent_accuracy": 1.0, "failures": []})


def test_assistant_writes_into_the_workspace_evaluation_folder(tmp_path: Path, monkeypatch) -> None:
    _stub_assistant(monkeypatch)  # the demo shop takes minutes: the option and the place are tested
    res = CliRunner().invoke(app, ["evaluate", "assistant", "-w", str(tmp_path / "ws"), "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads((tmp_path / "ws" / "evaluation" / "assistant_eval.json").read_text())
    assert body["kind"] == "assistant" and body["questions"] == 1
    res = CliRunner().invoke(app, ["evaluate", "assistant", "--out", str(tmp_path / "elsewhere")])
    assert res.exit_code == 0 and (tmp_path / "elsewhere" / "assistant_eval.json").is_file()


def test_a_report_in_a_workspace_without_a_shop_names_the_shop_below(tmp_path: Path, monkeypatch) -> None:
    """After `make demo` the shop is shopmind-data/demo: a report in shopmind-data/evaluation is on
    no dashboard, and the command says which workspace to pass, as the other commands do."""
    (tmp_path / "shopmind-data" / "demo" / "releases").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    _stub_assistant(monkeypatch)
    res = CliRunner().invoke(app, ["evaluate", "assistant"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "shopmind-data holds no shop of its own, but shopmind-data/demo does" in flat
    assert "pass --workspace shopmind-data/demo" in flat
    data = _weekly(tmp_path)
    res = CliRunner().invoke(
        app, ["evaluate", "forecast", str(data), "--horizon", "4", "--models", "SeasonalNaive"]
    )
    assert res.exit_code == 0, res.output
    assert "pass --workspace shopmind-data/demo" in " ".join(res.output.split())
    assert len(list((tmp_path / "shopmind-data" / "evaluation").glob("forecast-long-*.json"))) == 1


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("assistant_eval.json", {"kind": "assistant", "questions": 3}, "assistant"),
        ("assistant_eval_e5.json", {"questions": 3}, "assistant"),  # written before the kind
        ("forecast-long-20261207-010203.json", {"kind": "forecast", "models": {}}, "forecast"),
        ("forecast.json", {"models": {}}, "forecast"),
        ("recs-online-retail-x.json", {"protocol": "time"}, "recs"),
        ("search-canonical-x.json", {"methods": {}}, "search"),
        ("odd.json", [1, 2], "search"),  # a list, not an object: no AttributeError
    ],
)
def test_the_evaluation_api_lists_each_kind_apart(name: str, body: object, kind: str) -> None:
    from shopmind.serve.routes.quality import _eval_kind

    assert _eval_kind(name, body) == kind
