"""``shopmind ingest --full-catalog``: stored products the shop's export no longer lists are removed.

Before, a product the shop had deleted stayed in the store (and in search) whatever later exports said."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

MAPPING = 'table = "products"\n[columns]\nsku = "product_id"\nname = "title"\nprice = "price"\n[constants]\ncurrency = "EUR"\n'


def _ingest(tmp_path: Path, rows: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "catalog.csv").write_text(
        "sku,name,price\n" + "".join(f"{r},Product {r},9.50\n" for r in rows)
    )
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", "ingest", "catalog.csv", "--format", "table", "--mapping", "m.toml",
         "-w", "ws", *extra],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _stored(tmp_path: Path) -> list[str]:
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT product_id FROM products ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_a_full_catalog_removes_what_it_no_longer_lists_and_refuses_a_cut_off_file(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(MAPPING)
    assert _ingest(tmp_path, ["a", "b", "c", "d"]).returncode == 0
    plain = _ingest(tmp_path, ["a", "b", "c"])  # without the flag a batch only adds and replaces
    assert plain.returncode == 0 and _stored(tmp_path) == ["a", "b", "c", "d"]
    full = _ingest(tmp_path, ["a", "b", "c"], "--full-catalog")
    assert full.returncode == 0, full.stderr
    assert "full catalog: 1 stored products not in catalog.csv removed (their events kept): d" in full.stdout
    assert _stored(tmp_path) == ["a", "b", "c"]
    cut = _ingest(tmp_path, ["a"], "--full-catalog")  # 2 of 3 missing: a truncated export?
    assert cut.returncode == 2 and "more than half" in cut.stderr + cut.stdout
    assert _stored(tmp_path) == ["a", "b", "c"]  # nothing written
    forced = _ingest(tmp_path, ["a"], "--full-catalog", "--force")
    assert forced.returncode == 0 and _stored(tmp_path) == ["a"]
