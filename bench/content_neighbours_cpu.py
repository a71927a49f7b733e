"""CPU seconds of the content-neighbour lists alone, on a saved release's product vectors.

Why: the build computes the lists in a thread beside the search's tail (issue 17); an end-to-end
pair on a busy machine cannot resolve a few CPU-seconds, the part alone on identical inputs can.
Runs ``recommend.content.top_neighbours`` (whatever tree ``PYTHONPATH`` points at: before/after
pairs) on ``search/vectors.npy`` of a release, with one BLAS thread as in the build's process,
and reports the process CPU seconds, the wall, and a hash of the lists and of the values' bits
(equal hashes = identical output). Usage:

    env PYTHONPATH=<tree>/src nice -n 10 .venv/bin/python bench/content_neighbours_cpu.py \\
        RELEASE_OR_VECTORS_NPY --label NAME [--n 50] [--out bench/results/FILE.json]

With ``--out`` the run is appended to that JSON file (a list of runs).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads BLAS: one thread, as the build
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def _vectors(path: Path) -> np.ndarray:
    if path.is_dir():
        path = path / "search" / "vectors.npy"
    return np.ascontiguousarray(np.load(path), dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help="a release folder (its search/vectors.npy) or a .npy file")
    ap.add_argument("--label", required=True)
    ap.add_argument("--n", type=int, default=50, help="neighbours per item (the build's default: 50)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import shopmind.recommend.content as content

    vectors = _vectors(args.source)
    load = os.getloadavg()
    c0, w0 = time.process_time(), time.perf_counter()
    idx, val = content.top_neighbours(vectors, args.n)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    native = getattr(content, "topk_native", None)
    run = {
        "label": args.label,
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": str(Path(content.__file__).resolve().parents[2]),
        "selection": "c" if native is not None and native.available() else "numpy",
        "items": len(vectors),
        "dim": int(vectors.shape[1]),
        "n": args.n,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "load_start": [round(x, 2) for x in load],
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "lists_sha1": hashlib.sha1(np.ascontiguousarray(idx, dtype=np.int64).tobytes()).hexdigest(),
        "values_sha1": hashlib.sha1(np.ascontiguousarray(val, dtype=np.float32).tobytes()).hexdigest(),
    }
    print(json.dumps(run))
    if args.out is not None:
        runs = json.loads(args.out.read_text()) if args.out.exists() else []
        args.out.write_text(json.dumps([*runs, run], indent=1) + "\n")


if __name__ == "__main__":
    main()
