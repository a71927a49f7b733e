"""The maintainers' ``evaluate`` runs on held-out files of the same formats, rehearsed on a clean clone (t1e,
session 33). Each test is a defect the rehearsal met on a harmless variation of a format (another editor's
BOM, another writer's column names); it fails before its fix. Files are built here, never copied from data.
"""

from __future__ import annotations

import json
from pathlib import Path

from shopmind.demo.assistant_question_file import load_question_file


def test_a_question_file_saved_with_a_bom_reads_like_one_without(tmp_path: Path) -> None:
    """Before: ``not valid UTF-8 JSON (Unexpected UTF-8 BOM ...)`` for a set a Windows editor saved."""
    data = {"OOS_Q": [["en", "can you fix my car?"], ["zh", "你们修车吗？"]]}
    plain, bom = tmp_path / "plain.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bom.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode("utf-8").replace(b"\n", b"\r\n")
    )
    assert (
        load_question_file(bom).OOS_Q
        == load_question_file(plain).OOS_Q
        == [
            ("en", "can you fix my car?"),
            ("zh", "你们修车吗？"),
        ]
    )


def _series_rows() -> list[tuple[str, str, float]]:
    return [
        (s, f"2024-{m:02d}-{d:02d}", float(v))
        for s, m, v in (("a", 1, 3), ("b", 2, 5))
        for d in (1, 8, 15, 22)
    ]


def test_a_long_file_with_capital_headers_or_nixtlas_names_reads_like_id_date_value(tmp_path: Path) -> None:
    """Before: ``missing column 'id' (columns: ID, Date, Value)`` and ``(columns: unique_id, ds, y)`` - the
    layout statsforecast reads and datasetsforecast's M4 loader writes - refused before any series."""
    import numpy as np
    import polars as pl

    from shopmind.cli.forecast import long_notes
    from shopmind.forecast.series import read_long

    rows = _series_rows()
    plain = tmp_path / "plain.csv"
    pl.DataFrame(rows, schema=["id", "date", "value"], orient="row").write_csv(plain)
    upper = tmp_path / "upper.csv"
    upper.write_bytes(
        b"\xef\xbb\xbf" + b"ID,Date,Value\r\n" + b"".join(f"{s},{d},{v}\r\n".encode() for s, d, v in rows)
    )
    nixtla = tmp_path / "m4.parquet"
    pl.DataFrame(rows, schema=["y_id", "ds", "y"], orient="row").rename({"y_id": "unique_id"}).select(
        "y", "unique_id", "ds"
    ).write_parquet(nixtla)
    want = read_long(plain, freq="W")
    for path, said in ((upper, "'ID' read as 'id', 'Date' read as 'date', 'Value' read as 'value'"),
                       (nixtla, "'unique_id' read as 'id', 'ds' read as 'date', 'y' read as 'value'")):  # fmt: skip
        info: dict[str, str] = {}
        got = read_long(path, freq="W", info=info)
        assert got.ids == want.ids == ["a", "b"]
        assert (got.dates == want.dates).all()
        np.testing.assert_array_equal(got.y, want.y)  # NaN before each series' start on both sides
        assert info["columns"] == said
        assert long_notes({**info, "ended_early": "0"}, got)[0] == f"columns: {said}"
    plain_info: dict[str, str] = {}
    read_long(plain, freq="W", info=plain_info)
    assert "columns" not in plain_info  # nothing said when the names are the format's own


def test_a_long_file_with_two_candidates_for_one_column_is_refused_naming_both(tmp_path: Path) -> None:
    import pytest

    from shopmind.forecast.series import SeriesError, read_long

    path = tmp_path / "two.csv"
    path.write_text("ID,Id,date,value\na,a,2024-01-01,1\n", encoding="utf-8")
    with pytest.raises(SeriesError, match="two.csv: columns 'ID' and 'Id' could each be 'id'; rename one"):
        read_long(path, freq="W")
    kept = tmp_path / "kept.csv"  # an exact 'id' wins; 'y' stays a covariate beside 'value'
    kept.write_text("id,ID,date,value,y\na,9,2024-01-01,1,7\na,9,2024-01-08,2,7\n", encoding="utf-8")
    panel = read_long(kept, freq="W")
    assert panel.ids == ["a"]
    assert panel.y.tolist() == [[1.0, 2.0]] and sorted(panel.covariates) == ["ID", "y"]


def test_evaluate_recs_says_which_files_it_read(tmp_path: Path) -> None:
    """Before: the run said '<format>: N events, M accepted' only; a folder's file, and the S3-Rec attribute
    file read because it sits beside the sequences under the same name, were in the JSON alone."""
    import pytest

    from shopmind.data.readers import InputError
    from shopmind.recommend import evaluate

    folder = tmp_path / "toys"
    folder.mkdir()
    (folder / "Toys.txt").write_text("1 5\n2 7\n")  # read, then too small to score: stops before any fit
    (folder / "Toys_item2attributes.json").write_text('{"5": [1, 2], "7": [3]}')
    said: list[str] = []
    with pytest.raises(InputError):
        evaluate.run("amazon-5core", folder, None, log=said.append, workers=1)
    assert said[0] == f"amazon-5core: read {folder / 'Toys.txt'}, {folder / 'Toys_item2attributes.json'}"


