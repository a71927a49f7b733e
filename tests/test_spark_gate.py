"""The gate on Spark gives the Polars engine's account, row by row (issue 11).

One Spark session for the module (starting one costs ~1 min on a busy machine); small frames in
the unit tests, the real Online Retail file only in its equivalence test. Skipped only when
pyspark or Java is absent.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.config import ConfigError, GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.model import ROW, Batch
from shopmind.engine import EngineConfig, engine_from_dict
from shopmind.engine.compare import differences
from shopmind.engine.spark.rowlocal import merge_notes
from shopmind.engine.spark.sql import to_spark
from shopmind.quality.gate import AccountError, eager, run_gate

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
RETAIL = DATA / "online-retail" / "online_retail.csv.gz"
NOW = datetime(2026, 12, 3, tzinfo=UTC)


# --- no Spark needed -------------------------------------------------------------------------


def test_dialect_maps_only_the_two_spellings_spark_lacks() -> None:
    assert to_spark("extract(epoch from timestamp)") == "(CAST(unix_micros(timestamp) AS DOUBLE) / 1000000D)"
    assert (
        to_spark("count(DISTINCT item_id) OVER (PARTITION BY _sess)")
        == "size(collect_set(item_id) OVER (PARTITION BY _sess))"
    )
    plain = "row_number() OVER (PARTITION BY event_id ORDER BY _row) > 1 AND median(_lp) OVER (PARTITION BY _grp) > 0"
    assert to_spark(plain) == plain
    assert to_spark("price / 100") == "price * (1D / 100D)"
    assert to_spark("(_s_n - 1) / _s_span > 2.5") == "(_s_n - 1) / _s_span > 2.5"


def test_engine_settings_are_checked_and_named() -> None:
    cfg = engine_from_dict({"engine": {"kind": "spark", "master": "spark://h:7077", "executor_memory": "2g"}})
    assert (cfg.kind, cfg.master, cfg.executor_memory) == ("spark", "spark://h:7077", "2g")
    assert engine_from_dict({}) == EngineConfig()
    with pytest.raises(ConfigError, match="engine.kind"):
        engine_from_dict({"engine": {"kind": "dask"}})
    with pytest.raises(ConfigError, match="engine.mastr"):
        engine_from_dict({"engine": {"mastr": "local[2]"}})
    with pytest.raises(ConfigError, match="engine.shuffle_partitions"):
        engine_from_dict({"engine": {"shuffle_partitions": 0}})
    assert engine_from_dict({"engine": {"partition_rows": 0}}).partition_rows == 0
    with pytest.raises(ConfigError, match="engine.partition_rows"):
        engine_from_dict({"engine": {"partition_rows": -5}})
    with pytest.raises(ConfigError, match="engine.partition_rows"):
        engine_from_dict({"engine": {"partition_rows": "lots"}})


def test_item_group_aggregates_are_found_and_nothing_else() -> None:
    from shopmind.engine.spark.joined import grouped_windows
    from shopmind.quality import checks as rules

    sql = "coalesce(_p_price, median(_pos_price) OVER (PARTITION BY item_id))"
    assert grouped_windows(sql) == [
        ("median(_pos_price) OVER (PARTITION BY item_id)", "median", "_pos_price", "item_id")
    ]
    assert grouped_windows("count(_lq) over (partition by item_id) > 3")[0][1:] == ("count", "_lq", "item_id")
    # ordered windows, other keys and longer key lists stay windows
    assert grouped_windows("lag(_ts) OVER (PARTITION BY item_id ORDER BY _ts)") == []
    assert grouped_windows("min(_ts) OVER (PARTITION BY user_id, item_id)") == []
    assert grouped_windows("median(_lq) OVER (PARTITION BY item_id_2)") == []
    # the events' rules hold exactly the two item-keyed aggregates the rewrite is for
    ctx = rules.Context(
        has_catalog=True, now_epoch=NOW.timestamp(), rating_scale=(1, 5), relevance_scale=(1, 3)
    )
    found = [
        w
        for d in rules.rules_for("events", GateConfig(), ctx).derived
        for w in grouped_windows(to_spark(d.sql))
    ]
    assert sorted(w[1] for w in found) == ["count", "median"]


def test_shuffle_partitions_follow_the_rows_above_the_floor() -> None:
    from shopmind.engine.spark.partitions import PARTITION_ROWS, shuffle_partitions_for

    assert shuffle_partitions_for(20_000, 8, PARTITION_ROWS) == 8  # small batches keep the floor
    assert shuffle_partitions_for(10_000_000, 8, PARTITION_ROWS) == 67  # the 10 M batch: ~150 k rows each
    assert shuffle_partitions_for(50_000_000, 8, PARTITION_ROWS) == 334
    assert shuffle_partitions_for(10_000_000, 8, 0) == 8  # 0 = the fixed count
    assert shuffle_partitions_for(1_200_001, 8, 150_000) == 9  # rounded up: no partition over the size


@settings(deadline=None, max_examples=60)  # a loaded shared machine: no per-example deadline
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["s", "ms", "us"]), st.integers(0, 1000), min_size=1), max_size=6
    )
)
def test_partition_notes_add_up_to_the_batch_notes(parts: list[dict[str, int]]) -> None:
    texts = [
        json.dumps({"timestamp_units.timestamp": p, "timezone_moved.timestamp": {"from": "X", "rows": 1}})
        for p in parts
    ]
    merged = merge_notes(texts)
    for unit in ("s", "ms", "us"):
        assert merged.get("timestamp_units.timestamp", {}).get(unit, 0) == sum(p.get(unit, 0) for p in parts)
    if parts:
        assert merged["timezone_moved.timestamp"] == {"from": "X", "rows": len(parts)}


# --- on Spark ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shopmind.demo.generator import generate, write

    out = tmp_path_factory.mktemp("demo")
    shop = generate(seed=3, n_products=80, n_users=20, days=3, defect_rate=0.1, end=NOW)
    write(shop, out)
    return out


def test_partitions_sized_by_rows_give_the_same_account(spark, demo_dir: Path, tmp_path: Path) -> None:
    """Many small shuffle partitions (as a large batch gets) judge exactly as the fixed count,
    and the session's own count is back after each table."""
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.engine.spark.partitions import PARTITION_ROWS_KEY, sized_shuffles

    batch = get_adapter("canonical").load(demo_dir)
    events = batch.events.height if batch.events is not None else 0
    assert events > 150
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    spark.conf.set(PARTITION_ROWS_KEY, "40")  # ~events / 40 partitions per window stage
    try:
        with sized_shuffles(spark, events) as parts:
            assert parts == -(-events // 40) > 2 and spark.conf.get("spark.sql.shuffle.partitions") == str(
                parts
            )
        assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
        spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    finally:
        spark.conf.unset(PARTITION_ROWS_KEY)
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert differences(polars_run, spark_run.result) == []
    assert spark_run.result.quarantined_rows > 20


