"""A server whose current release lost a file says so once, names the file and the fix, and tries
again at a slow rate (serve/state.py ``Shop.refresh``). It logged the same error every poll (each
second, forever) and never said what to do."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

import shopmind.serve.state as state
from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.store.livelog import EventLog
from shopmind.store.store import Store


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A workspace whose current release's catalogue file is moved away (and where to put it back)."""
    ws = tmp_path / "ws"
    shop = generate(seed=3, n_products=40, n_users=20, days=5)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    manifest = build_release(ws, [("catalog", build_catalog)], force=True)
    file = ws / "releases" / manifest["id"] / "catalog" / "products.parquet"
    kept = tmp_path / "products.parquet"
    shutil.move(file, kept)
    return ws, file, kept


def test_a_missing_release_file_is_said_once_with_the_fix_then_retried_slowly(
    broken: tuple[Path, Path, Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, file, kept = broken
    clock = [1000.0]
    monkeypatch.setattr(state.time, "monotonic", lambda: clock[0])
    shop = state.Shop(ws, EventLog(ws), poll_seconds=0.2)
    with caplog.at_level(logging.ERROR, logger="shopmind.serve"):
        for _ in range(20):  # twenty polls within a few seconds
            assert shop.refresh() is False
            clock[0] += 0.2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert str(file) in errors[0] and "shopmind rollback" in errors[0] and "shopmind build" in errors[0]
    assert shop.last_error == errors[0]  # /readyz says the same
    clock[0] += state.LOAD_RETRY_SECONDS  # the slow rate: tried (and said) again after a minute
    with caplog.at_level(logging.ERROR, logger="shopmind.serve"):
        assert shop.refresh() is False
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 2
    shutil.move(kept, file)  # the file back: loaded at the next retry, the error cleared
    clock[0] += state.LOAD_RETRY_SECONDS
    assert shop.refresh() is True and shop.last_error is None and shop.failed_id is None
