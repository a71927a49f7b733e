"""A canonical file's header as a shop's export writes it: `Product_ID`, ` Title`, a column twice.

Before: `Product_ID, Title` matched no column, so every row was quarantined as REQUIRED_MISSING
and a small batch was "published" with nothing accepted (exit 0); `product_id,product_id,title`
took the first id column without a word. Now case and surrounding spaces are read as the column
(the renames are in the run's meta), and a column given twice is one line, exit 2, nothing written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.data.adapters import canonical
from shopmind.data.model import SCHEMAS
from shopmind.data.readers import InputError


def test_case_and_spaces_in_a_header_are_read_as_the_column(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(
        "Product_ID, Title ,PRICE,Currency\nP1,Red mug,9.5,EUR\nP2,Blue mug,8,EUR\n", encoding="utf-8"
    )
    batch = canonical.load(tmp_path)
    assert batch.products.columns == ["product_id", "title", "price", "currency", "_line"]
    assert batch.products["title"].to_list() == ["Red mug", "Blue mug"]
    assert batch.meta["renamed_columns"] == {
        "products": {"Product_ID": "product_id", " Title ": "title", "PRICE": "price", "Currency": "currency"}
    }
    assert batch.meta["ignored_columns"] == {}


@pytest.mark.parametrize(
    ("header", "column"),
    [("product_id,title,title", "title"), ("product_id,product_id,title", "product_id"),
     ("product_id,title,Title", "title")],
)  # fmt: skip
def test_a_column_given_twice_is_refused_naming_it(tmp_path: Path, header: str, column: str) -> None:
    (tmp_path / "products.csv").write_text(f"{header}\nP1,A,B\nP2,C,D\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"column '{column}' is given 2 times in the header"):
        canonical.load(tmp_path)


def test_a_repeated_unknown_column_is_still_only_ignored(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("product_id,title,note,note\nP1,Mug,a,b\n", encoding="utf-8")
    batch = canonical.load(tmp_path)
    assert batch.products["title"].to_list() == ["Mug"]
    assert "renamed_columns" not in batch.meta
    assert batch.meta["ignored_columns"] == {"products": ["note", "note_duplicated_0"]}


NAMES = sorted(SCHEMAS["events"].columns)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True),
    st.data(),
)
def test_any_case_and_padding_of_canonical_names_maps_back(chosen: list[str], data: st.DataObject) -> None:
    written = []
    for name in chosen:
        flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
        cased = "".join(c.upper() if f else c for c, f in zip(name, flips, strict=True))
        pad = data.draw(st.sampled_from(["", " ", "  ", "\t"]))
        written.append(pad + cased + data.draw(st.sampled_from(["", " "])))
    frame = pl.DataFrame({w: [str(i)] for i, w in enumerate(written)})
    out, renamed = canonical.canonical_names(frame, "events", Path("events.csv"))
    assert out.columns == chosen
    assert out.row(0) == tuple(str(i) for i in range(len(chosen)))  # values stay with their column
    assert renamed == {w: c for w, c in zip(written, chosen, strict=True) if w != c}


def test_ingest_of_a_repeated_column_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "products.csv").write_text(
        "product_id,product_id,title\nP1,P9,A\n", encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", "ingest", "feed", "-w", "ws"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "column 'product_id' is given 2 times in the header" in " ".join(run.stderr.split())
    assert not (tmp_path / "ws").exists() and "Traceback" not in run.stderr