def test_demo_shop_same_account_row_by_row(spark, demo_dir: Path, tmp_path: Path) -> None:
    from shopmind.engine.spark.gate import run_gate_spark

    batch = get_adapter("canonical").load(demo_dir)
    cfg = GateConfig(traditional_to_simplified=True)
    polars_run = run_gate(batch, cfg, None, now=NOW)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), cfg, None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    # not vacuous: the injected defects are quarantined and repaired on both engines
    assert spark_run.result.quarantined_rows > 20
    assert eager(spark_run.result.tables["events"].quarantine)["codes"].explode().n_unique() >= 5
    # the written run is the result: the Parquet datasets hold exactly the accepted rows
    for table, outcome in spark_run.result.tables.items():
        written = pl.read_parquet(f"{spark_run.paths[f'accepted/{table}']}/*.parquet").sort(ROW)
        assert written[ROW].to_list() == eager(outcome.accepted)[ROW].to_list()
        # kept on disk, not collected: the outcome scans the run's own part files
        assert isinstance(outcome.accepted, pl.LazyFrame) and outcome.parts["accepted"]


def test_repaired_price_is_the_same_number_on_both_engines(spark) -> None:
    """Online Retail row 323876: the x100 repair of 852.8 was 8.528 in Polars and
    8.527999999999999 on Spark (true division) before the dialect mapped ``/ literal``."""
    from pyspark.sql import functions as F

    rng = np.random.default_rng(0)
    prices = [852.8, *(rng.random(300) * 5000).round(2).tolist()]
    frame = pl.DataFrame({"price": prices})
    want = frame.select(pl.sql_expr("price / 100").alias("v"))["v"].to_list()
    got = spark.createDataFrame([(p,) for p in prices], "price double").select(
        F.expr(to_spark("price / 100"))
    )
    assert [r[0] for r in got.collect()] == want
    assert want[0] == 8.528