def _groceries(path: Path, dates: list[str]) -> Path:
    rows = [
        f"{m},{d},{item}"
        for (m, item), d in zip([(1, "whole milk"), (1, "rolls/buns"), (2, "soda")], dates, strict=True)
    ]
    path.write_text("Member_number,Date,itemDescription\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_groceries_dates_written_with_slashes_read_like_the_files_own(tmp_path: Path) -> None:
    """Before: a copy saved by a spreadsheet (``21/07/2015``) had every line quarantined, 0 events accepted,
    and evaluate recs stopped with 'no user has the events'. Month first only where a number says so."""
    from shopmind.data.adapters import get_adapter

    own = get_adapter("groceries").load(
        _groceries(tmp_path / "own.csv", ["21-07-2015", "05-01-2015", "01-02-2015"])
    )
    want = ["2015-07-21", "2015-01-05", "2015-02-01"]
    assert own.events["timestamp"].to_list() == want
    for name, dates in (("day.csv", ["21/07/2015", "05/01/2015", "01/02/2015"]),
                        ("us.csv", ["07/21/2015", "01/05/2015", "02/01/2015"])):  # fmt: skip
        got = get_adapter("groceries").load(_groceries(tmp_path / name, dates))
        assert got.events["timestamp"].to_list() == want, name
        assert got.events["session_id"].to_list() == [f"1:{want[0]}", f"1:{want[1]}", f"2:{want[2]}"]


def test_online_retail_ii_columns_are_read_as_the_first_editions(tmp_path: Path) -> None:
    """Before: UCI's Online Retail II export was refused: 'missing column(s) InvoiceNo, UnitPrice, CustomerID'
    (there: Invoice, Price, Customer ID)."""
    from shopmind.data.adapters import get_adapter

    line = (
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
    )
    first = tmp_path / "first.csv"
    first.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" + line
    )
    second = tmp_path / "online_retail_II.csv"
    second.write_text("Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n" + line)
    a, b = get_adapter("online-retail").load(first), get_adapter("online-retail").load(second)
    assert b.events.drop("_line").to_dicts() == a.events.drop("_line").to_dicts()
    assert b.events["user_id"].to_list() == ["17850"] and b.events["price"].to_list() == ["2.55"]
    assert b.products.drop("_line").to_dicts() == a.products.drop("_line").to_dicts()
    assert b.meta["notes"][-1] == (
        "Online Retail II's columns read as the first edition's: Invoice -> InvoiceNo, Price -> UnitPrice, "
        "Customer ID -> CustomerID"
    )


def test_a_qbqtc_file_saved_as_one_json_array_reads_like_its_json_lines(tmp_path: Path) -> None:
    """Before: ``[{...}, ...]`` was a polars ColumnNotFoundError traceback ('unable to find column "_line"')."""
    from shopmind.search.eval_data import load_dataset

    rows = [
        {"id": 0, "query": "红色连衣裙", "title": "红色连衣裙夏季新款", "label": "2"},
        {"id": 1, "query": "红色连衣裙", "title": "蓝色牛仔裤", "label": 0},
        {"id": 2, "query": "保温杯", "title": "不锈钢保温杯 500ml", "label": "1"},
    ]
    lines, array = tmp_path / "lines.json", tmp_path / "array.json"
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    array.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    want, got = load_dataset("qbqtc", lines), load_dataset("qbqtc", array)
    assert got.qrels == want.qrels and len(got.qrels) == 2
    assert sorted(got.qrels["红色连衣裙"].values()) == [0.0, 2.0]
    assert got.products["title"].to_list() == want.products["title"].to_list()


