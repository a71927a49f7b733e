"""A shop's own files through the generic door (`shopmind mapping`, `ingest --format table`), as the
first hour hands them over: a folder where a file is expected, exports the draft misread.

Found by walking the README with the raw files of ../shared/data (helper t1hw, session 24).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.data.mapping_file import load_mapping
from shopmind.data.readers import InputError, read_head, read_table


def test_a_folder_given_as_the_export_is_named_a_folder(tmp_path: Path) -> None:
    """`ingest orders.csv` where orders.csv is a folder (Spark writes one) said "file not found"."""
    folder = tmp_path / "orders.csv"
    folder.mkdir()
    (folder / "part-0000.csv").write_text("a,b\n1,2\n")
    for read in (read_table, read_head):
        with pytest.raises(InputError, match=r"orders\.csv is a folder, not a file"):
            read(folder)
    with pytest.raises(InputError, match=r"orders\.csv is a folder, not a mapping file$"):
        load_mapping(folder)
    with pytest.raises(InputError, match=r"file not found: .*nowhere\.csv"):
        read_table(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("headers", "table", "expected"),
    [
        # Diginetica and YooChoose view logs: an item id beside session, user and date is an event log
        (["session_id", "user_id", "item_id", "timeframe", "eventdate"], "events",
         {"session_id": "session_id", "user_id": "user_id", "item_id": "item_id", "eventdate": "timestamp"}),
        (["SessionId", "ItemId", "Time"], "events",
         {"SessionId": "session_id", "ItemId": "item_id", "Time": "timestamp"}),
        # Groceries' baskets name their items only by name: the last spelling of an event's item
        (["Member_number", "Date", "itemDescription"], "events",
         {"Member_number": "user_id", "Date": "timestamp", "itemDescription": "item_id"}),
        (["order_id", "product_name", "order_date"], "events",
         {"order_id": "order_id", "product_name": "item_id", "order_date": "timestamp"}),
        # Home Depot's catalogue names its id product_uid (the judgments draft already knew it)
        (["product_uid", "product_title"], "products", {"product_uid": "product_id", "product_title": "title"}),
    ],
)  # fmt: skip
def test_the_draft_places_real_exports(headers: list[str], table: str, expected: dict[str, str]) -> None:
    from shopmind.data.mapping_draft import draft

    d = draft(headers)
    assert (d.table, d.columns) == (table, expected)
    assert "event_id" not in d.missing


def test_a_view_log_without_a_type_column_says_which_types_there_are() -> None:
    from shopmind.data.mapping_draft import draft

    text = draft(["SessionId", "ItemId", "Time"]).toml("clicks.csv")
    assert (
        '# required type: no column of the file looks like it; map one or set it in [constants] (e.g. type = "view";'
        in text
    )
    assert "one of view, click, add_to_cart" in text


def test_products_drafted_from_order_lines_take_the_description_as_title_and_no_stock(tmp_path: Path) -> None:
    """Online Retail as a catalogue (`mapping --table products`): its only name is Description and its
    Quantity is what was sold; the draft mapped Description to description and Quantity to stock, so
    ingest held the batch with every row REQUIRED_MISSING (title) and stock from sales."""
    from shopmind.data.adapters import table
    from shopmind.data.mapping_draft import draft_for_file

    src = tmp_path / "orders.csv"
    src.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                   "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850\n"
                   "536366,71053,WHITE METAL LANTERN,-2,2010-12-01 08:28:00,3.39,17850\n")  # fmt: skip
    d = draft_for_file(src, "products")
    assert d.columns == {"StockCode": "product_id", "Description": "title", "UnitPrice": "price"}
    assert d.missing == []
    text = d.toml(src.name)
    assert "# Description is the only text naming the products: drafted as their title" in text
    assert "# Quantity not drafted as stock: the file looks like order lines" in text
    mapping = tmp_path / "m.toml"
    mapping.write_text(text.replace('# currency = "EUR"', 'currency = "GBP" #'))
    batch = table.load(src, mapping)
    assert batch.products["title"].to_list() == ["WHITE HANGING HEART T-LIGHT HOLDER", "WHITE METAL LANTERN"]
    assert "stock" not in batch.products.columns or batch.products["stock"].null_count() == 2


def test_a_mapping_that_leaves_a_required_column_unmapped_is_refused_before_the_gate(tmp_path: Path) -> None:
    """It ran the gate and held the batch, every row quarantined REQUIRED_MISSING; now one line names
    the mapping, the column and the file's unmapped columns, and nothing is written (exit 2)."""
    import subprocess
    import sys

    src = tmp_path / "orders.csv"
    src.write_text("StockCode,Description,UnitPrice\n85123A,WHITE HANGING HEART,2.55\n71053,LANTERN,3.39\n")
    (tmp_path / "m.toml").write_text('table = "products"\n[columns]\nStockCode = "product_id"\n'
                                     'UnitPrice = "price"\n[constants]\ncurrency = "GBP"\n')  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", "ingest", "orders.csv", "-f", "table", "--mapping", "m.toml", "-w", "ws"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 2, (run.stdout, run.stderr)
    message = " ".join(run.stderr.split())
    assert (
        "mapping m.toml: products need title, which no column of orders.csv is mapped to: map one in [columns] "
        "(unmapped columns: Description) or set it in [constants]"
    ) in message
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "ws").exists()
    # an events file needs no event id column: it is made from the row
    (tmp_path / "e.csv").write_text("when,sku\n2026-01-01T00:00:00Z,P1\n")
    (tmp_path / "e.toml").write_text('table = "events"\n[columns]\nwhen = "timestamp"\nsku = "item_id"\n'
                                     '[constants]\ntype = "view"\n')  # fmt: skip
    from shopmind.data.adapters import table

    assert table.load(tmp_path / "e.csv", tmp_path / "e.toml").events.height == 1


