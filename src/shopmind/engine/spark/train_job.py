"""Recommendation training as a ``spark-submit`` application: a workspace's accepted products and
events in, the release's ``recs/`` artefact out (``RecommendationService.save``).

    spark-submit --master spark://host:7077 train_job.py --workspace W --out W/spark/recs [--config shop.toml]

``[recs]`` of the shop TOML configures the models as for ``shopmind build`` (its build-policy keys
are ignored here); co-visitation, bought-together, popularity/trending and ALS are trained on
Spark (``engine/spark/train.py``), the rest on the driver. ``--no-content`` leaves out the content
neighbours (the bundled text encoder), which the driver would otherwise encode.

``--vectors use|e5`` also encodes the products' search texts on the executors
(``engine/spark/vectors.py``) into the workspace's vector cache (``--cache``, default
``<workspace>/cache``, the folder ``shopmind build`` reads): a build with the same
``[search] encoder`` then finds every product vector cached.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Train and save; prints one JSON line (where, how long, what was trained on Spark)."""
    ap = argparse.ArgumentParser(prog="shopmind-spark-train", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--workspace", "-w", type=Path, required=True, help="workspace whose store holds the events"
    )
    ap.add_argument("--out", type=Path, required=True, help="folder to write the recs artefact into")
    ap.add_argument("--config", type=Path, default=None, help="shop TOML ([recs], [engine])")
    ap.add_argument("--no-content", action="store_true", help="no content neighbours (no text encoder)")
    ap.add_argument(
        "--vectors",
        choices=["use", "e5"],
        default=None,
        help="also encode product texts on Spark with this encoder into the vector cache",
    )
    ap.add_argument(
        "--cache", type=Path, default=None, help="vector cache folder (default: <workspace>/cache)"
    )
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)

    from shopmind.engine import load_engine
    from shopmind.engine.spark.session import get_session
    from shopmind.engine.spark.train import events_frame, trained_parts
    from shopmind.recommend.service import RecommendationService
    from shopmind.release.components import BUILD_KEYS, config_from
    from shopmind.store.store import DB_FILE, Store

    if not (args.workspace / DB_FILE).exists():
        print(f"error: {args.workspace} has no store (run shopmind ingest first)", file=sys.stderr)
        return 2
    settings = tomllib.loads(args.config.read_text(encoding="utf-8")) if args.config else {}
    from shopmind.recommend.config import RecsConfig

    values = {k: v for k, v in settings.get("recs", {}).items() if k not in BUILD_KEYS["recs"]}
    if args.no_content:
        values["encoder"] = None
    cfg = config_from(RecsConfig, "recs", values)
    with Store(args.workspace) as store:
        products, events = store.table("products"), store.table("events")
    spark = get_session(load_engine(args.config), app_name="shopmind-train")
    t = time.perf_counter()
    parts = trained_parts(spark, events_frame(spark, events), cfg.generators, cfg.event_weights,
                          cfg.bought_neighbours)  # fmt: skip
    service = RecommendationService.fit(products, events, cfg, trained=parts)
    folder = service.save(args.out)
    vectors = None
    if args.vectors:
        from shopmind.engine.spark.gate import to_spark_frame
        from shopmind.engine.spark.vectors import cache_product_vectors

        frame = to_spark_frame(
            spark, products.select(c for c in ("title", "description") if c in products.columns)
        )
        vectors = cache_product_vectors(spark, frame, args.vectors, args.cache or args.workspace / "cache")
    print(json.dumps({
        "out": str(folder), "seconds": round(time.perf_counter() - t, 1), "events": events.height,
        "spark_master": spark.sparkContext.master,
        "on_spark_s": round(service.timings.get("trained_elsewhere_s", 0.0), 1), "vectors": vectors,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
