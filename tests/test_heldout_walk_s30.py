"""The maintainers' ``evaluate`` runs on held-out files of the same formats, walked again (t1w, session 30).

The brief: "keep adapters generic (a format and a path) ... never tune to a test". Each test here is a defect
the walk met on a held-out-like copy: a row the evaluation left out without a word, a date that fitted only
our copy.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.readers import InputError
from shopmind.recommend.protocols import RETAIL_CUT, RETAIL_VALID_CUT, make_split, time_cuts
from shopmind.search.eval_data import load_dataset

CF_HEADER = '"id","query","product_title","product_description","median_relevance","relevance_variance"\n'
CF_ROWS = [
    '1,"red lamp","Red Desk Lamp","A <b>red</b> lamp",4,0',
    '2,"red lamp","Blue Desk Lamp","",2,0',
    '3,"red lamp","Red Lamp Shade","shade",3,0',
    '4,"oak table","Oak Dining Table","solid oak",4,0',
    '5,"oak table","Pine Table","pine",high,0',  # a grade that is not a number
    '6,"","Oak Chair","oak",3,0',  # an empty query
    '7,"oak table","Oak Side Table","oak",9,0',  # outside CrowdFlower's 1-4
    '8,"oak table","Oak Bench","oak",2,0',
]


def _cf(tmp_path: Path) -> Path:
    path = tmp_path / "heldout.csv"
    path.write_text(CF_HEADER + "\n".join(CF_ROWS) + "\n", encoding="utf-8")
    return path


def test_search_judgment_rows_left_out_are_counted_with_their_lines(tmp_path: Path) -> None:
    """Before: drop_nulls() left the 'high' and empty-query rows out silently and kept the grade 9
    (NDCG's gain then ran past the scale); the notes said nothing about any of them."""
    data = load_dataset("crowdflower", _cf(tmp_path))
    assert set(data.qrels) == {"red lamp", "oak table"}
    assert len(data.qrels["oak table"]) == 2 and len(data.qrels["red lamp"]) == 3
    assert all(1 <= g <= 4 for grades in data.qrels.values() for g in grades.values())
    notes = "\n".join(data.notes)
    assert "1 judgment row(s) with an empty query, product id or grade left out (file line 7)" in notes
    assert "1 judgment row(s) with a grade that is not a number left out (file line 6); e.g. 'high'" in notes
    assert "1 judgment row(s) with a grade outside the scale 1-4 left out (file line 8); e.g. '9'" in notes
    assert data.notes[0] == f"read {tmp_path / 'heldout.csv'}"


def test_evaluate_search_prints_its_notes_before_the_run(tmp_path: Path) -> None:
    """Before: the notes went to the JSON and HTML only; the terminal showed figures on fewer judgments."""
    res = CliRunner().invoke(
        app,
        ["evaluate", "search", str(_cf(tmp_path)), "-f", "crowdflower", "--methods", "ours",
         "--no-progress", "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    text = re.sub(r"\s+", " ", res.output)
    assert "note: 1 judgment row(s) with a grade that is not a number left out (file line 6)" in text
    assert "note: read " in text and "grade outside the scale 1-4" in text
    assert re.search(r"ours\S* retrieval NDCG@10 \d", text)


def _events(start: datetime, days: int) -> pl.DataFrame:
    """Purchases every 6 hours from ``start`` by 7 customers of 11 items (a shop's own export)."""
    stamps = pl.datetime_range(start, start + timedelta(days=days), "6h", eager=True, time_unit="us")
    n = pl.int_range(stamps.len(), eager=True)
    return pl.DataFrame({"user_id": "u" + (n % 7).cast(pl.Utf8), "item_id": "p" + (n % 11).cast(pl.Utf8),
                         "type": "purchase", "timestamp": stamps})  # fmt: skip


def test_time_split_uses_online_retails_months_only_for_that_format() -> None:
    """Before: any events spanning Oct-Nov 2011 (a shop's own export, --format table) were cut at
    Online Retail's published months, whatever their own span; now only --format online-retail is."""
    ev = _events(datetime(2011, 6, 1, tzinfo=UTC), 200)  # 2011-06-01 .. 2011-12-17
    assert time_cuts(ev, fmt="online-retail") == (RETAIL_CUT, RETAIL_VALID_CUT)
    assert time_cuts(ev) == (RETAIL_CUT, RETAIL_VALID_CUT)  # benches that name no format: unchanged
    first, last = ev["timestamp"].min(), ev["timestamp"].max()
    cut, valid_cut = time_cuts(ev, fmt="table")
    assert cut == last - (last - first) * 0.2 and valid_cut == cut - (last - first) * 0.2
    assert cut != RETAIL_CUT
    split = make_split("time", ev, "table")
    assert split.test.fit["timestamp"].max() < cut and split.test.truth.height > 0
    assert f"global time split at {cut.isoformat()}" in split.protocol


UCI_HEADER = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
UCI_ROWS = [
    ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, datetime(2010, 12, 1, 8, 26), 2.55, 17850, "United Kingdom"],
    ["536365", "71053", "WHITE METAL LANTERN", 6, datetime(2010, 12, 1, 8, 26), 3.39, 17850, "United Kingdom"],
    ["C536379", "D", "Discount", -1, datetime(2010, 12, 1, 9, 41), 27.5, 14527, "United Kingdom"],
]  # fmt: skip


def _uci_workbook(folder: Path) -> Path:
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Online Retail.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws, when = wb.add_worksheet("Online Retail"), wb.add_format({"num_format": "m/d/yyyy h:mm"})
    ws.write_row(0, 0, UCI_HEADER)
    for r, row in enumerate(UCI_ROWS, start=1):
        for c, v in enumerate(row):
            ws.write_datetime(r, c, v, when) if isinstance(v, datetime) else ws.write(r, c, v)
    wb.close()
    return path


def test_online_retail_reads_ucis_own_workbook(tmp_path: Path) -> None:
    """UCI distributes Online Retail as 'Online Retail.xlsx'. Before: the adapter read every file as CSV,
    so the workbook was refused as 'a ZIP archive ... name it .xlsx' (it was named so), and a folder
    holding only the workbook had 'no Online Retail CSV'."""
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import run_gate

    book = _uci_workbook(tmp_path / "uci")
    for path in (book, book.parent):
        batch = get_adapter("online-retail").load(path)
        assert batch.meta["files"] == [str(book)]
        events = run_gate(batch, GateConfig(), None).tables["events"].accepted.sort("_line")
        assert events["user_id"].to_list() == ["17850", "17850", "14527"]
        assert events["type"].to_list() == ["purchase", "purchase", "return"]
        assert events["timestamp"][0] == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)  # London in December = UTC
        assert events["quantity"].to_list() == [6, 6, -1]
    (tmp_path / "uci" / "copy.xlsx").write_bytes(book.read_bytes())
    with pytest.raises(InputError, match="several Online Retail workbooks"):
        get_adapter("online-retail").load(tmp_path / "uci")


def test_a_workbook_given_to_a_text_format_is_told_to_be_saved_as_csv(tmp_path: Path) -> None:
    """Before: 'X.xlsx is a ZIP archive (an Excel .xlsx workbook?): name it .xlsx' - it was named .xlsx."""
    book = _uci_workbook(tmp_path)
    res = CliRunner().invoke(
        app, ["evaluate", "search", str(book), "-f", "crowdflower", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2
    text = re.sub(r"\s+", " ", res.output)
    assert (
        "is a ZIP archive (an Excel .xlsx workbook?), and this is read as a text file: save it as CSV" in text
    )
    assert "name it .xlsx" not in text


def test_evaluate_forecast_on_a_file_that_is_not_parquet_is_one_line(tmp_path: Path) -> None:
    """Before: a polars ComputeError traceback ('File out of specification'), exit 1."""
    fake = tmp_path / "series.parquet"
    fake.write_text("id,date,value\nA,2024-01-01,3\n")
    res = CliRunner().invoke(
        app, ["evaluate", "forecast", str(fake), "-f", "long", "--out", str(tmp_path / "f.json")]
    )
    assert res.exit_code == 2, res.output
    assert "series.parquet: cannot be read as Parquet" in re.sub(r"\s+", " ", res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit)


US_LINES = [  # UCI's own CSV layout: m/d/yyyy h:mm, integer quantities and customer ids, another column order
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "12/1/2010 8:26", "2.55", "17850"),
    ("536366", "22633", "HAND WARMER UNION JACK", "6", "12/1/2010 8:28", "1.85", "17850"),
    ("536367", "84879", "ASSORTED COLOUR BIRD ORNAMENT", "32", "12/13/2010 8:34", "1.69", "13047"),
    ("536368", "22960", "JAM MAKING SET WITH JARS", "6", "12/13/2010 8:34", "4.25", "13047"),
]


def _retail_csv(path: Path, lines: list[tuple[str, ...]], iso: bool) -> Path:
    def when(text: str) -> str:
        return datetime.strptime(text, "%m/%d/%Y %H:%M").strftime("%Y-%m-%d %H:%M:%S") if iso else text

    rows = [
        (
            "Country",
            "CustomerID",
            "InvoiceNo",
            "InvoiceDate",
            "StockCode",
            "Description",
            "UnitPrice",
            "Quantity",
        )
    ]
    rows += [("United Kingdom", c, i, when(d), s, t, p, q) for i, s, t, q, d, p, c in lines]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="latin-1")
    return path


def _gate(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import run_gate

    gate = run_gate(get_adapter("online-retail").load(path), GateConfig(), None)
    failed = {k: v for k, v in gate.tables["events"].failed.items() if v}
    return (
        gate.tables["events"].accepted.sort("_line"),
        gate.tables["products"].accepted.sort("product_id"),
        failed,
    )


def test_online_retail_reads_ucis_month_first_dates_as_the_iso_copy(tmp_path: Path) -> None:
    """UCI's and Kaggle's Online Retail CSV write InvoiceDate as '12/1/2010 8:26'. Before: every line was a
    TYPE_ERROR (day or month first? - only canonical and mapped exports settled it by the column), the batch
    held, 0 events accepted; products' created_at was read day first by polars' guess (13 January ->
    'EVT_BEFORE_PRODUCT'). Now the column settles it (13 > 12), and the account equals the ISO copy's."""
    us = _gate(_retail_csv(tmp_path / "Online Retail.csv", US_LINES, iso=False))
    iso = _gate(_retail_csv(tmp_path / "iso.csv", US_LINES, iso=True))
    assert us[2] == iso[2] == {}
    assert us[0].drop("event_id").equals(iso[0].drop("event_id")) and us[0].height == 4
    assert us[0]["timestamp"][2] == datetime(2010, 12, 13, 8, 34, tzinfo=UTC)
    assert us[1]["created_at"].to_list() == iso[1]["created_at"].to_list()


def test_online_retail_dates_no_number_tells_are_read_as_ucis_month_first(tmp_path: Path) -> None:
    """A held-out cut of a few days (every number <= 12) cannot settle the order: the format's own (UCI writes
    month first) is taken, not a refusal asking for a mapping the format does not take."""
    few = [line for line in US_LINES if "/13/" not in line[4]]
    events, _, failed = _gate(_retail_csv(tmp_path / "cut.csv", few, iso=False))
    assert failed == {} and events["timestamp"][0] == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)


def test_evaluate_forecast_on_a_history_too_short_for_any_cut_says_so(tmp_path: Path) -> None:
    """A 3-month held-out workbook at a weekly grain has 13 periods; the message said only 'lower
    --windows/--horizon', which cannot help at --windows 1: it now names the history a cut needs."""
    rows = [f"S{s},{date.isoformat()},{(s + i) % 5}" for s in range(3) for i, date in
            enumerate(datetime(2024, 1, 1) + timedelta(weeks=k) for k in range(13))]  # fmt: skip
    path = tmp_path / "short.csv"
    path.write_text("id,date,value\n" + "\n".join(rows) + "\n")
    res = CliRunner().invoke(app, ["evaluate", "forecast", str(path), "--out", str(tmp_path / "f.json")])
    assert res.exit_code == 2, res.output
    text = re.sub(r"\s+", " ", res.output)
    assert (
        "(13 periods, 1 windows of 13); lower --windows/--horizon/--inner-windows, or evaluate a longer "
        in text
    )
    assert re.search(r"history \(these settings need (\d+) periods\)", text)
