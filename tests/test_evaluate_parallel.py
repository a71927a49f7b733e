"""``evaluate recs`` in worker processes gives the serial path's figures (issue 12 item 3).

Runs the whole leave-one-out evaluation (every family, SASRec with a short grid, fusion and the
leave-one-out ranker) on a seeded sample of Beauty users with ``workers=1`` and ``workers=2``
and compares every chosen setting, validation value and test metric exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shopmind.recommend import als, base, evaluate, families, grid_pool
from shopmind.recommend.sasrec import torch_available

BEAUTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "amazon-beauty"


def _sample(tmp: Path, users: int) -> Path:
    lines = (BEAUTY / "Beauty.txt").read_text().splitlines()
    keep = np.sort(np.random.default_rng(5).permutation(len(lines))[:users])
    sub = [lines[i] for i in keep]
    (tmp / "Beauty.txt").write_text("\n".join(sub) + "\n")
    items = {t for line in sub for t in line.split()[1:]}
    attrs = json.loads((BEAUTY / "Beauty_item2attributes.json").read_text())
    (tmp / "Beauty_item2attributes.json").write_text(
        json.dumps({k: v for k, v in attrs.items() if k in items})
    )
    return tmp / "Beauty.txt"


@pytest.mark.skipif(not BEAUTY.exists(), reason="needs ../shared/data/amazon-beauty")
def test_two_workers_give_the_serial_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if torch_available():  # a short SASRec grid: the point is the cross-process path, not quality
        monkeypatch.setattr(families, "SASREC_GRID", [{**families.SASREC_GRID[0], "epochs": 4}])
    path = _sample(tmp_path, 500)
    serial = evaluate.run("amazon-5core", path, "loo", log=lambda _: None, workers=1)
    pooled = evaluate.run("amazon-5core", path, "loo", log=lambda _: None, workers=2)
    assert serial["workers"] == 1 and pooled["workers"] == 2
    assert "ours-ranker" in serial["test"] and "bpr" in serial["test"]
    assert serial["chosen"] == pooled["chosen"]
    assert serial["fusion"] == pooled["fusion"]
    for name, rows in serial["search"].items():
        assert [r["ndcg@10"] for r in rows] == [r["ndcg@10"] for r in pooled["search"][name]], name
    assert serial["test"] == pooled["test"]
    assert serial["ranker"]["valid_ndcg@10"] == pooled["ranker"]["valid_ndcg@10"]
    assert serial["ranker"]["rounds"] == pooled["ranker"]["rounds"]
    # the workers' CPU is counted: the pooled run's parent did only part of the work
    assert pooled["cpu_seconds_total"] > pooled["cpu_seconds_parent"]


def test_serial_runner_runs_tasks_one_threaded_and_restores() -> None:
    before = base.TOP_K_THREADS, als.THREADS
    with grid_pool.Runner({"p": 7}, workers=1) as runner:
        got = runner.submit(_settings_and_phase, "p").result()
        assert got == (1, 1, 7)
        failed = runner.submit(_settings_and_phase, "missing")
        with pytest.raises(KeyError):
            failed.result()
    assert before == (base.TOP_K_THREADS, als.THREADS)


def _settings_and_phase(name: str) -> tuple[int, int, object]:
    return base.TOP_K_THREADS, als.THREADS, grid_pool.phase(name)