def test_a_file_of_thousands_of_columns_is_named_in_twenty(tmp_path: Path) -> None:
    """Amazon Beauty's item2attributes.json (one JSON object keyed by 12,101 item ids) read as one row of
    12,101 columns: the draft's "not mapped" comment and ingest's error listed every one (~70 KB a line).
    A file none of whose columns matches anything is drafted as products, not events."""
    import json

    from shopmind.data.adapters import table
    from shopmind.data.mapping_draft import draft_for_file

    src = tmp_path / "item2attributes.json"
    # one record of 500 keys (the id -> list map itself is now refused naming its shape: test_own_files_more)
    src.write_text(json.dumps({str(i): i for i in range(500)}) + "\n")
    d = draft_for_file(src)
    assert d.table == "products"
    comment = next(line for line in d.toml(src.name).splitlines() if line.startswith("# not mapped"))
    assert comment.endswith(" and 480 more") and comment.count(",") == 19
    (tmp_path / "m.toml").write_text('table = "products"\n[columns]\n"0" = "product_id"\n')
    with pytest.raises(InputError, match=r"\(unmapped columns: (\d+, ){19}\d+ and 479 more\)"):
        table.load(src, tmp_path / "m.toml")


def test_ids_written_through_floats_are_read_as_the_shop_writes_them(tmp_path: Path) -> None:
    """Online Retail's CSV (a pandas export) writes CustomerID as 17850.0: ingested through the generic
    door it was stored as "17850.0", so GET /v1/users/17850/recommendations was a silent cold start.
    A column wholly in that form is read as integers (the online-retail adapter did so already);
    one with a real decimal id keeps its values; Parquet float columns too."""
    import polars as pl

    from shopmind.data.adapters import table

    src = tmp_path / "orders.csv"
    src.write_text("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Shop\n"
                   "536365,85123A,6,2010-12-01 08:26:00,2.55,17850.0,1.0\n"
                   "536366,71053,2,2010-12-01 08:28:00,3.39,,1.5\n"
                   "536367,71053,2,2010-12-01 08:29:00,3.39,13047.0,2.0\n")  # fmt: skip
    (tmp_path / "m.toml").write_text('table = "events"\n[columns]\nInvoiceDate = "timestamp"\nCustomerID = "user_id"\n'
                                     'StockCode = "item_id"\nInvoiceNo = "order_id"\nShop = "session_id"\n'
                                     '[constants]\ntype = "purchase"\n')  # fmt: skip
    batch = table.load(src, tmp_path / "m.toml")
    assert batch.events["user_id"].to_list() == ["17850", None, "13047"]
    assert batch.events["session_id"].to_list() == ["1.0", "1.5", "2.0"]  # not all integral: as written
    assert batch.events["item_id"].to_list() == ["85123A", "71053", "71053"]
    assert batch.meta["integral_ids"] == {"events": ["user_id"]}
    pq = tmp_path / "orders.parquet"
    pl.DataFrame(
        {"when": ["2026-01-01T00:00:00Z"] * 2, "sku": ["A", "B"], "customer": [17850.0, None]}
    ).write_parquet(pq)
    (tmp_path / "p.toml").write_text('table = "events"\n[columns]\nwhen = "timestamp"\nsku = "item_id"\n'
                                     'customer = "user_id"\n[constants]\ntype = "view"\n')  # fmt: skip
    assert table.load(pq, tmp_path / "p.toml").events["user_id"].to_list() == ["17850", None]


