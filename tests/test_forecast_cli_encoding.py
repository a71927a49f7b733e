"""``shopmind evaluate forecast`` on long CSVs that are not UTF-8 (issue 14, session 18).

polars alone read a UTF-16 file's header as "\\ufffd\\ufffdi d" (exit 2 with a baffling "missing column
'id'"); the long reader now decodes as ``shopmind ingest`` does (shopmind.data.encoding) and sniffs the
delimiter. Each readable encoding must give the UTF-8 file's figures exactly; a file whose lines decode
in different codecs (one id could become two series) or that is not text is refused: exit 2, one line
naming the file and what was found, no traceback, no result written.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def evaluate(name: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return shopmind(
        "evaluate", "forecast", name, "-f", "long", "--grain", "week", "--horizon", "4",
        "--models", "SeasonalNaive", "--max-series", "0", "--out", f"{name}.json", cwd=cwd,
    )  # fmt: skip


def long_text(ids: list[str], sep: str = ",") -> str:
    rng = np.random.default_rng(18)
    start = datetime.date(2020, 1, 6)
    rows = [sep.join(["id", "date", "value"])]
    for i in ids:
        rows += [
            sep.join([i, str(start + datetime.timedelta(weeks=w)), str(rng.poisson(6))]) for w in range(30)
        ]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("forecast_encoding")
    text = long_text(["mug", "茶杯", "Crème"])
    (root / "utf8.csv").write_text(text, encoding="utf-8")
    (root / "utf16.csv").write_bytes(text.encode("utf-16"))  # with a byte-order mark
    (root / "utf16le.csv").write_bytes(text.encode("utf-16-le"))  # without one
    (root / "semicolon16.csv").write_bytes(long_text(["mug", "茶杯", "Crème"], ";").encode("utf-16"))
    # a UTF-8 export with one line pasted from a cp1252 one: the series "Crème" would be read two ways
    mixed = text.encode("utf-8").replace(b"Cr\xc3\xa8me,2020-01-13", "Crème,2020-01-13".encode("cp1252"))
    (root / "mixed.csv").write_bytes(mixed)
    (root / "binary.csv").write_bytes(bytes(range(256)) * 40)
    return root


def figures(path: Path) -> dict:
    """Every model's figures in a result file, without its timings."""
    models = json.loads(path.read_text())["models"]
    return {m: {k: v for k, v in f.items() if k != "seconds"} for m, f in models.items()}


def test_utf8_run_is_the_reference(folder: Path) -> None:
    run = evaluate("utf8.csv", folder)
    assert run.returncode == 0, run.stderr
    assert "3 series x 30 periods" in run.stdout and "read as" not in run.stdout
    assert figures(folder / "utf8.csv.json")["SeasonalNaive"]["mase"] > 0


@pytest.mark.parametrize("name", ["utf16.csv", "utf16le.csv", "semicolon16.csv"])
def test_utf16_reads_as_the_utf8_file(folder: Path, name: str) -> None:
    ref = folder / "utf8.csv.json"
    if not ref.exists():
        assert evaluate("utf8.csv", folder).returncode == 0
    run = evaluate(name, folder)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 series x 30 periods" in run.stdout and "read as utf-16" in run.stdout  # the user sees the codec
    assert figures(folder / f"{name}.json") == figures(ref)
    assert json.loads((folder / f"{name}.json").read_text())["dataset"]["encoding"].startswith("utf-16")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "mixed.csv",
            "mixed.csv: its lines read in different encodings (mixed (utf-8 59, cp1252 1); line 63 reads",
        ),
        ("binary.csv", "binary.csv does not look like a text file"),
    ],
)
def test_unreadable_files_are_refused_by_name(folder: Path, name: str, message: str) -> None:
    run = evaluate(name, folder)
    out = run.stdout + run.stderr
    assert run.returncode == 2, out
    assert message in " ".join(out.split()), out
    assert "Traceback" not in out
    assert not (folder / f"{name}.json").exists()