def test_dotted_day_first_timestamps_read_the_same_on_both_engines(spark, tmp_path: Path) -> None:
    """German-style ``01.11.2026 10:00`` / ``1.11.2026`` (day first) in a Berlin shop: the same
    instants, the same quarantined rows, whether the driver hands Spark the batch or Spark reads
    the Parquet file itself."""
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.engine.spark.read import run_gate_spark_uri

    stamps = ["01.11.2026 10:00", "1.11.2026", "02.11.2026 09:05:07", "1.2.2026 9:05",
              "2026-11-01T10:00:00Z", "31.02.2026", "01.11.26"]  # fmt: skip
    n = len(stamps)
    events = pl.DataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "type": ["view"] * n, "timestamp": stamps,
         "item_id": ["p1"] * n, "user_id": [f"u{i}" for i in range(n)]}
    )  # fmt: skip
    cfg = GateConfig(timezone="Europe/Berlin")
    polars_run = run_gate(Batch("dotted", events=events), cfg, None, now=NOW)
    accepted = eager(polars_run.tables["events"].accepted).sort(ROW)
    assert accepted["timestamp"].to_list() == [
        datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 8, 5, 7, tzinfo=UTC),
        datetime(2026, 2, 1, 8, 5, tzinfo=UTC),
        datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
    ]
    assert eager(polars_run.tables["events"].quarantine)["row_no"].to_list() == [5, 6]
    spark_run = run_gate_spark(spark, Batch("dotted", events=events), str(tmp_path / "a"), cfg, None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    spark_rows = eager(spark_run.result.tables["events"].accepted).sort(ROW)["timestamp"].to_list()
    assert spark_rows == accepted["timestamp"].to_list()
    feed = tmp_path / "feed"
    feed.mkdir()
    events.write_parquet(feed / "events.parquet")
    read_run = run_gate_spark_uri(spark, f"file://{feed}", str(tmp_path / "b"), cfg, None, now=NOW)
    driver_run = run_gate(get_adapter("canonical").load(feed), cfg, None, now=NOW)  # with source lines
    assert differences(driver_run, read_run.result) == []
    assert eager(read_run.result.tables["events"].quarantine)["row_no"].to_list() == [5, 6]


def test_order_lines_naming_a_variant_sku_join_their_product_on_both_engines(spark, tmp_path: Path) -> None:
    """A Shopify-style shop: products grouped by Handle keep their variants' SKUs as ``sku``
    attributes and orders name the SKU. The Spark gate quarantined every such line as
    EVT_ITEM_UNKNOWN while Polars joined it (EVT_ITEM_SKU); now the same account and audit."""
    from shopmind.engine.spark.gate import run_gate_spark

    def skus(*values: str) -> str:
        return json.dumps([{"key": "sku", "value": v} for v in values])

    products = pl.DataFrame(
        {"product_id": ["vero-trim", "angle", "twin"], "title": ["Vero Shower Trim", "Strong-Tie Angle", "Twin"],
         "price": ["119.00", "3.50", "9.00"], "currency": ["USD"] * 3,
         "attributes": [skus("VT-C", "VT-B"), skus("SA-12", "SHARED"), skus("SHARED")]}
    )  # fmt: skip
    items = ["VT-B", " VT-C ", "angle", "SA-12", "SHARED", "nope", "vero-trim"]
    events = _purchases(items)
    batch = Batch("shopify", products=products, events=events)
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    accepted = eager(polars_run.tables["events"].accepted).sort(ROW)["item_id"].to_list()
    assert accepted == ["vero-trim", "vero-trim", "angle", "angle", "vero-trim"]  # SHARED, nope unknown
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    spark_events = spark_run.result.tables["events"]
    assert eager(spark_events.accepted).sort(ROW)["item_id"].to_list() == accepted
    audit = eager(spark_events.audit).filter(pl.col("code") == "EVT_ITEM_SKU").sort(ROW)
    assert audit.select(ROW, "old_value", "new_value").rows() == [
        (0, "VT-B", "vero-trim"), (1, "VT-C", "vero-trim"), (3, "SA-12", "angle")
    ]  # fmt: skip


def _purchases(items: list[str]) -> pl.DataFrame:
    """One purchase line per item id (a user each), as an order export's lines arrive."""
    n = len(items)
    return pl.DataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "type": ["purchase"] * n, "item_id": items,
         "timestamp": ["2026-11-20T10:00:00Z"] * n, "user_id": [f"u{i}" for i in range(n)],
         "quantity": ["1"] * n, "price": ["1.00"] * n, "currency": ["USD"] * n}
    )  # fmt: skip