def test_mapping_help_names_the_workbooks_it_reads(tmp_path: Path) -> None:
    """`shopmind mapping --help` listed CSV/TSV, Parquet and JSON Lines only, yet drafts from an .xlsx
    as ingest reads it (the README's "one products.csv / .xlsx"); a shop with a workbook was told no."""
    import polars as pl
    from typer.testing import CliRunner

    from shopmind.cli import app

    help_text = " ".join(
        CliRunner().invoke(app, ["mapping", "--help"], env={"COLUMNS": "200"}).output.split()
    )
    assert "JSON Lines or a workbook: .xlsx/.xls/.ods" in help_text
    book = tmp_path / "orders.xlsx"
    pl.DataFrame(
        {"Bestellnummer": ["A1"], "Artikelnummer": ["P1"], "Datum": ["2026-01-02"], "Menge": ["2"]}
    ).write_excel(book)
    run = CliRunner().invoke(app, ["mapping", str(book)])
    assert (
        run.exit_code == 0 and 'table = "events"' in run.output and 'Artikelnummer = "item_id"' in run.output
    )


@pytest.mark.parametrize("crlf", [False, True])
def test_a_header_repeated_mid_file_is_one_malformed_line_saying_so(tmp_path: Path, crlf: bool) -> None:
    """Two exports pasted into one file: the second header was a row quarantined as TYPE_ERROR
    (timestamp, quantity, price not convertible); now a MALFORMED_LINE naming what it is, the rows
    around it kept, the line numbers those of the file (a ragged row too takes the slow path)."""
    head = "InvoiceNo,StockCode,Quantity,InvoiceDate"
    rows = [head, "1,A,2,2010-12-01 08:26:00", head, "2,B,3,2010-12-01 08:27:00", "3,C,1,2010-12-01 08:28:00"]
    end = "\r\n" if crlf else "\n"
    src = tmp_path / "orders.csv"
    src.write_text(end.join(rows) + end)
    result = read_table(src)
    assert result.frame["InvoiceNo"].to_list() == ["1", "2", "3"]
    assert result.frame["_line"].to_list() == [2, 4, 5]
    assert [(m.line, m.reason) for m in result.malformed] == [
        (3, "repeats the header line 1 (two exports joined into one file?): not a row")
    ]
    src.write_text(end.join([*rows, "4,D"]) + end)  # a short row: the csv-module path
    result = read_table(src)
    assert [m.line for m in result.malformed] == [3, 6]
    assert result.frame["InvoiceNo"].to_list() == ["1", "2", "3"]


