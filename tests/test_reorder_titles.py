"""The reorder CSV names each product (its title), as the inventory dashboard does.

Seen walking the Online Retail demo (t1v, session 29): `shopmind forecast --csv` and
`GET /v1/inventory/reorder?format=csv` wrote product ids only, so a planner had to look every
row up while the dashboard showed the titles.
"""

from __future__ import annotations

import csv
import io

from shopmind.forecast.release import CSV_COLUMNS, REORDER_COLUMNS
from test_forecast_release import served  # noqa: F401 - the module's release, built once


def test_the_reorder_csv_has_the_catalogs_titles_after_the_ids(served, tmp_path) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from shopmind.cli import app

    c, h, folder, _ = served
    products = c.app.state.shop.current.products
    r = c.get("/v1/inventory/reorder", params={"format": "csv"}, headers=h)
    assert r.status_code == 200
    header = r.text.splitlines()[0].split(",")
    assert header == ["product_id", "title", *REORDER_COLUMNS[1:]] == list(CSV_COLUMNS)  # others in order
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(x["title"] == products[x["product_id"]]["title"] for x in rows)
    assert r.text == (folder / "forecast" / "reorder.csv").read_text(encoding="utf-8")  # the build's too
    target = tmp_path / "reorder.csv"
    cli = CliRunner().invoke(app, ["forecast", "-w", str(folder.parent.parent), "--csv", str(target)])
    assert cli.exit_code == 0, cli.output
    assert target.read_text(encoding="utf-8") == r.text