def test_orders_of_a_product_not_for_sale_are_flagged_alike_on_both_engines(spark, tmp_path: Path) -> None:
    """A product the shop's export lists as archived (``Batch.unlisted``, remembered by the store): its
    order lines, by id or by a variant SKU, are accepted with the flag EVT_ITEM_UNLISTED on both
    engines (before: quarantined EVT_ITEM_UNKNOWN); an id no product has stays unknown."""
    from shopmind.engine.spark.gate import run_gate_spark
    from shopmind.quality.gate import publish
    from shopmind.store.store import Store

    attrs = pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8}))
    unlisted = pl.DataFrame(
        {"product_id": ["gone"], "attributes": [[{"key": "sku", "value": "G-1"}]], "status": ["archived"]},
        schema={"product_id": pl.Utf8, "attributes": attrs, "status": pl.Utf8},
    )
    products = pl.DataFrame({"product_id": ["live"], "title": ["Live"], "price": ["5"], "currency": ["USD"]})
    with Store(tmp_path / "ws") as store:
        first = run_gate(Batch("shop", products=products, unlisted=unlisted), GateConfig(), store, now=NOW)
        publish(first, store, GateConfig(), None)
        items = ["live", "gone", "G-1", "never"]
        events = _purchases(items)
        batch = Batch("orders", events=events)
        polars_run = run_gate(batch, GateConfig(), store, now=NOW)
        spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), store, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    for run in (polars_run, spark_run.result):
        accepted = eager(run.tables["events"].accepted).sort(ROW)
        assert accepted.select("item_id", pl.col("_flags").list.join(",")).rows() == [
            ("live", ""), ("gone", "EVT_ITEM_UNLISTED"), ("gone", "EVT_ITEM_UNLISTED")
        ]  # fmt: skip
        assert eager(run.tables["events"].quarantine)["row_no"].to_list() == [3]


def test_account_assertion_catches_a_lost_and_a_doubled_row(spark) -> None:
    from shopmind.engine.spark.account import assert_account as _assert_account

    ids = spark.createDataFrame([(i,) for i in range(6)], f"{ROW} long")
    q = spark.createDataFrame([(6,), (7,)], "row_no long")
    _assert_account("events", 8, ids, q)  # balances
    with pytest.raises(AccountError, match="does not balance"):
        _assert_account("events", 9, ids, q)  # a row lost
    doubled = spark.createDataFrame([(5,), (7,)], "row_no long")
    with pytest.raises(AccountError, match="distinct ids 7"):
        _assert_account("events", 8, ids, doubled)


