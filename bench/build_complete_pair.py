"""``shopmind build`` of one ingested shop by two versions of the code, alternated in one sitting:
seconds to the complete release and each build stage (issue 17, session 16).

Why not ``bench/main_job.py demo``: on a machine where another job holds most of the CPU, the demo's
generation and gate (identical in both versions) took ~10 minutes of each run, so two runs per side
did not fit in the time left; a change to the vector stage only shows in the build. Each run copies
the seed workspace (store, keys, shop identity; no releases, no vector cache) and runs the
installed ``shopmind build`` with ``PYTHONPATH`` set to that version's ``src``.

    python bench/build_complete_pair.py SEED_WS --a before=/wt-a/src --b after=/wt-b/src --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "shopmind"


def _conditions() -> dict:
    return {"loadavg_1m": os.getloadavg()[0], "at": datetime.now(UTC).isoformat()}


def one_build(seed: Path, src: Path) -> dict:
    """Copy ``seed`` (without releases and caches) and build it with the code in ``src``."""
    tmp = Path(tempfile.mkdtemp(prefix="build-pair-"))
    ws = tmp / "ws"
    shutil.copytree(seed, ws, ignore=shutil.ignore_patterns("releases", "cache", "build.log", "evaluation*"))
    before = _conditions()
    t0 = time.monotonic()
    done = subprocess.run(
        [str(EXE), "build", "--workspace", str(ws), "--force"],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - t0
    manifests = [json.loads(p.read_text()) for p in sorted((ws / "releases").glob("r*/release.json"))]
    final = manifests[-1] if manifests else {}
    progress = json.loads((ws / "releases" / "progress.json").read_text())
    sv = (final.get("components", {}).get("search") or {}).get("search_vectors") or {}
    out = {
        "code": str(src),
        "exit": done.returncode,
        "wall_s": round(wall, 2),
        "first_release_s": final.get("first_release_seconds"),
        "complete_release_s": final.get("complete_seconds", final.get("seconds")),
        "warm_up_release_s": final.get("seconds") if final.get("warm_up_of") else None,
        "stages": {f["name"]: f["seconds"] for f in progress.get("finished", [])},
        "search_vectors": {
            k: sv.get(k)
            for k in (
                "encode_workers",
                "ltr_query_vectors",
                "warm_queries",
                "warm_up_queries",
                "warm_up_seconds",
            )
        },
        "ltr": {k: (sv.get("ltr") or {}).get(k) for k in ("ltr", "queries", "heldout_ndcg10", "seconds")},
        "conditions_before": before,
        "conditions_after": _conditions(),
    }
    if done.returncode != 0:
        out["stderr_tail"] = done.stderr[-2000:]
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seed", type=Path, help="an ingested workspace (its store is copied for each run)")
    ap.add_argument("--a", required=True, help="label=path/to/src (runs first in each round)")
    ap.add_argument("--b", required=True, help="label=path/to/src")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    sides = [tuple(s.split("=", 1)) for s in (args.a, args.b)]
    runs = []
    for r in range(args.rounds):
        for label, src in sides:
            got = {"round": r + 1, "side": label, **one_build(args.seed, Path(src))}
            print(json.dumps(got), flush=True)
            runs.append(got)
    result = {"seed": str(args.seed), "sides": dict(sides), "runs": runs}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = (
        ROOT
        / "bench"
        / "results"
        / f"build_complete_pair{'-' + args.label if args.label else ''}-{stamp}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
