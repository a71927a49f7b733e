"""`evaluate search/recs/forecast` gate their data with the shop's gate settings, and say which (session 32, t1f).

They ran the dataset through the quality gate with the default settings even for a workspace whose batches went
through its own gate.toml (``ingest --config``): the figures were for another gate than the shop's. ``ingest`` now
keeps the gate tables it ran with (``<workspace>/gate_settings.json``); an evaluation uses ``--config``, else the
workspace's, else the defaults, and prints which (also in its JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.gate_settings import SETTINGS_FILE, remember, resolve

FLAG = '[checks.PRD_PRICE_NONPOSITIVE]\naction = "flag"\n'


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """A canonical folder (one product priced 0: PRD_PRICE_NONPOSITIVE quarantines it by default) and a gate.toml
    that only flags it."""
    root = tmp_path_factory.mktemp("evalgate")
    (root / "shop").mkdir()
    n = 6
    pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n)],
            "title": ["red lamp", "blue lamp", "green chair", "red chair", "oak table", "red table"],
            "price": [0.0, 12.0, 30.0, 31.0, 80.0, 81.0],
            "currency": ["USD"] * n,
        }
    ).write_csv(root / "shop" / "products.csv")
    pl.DataFrame(
        {"query": ["red lamp", "red lamp", "chair", "table"], "product_id": ["P0", "P1", "P2", "P4"],
         "relevance": [3, 1, 3, 3]}
    ).write_csv(root / "shop" / "judgments.csv")  # fmt: skip
    (root / "gate.toml").write_text(FLAG, encoding="utf-8")
    return root


def _accepted(run: subprocess.CompletedProcess[str], out: Path) -> int:
    assert run.returncode == 0, run.stdout + run.stderr
    (report,) = sorted(out.glob("search-*.json"))
    data = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return int(data["gate"]["accepted_products"]), data["gate_settings"]


def test_evaluate_search_uses_the_workspaces_gate(shop: Path) -> None:
    run = shopmind("ingest", "shop", "-w", "ws", "--config", "gate.toml", cwd=shop)
    assert run.returncode == 0, run.stdout + run.stderr
    saved = json.loads((shop / "ws" / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert saved == {
        "from": str((shop / "gate.toml").resolve()),
        "tables": {"checks": {"PRD_PRICE_NONPOSITIVE": {"action": "flag"}}},
    }

    args = ("evaluate", "search", "shop", "--methods", "ours", "--no-progress", "--out", "out")
    run = shopmind(*args, "-w", "ws", cwd=shop)
    accepted, where = _accepted(run, shop / "out")
    assert accepted == 6  # the price-0 product flagged, as the shop's ingest did (was 5: quarantined)
    said = f"the workspace's (ws: its last ingest ran with those of {(shop / 'gate.toml').resolve()})"
    assert where == said and f"quality gate settings: {said}" in (run.stdout + run.stderr).replace("\n", " ")

    run = shopmind(*args, "-w", "nows", cwd=shop)  # no ingest there: the defaults
    accepted, where = _accepted(run, shop / "out")
    assert accepted == 5 and where == "the default settings (no --config, and no ingest in the workspace)"

    (shop / "strict.toml").write_text("[gate]\n", encoding="utf-8")
    run = shopmind(*args, "-w", "ws", "--config", "strict.toml", cwd=shop)  # --config first
    accepted, where = _accepted(run, shop / "out")
    assert accepted == 5 and where == "strict.toml (--config)"


def test_resolve_order(tmp_path: Path) -> None:
    (tmp_path / "gate.toml").write_text(FLAG + '[gate]\nunknown_items = "flag"\n', encoding="utf-8")
    assert resolve(tmp_path, None) == (
        GateConfig(),
        "the default settings (no --config, and no ingest in the workspace)",
    )
    remember(tmp_path, tmp_path / "gate.toml")
    cfg, where = resolve(tmp_path, None)
    assert cfg.unknown_items == "flag" and cfg.overrides["PRD_PRICE_NONPOSITIVE"]["action"] == "flag"
    assert where.startswith(f"the workspace's ({tmp_path}: its last ingest ran with those of ")
    remember(tmp_path, None)  # a later ingest without --config: the defaults are the shop's now
    cfg, where = resolve(tmp_path, None)
    assert cfg == GateConfig() and where.endswith("its last ingest ran with the default settings)")
