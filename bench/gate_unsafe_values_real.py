"""The gate's account on every shared real dataset, and how often the session-19 rules fire.

Why: a new rule (``PRD_ID_UNSAFE``, ``URL_UNSAFE``, ``CURRENCY_CASE``) must not change what real
data the gate accepts unless the rows it now quarantines or repairs are the defect it is for. Run
this before and after a gate change (same command, the code of each side on ``PYTHONPATH``) and
compare the accounts table by table; the JSON keeps each dataset's account, the rows failing each
of the rules, and whether the batch was held.

    python bench/gate_unsafe_values_real.py --data ../shared/data --out bench/results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate

FORMATS = ("online-retail", "amazon-5core", "home-depot", "crowdflower", "qbqtc", "movielens", "diginetica",
           "yoochoose", "womens-reviews", "groceries")  # fmt: skip
RULES = ("PRD_ID_UNSAFE", "URL_UNSAFE", "CURRENCY_CASE")
#: the evaluation time of tests/test_spark_gate.py (Online Retail: its own year's end)
NOW = datetime(2026, 12, 3, tzinfo=UTC)
RETAIL_NOW = datetime(2012, 1, 1, tzinfo=UTC)


def accounts(data: Path) -> dict[str, dict[str, object]]:
    """Per dataset: the account per table, the rows each rule failed per table, held or not."""
    out: dict[str, dict[str, object]] = {}
    for fmt in FORMATS:
        adapter = get_adapter(fmt)
        path = data / ("online-retail" if fmt == "online-retail" else adapter.default_path)
        if not path.exists():
            out[fmt] = {"skipped": f"{path} not present"}
            continue
        start = time.perf_counter()
        result = run_gate(
            adapter.load(path), GateConfig(), None, now=RETAIL_NOW if fmt == "online-retail" else NOW
        )
        fired = {
            f"{name}:{code}": int(t.failed.get(code, 0))
            for name, t in result.tables.items()
            for code in RULES
        }
        out[fmt] = {
            "account": result.account(),
            "rules": fired,
            "held": result.held,
            "seconds": round(time.perf_counter() - start, 1),
        }
        print(fmt, json.dumps(out[fmt]), flush=True)
    return out


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    default = Path(os.environ.get("SHOPMIND_DATA", here.parent / "shared" / "data"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=default, help="folder of the shared datasets")
    ap.add_argument("--out", type=Path, required=True, help="JSON file to write")
    ap.add_argument("--label", default="", help="what code this run judged (e.g. a commit)")
    args = ap.parse_args()
    if not args.data.is_dir():
        ap.error(f"--data {args.data} is not a folder")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    result = {
        "label": args.label,
        "started": started,
        "load_1min_at_start": os.getloadavg()[0],
        "datasets": accounts(args.data),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