def test_a_returns_rule_without_a_quantity_is_refused_and_the_readme_mapping_ingests(tmp_path: Path) -> None:
    """The README's mapping said returns = "negative_quantity" but mapped no quantity: the rule was
    skipped without a word (negative lines stayed purchases), and rows differing only in the unmapped
    Quantity/UnitPrice/InvoiceNo were quarantined as exact duplicates (Online Retail 3,000 lines: 99
    instead of 44). The rule now needs a quantity; the README's mapping maps the three columns."""
    import re

    from shopmind.data.adapters import table

    src = tmp_path / "orders.csv"
    src.write_text("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                   "536365,85123A,6,2010-12-01 08:26:00,2.55,17850\n"
                   "C536366,85123A,-6,2010-12-01 09:26:00,2.55,17850\n"
                   "536367,85123A,2,2010-12-01 08:26:00,2.55,17850\n")  # fmt: skip
    (tmp_path / "bad.toml").write_text('table = "events"\nreturns = "negative_quantity"\n[columns]\n'
                                       'CustomerID = "user_id"\nStockCode = "item_id"\nInvoiceDate = "timestamp"\n'
                                       '[constants]\ntype = "purchase"\n')  # fmt: skip
    with pytest.raises(InputError, match=r'returns = "negative_quantity" needs the quantity, but no column of '
                                         r"orders\.csv is mapped to quantity"):  # fmt: skip
        table.load(src, tmp_path / "bad.toml")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"A column mapping for `--format table`:\n\n```toml\n(.*?)```", readme, re.S)
    assert block is not None
    (tmp_path / "readme.toml").write_text(block.group(1), encoding="utf-8")
    events = table.load(src, tmp_path / "readme.toml").events
    assert events["type"].to_list() == ["purchase", "return", "purchase"]
    assert events["event_id"].n_unique() == 3  # no two lines read as one


def test_the_gate_says_each_stage_as_it_starts(tmp_path: Path) -> None:
    """`shopmind ingest` of a 247 MB export (Online Retail x5) showed "checking rows" for 83 s without
    a change; the gate now tells its caller each stage (the CLI shows it on the progress line)."""
    import polars as pl

    from shopmind.data.model import Batch
    from shopmind.quality.gate import run_gate

    batch = Batch(source="t")
    batch.events = pl.DataFrame({"event_id": ["e1", "e2"], "type": ["view", "view"], "user_id": ["u", "u"],
                                 "timestamp": ["2026-01-01T00:00:00Z"] * 2, "item_id": ["P1", "P2"]})  # fmt: skip
    seen: list[str] = []
    result = run_gate(batch, step=seen.append)
    assert result.tables["events"].accepted.height == 2
    assert seen[0] == "events (2 rows): reading the values"
    assert seen[1:4] == ["events (2 rows): repairing text", "events (2 rows): checking against the catalogue and "
                         "the store", seen[3]]  # fmt: skip
    assert seen[3].startswith("events (2 rows): ") and seen[3].endswith(" checks")
    assert seen[-1] == "batch checks: profiles, volume and drift"


