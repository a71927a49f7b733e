"""Publishing through the store: upserts, idempotent re-ingest, held batches, atomicity, drift."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.model import ROW, Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.quality.report import write_report
from shopmind.store.store import Store

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _batch(n_events: int = 50, price_scale: float = 1.0, seed: int = 0, bad_types: int = 0) -> Batch:
    rng = np.random.default_rng(seed)
    products = pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(20)],
            "title": [f"Blue denim jacket {i}" for i in range(20)],
            "category_path": ["Men > Jackets"] * 20,
            "price": (rng.lognormal(3, 0.3, 20) * price_scale).round(2),
            "currency": ["USD"] * 20,
            "attributes": ['{"colour": "blue"}'] * 20,
        }
    )
    types = ["view"] * (n_events - bad_types) + ["pageview"] * bad_types
    events = pl.DataFrame(
        {
            "event_id": [f"E{seed}-{i}" for i in range(n_events)],
            "user_id": [f"u{i % 7}" for i in range(n_events)],
            "item_id": [f"P{i % 20}" for i in range(n_events)],
            "type": types,
            "timestamp": [1767225600 + 37 * i + 3600 * seed for i in range(n_events)],
        }
    )
    return Batch("feed", products=products, events=events)


def _ingest(store: Store, batch: Batch, cfg: GateConfig | None = None, force: bool = False):
    cfg = cfg or GateConfig()
    result = run_gate(batch, cfg, store, now=NOW)
    written = publish(result, store, cfg, None, force=force)
    return result, written


def test_publish_then_reingest_is_idempotent(tmp_path):
    with Store(tmp_path) as store:
        first, written = _ingest(store, _batch())
        assert written == {"products": 20, "events": 50}
        again, written = _ingest(store, _batch())
        assert written == {"products": 0, "events": 0}
        assert store.count("events") == 50 and store.count("products") == 20
        assert first.fingerprint == again.fingerprint
        runs = store.runs()
        assert runs.height == 2 and set(runs["status"]) == {"published"}
        attrs = store.table("products", ["attributes"])["attributes"].to_list()[0]
        assert attrs == [{"key": "colour", "value": "blue"}]


def test_second_batch_appends_and_upserts(tmp_path):
    with Store(tmp_path) as store:
        _ingest(store, _batch(seed=0))
        changed = _batch(seed=1, price_scale=1.5)
        _, written = _ingest(store, changed)
        assert written["events"] == 50 and written["products"] == 20
        assert store.count("events") == 100 and store.count("products") == 20


def test_held_batch_publishes_nothing_but_records_the_run(tmp_path):
    with Store(tmp_path) as store:
        result, written = _ingest(store, _batch(bad_types=10))
        assert result.held and written == {}
        assert store.count("events") == 0 and store.count("products") == 0
        run = store.runs()
        assert run["status"].to_list() == ["held"] and run["exit_code"].to_list() == [1]
        assert store.quarantine(run["run_id"][0]).height == 10
        _, written = _ingest(store, _batch(bad_types=10), force=True)
        assert written["events"] == 40


def test_a_failure_mid_publish_leaves_the_store_unchanged(tmp_path, monkeypatch):
    with Store(tmp_path) as store:
        _ingest(store, _batch(seed=0))
        result = run_gate(_batch(seed=1), GateConfig(), store, now=NOW)

        def boom(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(store, "_insert_frame", boom)
        with pytest.raises(RuntimeError):
            publish(result, store, GateConfig(), None)
        assert store.count("events") == 50 and store.count("runs") == 1


def test_drift_against_the_previous_batch(tmp_path):
    with Store(tmp_path) as store:
        _ingest(store, _batch(seed=0))
        same, _ = _ingest(store, _batch(seed=0))
        assert not any(d["drifted"] for d in same.drift if d["column"] == "price")
        shifted, _ = _ingest(store, _batch(seed=2, price_scale=4.0))
        price = next(d for d in shifted.drift if d["table"] == "products" and d["column"] == "price")
        assert price["drifted"] and price["ks"] > 0.9
        drift_check = next(c for c in shifted.checks if c["code"] == "BATCH_DRIFT")
        assert drift_check["crossed"] and "products.price" in drift_check["detail"]["columns"]


def test_report_is_written_with_charts(tmp_path):
    with Store(tmp_path) as store:
        _ingest(store, _batch(seed=0))
        result = run_gate(_batch(seed=3, bad_types=1), GateConfig(), store, now=NOW)
        json_path, html_path = write_report(result, tmp_path / "reports", store)
        html = html_path.read_text()
        assert "<svg" in html and "EVT_TYPE_UNKNOWN" in html and "Trend over runs" in html
        assert json_path.exists()


def test_batch_checks_freshness_volume_completeness(tmp_path):
    with Store(tmp_path) as store:
        first, _ = _ingest(store, _batch(n_events=50))
        fresh = next(c for c in first.checks if c["code"] == "BATCH_FRESHNESS")
        assert fresh["crossed"] and fresh["fraction"] > 20  # newest event is ~31 days before NOW
        assert not any(c["code"] == "BATCH_VOLUME" for c in first.checks)  # no previous run yet
        small, _ = _ingest(store, _batch(n_events=10, seed=5))
        volume = next(c for c in small.checks if c["code"] == "BATCH_VOLUME")
        assert volume["crossed"] and volume["detail"] == {"previous": 70, "current": 30}
    sparse = _batch()
    sparse.products = sparse.products.with_columns(
        pl.when(pl.int_range(20) < 15).then(None).otherwise(pl.col("title")).alias("brand")
    )
    result = run_gate(sparse, GateConfig(), None, now=NOW)
    comp = next(c for c in result.checks if c["code"] == "COMPLETENESS")
    assert comp["detail"]["columns"] == {"brand": 0.25}


def test_timestamp_units_and_time_zones_are_reported(tmp_path):
    events = pl.DataFrame(
        {
            "event_id": ["a", "b", "c", "d"],
            "type": ["view"] * 4,
            "item_id": ["P1"] * 4,
            "user_id": ["u"] * 4,
            "timestamp": ["1767225600", "1767225600000", "1767225600000000", "2026-01-01 08:00:00"],
        }
    )
    result = run_gate(
        Batch("t", events=events, meta={"timezone": "Asia/Shanghai"}), GateConfig(), None, now=NOW
    )
    ev = result.tables["events"]
    assert ev.notes["timestamp_units.timestamp"] == {"s": 1, "ms": 1, "us": 1}
    assert ev.notes["timezone_moved.timestamp"] == {"from": "Asia/Shanghai", "rows": 1}
    stamps = ev.accepted.sort(ROW)["timestamp"].to_list()
    assert len(set(stamps)) == 1  # all four are 2026-01-01 00:00 UTC


# --- issue 10 item 6(c): an event id the store already holds -------------------------------------


def _events(*rows: tuple[str, str, str, str]) -> Batch:
    frame = pl.DataFrame(
        rows, schema=["event_id", "type", "item_id", "timestamp"], orient="row"
    ).with_columns(pl.lit("u1").alias("user_id"))
    return Batch("feed", events=frame)


def test_a_stored_event_id_reused_for_other_content_is_an_id_conflict(tmp_path):
    """It was 'accepted 2' with 0 written and no EVT_ID_CONFLICT: the account said nothing."""
    with Store(tmp_path) as store:
        _ingest(
            store,
            _events(
                ("e1", "view", "P1", "2026-01-20T10:00:00Z"), ("e3", "view", "P2", "2026-01-20T10:05:00Z")
            ),
        )
        batch = _events(
            ("e1", "purchase", "P9", "2026-01-20T10:00:00Z"),  # e1 reused for another event
            ("e2", "view", "P2", "2026-01-20T10:09:00Z"),  # new
            ("e3", "view", "P2", "2026-01-20T10:05:00Z"),  # a re-sent copy of a stored event
        )
        result, written = _ingest(store, batch)
        ev = result.tables["events"]
        assert ev.quarantine["codes"].to_list() == [["EVT_ID_CONFLICT"]]
        assert ev.quarantine["row_no"].to_list() == [0]
        assert "the store holds another row under this key" in ev.quarantine["detail"][0]
        assert result.account()["events"] == {
            "input": 3,
            "accepted": 2,
            "quarantined": 1,
            "already_stored": 1,
        }
        assert written == {"events": 1}  # accepted 2 = 1 written + 1 already stored
        stored = store.table("events", ["event_id", "type"], "ORDER BY event_id").rows()
        assert stored == [("e1", "view"), ("e2", "view"), ("e3", "view")]  # the stored fact is kept


def test_a_reingest_says_every_row_is_already_stored(tmp_path):
    with Store(tmp_path) as store:
        _ingest(store, _batch())
        again, written = _ingest(store, _batch())
        assert written == {"products": 0, "events": 0}
        assert {t: a["already_stored"] for t, a in again.account().items()} == {"products": 20, "events": 50}
        assert again.summary()["account"]["events"]["already_stored"] == 50
        changed, _ = _ingest(store, _batch(price_scale=2.0))  # products change: not 'already stored'
        assert changed.account()["products"]["already_stored"] == 0
        assert changed.tables["products"].quarantine.is_empty()  # a changed product is an update


def test_stored_status_compares_every_canonical_column(tmp_path):
    with Store(tmp_path) as store:
        _ingest(store, _batch())
        result = run_gate(_batch(), GateConfig(), None, now=NOW)
        products = result.tables["products"].accepted
        assert set(store.stored_status("products", products).to_list()) == {"same"}
        edited = products.with_columns(
            pl.when(pl.col(ROW) == 3).then(pl.lit(None)).otherwise(pl.col("attributes")).alias("attributes")
        )
        status = store.stored_status("products", edited).to_list()
        assert status[3] == "differs" and status.count("same") == 19
        new = products.with_columns(pl.lit("NEW").alias("product_id"))
        assert store.stored_status("products", new.head(2)).to_list() == [None, None]


class _CommitFails:
    """A DuckDB connection whose COMMIT fails the way a full disk makes it fail: DuckDB ends the
    transaction itself (nothing of it is written) and raises, so no transaction is left open."""

    def __init__(self, con) -> None:
        self._con = con

    def execute(self, sql: str, *args, **kwargs):
        if sql == "COMMIT":
            self._con.execute("ROLLBACK")
            raise duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "shopmind.duckdb.wal": '
                "No space left on device"
            )
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_a_failed_commit_says_why_and_leaves_the_store_unchanged(tmp_path):
    # the full-disk ingest showed "cannot rollback - no transaction is active" (the ROLLBACK after a
    # COMMIT DuckDB had already ended), as a traceback, instead of the disk being full
    with Store(tmp_path) as store:
        _ingest(store, _batch(seed=0))
        result = run_gate(_batch(seed=1), GateConfig(), store, now=NOW)
        real = store.con
        store.con = _CommitFails(real)
        with pytest.raises(duckdb.TransactionException, match="No space left on device"):
            publish(result, store, GateConfig(), None)
        store.con = real
        assert store.count("events") == 50 and store.count("runs") == 1
        _, written = _ingest(store, _batch(seed=1))  # the same batch publishes once there is room
        assert written["events"] == 50 and store.count("runs") == 2
