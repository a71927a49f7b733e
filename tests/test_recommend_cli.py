"""``evaluate recs`` end to end on a tiny S3-Rec-format file, through the typer command."""

from __future__ import annotations

import json

import numpy as np
import typer
from typer.testing import CliRunner

from shopmind.recommend.cli import register
from shopmind.recommend.sasrec import torch_available


def _app() -> typer.Typer:
    app = typer.Typer()
    sub = typer.Typer()
    register(sub)
    app.add_typer(sub, name="evaluate")
    return app


def test_recs_command_writes_json_and_html(tmp_path):
    rng = np.random.default_rng(3)
    lines = []
    for u in range(1, 41):
        start = int(rng.integers(1, 15))
        lines.append(" ".join(str(x) for x in [u, *range(start, start + 6)]))  # users walk a chain of items
    data = tmp_path / "Tiny.txt"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        _app(), ["evaluate", "recs", "--format", "amazon-5core", str(data), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    reports = sorted(out.glob("recs-amazon-5core-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".html").exists()
    doc = json.loads(reports[0].read_text())
    assert doc["sizes"]["test_users"] == 40
    sequential = {"markov"} | ({"sasrec"} if torch_available() else set())
    assert (
        set(doc["test"])
        == {"popularity", "item-knn", "als", "bpr", "covisit", "ours-v1", "ours-ranker"} | sequential
    )
    assert doc["test"]["markov"]["hit@5"] > 0.5  # a chain is exactly a first-order pattern
    # the leave-one-out ranker: chosen on validation, over the fused generators' candidates
    assert doc["test"]["ours-ranker"]["hit@5"] > 0.5 and doc["ranker"]["rounds"] >= 1
    # on a chain the next item follows the last one: co-visitation must find most of them
    assert doc["test"]["covisit"]["hit@5"] > 0.5
    assert "<svg" in reports[0].with_suffix(".html").read_text()


def test_recs_command_rejects_unknown_format(tmp_path):
    result = CliRunner().invoke(_app(), ["evaluate", "recs", "--format", "nope", str(tmp_path)])
    assert result.exit_code == 2


def test_recs_command_skips_methods_on_request_and_rejects_unknown(tmp_path):
    data = tmp_path / "Tiny.txt"
    data.write_text("\n".join(f"{u} {u} {u + 1} {u + 2} {u + 3}" for u in range(1, 21)) + "\n")
    out = tmp_path / "out"
    args = ["evaluate", "recs", "--format", "amazon-5core", str(data), "--out", str(out)]
    result = CliRunner().invoke(_app(), [*args, "--skip", "sasrec,bpr"])
    assert result.exit_code == 0, result.output
    doc = json.loads(next(out.glob("recs-*.json")).read_text())
    assert "sasrec" not in doc["test"] and "bpr" not in doc["test"] and "markov" in doc["test"]
    assert any("bpr skipped" in n for n in doc["protocol_notes"])
    bad = CliRunner().invoke(_app(), [*args, "--skip", "nope"])
    assert bad.exit_code == 2 and "unknown method" in bad.output
