"""Row-check throughput: shopmind vs pandera (polars backend) vs Great Expectations, one run.

The same eight row checks run on identical, already typed events (Online Retail mapped to the
canonical events table, and N synthetic events); every tool must say *which rows* fail each
check (pandera: lazy validation's failure cases; Great Expectations: COMPLETE result format
with unexpected indices; shopmind: one boolean column per check), and the benchmark asserts
that all tools found the same number of failing rows per check before it reports rows/s.
Timing is the best of ``--repeat`` runs; the ratios are what to trust on a shared machine.

Also reported, for transparency: the whole gate (coercion, text repairs, all ~30 checks incl.
window checks, the split and the account) on the same Online Retail batch.

    python bench/quality_throughput.py --data ../shared/data --synthetic 5000000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.config import ISO_4217, GateConfig
from shopmind.data.model import EVENT_TYPES, EVENTS
from shopmind.quality.checks import RowCheck, evaluate, sql_list
from shopmind.quality.coerce import coerce
from shopmind.quality.gate import run_gate

NOW = datetime(2026, 11, 1, tzinfo=UTC)
QTY_LIMIT = 10_000
CHECK_NAMES = (
    "event_id_not_null",
    "event_id_unique",
    "user_id_not_null",
    "type_known",
    "ts_not_future",
    "price_positive",
    "quantity_range",
    "currency_known",
)

SHOPMIND_CHECKS = (
    RowCheck("event_id_not_null", "event_id IS NULL"),
    RowCheck("event_id_unique", "event_id IS NOT NULL AND count(*) OVER (PARTITION BY event_id) > 1"),
    RowCheck("user_id_not_null", "user_id IS NULL"),
    RowCheck("type_known", f"type IS NULL OR type NOT IN {sql_list(EVENT_TYPES)}"),
    RowCheck("ts_not_future", f"extract(epoch from timestamp) > {NOW.timestamp()}"),
    RowCheck("price_positive", "price <= 0"),
    RowCheck("quantity_range", f"quantity < -{QTY_LIMIT} OR quantity > {QTY_LIMIT}"),
    RowCheck("currency_known", f"currency NOT IN {sql_list(sorted(ISO_4217))}"),
)


def online_retail_events(data: Path) -> pl.DataFrame:
    from shopmind.data.adapters import get_adapter

    batch = get_adapter("online-retail").load(data / "online-retail" / "online_retail.csv.gz")
    frame = batch.tables()["events"]
    return coerce(frame, EVENTS, "Europe/London").frame.select(list(EVENTS.columns))


def synthetic_events(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    types = np.array([*EVENT_TYPES, "pageview"])
    type_p = np.array([0.5, 0.2, 0.1, 0.02, 0.02, 0.08, 0.01, 0.02, 0.049, 0.001])
    ids = np.arange(n).astype(str)
    dup = rng.random(n) < 0.001
    ids[dup] = ids[np.maximum(np.nonzero(dup)[0] - 1, 0)]
    ts = NOW.timestamp() - rng.uniform(0, 90 * 86400, n)
    ts[rng.random(n) < 0.0005] += 5 * 365 * 86400
    price = np.round(rng.lognormal(3, 1, n), 2)
    price[rng.random(n) < 0.002] *= -1
    qty = rng.integers(1, 5, n).astype(np.float64)
    qty[rng.random(n) < 0.0005] = 50_000
    users = rng.integers(0, 200_000, n).astype(str).astype(object)
    users[rng.random(n) < 0.01] = None
    return pl.DataFrame(
        {
            "event_id": ids,
            "type": rng.choice(types, n, p=type_p / type_p.sum()),
            "timestamp": pl.Series((ts * 1e6).astype(np.int64))
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone("UTC"),
            "user_id": pl.Series(users, dtype=pl.Utf8),
            "item_id": rng.integers(0, 50_000, n).astype(str),
            "price": price,
            "quantity": qty.astype(np.int64),
            "currency": rng.choice(np.array(["USD", "EUR", "GBP", "US$"]), n, p=[0.6, 0.2, 0.1999, 0.0001]),
        }
    )


def run_shopmind(frame: pl.DataFrame) -> dict[str, int]:
    verdict = evaluate(frame.with_row_index("_row"), SHOPMIND_CHECKS, set(frame.columns))
    return {c: int(verdict[c].sum()) for c in CHECK_NAMES}


def run_pandera(frame: pl.DataFrame) -> dict[str, int]:
    import pandera.polars as pa
    from pandera.errors import SchemaErrors

    schema = pa.DataFrameSchema(
        {
            "event_id": pa.Column(pl.Utf8, nullable=False, unique=True),
            "user_id": pa.Column(pl.Utf8, nullable=False),
            "type": pa.Column(pl.Utf8, pa.Check.isin(list(EVENT_TYPES)), nullable=True),
            "timestamp": pa.Column(pl.Datetime("us", "UTC"), pa.Check.le(NOW), nullable=True),
            "price": pa.Column(pl.Float64, pa.Check.gt(0), nullable=True),
            "quantity": pa.Column(pl.Int64, pa.Check.in_range(-QTY_LIMIT, QTY_LIMIT), nullable=True),
            "currency": pa.Column(pl.Utf8, pa.Check.isin(sorted(ISO_4217)), nullable=True),
        }
    )
    try:
        schema.validate(frame, lazy=True)
        cases = pl.DataFrame(schema={"column": pl.Utf8, "check": pl.Utf8, "index": pl.Int64})
    except SchemaErrors as exc:
        cases = (
            pl.DataFrame(exc.failure_cases)
            if not isinstance(exc.failure_cases, pl.DataFrame)
            else exc.failure_cases
        )
    names = {
        ("event_id", "not_nullable"): "event_id_not_null", ("event_id", "field_uniqueness"): "event_id_unique",
        ("user_id", "not_nullable"): "user_id_not_null", ("type", "isin"): "type_known",
        ("timestamp", "less_than_or_equal_to"): "ts_not_future", ("price", "greater_than"): "price_positive",
        ("quantity", "in_range"): "quantity_range", ("currency", "isin"): "currency_known",
    }  # fmt: skip
    out = dict.fromkeys(CHECK_NAMES, 0)
    for column, check, n in cases.group_by("column", "check").agg(pl.col("index").n_unique()).iter_rows():
        key = next((v for (c, k), v in names.items() if c == column and str(check).startswith(k)), None)
        if key:
            out[key] += n
    return out


def run_great_expectations(frame: pl.DataFrame) -> dict[str, int]:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    pdf = frame.to_pandas()
    pdf["timestamp_s"] = frame["timestamp"].dt.epoch("s").to_numpy()
    ctx = gx.get_context(mode="ephemeral")
    batch = (
        ctx.data_sources.add_pandas("bench")
        .add_dataframe_asset("events")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": pdf})
    )
    exps = {
        "event_id_not_null": gxe.ExpectColumnValuesToNotBeNull(column="event_id"),
        "event_id_unique": gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        "user_id_not_null": gxe.ExpectColumnValuesToNotBeNull(column="user_id"),
        "type_known": gxe.ExpectColumnValuesToBeInSet(column="type", value_set=list(EVENT_TYPES)),
        "ts_not_future": gxe.ExpectColumnValuesToBeBetween(column="timestamp_s", max_value=NOW.timestamp()),
        "price_positive": gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0, strict_min=True),
        "quantity_range": gxe.ExpectColumnValuesToBeBetween(
            column="quantity", min_value=-QTY_LIMIT, max_value=QTY_LIMIT
        ),
        "currency_known": gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=sorted(ISO_4217)),
    }
    out = {}
    with contextlib.redirect_stderr(io.StringIO()):  # GE draws a progress bar per expectation
        for name, exp in exps.items():
            res = batch.validate(exp, result_format={"result_format": "COMPLETE"})
            out[name] = len(res.result.get("unexpected_index_list") or [])
    return out


def timed(fn, frame: pl.DataFrame, repeat: int) -> tuple[float, dict[str, int]]:
    best, found = float("inf"), {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = fn(frame)
        best = min(best, time.perf_counter() - t0)
    return best, found


def gate_throughput(data: Path, repeat: int) -> dict[str, float]:
    from shopmind.data.adapters import get_adapter

    batch = get_adapter("online-retail").load(data / "online-retail" / "online_retail.csv.gz")
    rows = sum(f.height for f in batch.tables().values())
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run_gate(batch, GateConfig(), None, now=NOW)
        best = min(best, time.perf_counter() - t0)
    return {"rows": rows, "seconds": round(best, 3), "rows_per_s": round(rows / best)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder of the shared datasets")
    ap.add_argument("--synthetic", type=int, default=5_000_000, help="synthetic events to check")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool; the best is kept")
    ap.add_argument(
        "--skip-ge-synthetic", action="store_true", help="skip Great Expectations on the synthetic set (slow)"
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/quality_throughput.json"))
    args = ap.parse_args()

    datasets: dict[str, pl.DataFrame] = {}
    if (args.data / "online-retail").exists():
        datasets["online-retail"] = online_retail_events(args.data)
    else:
        print(f"online-retail not found under {args.data}; synthetic only", file=sys.stderr)
    datasets[f"synthetic-{args.synthetic}"] = synthetic_events(args.synthetic)

    report: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "checks": list(CHECK_NAMES),
        "datasets": {},
    }
    for name, frame in datasets.items():
        tools = {
            "shopmind": run_shopmind,
            "pandera-polars": run_pandera,
            "great-expectations": run_great_expectations,
        }
        res: dict[str, dict[str, object]] = {}
        for tool, fn in tools.items():
            if tool == "great-expectations" and args.skip_ge_synthetic and name.startswith("synthetic"):
                continue
            reps = 1 if tool == "great-expectations" else args.repeat
            seconds, found = timed(fn, frame, reps)
            res[tool] = {
                "seconds": round(seconds, 4),
                "rows_per_s": round(frame.height / seconds),
                "failing_rows": found,
            }
            print(
                f"{name:26s} {tool:20s} {frame.height / seconds / 1e6:8.2f} M rows/s  ({seconds:.3f} s)",
                flush=True,
            )
        ref = res["shopmind"]["failing_rows"]
        agree = {tool: r["failing_rows"] == ref for tool, r in res.items()}
        ratios = {
            f"shopmind_vs_{tool}": round(res[tool]["seconds"] / res["shopmind"]["seconds"], 2)
            for tool in res
            if tool != "shopmind"
        }
        report["datasets"][name] = {
            "rows": frame.height,
            "results": res,
            "same_failing_rows": agree,
            "ratios": ratios,
        }  # type: ignore[index]
        print(f"{name:26s} ratios {ratios}  same failing rows: {agree}", flush=True)
        if not all(agree.values()):
            print(f"  disagreement: {json.dumps({t: r['failing_rows'] for t, r in res.items()})}", flush=True)
    if (args.data / "online-retail").exists():
        report["full_gate_online_retail"] = gate_throughput(args.data, args.repeat)
        print(f"full gate on online-retail: {report['full_gate_online_retail']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
