"""Scaling curve of the whole quality gate: Polars (one process) vs Spark local[1] vs local[2].

The batch is the demo shop's events (its distribution and injected defects) tiled to N rows: each
copy gets its own event, user and session ids, so duplicates, sessions and windows scale with N
instead of collapsing into one giant group. Every engine runs the whole gate (coercion, text
repairs, all row and window checks, the split and the account); a Spark figure is reported only
with the row-by-row comparison against the Polars run (``engine.compare.differences``), and the
Spark session start (JVM) is timed apart from the gate.

    python bench/spark_scale.py --sizes 100000,1000000 --masters 'local[1],local[2]'

Rows/s on this shared machine are noisy; the ratios within one run are what to read.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.demo.generator import generate
from shopmind.engine import EngineConfig
from shopmind.engine.compare import differences
from shopmind.quality.gate import run_gate

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def synthetic(n: int, seed: int = 7) -> Batch:
    """``n`` events: the demo shop's events tiled with per-copy ids, plus its catalog."""
    shop = generate(seed=seed, n_products=2000, n_users=800, days=14, defect_rate=0.02, end=NOW)
    assert shop.batch.events is not None and shop.batch.products is not None
    events = shop.batch.events.drop("_row", strict=False)  # row ids are given to the tiled batch anew
    copies = -(-n // events.height)
    ids = ("event_id", "user_id", "session_id", "order_id")
    tiled = pl.concat(
        [
            events.with_columns(
                [(pl.col(c).cast(pl.Utf8) + f"~{k}").alias(c) for c in ids if c in events.columns]
            )
            for k in range(copies)
        ]
    ).head(n)
    return Batch(source="synthetic", products=shop.batch.products, events=tiled)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="event counts, comma-separated")
    ap.add_argument("--masters", default="local[1],local[2]", help="Spark masters to run, comma-separated")
    ap.add_argument("--out", type=Path, default=Path("bench/results/spark_scale.json"))
    args = ap.parse_args()
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.engine.spark.session import get_session

    sizes = [int(s) for s in args.sizes.split(",")]
    batches = {n: synthetic(n) for n in sizes}
    cfg = GateConfig()
    rows: list[dict[str, object]] = []
    reference = {}
    for n, batch in batches.items():
        t = time.perf_counter()
        reference[n] = run_gate(batch, cfg, None, now=NOW)
        secs = time.perf_counter() - t
        rows.append({"engine": "polars", "events": n, "input_rows": reference[n].input_rows, "seconds": secs})
        print(
            f"polars     {n:>11,} events  {secs:8.1f} s  {reference[n].input_rows / secs:>10,.0f} rows/s",
            flush=True,
        )
    for master in args.masters.split(","):
        t = time.perf_counter()
        spark = get_session(
            EngineConfig(kind="spark", master=master, shuffle_partitions=4, driver_memory="2g")
        )
        start = time.perf_counter() - t
        for n, batch in batches.items():
            t = time.perf_counter()
            run = run_gate_spark(
                spark,
                batch,
                f"/tmp/shopmind-spark-scale/{master.replace('[', '').replace(']', '')}",
                cfg,
                None,
                now=NOW,
            )
            secs = time.perf_counter() - t
            diff = differences(reference[n], run.result)
            rows.append({
                "engine": f"spark {master}", "events": n, "input_rows": run.result.input_rows, "seconds": secs,
                "session_start_s": start, "same_account_as_polars": not diff, "differences": diff[:5],
            })  # fmt: skip
            print(
                f"spark {master:9s} {n:>8,} events  {secs:8.1f} s  {run.result.input_rows / secs:>10,.0f} rows/s"
                f"  same answers: {not diff}  (session start {start:.0f} s)",
                flush=True,
            )
        spark.stop()
    for r in rows:
        r["rows_per_s"] = round(float(r["input_rows"]) / float(r["seconds"]), 1)  # type: ignore[arg-type]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"date": datetime.now(UTC).isoformat(timespec="seconds"), "runs": rows}, indent=2),
        encoding="utf-8",
    )
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
