"""The build's progress file is replaced whole or not at all, and a failed write leaves nothing."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from shopmind.release import progress


def test_a_failed_progress_write_leaves_no_temp_file(tmp_path, monkeypatch):
    # a build on a full disk left releases/.progress.json.<pid>.<thread>.tmp behind for good
    path = tmp_path / "releases" / "progress.json"
    progress.write_json_atomic(path, {"status": "running"})
    real_write = Path.write_text

    def full(self: Path, text: str, *args, **kwargs) -> int:
        real_write(self, text[: len(text) // 2], *args, **kwargs)  # half written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError, match="No space left"):
        progress.write_json_atomic(path, {"status": "failed", "error": "x" * 100})
    monkeypatch.undo()
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]
    assert json.loads(path.read_text(encoding="utf-8")) == {"status": "running"}  # the old record, whole
