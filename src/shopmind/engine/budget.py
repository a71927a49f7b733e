"""Will the single-node gate fit in memory? Judged from the input's size before anything is read.

The Polars gate holds a batch, its coerced copy, the derived and check columns and the split in
memory at once; its peak grows linearly with the input. A batch over the budget is refused with
one line naming ``--engine spark`` — the failure a shop should see, instead of the kernel's
out-of-memory killer half-way through a run.

The budget is ``[engine] memory_budget`` ("8g", "512m"; default: 80 % of the memory available
when the command starts). The estimate reads no row: text files by their size (gzip by its own
trailer) times ``GATE_BYTES_PER_TEXT_BYTE``, Parquet by the row count in its footer times
``GATE_BYTES_PER_ROW``, both measured on the demo shop's events (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

from shopmind.config import ConfigError

#: peak resident bytes of ``shopmind ingest`` (Polars gate) per byte of input text, and per row of
#: Parquet input (whose encoded size says little: dictionary pages of repeated ids are tiny);
#: measured on the demo shop's events (docs/BENCHMARKS.md): at 1 M rows the process peaked at
#: 1,167 MB = 1.17 kB per row = 14 bytes per byte of CSV; with ~30 % margin
GATE_BYTES_PER_TEXT_BYTE = 20.0
GATE_BYTES_PER_ROW = 1500.0
#: deflate's largest possible ratio (a stored length code per 258 bytes): a larger trailer is no trailer
DEFLATE_MAX_RATIO = 1032

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class OverBudget(ConfigError):
    """The batch would not fit the single-node engine's memory budget (the message says what to do)."""


def parse_size(text: str, setting: str = "engine.memory_budget") -> int:
    """Bytes of a size written as Spark writes them: ``512m``, ``8g``, ``1.5g``, ``2048`` (bytes)."""
    m = _SIZE.match(str(text))
    if not m:
        raise ConfigError(f"{setting} must be a size such as 512m or 8g, got {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def available_memory() -> int:
    """Memory the system can give a new process now (MemAvailable), else the physical total."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def budget_bytes(setting: str) -> int:
    """The budget from ``[engine] memory_budget`` (empty: 80 % of the available memory)."""
    return parse_size(setting) if setting else int(available_memory() * 0.8)


def _file_need(path: Path) -> int:
    """Estimated peak bytes of the single-node gate for one input file."""
    size = path.stat().st_size
    name = path.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows * GATE_BYTES_PER_ROW)
    if name.endswith(".gz") and size >= 18:
        with open(path, "rb") as f:
            f.seek(-4, os.SEEK_END)
            isize = struct.unpack("<I", f.read(4))[0]  # uncompressed size mod 2**32 (RFC 1952)
        if isize > size * DEFLATE_MAX_RATIO:  # no trailer: a file cut off ends in compressed data,
            isize = 0  # whose last 4 bytes read as any size (a 40 kB cut file was "needs ~20.7 GB")
        # past 4 GiB the trailer wraps; text compresses at least 3x, so take the larger guess
        size = max(isize, size * 3)
    return int(size * GATE_BYTES_PER_TEXT_BYTE)


def _inputs(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return [p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")]


def input_bytes(path: Path) -> int:
    """Bytes on disk of the input at ``path`` (a file, or every file under a folder)."""
    return sum(p.stat().st_size for p in _inputs(Path(path)))


def estimated_need(path: Path) -> int:
    """Estimated peak memory of the single-node gate for the input at ``path``."""
    return sum(_file_need(p) for p in _inputs(Path(path)))


def _gb(n: float) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def check_single_node(path: Path, setting: str) -> int:
    """Raise ``OverBudget`` (one line naming ``--engine spark``) when the single-node gate's
    estimated peak for the input at ``path`` exceeds the budget; else return the estimate."""
    need = estimated_need(path)
    budget = budget_bytes(setting)
    if need > budget:
        where = f"[engine] memory_budget = {setting!r}" if setting else "80 % of the available memory"
        raise OverBudget(
            f"{path}: {_gb(input_bytes(path))} of input needs ~{_gb(need)} in the single-node gate, over "
            f"its memory budget of {_gb(budget)} ({where}); run it with --engine spark (docs/SCALE.md)"
        )
    return need


__all__ = [
    "GATE_BYTES_PER_ROW",
    "GATE_BYTES_PER_TEXT_BYTE",
    "OverBudget",
    "available_memory",
    "budget_bytes",
    "check_single_node",
    "estimated_need",
    "input_bytes",
    "parse_size",
]