def test_cli_ingest_engine_spark_publishes_to_the_store(spark, demo_dir: Path, tmp_path: Path) -> None:
    """`shopmind ingest --engine spark` writes the run's Parquet and publishes the accepted
    rows to the workspace's store, as the Polars engine does, with the same account."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.store.store import Store

    ws = tmp_path / "ws"
    out = CliRunner().invoke(
        app, ["ingest", str(demo_dir), "-w", str(ws), "--engine", "spark", "--json", "--force"]
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output[out.output.index("{") : out.output.rindex("}") + 1])
    assert summary["meta"]["engine"] == "spark"
    expected = run_gate(get_adapter("canonical").load(demo_dir), GateConfig(), None).account()
    for table, acc in expected.items():
        assert summary["account"][table]["accepted"] == acc["accepted"]
        assert summary["account"][table]["quarantined"] == acc["quarantined"]
    events_path = summary["meta"]["spark_output"]["accepted/events"]
    assert Path(events_path).parent == (ws / "spark" / "accepted" / "events").resolve()
    with Store(ws) as store:
        assert store.count("events") == pl.read_parquet(f"{events_path}/*.parquet").height > 0
    bad = CliRunner().invoke(app, ["ingest", str(demo_dir), "-w", str(ws), "--engine", "dask"])
    assert bad.exit_code == 2 and "--engine must be one of polars, spark" in bad.output


def test_online_retail_same_account_row_by_row(spark, tmp_path: Path) -> None:
    """541,909 real dirty invoice lines: the same accepted ids, codes per quarantined row, repairs."""
    if not RETAIL.exists():
        pytest.skip(f"{RETAIL} not present")
    from shopmind.engine.spark.gate import run_gate_spark

    batch = get_adapter("online-retail").load(RETAIL.parent)
    now = datetime(2012, 1, 1, tzinfo=UTC)
    polars_run = run_gate(batch, GateConfig(), None, now=now)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=now)
    assert differences(polars_run, spark_run.result) == []
    assert spark_run.result.input_rows >= 541_909
    assert spark_run.result.quarantined_rows > 1000


#: Every shared dataset the gate reads, by its adapter (Online Retail has its own test above).
SHARED = ("amazon-5core", "home-depot", "crowdflower", "qbqtc", "movielens", "diginetica", "yoochoose",
          "womens-reviews", "groceries")  # fmt: skip


@pytest.mark.parametrize("fmt", SHARED)
def test_every_shared_dataset_same_account_row_by_row(spark, fmt: str, tmp_path: Path) -> None:
    """Both engines, row by row (accepted ids, reason codes per quarantined row, repairs), on each
    real dataset in ../shared/data the gate reads (issue 11's "every shared dataset")."""
    from shopmind.engine.spark.gate import run_gate_spark

    adapter = get_adapter(fmt)
    path = DATA / adapter.default_path
    if not path.exists():
        pytest.skip(f"{path} not present")
    batch = adapter.load(path)
    polars_run = run_gate(batch, GateConfig(), None, now=NOW)
    spark_run = run_gate_spark(spark, batch, str(tmp_path / "out"), GateConfig(), None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    assert spark_run.result.input_rows == polars_run.input_rows > 0
    assert spark_run.result.accepted_rows + spark_run.result.quarantined_rows == spark_run.result.input_rows


# --- input read by Spark itself (Parquet under any URI Spark reads) ---------------------------------


def test_parquet_read_by_spark_gives_the_polars_account_row_by_row(
    spark, demo_dir: Path, tmp_path: Path
) -> None:
    """The demo shop's Parquet folder read by Spark (``file://`` URI) = read by the driver's
    adapter and judged by Polars: the same row ids, codes, repairs, notes."""
    from shopmind.engine.spark.read import run_gate_spark_uri

    cfg = GateConfig(traditional_to_simplified=True)
    polars_run = run_gate(get_adapter("canonical").load(demo_dir), cfg, None, now=NOW)
    spark_run = run_gate_spark_uri(spark, f"file://{demo_dir}", str(tmp_path / "out"), cfg, None, now=NOW)
    assert differences(polars_run, spark_run.result) == []
    assert spark_run.result.quarantined_rows > 20
    assert spark_run.result.meta["read_by"] == "spark"
    assert spark_run.result.meta["ignored_columns"] == polars_run.meta.get("ignored_columns", {})


def test_parquet_part_files_are_numbered_in_name_order(spark, demo_dir: Path, tmp_path: Path) -> None:
    """A folder of part files (what Spark jobs write) is numbered as the files concatenated in
    name order, whatever order Spark plans its splits in (it puts larger files first)."""
    from shopmind.engine.spark.read import run_gate_spark_uri

    feed = tmp_path / "feed"
    (feed / "events.parquet").mkdir(parents=True)
    events = pl.read_parquet(demo_dir / "events.parquet")
    cuts = [0, 40, events.height // 2, events.height]  # a small file first: Spark reads it last
    for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        events.slice(a, b - a).write_parquet(feed / "events.parquet" / f"part-{i:05d}.parquet")
    pl.read_parquet(demo_dir / "products.parquet").write_parquet(feed / "products.parquet")
    whole = tmp_path / "whole"
    whole.mkdir()
    events.write_parquet(whole / "events.parquet")
    pl.read_parquet(demo_dir / "products.parquet").write_parquet(whole / "products.parquet")
    cfg = GateConfig(traditional_to_simplified=True)
    want = run_gate(get_adapter("canonical").load(whole), cfg, None, now=NOW)
    got = run_gate_spark_uri(spark, str(feed), str(tmp_path / "out"), cfg, None, now=NOW).result
    for table in ("products", "events"):
        a, b = want.tables[table], got.tables[table]
        assert a.accepted.drop("_line").equals(eager(b.accepted).drop("_line"))
        assert a.quarantine.select("row_no", "codes").equals(eager(b.quarantine).select("row_no", "codes"))
    acc = eager(got.tables["events"].accepted)
    start = pl.Series(cuts[:-1])  # each row's _line is 1-based within its own file
    want_line = [r - start.filter(start <= r).max() + 1 for r in acc[ROW].to_list()]
    assert acc["_line"].to_list() == want_line


def test_parquet_read_by_spark_pseudonymises_ids_as_the_driver_does(
    spark, demo_dir: Path, tmp_path: Path
) -> None:
    from shopmind.engine.spark.read import run_gate_spark_uri
    from shopmind.privacy_policy import pseudonymise_batch

    key = b"k" * 32
    cfg = GateConfig(traditional_to_simplified=True)
    batch = pseudonymise_batch(get_adapter("canonical").load(demo_dir), key)
    polars_run = run_gate(batch, cfg, None, now=NOW)
    spark_run = run_gate_spark_uri(
        spark, str(demo_dir), str(tmp_path / "out"), cfg, None, now=NOW, pseudonym_key=key
    )
    assert differences(polars_run, spark_run.result) == []
    users = eager(spark_run.result.tables["events"].accepted)["user_id"].drop_nulls()
    assert users.len() > 50 and users.str.contains(r"^~[0-9a-f]{12}$").all()


def test_parquet_input_errors_name_the_place(spark, tmp_path: Path) -> None:
    from shopmind.data.readers import InputError
    from shopmind.engine.spark.read import run_gate_spark_uri

    with pytest.raises(InputError, match="input not found"):
        run_gate_spark_uri(spark, str(tmp_path / "nope"), str(tmp_path / "out"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no canonical Parquet table under"):
        run_gate_spark_uri(spark, str(tmp_path / "empty"), str(tmp_path / "out"))
    bad = tmp_path / "bad"
    bad.mkdir()
    pl.DataFrame({"colour": ["red"]}).write_parquet(bad / "events.parquet")
    with pytest.raises(InputError, match=r"events\.parquet: none of its columns \(colour\)"):
        run_gate_spark_uri(spark, str(bad), str(tmp_path / "out"))


def test_cli_ingest_reads_a_uri_with_spark_and_refuses_it_without(
    spark, demo_dir: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.store.store import Store

    ws = tmp_path / "ws"
    out = CliRunner().invoke(
        app, ["ingest", f"file://{demo_dir}", "-w", str(ws), "--engine", "spark", "--json", "--force"]
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output[out.output.index("{") : out.output.rindex("}") + 1])
    assert summary["meta"]["read_by"] == "spark"
    expected = run_gate(get_adapter("canonical").load(demo_dir), GateConfig(), None).account()
    assert {t: (a["accepted"], a["quarantined"]) for t, a in summary["account"].items()} == {
        t: (a["accepted"], a["quarantined"]) for t, a in expected.items()
    }
    with Store(ws) as store:  # a new workspace pseudonymises ids by default, on the executors too
        users = store.con.execute("SELECT DISTINCT user_id FROM events WHERE user_id IS NOT NULL").fetchall()
    assert users and all(u[0].startswith("~") for u in users)
    bad = CliRunner().invoke(app, ["ingest", "hdfs://nn:8020/feeds/day1", "-w", str(tmp_path / "w2")])
    assert bad.exit_code == 2 and "add --engine spark" in bad.output