def test_evaluate_recs_table_keeps_every_name_when_the_output_is_a_log(tmp_path: Path, monkeypatch) -> None:
    """Before: rich sized the table to 80 columns when stdout was not a terminal: 'ours-r… (serves ours-v…)',
    'popula…', 'recall…' in a maintainer's log."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.recommend import evaluate

    cols = ("hit@10", "ndcg@10", "recall@20", "ndcg@20", "mrr@10", "coverage@20", "novelty@10")
    rows = {name: dict.fromkeys(cols, 0.25) for name in ("popularity", "item-knn", "ours-v1", "ours-ranker")}
    result = {"protocol": "leave-one-out (S3-Rec) by timestamp: last basket = test", "test": rows,
              "ranker": {"guard": {"served": False, "against": "ours-v1"}}}  # fmt: skip
    monkeypatch.setattr(evaluate, "run", lambda *a, **k: dict(result))
    monkeypatch.setattr(evaluate, "write_report", lambda r, out: (out / "r.json", out / "r.html"))
    data = tmp_path / "baskets.csv"
    data.write_text("Member_number,Date,itemDescription\n1,21-07-2015,soda\n")
    res = CliRunner().invoke(app, ["evaluate", "recs", str(data), "-f", "groceries", "--out", str(tmp_path / "o"),
                                   "-w", str(tmp_path / "w")])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "…" not in res.output
    assert "ours-ranker (serves ours-v1)" in res.output and "popularity" in res.output
    assert all(c in res.output for c in cols)


def test_online_retail_ii_workbook_reads_both_year_sheets(tmp_path: Path) -> None:
    """Before (with Online Retail II's columns read): its workbook's second sheet ('Year 2010-2011') was left
    out without a word in the run - half the data; a sheet of other columns is named as not read."""
    import xlsxwriter

    from shopmind.data.adapters import get_adapter

    header = [
        "Invoice",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "Price",
        "Customer ID",
        "Country",
    ]
    path = tmp_path / "online_retail_II.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for sheet, rows in (
        ("Year 2009-2010", [["489434", "85048", "15CM CHRISTMAS GLASS BALL", 12, "2009-12-01 07:45:00", 6.95, 13085, "UK"]]),
        ("Year 2010-2011", [["536365", "85123A", "WHITE HANGING HEART", 6, "2010-12-01 08:26:00", 2.55, 17850, "UK"],
                            ["536366", "22633", "HAND WARMER UNION JACK", 6, "2010-12-01 08:28:00", 1.85, 17850, "UK"]]),
        ("Notes", [["read me"]]),
    ):  # fmt: skip
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, header if sheet != "Notes" else ["note"])
        for r, row in enumerate(rows, start=1):
            ws.write_row(r, 0, row)
    wb.close()
    batch = get_adapter("online-retail").load(path)
    assert batch.events["session_id"].to_list() == ["489434", "536365", "536366"]
    assert batch.events["_line"].to_list() == [2, 4, 5]  # the second sheet's lines count on after the first's
    assert batch.meta["notes"][-1] == (
        "workbook sheets 'Year 2009-2010', 'Year 2010-2011' read as one table (line numbers count on); "
        "not read: 'Notes'"
    )


def test_evaluate_forecast_on_a_store_folder_says_which_file_it_read(tmp_path: Path, monkeypatch) -> None:
    """Before: '<folder>: N series x T periods' only; which export of the folder the figures are of was not said."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.forecast import evaluate

    def stop(*_a: object, **_k: object) -> None:
        raise ValueError("stopped before the backtest")

    monkeypatch.setattr(evaluate, "run", stop)
    folder = tmp_path / "groceries"
    folder.mkdir()
    _groceries(folder / "baskets_2016.csv", ["21-07-2015", "05-01-2015", "01-02-2015"])
    res = CliRunner().invoke(
        app, ["evaluate", "forecast", str(folder), "-f", "groceries", "-w", str(tmp_path / "w")]
    )
    assert res.exit_code == 2
    lines = res.output.splitlines()
    assert f"read {folder / 'baskets_2016.csv'}" in lines
    assert lines.index(f"read {folder / 'baskets_2016.csv'}") < next(
        i for i, line in enumerate(lines) if "series x" in line
    )


def test_a_long_file_with_a_text_column_leaves_it_out_and_says_so(tmp_path: Path) -> None:
    """Before: 'm4.parquet row 1: column 'freq' value 'Weekly' is not a number' - a held-out file refused over
    a text column (M4's frequency tag, a series' name) nothing reads. A numeric column with a bad cell is
    still refused."""
    import numpy as np
    import polars as pl
    import pytest

    from shopmind.cli.forecast import long_notes
    from shopmind.forecast.series import SeriesError, read_long

    rows = _series_rows()
    plain = tmp_path / "plain.csv"
    pl.DataFrame(rows, schema=["id", "date", "value"], orient="row").write_csv(plain)
    tagged = tmp_path / "m4.parquet"
    pl.DataFrame(rows, schema=["id", "date", "value"], orient="row").with_columns(
        pl.lit("Weekly").alias("freq"), pl.lit(1.5).alias("price")
    ).write_parquet(tagged)
    info: dict[str, str] = {}
    got, want = read_long(tagged, freq="W", info=info), read_long(plain, freq="W")
    np.testing.assert_array_equal(got.y, want.y)
    assert sorted(got.covariates) == ["price"]
    assert info["not_read"] == "'freq' (text, not numbers: no covariate)"
    assert "not read: 'freq' (text, not numbers: no covariate)" in long_notes(
        {**info, "ended_early": "0"}, got
    )
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("id,date,value,price\na,2024-01-01,1,1.5\na,2024-01-08,1,cheap\n", encoding="utf-8")
    with pytest.raises(SeriesError, match="row 3: column 'price' value 'cheap' is not a number"):
        read_long(mixed, freq="W")
