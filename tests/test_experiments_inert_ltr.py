"""`shopmind experiments start|readout` say when `ltr = "off"` has no re-ranker to turn off.

docs/API.md's example experiment is `ltr-off`; the demo shop's build rejected the re-ranker (it lost
NDCG@10 on the held-out queries), so the experiment's arms answered alike and its readout said "no
variant differs" with nothing to say why (t1v, session 29).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.cli.experiment_notes import inert_ltr_note
from shopmind.experiments import registry
from shopmind.experiments.definition import parse_experiments

REASON = "the re-ranker lost NDCG@10 on the held-out queries"


def _workspace(root: Path, attached: bool) -> Path:
    """A workspace serving release r1 (with or without ``search/ltr/ltr.json``) and two experiments."""
    ws = root / "ws"
    rel = ws / "releases" / "r1"
    (rel / "search").mkdir(parents=True)
    manifest = {"id": "r1", "components": {"search": {"ltr": {"ltr": "deferred", "reason": "trained with the text vectors"},
                "search_vectors": {"ltr": {"ltr": "attached" if attached else "rejected", "reason": REASON}}}}}  # fmt: skip
    (rel / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    if attached:
        (rel / "search" / "ltr").mkdir()
        (rel / "search" / "ltr" / "ltr.json").write_text("{}", encoding="utf-8")
    (ws / "releases" / "CURRENT").write_text("r1", encoding="utf-8")
    registry.save(ws, parse_experiments({"experiment": [
        {"name": "ltr-off", "layer": "search", "traffic": 0.5,
         "variant": [{"name": "control"}, {"name": "treatment", "overrides": {"search": {"ltr": "off"}}}]},
        {"name": "rrf", "layer": "other", "variant": [{"name": "a"}, {"name": "b", "overrides": {"search": {"fusion": "rrf"}}}]},
    ]}))  # fmt: skip
    return ws


def test_starting_ltr_off_on_a_release_without_a_reranker_says_it_changes_nothing(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, attached=False)
    r = CliRunner().invoke(app, ["experiments", "start", "ltr-off", "-w", str(ws)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "ltr-off: running" in text
    assert f'no learned re-ranker ({REASON}), so ltr = "off" changes nothing' in text
    assert registry.load(ws).by_name("ltr-off").status == "running"


def test_no_note_where_the_override_does_something(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, attached=True)
    assert inert_ltr_note(ws, registry.load(ws).by_name("ltr-off")) is None  # a re-ranker is attached
    bare = _workspace(tmp_path / "other", attached=False)
    assert inert_ltr_note(bare, registry.load(bare).by_name("rrf")) is None  # no ltr override
    r = CliRunner().invoke(app, ["experiments", "start", "rrf", "-w", str(bare)])
    assert r.exit_code == 0 and "note:" not in r.output


def test_the_readout_says_it_before_its_result(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, attached=False)
    r = CliRunner().invoke(app, ["experiments", "readout", "ltr-off", "-w", str(ws)], env={"COLUMNS": "200"})
    assert r.exit_code == 2  # no exposures in this workspace: a usage error, after the note
    text = " ".join(r.output.split())
    assert text.index('ltr = "off" changes nothing') < text.index("no exposures of 'ltr-off'")
