"""A file of another format given to an adapter says that no column could be read, not "(found: )" with an empty
list (t1w's walk, session 30: a CSV given as ``-f qbqtc``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.data.adapters import qbqtc
from shopmind.data.records import InputError


def test_a_csv_given_as_qbqtc_says_no_column_was_read(tmp_path: Path) -> None:
    f = tmp_path / "pairs.json"
    f.write_text("query,title,label\n红色连衣裙,女士红色长裙,2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        qbqtc.load(f)
    msg = str(err.value)
    assert "missing column(s) query, title, label" in msg
    assert "no column could be read from it: is it in this format?" in msg and "found: )" not in msg
