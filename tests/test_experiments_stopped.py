"""A stopped experiment's readout decides about stopping, never "keep running".

Seen walking the demo shop (t1v, session 29): after `shopmind experiments stop`, the readout (CLI
and dashboard) still advised "keep running: no variant differs on conversion yet" - advice nobody
can follow, since a stopped experiment assigns nobody.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from experiments_util import cli_readout_args, shop
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.readout import readout
from shopmind.experiments.reports import save_readout
from shopmind.experiments.stopped import as_stopped, when_stopped
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore

STATIC = Path(__file__).resolve().parents[1] / "src" / "shopmind" / "serve"


def _exp(status: str):
    return parse_experiments(
        {
            "experiment": [
                {
                    "name": "ab",
                    "layer": "search",
                    "traffic": 1.0,
                    "status": status,
                    "variant": [{"name": "control"}, {"name": "treatment"}],
                }
            ]
        }  # fmt: skip
    ).by_name("ab")


def test_a_stopped_experiment_without_a_difference_says_it_stopped_with_none() -> None:
    exposures, events = shop(300, {"control": 0.2, "treatment": 0.2}, seed=5)
    running = readout(_exp("running"), exposures, events)
    assert running.decision == "keep running: no variant differs on conversion yet (always-valid p >= 0.05)"
    stopped = readout(_exp("stopped"), exposures, events)
    last = exposures["timestamp"].max().date().isoformat()
    assert stopped.last_day == last
    assert stopped.decision == (
        f"stopped on {last}: no variant differed on conversion at the end (always-valid p >= 0.05)"
    )


def test_a_stopped_experiment_with_a_winner_says_so() -> None:
    exposures, events = shop(1500, {"control": 0.15, "treatment": 0.25}, seed=3)
    stopped = readout(_exp("stopped"), exposures, events).decision
    assert stopped.startswith(
        f"stopped on {exposures['timestamp'].max().date().isoformat()}: treatment wins on"
    )


def test_the_interleaving_forms_and_idempotence() -> None:
    running = "keep running: B - A = +0.01 credited items per list; A 3 vs B 4 wins, 9 ties (always-valid p = 0.4 >= 0.05)"
    assert when_stopped(running, "2026-12-06") == (
        "stopped on 2026-12-06: neither ranker won: B - A = +0.01 credited items per list; "
        "A 3 vs B 4 wins, 9 ties (always-valid p = 0.4 >= 0.05)"
    )
    none = when_stopped("keep running: no credited click, cart or purchase yet", None)
    assert none == "stopped: no credited click, cart or purchase"
    assert when_stopped(none, "2026-12-06") == none


def test_a_readout_saved_while_running_is_served_as_stopped(tmp_path) -> None:
    """The dashboard reads the saved readout: saved before the stop, it must not say keep running."""
    registry.save(tmp_path, parse_experiments({"experiment": [{"name": "ab", "layer": "search",
        "status": "running", "variant": [{"name": "control"}, {"name": "treatment"}]}]}))  # fmt: skip
    exposures, events = shop(300, {"control": 0.2, "treatment": 0.2}, seed=5)
    saved = readout(registry.load(tmp_path).by_name("ab"), exposures, events).to_dict()
    save_readout(tmp_path, "ab", saved)
    key = KeyStore(tmp_path).add("t-admin", "admin")
    last = exposures["timestamp"].max().date().isoformat()
    with TestClient(create_app(tmp_path, {"poll_seconds": 0.2})) as c:
        h = {"X-API-Key": key}
        assert c.get("/v1/experiments/ab", headers=h).json()["readout"]["decision"].startswith("keep running")
        assert c.post("/v1/experiments/ab/stop", headers=h).status_code == 200
        want = f"stopped on {last}: no variant differed on conversion at the end (always-valid p >= 0.05)"
        assert c.get("/v1/experiments/ab", headers=h).json()["readout"]["decision"] == want
        assert c.get("/v1/experiments", headers=h).json()["experiment"][0]["readout"]["decision"] == want
    # a readout saved before last_day existed is dated by its last daily look
    older = {k: v for k, v in saved.items() if k != "last_day"}
    assert as_stopped(older, "stopped")["decision"].startswith(f"stopped on {last}: ")  # type: ignore[index]


def test_the_cli_readout_of_a_stopped_experiment(tmp_path) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    exposures, events = shop(300, {"control": 0.2, "treatment": 0.2}, seed=5)
    args = cli_readout_args(tmp_path, exposures, events)
    run = CliRunner(env={"COLUMNS": "200"}).invoke
    assert run(app, ["experiments", "stop", "ab", *args[3:5]]).exit_code == 0
    r = run(app, args)
    assert r.exit_code == 0, r.output
    assert "keep running" not in r.output
    assert "no variant differed on conversion at the end" in " ".join(r.output.split())


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's rules")
@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_the_dashboard_rewords_the_stopped_decisions(lang: str) -> None:
    """experiments.js's RULES, run in node on each stopped form: every one is matched (not shown as
    English) and its message exists in the language."""
    js = (STATIC / "static" / "experiments.js").read_text(encoding="utf-8")
    start = js.index("  const NUM = ")
    rules = js[start : js.index("  const NAMES = ", start)]
    messages = json.loads((STATIC / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    cases = [
        "stopped on 2026-12-06: no variant differed on conversion at the end (always-valid p >= 0.05)",
        "stopped on 2026-12-06: treatment wins on conversion: +5.0% (always-valid p = 0.01)",
        "stopped: no data for the primary metric 'conversion'",
        "no credited click, cart or purchase",
        "neither ranker won: B - A = +0.01 credited items per list; A 3 vs B 4 wins, 9 ties (always-valid p = 0.4 >= 0.05)",
    ]
    script = rules + (
        "const out = [];\n"
        "function first(t) { for (const [re, key] of RULES) { const m = re.exec(t); if (m) return [key, m.groups || {}]; } return null; }\n"
        f"for (const t of {json.dumps(cases)}) {{ const a = first(t); const b = a && a[1].rest ? first(a[1].rest) : null;"
        " out.push([a && a[0], b && b[0], a && a[1].variant]); }\n"
        "console.log(JSON.stringify(out));\n"
    )
    got = json.loads(
        subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    )
    assert got == [
        ["stopped_on", "end_no_diff", None],
        ["stopped_on", "wins", None],
        ["stopped", "end_no_data", None],
        ["il_end_no_credit", None, None],
        ["il_end_even", None, None],
    ]
    for key in ("stopped_on", "stopped", "end_no_diff", "end_no_data", "il_end_no_credit", "il_end_even"):
        assert f"dash.exp.rule.{key}" in messages
