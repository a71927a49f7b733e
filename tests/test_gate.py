"""One tiny fixture per check (which rows fail, with which code) and the account invariant."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.config import BotRules, GateConfig, config_from_dict
from shopmind.data.model import FLAGS, ROW, Batch
from shopmind.quality.gate import run_gate

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _catalog(n: int = 6, **cols: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "product_id": [f"P{i}" for i in range(n)],
        "title": [f"Red cotton dress {i}" for i in range(n)],
        "description": ["A dress."] * n,
        "category_path": ["Women > Dresses > Maxi"] * n,
        "price": [20.0 + i for i in range(n)],
        "currency": ["USD"] * n,
        "created_at": ["2025-01-01T00:00:00Z"] * n,
    }
    base.update(cols)
    return pl.DataFrame(base, strict=False)


def _events(rows: list[dict[str, object]]) -> pl.DataFrame:
    defaults = {
        "user_id": "u1",
        "session_id": "s1",
        "item_id": "P1",
        "type": "view",
        "quantity": None,
        "price": None,
    }
    full = []
    for i, r in enumerate(rows):
        row = {"event_id": f"e{i}", "timestamp": f"2026-01-10T10:{i // 60:02d}:{i % 60:02d}Z", **defaults}
        row.update(r)
        full.append(row)
    return pl.DataFrame(full, schema_overrides={"quantity": pl.Float64, "price": pl.Float64}, strict=False)


def _codes(result, table: str) -> dict[int, set[str]]:
    """Row → codes it carries (quarantine reasons or accepted-row flags)."""
    t = result.tables[table]
    out: dict[int, set[str]] = {}
    for r in t.quarantine.iter_rows(named=True):
        out[r["row_no"]] = set(r["codes"])
    for r in t.accepted.iter_rows(named=True):
        if r[FLAGS]:
            out[r[ROW]] = set(r[FLAGS])
    return out


def _gate(products=None, events=None, judgments=None, cfg=None, **meta):
    return run_gate(
        Batch("t", products=products, events=events, judgments=judgments, meta=meta),
        cfg or GateConfig(),
        None,
        now=NOW,
    )


# --- products ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "values", "bad_rows", "code"),
    [
        ("price", [20, 0, -3, 21, 22, 23], {1, 2}, "PRD_PRICE_NONPOSITIVE"),
        # "usd" is upper-cased first (CURRENCY_CASE, tests/test_gate_unsafe_values.py), "XYZ" is no code
        ("currency", ["USD", "XYZ", None, "USD", "usd", "CNY"], {1, 2}, "PRD_CURRENCY_UNKNOWN"),
        (
            "title",
            ["Red dress", "test", "N/A", "aaa", "样品", "--"],
            {1, 2, 3, 4, 5},
            "PRD_TITLE_PLACEHOLDER",
        ),
        ("title", ["M", "Ed", "187", "8 1/2", "连衣裙", "?"], {5}, "PRD_TITLE_PLACEHOLDER"),
        ("description", ["ok", None, "", "fine", "x", "y"], {1, 2}, "PRD_DESC_MISSING"),
        ("stock", [1, -1, 0, 5, None, 2], {1}, "PRD_STOCK_NEGATIVE"),
        ("rating", [1.0, 5.0, 0.5, 6.0, None, 3.0], {2, 3}, "PRD_RATING_RANGE"),
        ("product_id", ["A", None, "C", "D", "E", "F"], {1}, "REQUIRED_MISSING"),
        ("price", ["20", "abc", "21", "1e999", "22", "23"], {1, 3}, "TYPE_ERROR"),
    ],
)
def test_product_checks(column, values, bad_rows, code):
    result = _gate(products=_catalog(**{column: values}))
    got = {row for row, codes in _codes(result, "products").items() if code in codes}
    assert got == bad_rows


def test_duplicate_product_ids_keep_latest():
    prods = _catalog(3, product_id=["A", "A", "B"], updated_at=["2026-01-02", "2026-01-01", "2026-01-01"])
    result = _gate(products=prods)
    t = result.tables["products"]
    assert t.quarantine["row_no"].to_list() == [1]
    assert t.quarantine["codes"].to_list() == [["PRD_DUP_ID"]]
    # with equal timestamps the later row in the batch wins
    result = _gate(products=_catalog(2, product_id=["A", "A"]))
    assert result.tables["products"].quarantine["row_no"].to_list() == [0]


def test_price_outlier_by_category_mad():
    prices = [20, 22, 19, 25, 21, 23, 18, 2400]
    result = _gate(products=_catalog(8, price=prices))
    got = {r for r, c in _codes(result, "products").items() if "PRD_PRICE_OUTLIER" in c}
    assert got == {7}


def test_category_inconsistency_flags_minority_parent():
    paths = ["Women > Dresses > Maxi"] * 30 + ["Electronics > Dresses > Maxi"]
    result = _gate(products=_catalog(31, category_path=paths))
    got = {r for r, c in _codes(result, "products").items() if "PRD_CATEGORY_INCONSISTENT" in c}
    assert got == {30}
    assert result.tables["products"].accepted.height == 31  # flagged, not quarantined


def test_text_repairs_are_audited():
    titles = [
        "CafÃ© table",
        "<b>Bold</b> lamp &amp; shade",
        "  Ｒｅｄ   dress ",
        "Plain title",
        "Lamp",
        "Chair",
    ]
    result = _gate(products=_catalog(6, title=titles))
    t = result.tables["products"]
    assert t.accepted["title"].to_list()[:4] == [
        "Café table",
        "Bold lamp & shade",
        "Red dress",
        "Plain title",
    ]
    codes = set(zip(t.audit[ROW].to_list(), t.audit["code"].to_list(), strict=True))
    assert codes == {(0, "TEXT_MOJIBAKE"), (1, "TEXT_HTML"), (2, "TEXT_WHITESPACE")}


def test_traditional_to_simplified_only_when_enabled():
    prods = _catalog(6, title=["紅色連衣裙", "红色连衣裙", "a lamp", "a chair", "a desk", "a bed"])
    off = _gate(products=prods)
    assert off.tables["products"].accepted["title"][0] == "紅色連衣裙"
    on = _gate(products=prods, cfg=GateConfig(traditional_to_simplified=True))
    assert on.tables["products"].accepted["title"][0] == "红色连衣裙"
    assert on.tables["products"].audit.filter(pl.col("code") == "TEXT_T2S")[ROW].to_list() == [0]


# --- events -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "bad_rows", "code"),
    [
        ([{"type": "view"}, {"type": "pageview"}, {"type": "buy_now"}], {1, 2}, "EVT_TYPE_UNKNOWN"),
        ([{"item_id": None}, {"item_id": None, "type": "search", "query": "red"}], {0}, "EVT_ITEM_MISSING"),
        ([{"type": "purchase", "quantity": 1, "price": 21, "user_id": None}, {"type": "view", "user_id": None}], {0}, "EVT_USER_MISSING"),
        ([{"timestamp": "2031-01-01T00:00:00Z"}, {}], {0}, "EVT_TS_FUTURE"),
        (
            [{"type": "purchase", "quantity": -1, "price": 21}, {"type": "return", "quantity": 2, "price": 21},
             {"type": "purchase", "quantity": 1, "price": 21}, {"type": "return", "quantity": -1, "price": 21}],
            {0, 1},
            "EVT_QTY_SIGN",
        ),
        ([{"type": "purchase", "quantity": 1, "price": 0}, {"type": "purchase", "quantity": 1, "price": -2}, {"type": "view", "price": 0}], {0, 1}, "EVT_PRICE_NONPOSITIVE"),
        ([{"item_id": "NOPE"}, {"item_id": "P2"}], {0}, "EVT_ITEM_UNKNOWN"),
        ([{"currency": "XYZ"}, {"currency": "USD"}], {0}, "EVT_CURRENCY_UNKNOWN"),
        ([{"type": "rate", "rating": 9}, {"type": "rate", "rating": 4}], {0}, "EVT_RATING_RANGE"),
        ([{"timestamp": "2024-06-01T00:00:00Z"}, {}], {0}, "EVT_BEFORE_PRODUCT"),
        ([{"type": "return", "quantity": -1, "price": 21}, {"type": "purchase", "quantity": 1, "price": 21, "item_id": "P2"},
          {"type": "return", "quantity": -1, "price": 22, "item_id": "P2"}], {0}, "EVT_RETURN_UNLINKED"),
        ([{"timestamp": "garbage"}, {"quantity": "1.5"}, {}], {0, 1}, "TYPE_ERROR"),
        # a value that failed conversion is a TYPE_ERROR, not also a missing value
        ([{"timestamp": "garbage"}, {"timestamp": None}, {}], {1}, "REQUIRED_MISSING"),
        ([{"type": "pageview", "item_id": None}, {"type": "view", "item_id": None}], {1}, "EVT_ITEM_MISSING"),
    ],
)  # fmt: skip
def test_event_checks(rows, bad_rows, code):
    result = _gate(products=_catalog(), events=_events(rows))
    got = {row for row, codes in _codes(result, "events").items() if code in codes}
    assert got == bad_rows


def test_exact_and_near_duplicates_and_id_conflicts():
    rows = [
        {"event_id": "a", "timestamp": "2026-01-10T10:00:00Z"},
        {"event_id": "a", "timestamp": "2026-01-10T10:00:00Z"},  # exact copy
        {"event_id": "b", "timestamp": "2026-01-10T10:00:01Z"},  # same user/item/type 1 s later
        {"event_id": "c", "timestamp": "2026-01-10T10:05:00Z"},  # far enough
        {"event_id": "c", "timestamp": "2026-01-10T10:09:00Z", "item_id": "P3"},  # id reused
    ]
    pl_rows = _events(rows)
    result = _gate(products=_catalog(), events=pl_rows)
    codes = _codes(result, "events")
    assert codes == {1: {"EVT_DUP_EXACT"}, 2: {"EVT_DUP_NEAR"}, 4: {"EVT_ID_CONFLICT"}}


def test_bot_sessions_by_rate_regularity_and_breadth():
    human = [
        {
            "session_id": "h",
            "user_id": "h",
            "item_id": f"P{i % 5}",
            "timestamp": f"2026-01-10T10:{i * 3:02d}:{(i * 7) % 60:02d}Z",
        }
        for i in range(12)
    ]
    bot = [
        {
            "session_id": "b",
            "user_id": "b",
            "item_id": f"P{i % 6}",
            "timestamp": f"2026-01-10T11:{i // 60:02d}:{i % 60:02d}Z",
        }
        for i in range(40)
    ]
    result = _gate(products=_catalog(), events=_events(human + bot), cfg=GateConfig(near_duplicate_types=()))
    flagged = {r for r, c in _codes(result, "events").items() if "EVT_BOT_SESSION" in c}
    assert flagged == set(range(12, 52))


def test_price_unit_errors_are_repaired_against_catalog_price():
    rows = [{"type": "purchase", "quantity": 1, "price": 2100, "item_id": "P1"},
            {"type": "purchase", "quantity": 1, "price": 0.21, "item_id": "P1"},
            {"type": "purchase", "quantity": 1, "price": 25, "item_id": "P1"}]  # fmt: skip
    result = _gate(products=_catalog(), events=_events(rows))
    t = result.tables["events"]
    assert t.accepted.sort(ROW)["price"].to_list() == [21.0, 21.0, 25.0]
    assert t.audit.filter(pl.col("code") == "EVT_PRICE_UNIT")[ROW].to_list() == [0, 1]


def test_quantity_outliers_are_flagged():
    rows = [
        {"type": "purchase", "quantity": q, "price": 21, "event_id": f"q{i}", "user_id": f"u{i}"}
        for i, q in enumerate([1, 2, 1, 1, 3, 2, 1, 2000])
    ]
    result = _gate(products=_catalog(), events=_events(rows))
    assert {r for r, c in _codes(result, "events").items() if "EVT_QTY_OUTLIER" in c} == {7}


def test_no_catalog_means_no_referential_check():
    result = _gate(events=_events([{"item_id": "ANY"}]))
    assert result.tables["events"].quarantine.is_empty()


def test_unknown_items_policy_flag():
    cfg = config_from_dict({"gate": {"unknown_items": "flag"}})
    result = _gate(products=_catalog(), events=_events([{"item_id": "NOPE"}]), cfg=cfg)
    t = result.tables["events"]
    assert t.quarantine.is_empty() and t.accepted[FLAGS].to_list() == [["EVT_ITEM_UNKNOWN"]]


# --- judgments --------------------------------------------------------------------------
def test_judgment_checks():
    j = pl.DataFrame(
        {
            "query": ["red", "red", "blue", "blue"],
            "product_id": ["P1", "P1", "P2", "NOPE"],
            "relevance": [1, 2, 7, 1],
        }
    )
    result = _gate(products=_catalog(), judgments=j, relevance_scale=(0, 3))
    assert _codes(result, "judgments") == {
        0: {"JDG_DUP"},
        2: {"JDG_RELEVANCE_RANGE"},
        3: {"JDG_PRODUCT_UNKNOWN"},
    }


# --- batch decision ---------------------------------------------------------------------
def test_error_threshold_holds_the_batch_and_overrides_apply():
    rows = [{"type": "pageview"}] * 5 + [{}] * 7
    result = _gate(products=_catalog(), events=_events(rows))
    assert result.held and result.exit_code == 1
    assert "events:EVT_TYPE_UNKNOWN" in result.summary()["held_by"]
    cfg = config_from_dict({"checks": {"EVT_TYPE_UNKNOWN": {"severity": "warn"}}})
    assert not _gate(products=_catalog(), events=_events(rows), cfg=cfg).held


def test_an_action_a_code_cannot_take_is_refused_when_the_config_loads():
    """A repair set to "quarantine", or a row check set to "repair"/"batch", was accepted and did
    nothing (the row check silently stopped quarantining)."""
    from shopmind.config import ConfigError

    rows = [{"type": "pageview"}] * 5 + [{}] * 7
    flagged = _gate(products=_catalog(), events=_events(rows), cfg=config_from_dict(
        {"checks": {"EVT_TYPE_UNKNOWN": {"action": "flag", "severity": "warn"}}}))  # fmt: skip
    events = flagged.tables["events"]  # quarantine <-> flag still works: the 5 pageviews are kept, flagged
    assert not any("EVT_TYPE_UNKNOWN" in c for c in events.quarantine["codes"].to_list())
    assert sum("EVT_TYPE_UNKNOWN" in f for f in events.accepted[FLAGS].to_list()) == 5
    for code, action, says in [
        ("EVT_TYPE_UNKNOWN", "repair", "must be 'quarantine' or 'flag', not 'repair'"),
        ("EVT_TYPE_UNKNOWN", "batch", "must be 'quarantine' or 'flag', not 'batch'"),
        ("URL_UNSAFE", "quarantine", "must be 'repair', not 'quarantine' (a repair is always applied"),
        ("BATCH_FRESHNESS", "flag", "must be 'batch', not 'flag'"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(f"checks.{code}.action {says}")):
            config_from_dict({"checks": {code: {"action": action}}})


def test_malformed_lines_are_counted_and_quarantined():
    batch = Batch(
        "t",
        products=_catalog(2),
        meta={
            "malformed": [{"table": "products", "line": 9, "raw": "x,y,z,", "reason": "4 fields, expected 7"}]
        },
    )
    result = run_gate(batch, GateConfig(), None, now=NOW)
    t = result.tables["products"]
    assert (t.input_rows, t.accepted.height, t.quarantine.height) == (3, 2, 1)
    assert t.quarantine["codes"].to_list() == [["MALFORMED_LINE"]] and t.quarantine["line"].to_list() == [9]


# --- the account, for any input ---------------------------------------------------------
_text = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", "  ", "P1", "P2", "u1", "view", "purchase", "return", "-1", "1e3", "nan"]),
)
_ts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "2026-01-10T10:00:00Z",
            "2026-01-10 10:00:01",
            "1768039200",
            "1768039200000",
            "2040-01-01",
            "bad",
            "",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "event_id": _text,
                "user_id": _text,
                "session_id": _text,
                "item_id": _text,
                "type": _text,
                "timestamp": _ts,
                "quantity": _text,
                "price": _text,
            }  # fmt: skip
        ),
        min_size=0,
        max_size=25,
    ),
    st.lists(
        st.fixed_dictionaries({"product_id": _text, "title": _text, "price": _text, "currency": _text}),
        max_size=10,
    ),
)
def test_account_balances_for_any_input(events, products):
    ev = pl.DataFrame(
        events,
        schema=dict.fromkeys(
            ["event_id", "user_id", "session_id", "item_id", "type", "timestamp", "quantity", "price"],
            pl.Utf8,
        ),
    )
    pr = pl.DataFrame(products, schema=dict.fromkeys(["product_id", "title", "price", "currency"], pl.Utf8))
    result = run_gate(
        Batch("prop", products=pr, events=ev), GateConfig(bot=BotRules(min_events=3)), None, now=NOW
    )
    for name, frame in (("events", ev), ("products", pr)):
        t = result.tables[name]
        ids = sorted(t.accepted[ROW].to_list() + t.quarantine["row_no"].to_list())
        assert ids == list(range(frame.height))
        assert all(len(c) > 0 for c in t.quarantine["codes"].to_list())


def test_a_threshold_needs_min_rows_failing_rows():
    """Issue 18: one bad row of a 20-row batch is 5 % (over a 1 % threshold) but no pattern."""

    def rows_with(bad: int, n: int = 20) -> list[dict[str, object]]:
        rows = [{"user_id": f"u{i}", "session_id": f"s{i}"} for i in range(n)]
        return [{**r, "timestamp": "not a time"} if i < bad else r for i, r in enumerate(rows)]

    rows = rows_with(1)
    result = _gate(products=_catalog(), events=_events(rows))
    check = next(c for c in result.checks if (c["table"], c["code"]) == ("events", "TYPE_ERROR"))
    assert (check["failed"], check["fraction"], check["min_rows"], check["crossed"]) == (1, 0.05, 5, False)
    assert not result.held and result.tables["events"].quarantine.height == 1  # still quarantined
    strict = config_from_dict({"checks": {"TYPE_ERROR": {"min_rows": 1}}})
    assert _gate(products=_catalog(), events=_events(rows), cfg=strict).held
    assert _gate(products=_catalog(), events=_events(rows_with(5))).held
    assert not _gate(products=_catalog(), events=_events(rows_with(4))).held


def test_an_unknown_event_type_is_said_with_the_value_and_the_known_types():
    """A quarantined event of an unknown type said only "EVT_TYPE_UNKNOWN": now its reason says the
    type sent and the known ones, as other field errors name their value (t1w's walk, session 32)."""
    result = _gate(products=_catalog(), events=_events([{"type": "view"}, {"type": "purchse"}]))
    (detail,) = result.tables["events"].quarantine["detail"].to_list()
    assert detail == (
        "EVT_TYPE_UNKNOWN — type 'purchse' is not an event type; one of: view, click, add_to_cart, "
        "remove_from_cart, wishlist, purchase, return, rate, search"
    )
