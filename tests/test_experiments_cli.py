"""`shopmind experiments`: define, start/stop without a build, read out; bad input exits 2 with one line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from experiments_util import AB_LTR_OFF, shop
from shopmind.cli import app
from shopmind.experiments import registry
from shopmind.experiments.assign import Assigner

DEF = "holdout = 0.0" + AB_LTR_OFF


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_define_start_stop_readout(tmp_path):
    ws = tmp_path / "ws"
    f = tmp_path / "exp.toml"
    f.write_text(DEF)
    assert run("experiments", "validate", str(f)).exit_code == 0
    assert run("experiments", "add", str(f), "-w", str(ws)).exit_code == 0
    assert registry.load(ws).by_name("ab").status == "draft"
    assert not Assigner(registry.load(ws)).assign("u1")  # drafts assign nobody
    assert run("experiments", "start", "ab", "-w", str(ws)).exit_code == 0
    assert Assigner(registry.load(ws)).assign("u1")[0].experiment == "ab"
    listed = run("experiments", "list", "-w", str(ws), "--json")
    assert json.loads(listed.stdout)["experiment"][0]["status"] == "running"

    exposures, events = shop(2000, {"control": 0.15, "treatment": 0.25}, seed=1)
    ex, ev = tmp_path / "exposures.parquet", tmp_path / "events.parquet"
    exposures.write_parquet(ex)
    events.write_parquet(ev)
    res = run(
        "experiments", "readout", "ab", "-w", str(ws), "--exposures", str(ex), "--events", str(ev), "--json"
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["blocked"] is False and body["decision"].startswith("treatment wins on conversion")
    assert sum(body["allocation"].values()) == 2000

    assert run("experiments", "stop", "ab", "-w", str(ws)).exit_code == 0
    assert not Assigner(registry.load(ws)).assign("u1")  # kill switch: defaults at once


def test_bad_input_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEF.replace('name = "treatment"', 'name = "treatment"\nweight = -1'))
    res = run("experiments", "validate", str(bad))
    assert (
        res.exit_code == 2
        and "experiment[0].variant[1].weight" in res.output
        and "Traceback" not in res.output
    )
    res = run("experiments", "start", "nope", "-w", str(tmp_path))
    assert res.exit_code == 2 and "'nope'" in res.output
    f = tmp_path / "exp.toml"
    f.write_text(DEF)
    run("experiments", "add", str(f), "-w", str(tmp_path))
    (tmp_path / "ex.csv").write_text("experiment,variant\nab,control\n")
    res = run("experiments", "readout", "ab", "-w", str(tmp_path), "--exposures", str(tmp_path / "ex.csv"),
              "--events", str(tmp_path / "ex.csv"))  # fmt: skip
    assert res.exit_code == 2 and "timestamp" in res.output
    res = run(
        "experiments",
        "readout",
        "ab",
        "-w",
        str(tmp_path),
        "--exposures",
        "missing.parquet",
        "--events",
        "x.csv",
    )
    assert res.exit_code == 2 and "missing.parquet" in res.output
    # a failed add leaves the workspace's set as it was
    before = registry.path(tmp_path).read_text()
    assert run("experiments", "add", str(bad), "-w", str(tmp_path)).exit_code == 2
    assert registry.path(tmp_path).read_text() == before


def test_readout_reads_the_workspace_exposure_log(tmp_path):
    from shopmind.experiments.assign import Assignment
    from shopmind.experiments.exposure import ExposureLog

    f = tmp_path / "exp.toml"
    f.write_text(DEF)
    run("experiments", "add", str(f), "-w", str(tmp_path))
    exposures, events = shop(600, {"control": 0.2, "treatment": 0.2}, seed=5)
    log = ExposureLog(tmp_path, flush_seconds=3600)
    for row in exposures.iter_rows(named=True):
        log.record([Assignment("ab", row["variant"], "search", "user", "ab")], row["unit_id"], row["session_id"],
                   row["request_id"], "search", row["n_results"])  # fmt: skip
    log.close()
    ev = tmp_path / "events.parquet"
    events.write_parquet(ev)
    res = run("experiments", "readout", "ab", "-w", str(tmp_path), "--events", str(ev), "--json")
    assert res.exit_code == 0, res.output
    assert sum(json.loads(res.stdout)["allocation"].values()) == 600
    res = run("experiments", "readout", "ab", "-w", str(tmp_path / "empty"), "--events", str(ev))
    assert res.exit_code == 2


def test_a_file_that_defines_nothing_is_refused(tmp_path):
    """An empty (or comments-only) definition was '0 experiment(s) valid', exit 0; add changed nothing."""
    empty = tmp_path / "empty.toml"
    empty.write_text("# my experiments\n")
    for cmd in (("validate", str(empty)), ("add", str(empty), "-w", str(tmp_path / "ws"))):
        res = run("experiments", *cmd)
        assert res.exit_code == 2, res.output
        assert "defines nothing" in res.output and "[[experiment]]" in res.output
        assert "Traceback" not in res.output
    assert not (tmp_path / "ws").exists()  # nothing written
    settings_only = tmp_path / "holdout.toml"
    settings_only.write_text("holdout = 0.05\n")
    assert run("experiments", "validate", str(settings_only)).exit_code == 0


def test_a_definition_error_names_its_file(tmp_path):
    # `add` / `validate` said "experiments.serach: unknown field", not which file held it
    bad = tmp_path / "exp.toml"
    bad.write_text(DEF + "\n[serach]\nltr = 'off'\n")
    for args in (("validate", str(bad)), ("add", str(bad), "-w", str(tmp_path / "ws"))):
        res = run("experiments", *args)
        assert res.exit_code == 2 and "Traceback" not in res.output
        # a shop TOML's table checker (cli/shop_toml.py): the file, the table and the nearest known one
        assert " ".join(res.output.split()).startswith(
            f"error: {bad}: unknown table [serach] (did you mean [search]?)"
        ), res.output
    assert not (tmp_path / "ws").exists()
