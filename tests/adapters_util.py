"""What the adapter tests share (test_adapters*.py): load a file with an adapter, write a fixture, read a
column, and the real datasets' folder."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from shopmind.data.adapters import get_adapter
from shopmind.data.model import Batch


def _load(name: str, path: Path, **options: object) -> Batch:
    return get_adapter(name).load(path, **options)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _col(frame: pl.DataFrame | None, name: str) -> list[object]:
    assert frame is not None
    return frame[name].to_list()


DATA = Path(os.environ.get("SHOPMIND_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def _real(name: str) -> Batch:
    if not DATA.is_dir():
        pytest.skip(f"real datasets not found at {DATA}")
    adapter = get_adapter(name)
    assert adapter.default_path is not None
    return adapter.load(DATA / adapter.default_path)
