"""A run kept out of core (a Spark run's Parquet parts) publishes and reports exactly as in memory.

No Spark here: a Polars gate result is written as Parquet parts in a shuffled row order (as Spark's
executors leave them), turned into the lazy outcome the Spark engine builds, and published into a
second store. Both stores must then hold the same rows in the same order, and the report's
examples, counts, drift profiles and freshness must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopmind.config import GateConfig
from shopmind.data.model import ROW
from shopmind.demo.generator import generate
from shopmind.engine.spark.frames import scan_run
from shopmind.quality.drift import profile
from shopmind.quality.gate import GateResult, TableOutcome, publish, run_gate
from shopmind.quality.report import _examples
from shopmind.quality.verdicts import batch_checks
from shopmind.store.store import Store

NOW = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def result() -> GateResult:
    shop = generate(seed=5, n_products=120, n_users=60, days=6, defect_rate=0.05, end=NOW)
    got = run_gate(shop.batch, GateConfig(traditional_to_simplified=True), None, now=NOW)
    assert got.quarantined_rows > 50 and got.repaired_cells >= 3  # not vacuous
    for t in got.tables.values():  # a Spark run's repairs come in row order (step order within a row)
        t.audit = t.audit.sort(ROW, maintain_order=True)
    return got


def _parts(frame: pl.DataFrame, folder: Path, n: int = 3, seed: int = 1) -> list[str]:
    """``frame`` as ``n`` Parquet part files with its rows shuffled (Spark's parts are in no order)."""
    folder.mkdir(parents=True)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    size = -(-shuffled.height // n) if shuffled.height else 1
    files = []
    for i in range(n):
        path = folder / f"part-{i:05d}.parquet"
        shuffled.slice(i * size, size).write_parquet(path)
        files.append(str(path))
    return files


def _out_of_core(result: GateResult, root: Path) -> GateResult:
    """The same result with every table's rows on disk, as ``engine/spark/gate.py`` builds it."""
    tables: dict = {}
    for name, t in result.tables.items():
        audit = t.audit.with_row_index("_step").with_columns(pl.col("_step").cast(pl.Int64))
        frames = {"accepted": (t.accepted, (ROW,)), "quarantine": (t.quarantine, ("row_no",)),
                  "audit": (audit, (ROW, "_step"))}  # fmt: skip
        parts, lazy = {}, {}
        for kind, (frame, order) in frames.items():
            parts[kind] = _parts(frame, root / name / kind)
            lazy[kind] = scan_run(parts[kind], dict(frame.schema), order)
        lazy["audit"] = lazy["audit"].select(list(t.audit.columns))
        tables[name] = TableOutcome(
            table=t.table, input_rows=t.input_rows, accepted=lazy["accepted"], quarantine=lazy["quarantine"],
            audit=lazy["audit"], failed=t.failed, present=t.present, notes=t.notes, completeness=t.completeness,
            already_stored=t.already_stored, parts=parts,
            counts={"accepted": t.accepted.height, "quarantine": t.quarantine.height},
        )  # fmt: skip
    return GateResult(**{**result.__dict__, "tables": tables})


def _dump(store: Store) -> dict[str, pl.DataFrame]:
    names = ("products", "events", "judgments", "quarantine", "audit")
    return {n: store.con.sql(f"SELECT * FROM {n}").pl() for n in names}


def test_parts_publish_the_same_rows_in_the_same_order(result: GateResult, tmp_path: Path) -> None:
    lazy = _out_of_core(result, tmp_path / "parts")
    assert isinstance(lazy.tables["events"].accepted, pl.LazyFrame)
    with Store(tmp_path / "memory") as a, Store(tmp_path / "disk") as b:
        written_a = publish(result, a, GateConfig(), None, force=True)
        written_b = publish(lazy, b, GateConfig(), None, force=True)
        assert written_a == written_b and written_a["events"] > 100
        want, got = _dump(a), _dump(b)
        for name in want:
            assert got[name].equals(want[name]), name
        assert all(want[n].height > 0 for n in ("products", "events", "quarantine", "audit"))
        # a re-ingest of the same parts writes nothing new (insert-if-absent, replace by key)
        second = _out_of_core(result, tmp_path / "parts2")
        second.run_id += "-again"
        again = publish(second, b, GateConfig(), None, force=True)
        assert again["events"] == 0 and again["products"] == 0


def test_counts_examples_profiles_and_freshness_are_the_same(result: GateResult, tmp_path: Path) -> None:
    lazy = _out_of_core(result, tmp_path / "parts")
    assert lazy.account() == result.account()
    assert (lazy.accepted_rows, lazy.quarantined_rows, lazy.repaired_cells) == (
        result.accepted_rows, result.quarantined_rows, result.repaired_cells,
    )  # fmt: skip
    assert _examples(lazy, None) == _examples(result, None)
    for name, t in result.tables.items():
        assert profile(name, lazy.tables[name].accepted, t.present) == profile(name, t.accepted, t.present)
    fresh = [
        c
        for c in batch_checks(lazy.tables, GateConfig(), None, "x", NOW, [])[0]
        if c["code"] == "BATCH_FRESHNESS"
    ]
    want = [
        c
        for c in batch_checks(result.tables, GateConfig(), None, "x", NOW, [])[0]
        if c["code"] == "BATCH_FRESHNESS"
    ]
    assert fresh == want and fresh


def test_a_failure_mid_publish_of_parts_leaves_the_store_unchanged(
    result: GateResult, tmp_path: Path
) -> None:
    lazy = _out_of_core(result, tmp_path / "parts")
    broken = lazy.tables["events"].parts["quarantine"]
    with Store(tmp_path / "ws") as store:
        before = {n: f.height for n, f in _dump(store).items()}
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()
        # the last insert reads a part file that is gone: the whole run must roll back
        Path(broken[0]).unlink()
        with pytest.raises(Exception, match=r"(?i)no files found|not exist|IO Error"):
            publish(lazy, store, GateConfig(), None, force=True)
        assert {n: f.height for n, f in _dump(store).items()} == before
        assert store.count("runs") == 0
        # DuckDB's memory cap for the parts is put back too (settings are not transactional)
        assert store.con.execute("SELECT current_setting('memory_limit')").fetchone() == limit
