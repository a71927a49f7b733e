"""A shop's own files through the generic door (`shopmind mapping`, `ingest --format table`), as the
first hour hands them over: a folder where a file is expected, exports the draft misread.

Found by walking the README with the raw files of ../shared/data (helper t1hw, session 24).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.data.mapping_file import load_mapping
from shopmind.data.readers import InputError, read_head, read_table


def test_a_folder_given_as_the_export_is_named_a_folder(tmp_path: Path) -> None:
    """`ingest orders.csv` where orders.csv is a folder (Spark writes one) said "file not found"."""
    folder = tmp_path / "orders.csv"
    folder.mkdir()
    (folder / "part-0000.csv").write_text("a,b\n1,2\n")
    for read in (read_table, read_head):
        with pytest.raises(InputError, match=r"orders\.csv is a folder, not a file"):
            read(folder)
    with pytest.raises(InputError, match=r"orders\.csv is a folder, not a mapping file$"):
        load_mapping(folder)
    with pytest.raises(InputError, match=r"file not found: .*nowhere\.csv"):
        read_table(tmp_path / "nowhere.csv")