def test_dated_exports_of_one_feed_are_compared_with_each_other(tmp_path: Path) -> None:
    """A daily export named by its date (orders_2026-12-05.csv, orders_2026-12-06.csv) was a new source
    every day, so BATCH_VOLUME and drift never compared it with yesterday's: a header-only export
    (0 rows after 3) was published without a word. The date stamp is no part of the feed's name."""
    import json
    import subprocess
    import sys

    from shopmind.data.adapters._common import feed_name

    assert [feed_name(s) for s in ("orders_2026-12-06", "orders-20261206", "2026-12-06_orders",
                                   "orders_2026-12-06T0800", "products_v2", "20261206")] == [
        "orders", "orders", "orders", "orders", "products_v2", "20261206"]  # fmt: skip
    head = "when,sku,customer\n"
    (tmp_path / "orders_2026-12-05.csv").write_text(
        head + "".join(f"2026-12-05T0{i}:00:00Z,P{i},u{i}\n" for i in range(3))
    )
    (tmp_path / "orders_2026-12-06.csv").write_text(head)
    (tmp_path / "m.toml").write_text('table = "events"\n[columns]\nwhen = "timestamp"\nsku = "item_id"\n'
                                     'customer = "user_id"\n[constants]\ntype = "view"\n')  # fmt: skip
    runs = []
    for day in ("05", "06"):
        run = subprocess.run(
            [sys.executable, "-m", "shopmind.cli", "ingest", f"orders_2026-12-{day}.csv", "-f", "table",
             "--mapping", "m.toml", "-w", "ws", "--json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        runs.append(json.loads(run.stdout))
    assert [r["source"] for r in runs] == ["orders", "orders"]
    volume = next(c for c in runs[1]["checks"] if c["code"] == "BATCH_VOLUME")
    assert volume["crossed"] and volume["detail"] == {"previous": 3, "current": 0}


def test_a_build_without_a_catalogue_says_how_to_get_one(tmp_path: Path) -> None:
    """A shop that ingested its order lines first and built got "the store in ws has no accepted
    products" and no way on; now the count of events it has and the command that drafts a catalogue."""
    import subprocess
    import sys

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "events.csv").write_text("event_id,type,user_id,timestamp,item_id\ne1,view,u1,2026-01-01T00:00:00Z,P1\n"
                                     "e2,view,u1,2026-01-01T00:01:00Z,P2\n")  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shopmind.cli", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    assert cli("ingest", "feed", "-w", "ws").returncode == 0
    run = cli("build", "-w", "ws")
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert (
        "error: the store in ws has no accepted products (2 events): search and recommendations need the "
        "catalogue - ingest it first (`shopmind mapping FILE --table products` drafts its mapping"
    ) in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr


def test_dash_dates_are_settled_by_their_column_like_slash_dates(tmp_path: Path) -> None:
    """Groceries' raw file writes 21-07-2015: every one of its 38,765 rows was a TYPE_ERROR and the batch
    held, with no word of the [formats] date_format that reads it. A column with a day above 12 is
    now read day first (as slash dates are); one that cannot tell is refused naming the setting."""
    from shopmind.data.adapters import table

    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "events"\n[columns]\nDate = "timestamp"\nMember_number = "user_id"\n'
                       'itemDescription = "item_id"\n[constants]\ntype = "purchase"\n')  # fmt: skip
    src = tmp_path / "baskets.csv"
    src.write_text(
        "Member_number,Date,itemDescription\n1808,21-07-2015,tropical fruit\n2552,05-01-2015,whole milk\n"
    )
    batch = table.load(src, mapping)
    assert batch.meta["formats"] == {"events": {"dates": {"timestamp": "%d-%m-%Y"}}}
    from shopmind.quality.gate import run_gate

    accepted = run_gate(batch).tables["events"].accepted
    assert [t.strftime("%Y-%m-%d") for t in accepted.sort("_line")["timestamp"]] == [
        "2015-07-21",
        "2015-01-05",
    ]
    src.write_text("Member_number,Date,itemDescription\n1808,01-02-2015,tropical fruit\n")
    with pytest.raises(InputError, match=r'\[formats\] date_format = "%d-%m-%Y" \(day first\) or "%m-%d-%Y"'):
        table.load(src, mapping)


def test_a_header_only_export_is_said_at_ingest() -> None:
    """A header-only export printed a table of zeros and 'published', nothing else."""
    from shopmind.cli.data import stored_notes

    empty = {"input": 0, "accepted": 0, "quarantined": 0}
    assert stored_notes({"events": empty}, {"events": 0}) == [
        "events: the file holds no rows (a header only?): nothing to check or store"
    ]
    assert stored_notes({"events": {"input": 2, "accepted": 2, "quarantined": 0}}, {"events": 2}) == []
