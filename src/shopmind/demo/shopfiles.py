"""The demo shop's files — what ``shopmind demo-data`` writes — from a light entry point.

Why a module of its own: ``shopmind demo`` generates the shop in a child process, and that
child is the first thing on the path to the first search. Started as ``shopmind demo-data`` it
spent ~1.2 s importing the whole command line (typer, rich, every command group) before
generating; ``python -m shopmind.demo.shopfiles`` imports numpy, polars and the generator only
(issue 17 item 3). ``shopmind demo-data`` calls :func:`write_shop` too, so both write the same
files (tests/test_demo_files.py hashes them).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

DEMO_GATE_TOML = """# Gate settings for the demo shop: its Chinese text is simplified Chinese, so traditional
# characters that slip in are converted (OpenCC t2s). Pass with `shopmind ingest --config`.
[gate]
traditional_to_simplified = true
"""


def write_shop(
    out_dir: Path, seed: int, products: int, users: int, days: int, defect_rate: float, end: datetime
) -> tuple[dict[str, tuple[int, Path]], Path, int]:
    """Generate the demo shop and write its tables, the defect ground truth, ``gate.toml`` and
    the assistant's knowledge (``assistant/``). Returns rows and path per table, the assistant
    folder and the number of injected defects."""
    from shopmind.demo.assistant import assistant_data, write_assistant
    from shopmind.demo.generator import generate, write

    shop = generate(
        seed=seed, n_products=products, n_users=users, days=days, defect_rate=defect_rate, end=end
    )
    paths = write(shop, out_dir)
    (out_dir / "gate.toml").write_text(DEMO_GATE_TOML, encoding="utf-8")
    # the shop assistant's knowledge (orders, policies, labelled questions) in its own folder
    assistant = write_assistant(assistant_data(shop, seed=seed), out_dir / "assistant")
    rows = {}
    for name, path in paths.items():
        frame = getattr(shop.batch, name, None)
        rows[name] = (frame.height if frame is not None else shop.defects.height, path)
    return rows, assistant["orders"].parent, shop.defects.height


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m shopmind.demo.shopfiles --out DIR [--seed ...]``: the files of ``shopmind
    demo-data`` with today (UTC) as the last day, and the same summary lines."""
    ap = argparse.ArgumentParser(prog="python -m shopmind.demo.shopfiles", description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--products", type=int, default=3000)
    ap.add_argument("--users", type=int, default=1500)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--defect-rate", type=float, default=0.02)
    ap.add_argument(
        "--end", type=date.fromisoformat, default=None, help="last day, YYYY-MM-DD (default: today, UTC)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    day = args.end or datetime.now(UTC).date()
    end = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rows, assistant, defects = write_shop(
        args.out, args.seed, args.products, args.users, args.days, args.defect_rate, end
    )
    for name, (n, path) in rows.items():
        print(f"{name:10s} {n:>9,} rows  {path}")
    print(f"{'assistant':10s} orders, policies, questions  {assistant}")
    print(
        f"done in {time.perf_counter() - t0:.1f}s; {defects:,} injected defects (defects.parquet)", flush=True
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # shopmind demo's generator: the demo prints the one "interrupted" line
        sys.exit(130)
