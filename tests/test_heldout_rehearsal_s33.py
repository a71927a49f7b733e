"""The maintainers' ``evaluate`` runs on held-out files of the same formats, rehearsed on a clean clone (t1e,
session 33). Each test is a defect the rehearsal met on a harmless variation of a format (another editor's
BOM, another writer's column names); it fails before its fix. Files are built here, never copied from data.
"""

from __future__ import annotations

import json
from pathlib import Path

from shopmind.demo.assistant_question_file import load_question_file


def test_a_question_file_saved_with_a_bom_reads_like_one_without(tmp_path: Path) -> None:
    """Before: ``not valid UTF-8 JSON (Unexpected UTF-8 BOM ...)`` for a set a Windows editor saved."""
    data = {"OOS_Q": [["en", "can you fix my car?"], ["zh", "你们修车吗？"]]}
    plain, bom = tmp_path / "plain.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bom.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode("utf-8").replace(b"\n", b"\r\n")
    )
    assert (
        load_question_file(bom).OOS_Q
        == load_question_file(plain).OOS_Q
        == [
            ("en", "can you fix my car?"),
            ("zh", "你们修车吗？"),
        ]
    )
