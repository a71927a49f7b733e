"""Money across currencies: an experiment readout and the ads ledger never add EUR to USD.

Why: the events table has a currency column and a shop export can mix currencies; the readout summed
every purchase's amount into one revenue per user, and the ads ledger summed every attributed sale,
whatever their currencies (t1y, session 29).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from experiments_util import ab_experiment
from shopmind.experiments.metrics import EXPOSURE_SCHEMA
from shopmind.experiments.readout import readout

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EVENTS = {"event_id": pl.Utf8, "type": pl.Utf8, "timestamp": pl.Datetime("us", "UTC"), "user_id": pl.Utf8,
          "session_id": pl.Utf8, "price": pl.Float64, "quantity": pl.Int64, "currency": pl.Utf8}  # fmt: skip


def _shop(currency_of: dict[int, str | None]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """40 users, 20 per variant, one search each; user ``u`` buys for ``10 + u`` in ``currency_of[u // 2 % 4]``."""
    exposures, events = [], []
    for u in range(40):
        variant = "control" if u % 2 else "treatment"
        ts = T0 + timedelta(minutes=u)
        exposures.append(("ab", variant, f"u{u}", f"s{u}", f"r{u}", "search", 10, ts))
        if u % 5:  # four in five buy
            events.append((f"p{u}", "purchase", ts + timedelta(seconds=30), f"u{u}", f"s{u}", 10.0 + u, 1,
                           currency_of[u // 2 % 4]))  # fmt: skip
    return (
        pl.DataFrame(exposures, schema=EXPOSURE_SCHEMA, orient="row"),
        pl.DataFrame(events, schema=EVENTS, orient="row"),
    )


def _mean(events: pl.DataFrame, exposures: pl.DataFrame, variant: str, currency: str | None) -> float:
    units = exposures.filter(pl.col("variant") == variant)["unit_id"].to_list()
    bought = events.filter(pl.col("user_id").is_in(units))
    if currency is not None:
        bought = bought.filter(pl.col("currency").str.to_uppercase() == currency)
    return float(bought["price"].sum()) / len(units)


def test_revenue_per_user_is_one_row_per_currency_never_a_sum() -> None:
    exposures, events = _shop({0: "EUR", 1: "USD", 2: "EUR", 3: "usd"})
    r = readout(ab_experiment().experiments[0], exposures, events)
    rows = [m for m in r.metrics if m.metric == "revenue_per_user"]
    assert sorted(m.currency for m in rows) == ["EUR", "USD"]  # "usd" is USD
    for m in rows:
        assert m.label == f"revenue per unit ({m.currency})"
        assert m.effect.control == _mean(events, exposures, "control", m.currency)
        assert m.effect.treatment == _mean(events, exposures, "treatment", m.currency)
    total = _mean(events, exposures, "control", None)
    assert all(m.effect.control != total for m in rows)  # the old EUR + USD figure is nowhere
    assert r.notes[0].startswith("revenue: the purchases are in 2 currencies (EUR, USD)")
    # the other metrics do not depend on currencies
    assert [m.metric for m in r.metrics if m.metric != "revenue_per_user"][:1] == ["conversion"]


def test_a_revenue_decision_over_two_currencies_is_refused_and_unpriced_currency_counted() -> None:
    exposures, events = _shop({0: "EUR", 1: "USD", 2: None, 3: "EUR"})
    r = readout(ab_experiment().experiments[0], exposures, events, primary="revenue_per_user")
    assert r.decision.startswith(
        "no decision on revenue_per_user: the purchases are in 2 currencies (EUR, USD)"
    )
    assert any("had no currency; they count in no currency's revenue" in n for n in r.notes)
    eur = next(m for m in r.metrics if m.currency == "EUR" and m.metric == "revenue_per_user")
    assert eur.effect.control == _mean(events, exposures, "control", "EUR")


def test_one_currency_reads_as_before_with_its_currency() -> None:
    exposures, events = _shop({0: "EUR", 1: None, 2: "EUR", 3: "EUR"})
    r = readout(ab_experiment().experiments[0], exposures, events)
    rows = [m for m in r.metrics if m.metric == "revenue_per_user"]
    assert [m.currency for m in rows] == ["EUR"] and r.notes == []
    # a purchase without a currency counts in the one the others name (the shop's)
    assert rows[0].effect.control == _mean(events, exposures, "control", None)
    plain = readout(ab_experiment().experiments[0], exposures, events.drop("currency"))
    row = next(m for m in plain.metrics if m.metric == "revenue_per_user")
    assert row.currency is None and row.effect.control == rows[0].effect.control


def test_the_readout_command_shows_a_row_per_currency(tmp_path) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.experiments import registry

    ws = tmp_path / "ws"
    registry.save(ws, ab_experiment())
    exposures, events = _shop({0: "EUR", 1: "USD", 2: "EUR", 3: "USD"})
    exposures.write_parquet(tmp_path / "exposures.parquet")
    events.write_parquet(tmp_path / "events.parquet")
    args = ["experiments", "readout", "ab", "-w", str(ws), "--exposures", str(tmp_path / "exposures.parquet"),
            "--events", str(tmp_path / "events.parquet")]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "(EUR)" in text and "(USD)" in text  # the metric column names each row's currency
    assert "revenue per unit is read per currency, one row each, never added up" in text
    body = __import__("json").loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert {m["currency"] for m in body["metrics"] if m["metric"] == "revenue_per_user"} == {"EUR", "USD"}


def _ledger_with_sales(tmp_path, sales: list[tuple[str, float, str | None]]):
    """A ledger whose campaign ``c1`` had one sponsored click per sale, each followed by a purchase
    of ``amount`` in ``currency`` by the same user."""
    from shopmind.ads.ledger import AdsLedger, Impression, unit_key
    from shopmind.ads.settings import AdsSettings

    secret = b"k" * 32
    ledger = AdsLedger(tmp_path, secret)
    ledger.create(
        [
            {
                "id": "c1",
                "advertiser": "Acme",
                "products": ["P1"],
                "keywords": ["lamp"],
                "bid": 0.5,
                "daily_budget": 50.0,
            }
        ]
    )
    now = datetime.now(UTC)
    events = []
    for i, (user, amount, currency) in enumerate(sales):
        imp = Impression(f"r{i}", "search", "c1", "P1", 0, 0.2, 50.0, unit_key(secret, "u", user), None)
        ledger.record([imp], now)
        base = {"user_id": user, "item_id": "P1", "timestamp": now.isoformat()}
        events.append((2 * i + 1, {**base, "event_id": f"c{i}", "type": "click"}))
        buy = {**base, "event_id": f"b{i}", "type": "purchase", "price": amount, "quantity": 1}
        events.append((2 * i + 2, buy | ({"currency": currency} if currency else {})))
    ledger.settle(lambda after, n: [e for e in events if e[0] > after][:n], AdsSettings())
    return ledger


def test_ads_sales_are_kept_per_currency(tmp_path) -> None:
    ledger = _ledger_with_sales(tmp_path, [("u1", 20.0, "EUR"), ("u2", 30.0, "usd"), ("u3", 5.0, "EUR")])
    (row,) = ledger.report()
    assert row["orders"] == 3 and row["sales"] is None  # was 55.0: EUR + USD
    assert row["sales_by_currency"] == [
        {"currency": "EUR", "orders": 2, "amount": 25.0},
        {"currency": "USD", "orders": 1, "amount": 30.0},
    ]
    ledger.close()


def test_ads_sales_in_one_currency_are_one_figure(tmp_path) -> None:
    ledger = _ledger_with_sales(tmp_path, [("u1", 20.0, "EUR"), ("u2", 30.0, None)])
    (row,) = ledger.report()
    assert row["sales"] == 50.0  # a sale logged without a currency counts in the one named
    assert [e["currency"] for e in row["sales_by_currency"]] == [None, "EUR"]  # ties: no currency first
    ledger.close()


def test_a_ledger_written_before_sales_had_a_currency_still_opens(tmp_path) -> None:
    import sqlite3

    from shopmind.ads.ledger import LEDGER, AdsLedger

    (tmp_path / LEDGER).parent.mkdir(parents=True)
    con = sqlite3.connect(tmp_path / LEDGER)
    con.execute("CREATE TABLE sales (event_id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, "
                "product_id TEXT NOT NULL, amount REAL NOT NULL, ts_us INTEGER NOT NULL)")  # fmt: skip
    con.execute("INSERT INTO sales VALUES ('e1', 'old', 'P1', 12.5, 0)")
    con.commit()
    con.close()
    ledger = AdsLedger(tmp_path, b"k" * 32)  # opening adds the currency column
    ledger.report()
    with ledger._lock:
        rows = ledger._con.execute("SELECT event_id, amount, currency FROM sales").fetchall()
    ledger.close()
    assert rows == [("e1", 12.5, None)]
