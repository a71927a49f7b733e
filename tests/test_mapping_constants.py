"""A mapping's [constants] checked when the mapping is read: `type = 5` or `type = "order"` (an
order export's natural word) passed, and the gate quarantined every row of the export as
EVT_TYPE_UNKNOWN - published with exit 0 on a small file, nothing in the store. Now one line
naming the setting, exit 2, before the workspace is made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.data.readers import InputError, load_mapping

ORDERS = (
    "Order ID;Customer;SKU;Date;Qty\n1001;c1;SKU-1;2026-11-06 14:03;1\n1002;c2;SKU-2;2026-11-07 09:00;2\n"
)
HEAD = 'table = "events"\n[columns]\nDate = "timestamp"\nSKU = "item_id"\nCustomer = "user_id"\n[constants]\n'


@pytest.mark.parametrize(
    ("constants", "says"),
    [
        ("type = 5", "[constants] type = 5 is not an event type; one of: view, click, add_to_cart"),
        ('type = "order"', "[constants] type = 'order' is not an event type"),
        ('type = "purchase"\ncurrency = "€"', "[constants] currency = '€' is not an ISO 4217 currency code"),
        ('type = "purchase"\ncurrency = 978', "[constants] currency = 978 is not an ISO 4217 currency code"),
    ],
)
def test_a_constant_no_row_could_pass_is_refused_naming_it(tmp_path: Path, constants: str, says: str) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(HEAD + constants + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_mapping(mapping)
    assert str(err.value).startswith(f"mapping {mapping}: {says}"), str(err.value)


def test_good_constants_still_load(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(HEAD + 'type = "purchase"\ncurrency = "eur"\n', encoding="utf-8")  # case is repaired
    assert load_mapping(mapping).constants == {"type": "purchase", "currency": "eur"}


def test_ingest_with_such_a_mapping_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "m.toml").write_text(HEAD + 'type = "order"\n', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", "ingest", "orders.csv", "--format", "table", "--mapping", "m.toml",
         "-w", "ws"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "[constants] type = 'order' is not an event type" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr and not (tmp_path / "ws").exists()
