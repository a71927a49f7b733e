"""The assistant's warm-up thread is quiet about a release replaced (and its folder removed) while it
was read, and still warns about a release that is served and cannot be read.

Seen in `shopmind demo`'s first minute: "assistant warm-up for release r…: No such file or directory
(os error 2): …/releases/r…/catalog/products.parquet" — the progressive build had replaced that release
and deleted its folder; the next loop warmed its successor, so nothing had failed.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from shopmind.serve.routes.assistant import start_warmup


def _shop(folder: Path, tmp_path: Path) -> SimpleNamespace:
    rel = SimpleNamespace(id="r1", folder=folder, engine=object())
    return SimpleNamespace(
        current=rel, workspace=tmp_path, poll_seconds=0.05, build_status=lambda: {"complete": True}
    )


def _warm(shop: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="shopmind.serve"):
        stop = start_warmup(shop, {}, 0.01)
        time.sleep(1.0)
        stop.set()
    return [r.getMessage() for r in caplog.records if "assistant warm-up" in r.getMessage()]


def test_a_release_whose_folder_is_gone_is_not_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert _warm(_shop(tmp_path / "releases" / "r1", tmp_path), caplog) == []


def test_a_served_release_that_cannot_be_read_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "releases" / "r1"
    folder.mkdir(parents=True)  # there, but without catalog/products.parquet
    got = _warm(_shop(folder, tmp_path), caplog)
    assert len(got) == 1 and "r1" in got[0] and "products.parquet" in got[0]
