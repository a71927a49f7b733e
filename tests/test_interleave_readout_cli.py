"""``shopmind experiments readout`` prints the first-position check the readout actually ran
(issue 15, round 13): first picks per ranker for team draft and probabilistic lists, the first
position's mean credit against its known mean 0 for optimized lists (it printed "first pick ..."
there, a check the readout did not run)."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from shopmind.cli import app as cli
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.interleave_log import InterleaveLog
from shopmind.experiments.interleave_opt import served_interleave
from shopmind.experiments.interleave_prob import probabilistic_interleave

A = [f"p{i}" for i in range(10)]
B = ["p1", "p0", "p3", "p2", "p4", "p6", "p5", "p7", "p9", "p8"]
N = 40


def _workspace(tmp_path, method: str):  # type: ignore[no-untyped-def]
    ws = tmp_path / method
    ws.mkdir()
    exp = {"name": "rankers", "layer": "ranking", "status": "running", "kind": "interleave", "traffic": 1.0,
           "method": method, "variant": [{"name": "old"}, {"name": "new"}]}  # fmt: skip
    registry.save(ws, parse_experiments({"experiment": [exp]}))
    log = InterleaveLog(ws, flush_seconds=3600)
    clicks = ["type,timestamp,user_id,session_id,item_id,request_id"]
    for i in range(N):
        rng = random.Random(i)
        if method == "optimized":
            m = served_interleave(A, B, 10, rng)
        else:
            m = probabilistic_interleave(A, B, 10, rng)
        log.record("rankers", f"u{i}", f"s{i}", f"r{i}", "search", list(m.items), m.teams, list(m.p_b))
        clicks.append(f"click,2030-01-01T00:00:00Z,u{i},s{i},{m.items[0]},r{i}")
    log.flush()
    log.close()
    (ws / "events.csv").write_text("\n".join(clicks) + "\n")
    return ws


def _readout(ws, *extra: str):  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(
        cli, ["experiments", "readout", "rankers", "-w", str(ws), "--events", str(ws / "events.csv"), *extra]
    )
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("method", ["optimized", "probabilistic"])
def test_readout_prints_the_check_it_ran(tmp_path, method: str) -> None:
    ws = _workspace(tmp_path, method)
    got = json.loads(_readout(ws, "--json"))
    checks = got["checks"]
    head = " ".join(_readout(ws).split())  # rich may wrap the line
    if method == "optimized":
        assert checks["first_check"] == "first_position_credit"
        fc = checks["first_position_credit"]
        assert fc["pvalue"] == got["srm"]["pvalue"]
        line = f"first position's mean credit {fc['mean']:+.3g} (known mean 0, p = {fc['pvalue']:.3g})"
        assert line in head and "first pick" not in head
    else:
        assert checks["first_check"] == "first_pick" and "first_position_credit" not in checks
        fp = checks["first_pick"]
        assert fp["old"] + fp["new"] == N
        line = f"first pick {fp['old']} old / {fp['new']} new (p = {fp['pvalue']:.3g})"
        assert line in head and "first position's" not in head
