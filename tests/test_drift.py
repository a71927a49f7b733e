"""Column profiles behind the report's distributions and drift: a price column is profiled per
currency when a batch mixes them (issue 18 item 3: the report's price histogram mixed yen and
dollars)."""

from __future__ import annotations

import polars as pl

from shopmind.quality.drift import numeric_drift, profile


def test_prices_in_several_currencies_are_profiled_per_currency():
    frame = pl.DataFrame(
        {
            "price": [10.0, 12.0, None, 900.0, 1100.0, 5.0],
            "currency": ["USD", "USD", "USD", "JPY", "JPY", None],
        }
    )
    got = {p["column"]: p for p in profile("products", frame, {"price", "currency"})}
    assert got["price (USD)"]["profile"]["sample"] == [10.0, 12.0]
    assert got["price (JPY)"]["profile"]["sample"] == [900.0, 1100.0]
    assert "price" not in got  # never one histogram over both
    assert got["currency"]["profile"]["counts"] == {"USD": 3, "JPY": 2}


def test_one_currency_keeps_the_plain_price_profile():
    frame = pl.DataFrame({"price": [3.0, 1.0, 2.0], "currency": ["EUR"] * 3})
    got = {p["column"]: p for p in profile("products", frame, {"price", "currency"})}
    assert got["price"]["profile"]["sample"] == [1.0, 2.0, 3.0] and got["price"]["rows"] == 3


def test_a_change_of_currency_mix_is_not_reported_as_price_drift():
    """Same prices per currency, another mix of currencies: the per-currency price profiles
    do not drift (one pooled profile would)."""
    usd = [float(x) for x in range(10, 60)]
    jpy = [float(x) for x in range(1000, 6000, 100)]
    ref = pl.DataFrame({"price": usd + jpy, "currency": ["USD"] * 50 + ["JPY"] * 50})
    cur = pl.DataFrame({"price": usd * 3 + jpy, "currency": ["USD"] * 150 + ["JPY"] * 50})
    a = {p["column"]: p for p in profile("products", ref, {"price", "currency"})}
    b = {p["column"]: p for p in profile("products", cur, {"price", "currency"})}
    for col in ("price (USD)", "price (JPY)"):
        assert numeric_drift(a[col]["profile"]["sample"], b[col]["profile"]["sample"])["psi"] < 0.01
    pooled = numeric_drift(ref["price"].to_list(), cur["price"].to_list())
    assert pooled["psi"] > 0.2  # what one pooled profile would have reported
