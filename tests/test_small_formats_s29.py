"""Small formats a person reads, seen walking the demo shop and Online Retail (t1v, session 29).

- ``shopmind forecast --product``: "on hand 5.0" - stock is a count, written 5.
- the pricing page: "up to 2011-12-09 12:50:00+00:00" - written "2011-12-09 12:50 UTC".
- the pricing page's elasticities: "-3.8" beside "-7.12" - two decimals, always.
"""

from __future__ import annotations

import re

from shopmind.cli.inventory import _count
from shopmind.pricing.page import readable_time
from test_pricing_page_revenue import _page


def test_a_time_and_a_count_as_a_person_reads_them() -> None:
    assert readable_time("2011-12-09 12:50:00+00:00") == "2011-12-09 12:50 UTC"
    assert readable_time("2011-12-09T13:50:00+01:00") == "2011-12-09 12:50 UTC"
    assert readable_time("2011-12-09") == "2011-12-09"
    assert readable_time("soon") == "soon" and readable_time(None) == "–"
    assert _count(5.0) == "5" and _count(2.5) == "2.5" and _count(None) == "unknown"


def test_the_pricing_page_writes_its_date_and_elasticities_one_way(tmp_path) -> None:
    page, rows = _page(tmp_path, {"pricing": {"max_change": 0.1}})
    intro = re.findall(r"purchases up to ([^{(]*?) \(", page)  # the page's sentence, not its catalog
    assert len(intro) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2} UTC)?", intro[0]), intro
    cells = [
        re.findall(r'<td class="num">(.*?)</td>', row)[3]
        for row in re.findall(r"<tr><td><a href=.*?</tr>", page)
    ]
    assert cells
    figures = [x for c in cells for x in re.findall(r"-?\d[\d,]*\.?\d*", c)]
    assert figures and all(re.fullmatch(r"-?[\d,]+\.\d\d", x) for x in figures), cells[:5]


def test_the_experiments_readout_is_readable_in_80_columns(tmp_path) -> None:
    """- ``shopmind experiments readout``'s nine-column table wrapped every cell at 80 columns
    ("always-" / "valid p", "[-0.0" / "2138,"): narrow, it is two lines per metric, figures whole."""
    from typer.testing import CliRunner

    from experiments_util import cli_readout_args, shop
    from shopmind.cli import app

    exposures, events = shop(300, {"control": 0.2, "treatment": 0.3}, seed=5)
    args = cli_readout_args(tmp_path, exposures, events)
    narrow = CliRunner(env={"COLUMNS": "80"}).invoke(app, args)
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.output.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    conv = next(i for i, line in enumerate(lines) if line.startswith("conversion, treatment: control "))
    assert re.fullmatch(
        r"conversion, treatment: control [\d.e-]+, treatment [\d.e-]+, effect [-+][\d.]+%", lines[conv]
    )
    assert re.fullmatch(
        r"  95% CI \[[-\d.e]+, [-\d.e]+\], p [\d.e-]+, always-valid p [\d.e-]+, CUPED (yes|no)",
        lines[conv + 1],
    )
    wide = CliRunner(env={"COLUMNS": "200"}).invoke(app, args)
    assert any("always-valid p" in line and "CUPED" in line for line in wide.output.splitlines())  # the table
