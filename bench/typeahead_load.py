"""Loading a saved search engine with and without its saved type-ahead (issue 17 item 2).

A saved engine from before type-ahead was saved (no ``typeahead/`` folder: the load builds it —
word starts of every title in Python + jieba, then a sort of all keys) is loaded in a fresh
process, then the same engine re-saved by this code (``typeahead/`` written) — interleaved,
``--rounds`` times, so the ratio holds on a busy machine. Each load also answers the same
type-ahead prefixes, which must be equal. Prints and saves JSON to
bench/results/typeahead_load-<time>.json.

    nice -n 10 python bench/typeahead_load.py --engine /work/runs/hd-engine
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"
PREFIXES = ["cordless dri", "led", "wood", "pai", "ga", "door knob", "sh", "20 v"]
_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from shopmind.search.engine import SearchEngine
t1 = time.perf_counter()
eng = SearchEngine.load(sys.argv[1])
t2 = time.perf_counter()
prefixes = json.loads(sys.argv[2])
print(json.dumps({"load_s": round(t2 - t1, 3), "keys": len(eng.autocompleter._keys),
                  "suggestions": [[s.text for s in eng.autocomplete(p, 8)] for p in prefixes]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", type=Path, required=True, help="a saved engine without typeahead/")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    if (args.engine / "typeahead").exists():
        raise SystemExit(f"{args.engine} already has typeahead/: pass an engine saved before it")
    from shopmind.search.engine import SearchEngine

    work = Path(tempfile.mkdtemp(prefix="typeahead-load-"))
    SearchEngine.load(args.engine).save(work / "engine")  # the same engine, saved with its type-ahead
    rows = []
    for rnd in range(args.rounds):
        for label, folder in (
            ("built on load (before)", args.engine),
            ("saved keys (after)", work / "engine"),
        ):
            done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), json.dumps(PREFIXES)],
                                  capture_output=True, text=True, check=True)  # fmt: skip
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row.update(path=label, round=rnd, loadavg_1m=round(os.getloadavg()[0], 2))
            rows.append(row)
            print({k: v for k, v in row.items() if k != "suggestions"}, flush=True)
    same = all(r["suggestions"] == rows[0]["suggestions"] for r in rows)
    before = sorted(r["load_s"] for r in rows if r["path"].startswith("built"))
    after = sorted(r["load_s"] for r in rows if r["path"].startswith("saved"))
    out = {
        "engine": str(args.engine),
        "at": datetime.now(UTC).isoformat(),
        "same_suggestions": same,
        "median_load_s": {"before": before[len(before) // 2], "after": after[len(after) // 2]},
        "ratio_after_before": round(after[len(after) // 2] / before[len(before) // 2], 3),
        "runs": [{k: v for k, v in r.items() if k != "suggestions"} for r in rows],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"typeahead_load-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "runs"}, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
