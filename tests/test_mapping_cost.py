"""A products export's cost column (`shopmind mapping`): a unit cost is what the pricing guardrails
read (the catalog attribute ``cost``, pricing/release.py), not a price. It was left unmapped, so
a shop's own costs never reached the guardrails and ``default_cost_ratio`` stood in for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.mapping_draft import draft
from shopmind.data.readers import InputError, load_mapping
from shopmind.pricing.release import product_terms
from shopmind.quality.gate import publish, run_gate
from shopmind.store.store import Store


@pytest.mark.parametrize(
    "header", ["Cost", "Cost per item", "unit_cost", "Einkaufspreis", "成本价", "Себестоимость"]
)
def test_a_cost_column_is_drafted_as_the_cost_attribute_not_the_price(header: str) -> None:
    d = draft(["SKU", "Title", "Price", header])
    assert d.table == "products"
    assert d.columns == {"SKU": "product_id", "Title": "title", "Price": "price", header: "attributes.cost"}
    assert any("attributes.cost" in n and "pricing guardrails" in n for n in d.notes)


def test_the_drafted_cost_reaches_the_pricing_guardrails(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text(
        "SKU,Title,Price,Cost\nA1,Red lamp,20.00,8.50\nA2,Blue chair,45.00,\nA3,Green rug,30.00,12\n",
        encoding="utf-8",
    )
    d = draft(["SKU", "Title", "Price", "Cost"])
    d.constants["currency"] = "EUR"
    (tmp_path / "m.toml").write_text(d.toml("catalog.csv"), encoding="utf-8")
    batch = get_adapter("table").load(tmp_path / "catalog.csv", mapping=tmp_path / "m.toml")
    gate = GateConfig()
    with Store(tmp_path / "ws") as store:
        publish(run_gate(batch, gate, store), store, gate, None, force=True)
        products = store.table("products").sort("product_id")
    assert products["price"].to_list() == [20.0, 45.0, 30.0]  # the cost is not the price
    terms, unreadable = product_terms(products)
    assert {pid: t.cost for pid, t in terms.items()} == {"A1": 8.5, "A3": 12.0} and unreadable == 0


def test_attribute_targets_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'table = "products"\n[columns]\nSKU = "product_id"\nCost = "attributes."\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match='name the attribute, e.g. "attributes.cost"'):
        load_mapping(bad)
    events = tmp_path / "events.toml"
    events.write_text('table = "events"\n[columns]\nCost = "attributes.cost"\n', encoding="utf-8")
    with pytest.raises(InputError, match="'attributes.cost' is not a column of events"):
        load_mapping(events)
