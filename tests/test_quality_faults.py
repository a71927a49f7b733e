"""bench/quality_faults.py: the injection puts each defect where it says, and the scoring is exact."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shopmind.config import BotRules, GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.demo.generator import generate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import quality_faults as qf  # noqa: E402

NOW_2012 = datetime(2012, 1, 1, tzinfo=UTC)
#: Smaller bot thresholds so the bench's bot sessions fit a catalogue of ~170 products.
SMALL_BOT = BotRules(max_distinct_items=60)


# --- scoring on a hand-made example -------------------------------------------------------------


def test_score_counts_new_detections_only() -> None:
    truth = {("events", "EVT_TS_FUTURE"): {1, 2}}
    base = {("events", "EVT_TS_FUTURE"): {5, 7}}
    after = {
        ("events", "EVT_TS_FUTURE"): {1, 5, 9},  # 1 found, 2 missed, 5 was there before, 9 is new, 7 lost
        ("events", "EVT_ID_CONFLICT"): {2},  # an extra code on a row injected with another class
    }
    scores = {c.code: c for c in qf.score(truth, after, base, GateConfig())}
    ts = scores["EVT_TS_FUTURE"]
    assert (ts.injected, ts.detected, ts.tp, ts.fp_clean, ts.fp_defect, ts.lost) == (2, 2, 1, 1, 0, 1)
    assert ts.recall == 0.5
    assert ts.precision == 0.5
    assert ts.clean_precision == 0.5
    assert ts.missed_rows == [2]
    assert ts.fp_clean_rows == [9]
    conflict = scores["EVT_ID_CONFLICT"]
    assert (conflict.injected, conflict.detected, conflict.tp, conflict.fp_defect) == (0, 1, 0, 1)
    assert conflict.recall is None
    assert conflict.precision == 0.0
    assert conflict.fp_defect_on == {"EVT_TS_FUTURE": 1}
    assert conflict.action == "quarantine"


def test_score_one_missed_row_gives_half_recall_and_full_precision() -> None:
    truth = {("products", "PRD_PRICE_NONPOSITIVE"): {3, 4}}
    after = {("products", "PRD_PRICE_NONPOSITIVE"): {3}}
    (only,) = qf.score(truth, after, None, GateConfig())
    assert (only.recall, only.precision, only.fp_clean, only.lost) == (0.5, 1.0, 0, 0)


def test_summary_names_the_weakest_class() -> None:
    truth = {("events", "EVT_TS_FUTURE"): {1, 2}, ("events", "EVT_QTY_SIGN"): {3}}
    after = {("events", "EVT_TS_FUTURE"): {1, 2, 8}, ("events", "EVT_QTY_SIGN"): {3}}
    rep = qf.DatasetReport(
        "toy", "", NOW_2012, {}, qf.score(truth, after, None, GateConfig()), [], {}, {}, [], 0
    )
    s = qf.summarise([rep])
    assert s["classes_full_recall"] == s["classes_injected"] == 2
    assert s["min_precision"] == pytest.approx(2 / 3)
    assert s["min_precision_class"] == "toy:events/EVT_TS_FUTURE"
    assert s["fp_clean_rows"] == 1


# --- the demo shop ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_demo():
    # 1000 products, not 300: with 300 a category level has < 20 uses, too few for the category
    # check to judge, so the generator's one PRD_CATEGORY_INCONSISTENT row cannot be found.
    shop = generate(seed=1, n_products=1000, n_users=150, days=10)
    end = datetime.fromisoformat(str(shop.batch.meta["generator"]["end"]))  # type: ignore[index]
    cfg = GateConfig(traditional_to_simplified=True, bot=SMALL_BOT)
    rep, result = qf.run_ground_truth("demo", "", shop.batch, shop.defects, cfg, end + timedelta(days=1))
    return shop, cfg, end + timedelta(days=1), rep, result


def test_demo_ground_truth_is_found_exactly(small_demo) -> None:
    shop, _, _, rep, _ = small_demo
    assert rep.account_ok
    injected = {c.code for c in rep.classes if c.injected}
    assert injected == set(shop.defects["code"].unique())
    for c in rep.classes:
        assert c.recall in (None, 1.0), c
        assert c.fp_clean == 0, c


def test_demo_injection_has_full_recall(small_demo) -> None:
    shop, cfg, now, _, result = small_demo
    rep = qf.run_injection(
        "demo+", "", shop.batch, cfg, now, seed=3, per_class=5, base=result, progress=False
    )
    assert rep.account_ok
    assert len(rep.account) == 2  # both rounds ran and balanced
    injected = {c.key: c for c in rep.classes}
    expected = {
        "products/PRD_DUP_ID", "products/TEXT_HTML", "products/TEXT_T2S", "products/PRD_TITLE_PLACEHOLDER",
        "products/PRD_PRICE_NONPOSITIVE", "products/PRD_RATING_RANGE", "events/EVT_DUP_NEAR",
        "events/EVT_DUP_EXACT", "events/EVT_BOT_SESSION", "events/EVT_RETURN_UNLINKED", "events/EVT_PRICE_UNIT",
        "events/EVT_BEFORE_PRODUCT", "events/EVT_RATING_RANGE", "judgments/JDG_DUP", "events/EVT_QTY_OUTLIER",
    }  # fmt: skip
    assert expected <= set(injected)
    for c in injected.values():
        assert c.recall == 1.0, (c.key, c.missed_rows)
        assert c.fp_clean == 0, (c.key, c.fp_clean_rows)
    # the bot sessions are appended rows: the table grew by exactly what was appended
    bot = injected["events/EVT_BOT_SESSION"]
    assert bot.injected == sum(n for n in (160, 40, 25, 80))


# --- an Online Retail-like export ---------------------------------------------------------------


def _online_retail_csv(path: Path, seed: int = 5) -> Path:
    """~1,400 invoice lines over 170 products in the UCI export's format (text cells, 'C' returns)."""
    rng = np.random.default_rng(seed)
    n_items, customers = 170, [str(12000 + i) for i in range(40)]
    pack = rng.choice([1, 2, 6, 12], n_items)
    price = np.round(rng.uniform(0.4, 9.0, n_items), 2)
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    bought: list[tuple[str, int, int, datetime]] = []
    t = datetime(2011, 1, 4, 9, 0)
    invoice = 540000
    for it in range(n_items):
        for _ in range(8):  # every item in 8 invoices, so each item judges its own quantities
            invoice += 1
            t += timedelta(minutes=int(rng.integers(20, 200)))
            if t.hour >= 18:
                t = t.replace(hour=9) + timedelta(days=1)
            cust = customers[int(rng.integers(len(customers)))]
            q = int(pack[it] * rng.choice([1, 1, 1, 2]))
            stamp = t.strftime("%Y-%m-%d %H:%M:%S")
            lines.append(
                f"{invoice},{20000 + it},ITEM {it} GIFT SET,{q},{stamp},{price[it]},{cust},United Kingdom"
            )
            bought.append((cust, it, q, t))
    for cust, it, q, when in bought[::40]:  # a few cancellations of earlier purchases
        invoice += 1
        stamp = (when + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"C{invoice},{20000 + it},ITEM {it} GIFT SET,-{q},{stamp},{price[it]},{cust},United Kingdom"
        )
    file = path / "online_retail.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def test_online_retail_like_injection_has_full_recall(tmp_path: Path) -> None:
    batch = get_adapter("online-retail").load(_online_retail_csv(tmp_path))
    cfg = GateConfig(bot=SMALL_BOT)
    base, acc = qf.gate(batch, cfg, NOW_2012, "baseline")
    assert acc["ok"] and base is not None
    assert not base.tables["events"].quarantine.height  # the synthetic export is clean
    rep = qf.run_injection("or-like", "", batch, cfg, NOW_2012, seed=0, per_class=5, progress=False)
    assert rep.account_ok
    keys = {c.key: c for c in rep.classes}
    for c in keys.values():
        assert c.recall == 1.0, (c.key, c.missed_rows)
        assert c.fp_clean == 0, (c.key, c.fp_clean_rows)
    expected = {
        "events/EVT_PRICE_UNIT", "events/EVT_QTY_OUTLIER", "events/EVT_QTY_SIGN", "events/EVT_TS_FUTURE",
        "events/EVT_ITEM_UNKNOWN", "events/EVT_DUP_EXACT", "events/EVT_ID_CONFLICT", "events/EVT_USER_MISSING",
        "events/EVT_RETURN_UNLINKED", "events/EVT_BEFORE_PRODUCT", "events/EVT_BOT_SESSION", "events/TYPE_ERROR",
        "products/PRD_DUP_ID", "products/TEXT_MOJIBAKE", "products/PRD_PRICE_OUTLIER", "products/TYPE_ERROR",
    }  # fmt: skip
    assert expected <= set(keys)
    assert all(
        keys[k].injected == 5 for k in expected - {"events/EVT_BOT_SESSION", "products/PRD_PRICE_OUTLIER"}
    )
    # purchases and returns only: near duplicates are defined for browsing events
    assert "events/EVT_DUP_NEAR" in rep.not_applicable
    assert "products/PRD_DESC_MISSING" in rep.not_applicable


