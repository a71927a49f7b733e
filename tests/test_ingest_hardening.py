"""Issue 10 items 5 and 6: inputs that crashed `shopmind ingest`, and bad data that got through.

Every case runs the real command (typer's runner on the CLI app, in-process): a user error is
exit 2 with one line naming the file, line or setting and no traceback; salvageable data is
ingested with the bad line quarantined and the run recorded.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.model import ROW, Batch
from shopmind.data.readers import InputError
from shopmind.quality.gate import run_gate
from shopmind.quality.quarantine import PAYLOAD_CELL_CHARS

NOW = datetime(2026, 12, 1, tzinfo=UTC)
EVENT = {
    "event_id": "e1",
    "type": "view",
    "timestamp": "2026-11-01T00:00:00Z",
    "item_id": "p1",
    "user_id": "u",
}


def _ingest(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args, "--workspace", str(tmp_path / "ws")])
    return result.exit_code, result.output


def _runs(tmp_path: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    try:
        return con.execute("SELECT status, input_rows, accepted, quarantined FROM runs").fetchall()
    finally:
        con.close()


def _folder(tmp_path: Path, name: str, data: bytes | str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return folder


def _one_line_error(output: str, *needles: str) -> None:
    assert "Traceback" not in output
    error = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(error) == 1, output
    for needle in needles:
        assert needle in output.replace("\n", " "), output


def test_binary_garbage_as_csv_is_exit_2_naming_the_file(tmp_path):
    rng = random.Random(7)
    folder = _folder(tmp_path, "events.csv", bytes(rng.randrange(256) for _ in range(20_000)))
    code, output = _ingest(tmp_path, str(folder))
    assert code == 2
    _one_line_error(output, "events.csv", "does not look like a text file")


def test_a_csv_with_no_known_column_is_exit_2_listing_both(tmp_path):
    folder = _folder(tmp_path, "events.csv", "foo,bar\n1,2\n3,4\n")
    code, output = _ingest(tmp_path, str(folder))
    assert code == 2
    _one_line_error(output, "events.csv", "foo, bar", "event_id")


def test_a_mapping_constant_given_as_a_list_is_exit_2_naming_it(tmp_path):
    data = tmp_path / "export.csv"
    data.write_text("sku,name\n1,Red dress\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'table = "products"\n[columns]\nsku = "product_id"\nname = "title"\n[constants]\ncurrency = ["EUR"]\n'
    )
    code, output = _ingest(tmp_path, str(data), "--format", "table", "--mapping", str(mapping))
    assert code == 2
    _one_line_error(output, "map.toml", "[constants] currency must be one value")


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[gate]\ntimezone = "Mars/Olympus"\n', "gate.timezone: unknown time zone 'Mars/Olympus'"),
        ('[gate]\ntimezone = "Europe/Berln"\n', "did you mean Europe/Berlin"),
        ('[gate]\nnear_duplicate_seconds = "two"\n', "gate.near_duplicate_seconds must be a finite number"),
        ("[gate]\nfreshness_days = nan\n", "gate.freshness_days must be a finite number"),
        ("[gate]\nmin_group_size = 2.5\n", "gate.min_group_size must be a whole number"),
        ("[gate]\ntraditional_to_simplified = 1\n", "must be true or false"),
        ('[gate]\nplaceholder_titles = "test"\n', "gate.placeholder_titles must be a list"),
        ("[gate]\nrating_scale = [5, 1]\n", "gate.rating_scale must be [low, high]"),
        ('[gate]\ndefault_currency = "XYZ"\n', "not an ISO 4217 code"),
        ("[gate.bot]\nmin_events = -3\n", "gate.bot.min_events must be a number >= 0"),
        ('gate = "strict"\n', "[gate] must be a table"),
        ("[checks.TYPE_ERROR]\nmin_rows = 0.5\n", "checks.TYPE_ERROR.min_rows must be a whole number"),
        ("[checks.TYPE_ERROR]\nthreshold = true\n", "checks.TYPE_ERROR.threshold must be a number"),
    ],
)
def test_a_wrong_setting_is_exit_2_naming_the_setting(tmp_path, toml, needle):
    folder = _folder(tmp_path, "events.jsonl", json.dumps(EVENT) + "\n")
    config = tmp_path / "gate.toml"
    config.write_text(toml, encoding="utf-8")
    code, output = _ingest(tmp_path, str(folder), "--config", str(config))
    assert code == 2
    _one_line_error(output, "gate.toml", needle)
    assert not (tmp_path / "ws" / "shopmind.duckdb").exists()  # refused before anything was opened


def _salvaged(tmp_path: Path, folder: Path, quarantined_line: int) -> None:
    """The good row is published, the bad line is a quarantined MALFORMED_LINE, the run is recorded."""
    code, output = _ingest(tmp_path, str(folder), "--json")
    assert code == 0, output
    assert "Traceback" not in output
    assert _runs(tmp_path) == [("published", 2, 1, 1)]
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    lines = con.execute("SELECT line, codes FROM quarantine").fetchall()
    con.close()
    assert lines == [(quarantined_line, ["MALFORMED_LINE"])]


def test_a_50_mb_line_without_newline_is_one_quarantined_line(tmp_path):
    body = b"event_id,type,timestamp,item_id,user_id\ne1,view,2026-11-01T00:00:00Z,p1,u\n" + b"x" * 50_000_000
    _salvaged(tmp_path, _folder(tmp_path, "events.csv", body), 3)


def test_deep_jsonl_nesting_is_one_quarantined_line(tmp_path):
    deep = '{"event_id": "e2", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    _salvaged(tmp_path, _folder(tmp_path, "events.jsonl", json.dumps(EVENT) + "\n" + deep + "\n"), 2)


def test_deep_attributes_are_one_quarantined_line(tmp_path):
    deep = '{"product_id": "p2", "title": "Blue", "attributes": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}"
    good = json.dumps({"product_id": "p1", "title": "Red dress"})
    _salvaged(tmp_path, _folder(tmp_path, "products.jsonl", good + "\n" + deep + "\n"), 2)


def test_utf16le_without_bom_is_read(tmp_path):
    text = "event_id,type,timestamp,item_id,user_id\ne1,view,2026-11-01T00:00:00Z,p1,u\n"
    code, output = _ingest(tmp_path, str(_folder(tmp_path, "events.csv", text.encode("utf-16-le"))), "--json")
    assert code == 0, output
    assert _runs(tmp_path) == [("published", 1, 1, 0)]


def test_deep_attributes_in_a_csv_cell_are_a_type_error_not_a_recursion_error():
    deep = '{"a": ' * 3000 + "1" + "}" * 3000
    products = pl.DataFrame(
        {"product_id": ["p1", "p2"], "title": ["Red dress", "Blue"], "attributes": [deep, None]}
    )
    t = run_gate(Batch("t", products=products), GateConfig(), None, now=NOW).tables["products"]
    assert t.quarantine["codes"].to_list() == [["TYPE_ERROR"]]
    assert "not convertible: attributes" in t.quarantine["detail"][0]


# --- issue 10 item 6 ---------------------------------------------------------------------------


def test_mixed_encoding_lines_are_decoded_and_audited_through_the_gate(tmp_path):
    rows = [("p1", "Red dress", "utf-8"), ("p2", "Größe Kleid", "latin-1"), ("p3", "红色连衣裙", "gbk"),
            ("p4", "蓝色牛仔裤", "utf-8"), ("p5", "耳机 降噪", "gbk")]  # fmt: skip
    body = b"product_id,title\n" + b"".join(f"{p},{t}\n".encode(e) for p, t, e in rows)
    body += b"p6," + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xFF]) * 4 + b"\n"
    batch = get_adapter("canonical").load(_folder(tmp_path, "products.csv", body))
    t = run_gate(batch, GateConfig(), None, now=NOW).tables["products"]
    assert t.accepted.sort(ROW)["title"].to_list() == [title for _, title, _ in rows]
    assert t.quarantine["line"].to_list() == [7] and t.quarantine["codes"].to_list() == [["MALFORMED_LINE"]]
    audit = t.audit.filter(pl.col("code") == "TEXT_ENCODING")
    assert audit.height == 2  # the lines not in the file's main codec
    assert all("(line, " in c for c in audit["column_name"].to_list())


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T00:00:00Z",
        "99999999999999999999",  # epoch of unknown unit: read as ns, year 5138
        "5138-01-01",
        "2100-01-01T00:00:00+05:00",
        "4102444800",  # 2100-01-01 in seconds
        "4102444800000",  # ... in milliseconds
        "4102444800000000000",  # ... in nanoseconds
    ],
)
def test_every_future_timestamp_is_caught_whatever_its_format(value):
    """Year 9999 and 5138 were accepted while 2100 was caught: epoch seconds from SQL are NULL
    past 2262 in Polars, so only rows before that were tested."""
    events = pl.DataFrame({**{k: [v] * 2 for k, v in EVENT.items()}, "event_id": ["a", "b"]}).with_columns(
        pl.Series("timestamp", ["2026-11-01T00:00:00Z", value])
    )
    t = run_gate(Batch("t", events=events), GateConfig(), None, now=NOW).tables["events"]
    assert t.quarantine["row_no"].to_list() == [1] and t.quarantine["codes"].to_list() == [["EVT_TS_FUTURE"]]
    native = pl.DataFrame({"timestamp": [datetime(9999, 1, 1, tzinfo=UTC)]})
    native = native.with_columns(**{k: pl.lit(v) for k, v in EVENT.items() if k != "timestamp"})
    assert (
        run_gate(Batch("t", events=native), GateConfig(), None, now=NOW).tables["events"].accepted.is_empty()
    )


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "1969-12-31T23:59:59Z", "-99999999999999999999"]
)
def test_timestamps_before_the_window_are_implausible(value):
    events = pl.DataFrame({k: [v] for k, v in EVENT.items()}).with_columns(pl.lit(value).alias("timestamp"))
    t = run_gate(Batch("t", events=events), GateConfig(), None, now=NOW).tables["events"]
    assert t.quarantine["codes"].to_list() == [["TS_IMPLAUSIBLE"]]
    assert "before the plausible window: timestamp" in t.quarantine["detail"][0]


def test_product_dates_share_the_window():
    products = pl.DataFrame(
        {
            "product_id": ["a", "b", "c", "d"],
            "title": ["Red dress"] * 4,
            "created_at": ["2024-05-01", "9999-12-31T00:00:00Z", "99999999999999999999", "2024-05-01"],
            "updated_at": [None, None, None, "2100-01-01"],
        }
    )
    t = run_gate(Batch("t", products=products), GateConfig(), None, now=NOW).tables["products"]
    assert t.accepted["product_id"].to_list() == ["a"]
    assert t.quarantine["codes"].to_list() == [["TS_IMPLAUSIBLE"]] * 3


def test_control_characters_are_stripped_from_text_with_an_audit_record():
    products = pl.DataFrame({"product_id": ["p1", "p2"], "title": ["Red\x00 dress\x07", "Blue\x1b[0m jeans"]})
    t = run_gate(Batch("t", products=products), GateConfig(), None, now=NOW).tables["products"]
    assert t.accepted.sort(ROW)["title"].to_list() == ["Red dress", "Blue[0m jeans"]
    audit = t.audit.filter(pl.col("code") == "TEXT_CONTROL").sort(ROW)
    assert audit["old_value"].to_list() == ["Red\x00 dress\x07", "Blue\x1b[0m jeans"]
    assert audit["new_value"].to_list() == ["Red dress", "Blue[0m jeans"]


def test_a_50_mb_search_query_is_quarantined_with_a_capped_payload():
    events = pl.DataFrame(
        {
            "event_id": ["q1", "q2"],
            "type": ["search", "search"],
            "timestamp": ["2026-11-30T00:00:00Z", "2026-11-30T00:01:00Z"],
            "user_id": ["u1", "u2"],
            "query": ["x" * 50_000_000, "red dress"],
        }
    )
    t = run_gate(Batch("t", events=events), GateConfig(), None, now=NOW).tables["events"]
    assert t.accepted["query"].to_list() == ["red dress"]
    assert t.quarantine["codes"].to_list() == [["TEXT_TOO_LONG"]]
    payload = json.loads(t.quarantine["payload"][0])
    assert len(payload["query"]) < PAYLOAD_CELL_CHARS + 100
    assert payload["query"].endswith("[50,000,000 characters in all]") or "50000000" in payload["query"]


def test_text_limits_are_settings():
    products = pl.DataFrame({"product_id": ["p1", "p2"], "title": ["Red dress", "A" * 30]})
    cfg = GateConfig(max_title_chars=20)
    t = run_gate(Batch("t", products=products), cfg, None, now=NOW).tables["products"]
    assert t.quarantine["codes"].to_list() == [["TEXT_TOO_LONG"]]


# --- property: any JSON values in known columns -> an account, never a crash -----------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_COLUMNS = ["product_id", "title", "price", "stock", "created_at", "attributes", "currency", "rating"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(_COLUMNS), _json, min_size=1), min_size=1, max_size=8))
def test_any_json_values_give_an_account_or_an_input_error(tmp_path, records):
    path = tmp_path / "products.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    try:
        batch = get_adapter("canonical").load(path)
    except InputError:
        return
    t = run_gate(batch, GateConfig(), None, now=NOW).tables["products"]
    ids = sorted(t.accepted[ROW].to_list() + t.quarantine["row_no"].to_list())
    assert ids == list(range(len(records))) and t.input_rows == len(records)


def test_checks_lists_min_rows_per_row_check():
    """Issue 18 item 15: thresholds need a minimum number of failing rows, shown where they are listed."""
    result = CliRunner().invoke(app, ["checks"])  # 80 columns: the listing prints records
    assert result.exit_code == 0
    records = " ".join(result.output.split()).split("code ")
    type_error = next(r for r in records if r.startswith("TYPE_ERROR "))
    assert "threshold 0.01 min rows 5 " in type_error
    drift = next(r for r in records if r.startswith("BATCH_DRIFT "))
    assert "threshold 0.2 min rows - " in drift  # a batch measurement has no row count
    assert "[checks.CODE] threshold / min_rows" in " ".join(result.output.split())
