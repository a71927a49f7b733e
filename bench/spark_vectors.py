"""Product text vectors: single-node encoding vs Spark executors (issue 11, item 2).

The same ~N distinct passage texts (the demo catalog's titles, English and Chinese) encoded
into an empty vector cache by (a) the single-node path a build takes (``VectorCache.passages``,
the encoder with its default threads, model loaded beforehand, timed before and after the Spark
runs, the mean reported) and (b) ``engine/spark/vectors.py`` on ``local[2]`` (one
BLAS thread per Python worker). Spark runs twice: cold (each worker loads the model) and warm
(workers reused, model loaded). The Spark session start (JVM) is timed apart. The Spark vectors
are checked against the single-node ones (max abs difference printed).

    nice -n 10 python bench/spark_vectors.py --products 2000 --encoder use

Rows/s on this shared machine are noisy; read the ratios of one run. Load average saved.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.demo.generator import generate
from shopmind.engine import EngineConfig
from shopmind.engine.spark.gate import to_spark_frame
from shopmind.engine.spark.session import get_session
from shopmind.engine.spark.vectors import SPARK_ENCODERS, cache_product_vectors
from shopmind.search.dense import VectorCache, passage_text


def main() -> None:
    """Run both paths on the same texts; print and save JSON (bench/results/spark_vectors.json)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--encoder", choices=sorted(SPARK_ENCODERS), default="use")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "spark_vectors.json")
    args = ap.parse_args()

    now = datetime(2026, 12, 3, tzinfo=UTC)
    products = generate(seed=3, n_products=args.products, n_users=50, days=2, end=now).batch.products
    products = products.select("title", "description")
    texts = list(dict.fromkeys(t for t in (passage_text(a, b) for a, b in products.iter_rows()) if t))
    load_start = os.getloadavg()
    result: dict = {
        "date": datetime.now(UTC).date().isoformat(),
        "encoder": args.encoder,
        "texts": len(texts),
    }

    with tempfile.TemporaryDirectory() as tmp:
        enc = SPARK_ENCODERS[args.encoder]()
        enc.encode_passages(["warm up 预热"])  # the model loaded before the clock starts

        def single_node(run: str) -> np.ndarray:
            cache = VectorCache(Path(tmp) / f"single-{run}", checkpoint_every=len(texts))
            t0 = time.perf_counter()
            vecs = cache.passages(enc, texts)
            result[f"single_{run}_s"] = round(time.perf_counter() - t0, 3)
            return vecs

        single = single_node("before")

        t0 = time.perf_counter()
        spark = get_session(
            EngineConfig(kind="spark", master=args.master, shuffle_partitions=4,
                         conf=(("spark.ui.showConsoleProgress", "false"),)),
            app_name="shopmind-vectors-bench",
        )  # fmt: skip
        frame = to_spark_frame(spark, products).cache()
        frame.count()
        result["spark_session_s"] = round(time.perf_counter() - t0, 3)
        for run in ("cold", "warm"):
            got = cache_product_vectors(spark, frame, args.encoder, Path(tmp) / run)
            assert got["encoded"] == len(texts), got
            result[f"spark_{run}_s"] = got["seconds"]
            result["partitions"] = got["partitions"]
        on_spark = VectorCache(Path(tmp) / "warm").get_or_encode(
            enc.name, enc.dim, texts, lambda b: (_ for _ in ()).throw(AssertionError("not cached"))
        )
        result["max_abs_diff"] = float(np.abs(on_spark - single).max())
        spark.stop()
        single_node("after")  # the load of the box drifts: the single node is timed on both sides
    result["single_node_s"] = round((result["single_before_s"] + result["single_after_s"]) / 2, 3)

    n = len(texts)
    result["single_node_rows_s"] = round(n / result["single_node_s"], 1)
    for run in ("cold", "warm"):
        result[f"spark_{run}_rows_s"] = round(n / result[f"spark_{run}_s"], 1)
        result[f"spark_{run}_vs_single"] = round(result["single_node_s"] / result[f"spark_{run}_s"], 2)
    result.update(master=args.master, cpus=os.cpu_count(), load_start=load_start, load_end=os.getloadavg())
    print(json.dumps(result, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