def test_injection_keeps_raw_text_and_row_ids(tmp_path: Path) -> None:
    batch = get_adapter("online-retail").load(_online_retail_csv(tmp_path))
    cfg = GateConfig(bot=SMALL_BOT)
    base, _ = qf.gate(batch, cfg, NOW_2012, "baseline")
    assert base is not None
    inj = qf.Injector(batch, base, cfg, NOW_2012, seed=1, per_class=3)
    inj.events_ts_future()
    inj.events_dup_exact()
    out = inj.frames()["events"]
    raw = batch.tables()["events"]
    assert out.schema == raw.schema  # strings stay strings
    assert out["_row"].to_list() == list(range(raw.height + 3))  # appended rows continue the ids
    (row,) = list(inj.truth[("events", "EVT_TS_FUTURE")])[:1]
    before, after = raw["timestamp"][row], out["timestamp"][row]
    assert int(after[:4]) == int(before[:4]) + 5 and after[4:] == before[4:]  # +5 years, same text format


def test_check_account_notices_a_lost_row(tmp_path: Path) -> None:
    batch = get_adapter("online-retail").load(_online_retail_csv(tmp_path))
    result, acc = qf.gate(batch, GateConfig(), NOW_2012, "baseline")
    assert acc["ok"] and result is not None
    events = result.tables["events"]
    events.accepted = events.accepted.slice(1)
    broken = qf.check_account(result, batch.tables(), {})  # type: ignore[arg-type]
    assert not broken["ok"]
    assert not broken["tables"]["events"]["ok"]
    assert broken["tables"]["products"]["ok"]
