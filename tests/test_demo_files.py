"""The demo shop's written files are byte-identical for the same seed (issue 17 item 3).

The generator was made faster (buffered scalar draws, per-user weights computed once,
vectorised frame building); every change had to keep the files `shopmind demo-data` writes at
the demo's default size byte for byte. The digest below was computed from the files the
generator wrote *before* those changes (polars and numpy are pinned in pyproject.toml, so
Parquet bytes are stable), so any change to what is drawn, in which order, or how it is written
fails here. The shop's own files are hashed (products, events, judgments, defects, gate.toml);
``assistant/`` is left out: its labelled questions grow with the assistant's held-out sets.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app

#: sha256 over (name, bytes) of the files `shopmind demo-data --end 2026-10-31` wrote at the top
#: of its folder at its defaults (3,000 products, 1,500 users, 60 days, seed 42) before issue 17
#: item 3.
#: Re-derived in session 33 (t1f): the demo's prices move (demo/prices.py, a random stream of its own), so the events'
#: purchase prices and units changed; with price_book giving no book the generator still writes the files of the
#: digest before, 8ad5b43f...a27f0 (tests/test_first_hour_s33.py checks the browsing and the orders are unchanged).
DEFAULT_DIGEST = "0c2a28cab6b1e13edf1bc8f264b12ffd34f6fbbcb56fcd1f8a46f248f812e3b3"


def files_digest(root: Path) -> str:
    """One digest of the files directly in ``root``: names and contents, in sorted order."""
    h = hashlib.sha256()
    for p in sorted(x for x in root.glob("*") if x.is_file()):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def test_default_demo_shop_files_are_byte_identical_to_before(tmp_path: Path) -> None:
    out = tmp_path / "demo-shop"
    result = CliRunner().invoke(app, ["demo-data", "--out", str(out), "--end", "2026-10-31"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.glob("*") if p.is_file()}
    assert names == {
        "products.parquet",
        "events.parquet",
        "judgments.parquet",
        "defects.parquet",
        "gate.toml",
    }
    assert files_digest(out) == DEFAULT_DIGEST


def test_the_demos_light_entry_writes_the_same_files(tmp_path: Path) -> None:
    """`shopmind demo` generates with `python -m shopmind.demo.shopfiles` (no CLI imports): the
    same files, byte for byte, as `shopmind demo-data`."""
    out = tmp_path / "shop"
    done = subprocess.run(
        [sys.executable, "-m", "shopmind.demo.shopfiles", "--out", str(out), "--end", "2026-10-31"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "events" in done.stdout and "injected defects" in done.stdout
    assert files_digest(out) == DEFAULT_DIGEST
    assert (out / "assistant" / "orders.parquet").exists()


def test_digest_sees_a_changed_byte(tmp_path: Path) -> None:
    """The check can fail: one changed byte (or a renamed file) changes the digest."""
    (tmp_path / "a").write_bytes(b"abc")
    before = files_digest(tmp_path)
    (tmp_path / "a").write_bytes(b"abd")
    assert files_digest(tmp_path) != before
    (tmp_path / "a").rename(tmp_path / "b")
    assert files_digest(tmp_path) not in (before, files_digest(tmp_path / "missing"))
