"""The shop assistant on a small demo shop: demo knowledge, understanding, grounding, privacy."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.assistant.evaluate import build_demo, evaluate, run_question
from shopmind.assistant.guard import fact_tokens, number_token, unsupported
from shopmind.assistant.intent import normalise
from shopmind.assistant.knowledge import KnowledgeError, load_policies, validate_orders
from shopmind.assistant.seed import SEED
from shopmind.assistant.slots import Slots, order_ids, understood_slots
from shopmind.demo.assistant import ORDER_DEFECTS, assistant_data
from shopmind.demo.generator import generate


@pytest.fixture(scope="module")
def demo():
    return build_demo(seed=7, n_products=400, n_users=200, days=20)


@pytest.fixture(scope="module")
def shop():
    return generate(seed=7, n_products=400, n_users=200, days=20)


# ------------------------------------------------------------------ demo knowledge
def test_assistant_data_is_deterministic_and_leaves_the_shop_unchanged(shop) -> None:
    before = [shop.batch.products.hash_rows().sum(), shop.batch.events.hash_rows().sum()]
    a, b = assistant_data(shop, seed=7), assistant_data(shop, seed=7)
    assert a.orders.equals(b.orders) and a.questions == b.questions and a.policies == b.policies
    assert [shop.batch.products.hash_rows().sum(), shop.batch.events.hash_rows().sum()] == before


def test_orders_follow_the_purchase_events(shop) -> None:
    data = assistant_data(shop, seed=7)
    injected = set(data.order_defects["row"].to_list())
    clean = data.orders.with_row_index("i").filter(~pl.col("i").is_in(sorted(injected)))
    bad = shop.defects.filter(pl.col("table") == "events")["row"].to_list()
    events = shop.batch.events.filter(~pl.col("_row").is_in(bad))
    buys = events.filter(pl.col("type") == "purchase", pl.col("order_id").is_not_null())
    assert clean.height > 100
    for o in clean.head(40).iter_rows(named=True):
        ev = buys.filter(pl.col("order_id") == o["order_id"])
        assert set(ev["user_id"]) == {o["customer_id"]}
        assert sorted(it["product_id"] for it in o["items"]) == sorted(ev["item_id"].to_list())
        assert o["placed_at"] == ev["timestamp"].min()
        if o["status"] == "returned":
            rets = events.filter(pl.col("type") == "return", pl.col("user_id") == o["customer_id"])
            assert set(rets["item_id"]) & {it["product_id"] for it in o["items"]}
    assert set(clean["status"]) == {"placed", "shipped", "delivered", "returned"}


def test_order_validation_rejects_each_injected_defect_with_its_code(shop) -> None:
    data = assistant_data(shop, seed=7)
    products = set(shop.batch.products["product_id"])
    accepted, rejected = validate_orders(data.orders, products)
    assert accepted.height + len(rejected) == data.orders.height
    got = {r.row: r.code for r in rejected}
    for row, code in data.order_defects.iter_rows():
        if code == "ORD_DUP_ID":  # both copies of a duplicated id are refused
            assert got[row] == code
            dup = data.orders["order_id"][row]
            assert sum(r.code == "ORD_DUP_ID" and r.order_id == dup for r in rejected) == 2
        else:
            assert got[row] == code, (row, code, got.get(row))
    assert set(got.values()) >= set(ORDER_DEFECTS)
    assert all(r.detail for r in rejected)


def test_validation_names_missing_columns() -> None:
    with pytest.raises(KnowledgeError, match="customer_id"):
        validate_orders(pl.DataFrame({"order_id": ["A1"], "status": ["placed"]}))


def test_policy_section_without_anchor_is_an_error_naming_file_and_line() -> None:
    with pytest.raises(KnowledgeError, match=r"returns\.en\.md:3"):
        load_policies(texts={"returns.en.md": "# Returns\n\n## Window\nthirty days\n"})
    secs = load_policies(
        texts={"a.en.md": "## X {#x}\nbody\nCommon questions: how\n", "a.zh.md": "## 甲 {#x}\n正文\n"}
    )
    assert (
        secs[0].body("zh") == "正文" and secs[0].body("en") == "body" and secs[0].questions == {"en": "how"}
    )


def test_labelled_questions_are_not_the_training_seed(shop) -> None:
    seed = {normalise(t) for texts in SEED.values() for t in texts}
    qs = assistant_data(shop, seed=7).questions
    assert {q["lang"] for q in qs} == {"en", "zh", "mixed"}
    assert not [q["text"] for q in qs if normalise(str(q["text"])) in seed]


# ------------------------------------------------------------------ slots
@given(
    prefix=st.sampled_from(["O", "SO", "A", ""]),
    digits=st.integers(min_value=1000, max_value=10**9),
    tpl=st.sampled_from(["where is order {}?", "订单{}到哪了", "my order #{} 发货了吗", "单号：{} 还没到"]),
)
@settings(max_examples=60, deadline=None)
def test_order_id_after_an_order_word_is_read_exactly(prefix: str, digits: int, tpl: str) -> None:
    oid = f"{prefix}{digits}"
    assert order_ids(tpl.format(oid), set()) == [oid]


def test_known_order_ids_are_read_without_an_order_word() -> None:
    assert order_ids("O0000012 到了吗", {"O0000012"}) == ["O0000012"]
    assert order_ids("is P00012 in stock", {"O0000012"}) == []  # a product id is not an order


@given(amount=st.integers(min_value=2, max_value=5000))
@settings(max_examples=40, deadline=None)
def test_price_slots_come_from_the_search_understanding(demo, amount: int) -> None:
    parser = demo.assistant.engine.parser
    s = Slots()
    understood_slots(parser.parse(f"black sneakers under ${amount}"), {}, s)
    assert (s.price_max, s.currency) == (amount, "USD")
    z = Slots()
    understood_slots(parser.parse(f"{amount}元以下的跑步鞋"), {}, z)
    assert (z.price_max, z.currency) == (amount, "CNY")


# ------------------------------------------------------------------ guard
def test_guard_keeps_every_digit_of_a_price() -> None:
    # regression: tokens were formatted with %g (6 significant digits), so 10000.01 == 10000
    assert unsupported("It costs $10000.01.", ["SKU1 10000.0 USD"]) == ["n:10000.01"]
    assert number_token("1,299.00") == "n:1299" and number_token(0.1 + 0.2) == "n:0.3"


def test_guard_reads_numbers_dates_and_ids() -> None:
    assert fact_tokens("Order O0000012 shipped on 2026-10-28, $1,299.00") == {
        "id:O0000012",
        "d:2026-10-28",
        "n:1299",
    }
    assert unsupported("It costs $24.9 (P00012).", ["P00012 Scarf 24.90 USD"]) == []
    assert unsupported("It costs $19.99.", ["P00012 Scarf 24.90 USD"]) == ["n:19.99"]
    assert unsupported("下单日期2026年10月2日", ["2026-10-02"]) == []


# ------------------------------------------------------------------ turns
def _order(demo, status: str) -> dict:
    return next(o for o in demo.assistant.orders.values() if o["status"] == status)


def test_order_status_for_its_customer_in_both_languages(demo) -> None:
    asst = demo.assistant
    o = _order(demo, "shipped")
    en = asst.turn(f"where is my order {o['order_id']}", customer_id=o["customer_id"])
    assert en.intent == "order_status" and "shipped" in en.answer
    assert {"type": "order", "id": o["order_id"]} in en.citations
    assert o["placed_at"].strftime("%Y-%m-%d") in en.answer
    zh = asst.turn(f"订单{o['order_id']}发货了吗", customer_id=o["customer_id"])
    assert zh.language == "zh" and "已发货" in zh.answer


def test_someone_elses_order_returns_no_data(demo) -> None:
    asst = demo.assistant
    o = _order(demo, "delivered")
    other = next(c["customer_id"] for c in asst.orders.values() if c["customer_id"] != o["customer_id"])
    for who in (other, None):
        r = asst.turn(f"where is my order {o['order_id']}", customer_id=who)
        assert r.citations == [] and not any(t.startswith("d:") for t in fact_tokens(r.answer))
        assert "delivered" not in r.answer
    # an unknown id gets the same words as someone else's (no existence oracle)
    a = asst.turn(f"where is my order {o['order_id']}", customer_id=other).answer
    b = asst.turn("where is my order O9999999", customer_id=other).answer
    assert a.replace(o["order_id"], "X") == b.replace("O9999999", "X")


def test_this_one_resolves_to_the_page_product(demo) -> None:
    asst = demo.assistant
    pid, p = next((k, v) for k, v in asst.products.items() if v["currency"] == "USD")
    r = asst.turn("how much does this one cost?", page_product=pid)
    assert r.intent == "product_question" and r.citations == [{"type": "product", "id": pid}]
    assert number_token(p["price"]) in fact_tokens(r.answer)


def test_follow_up_keeps_the_search_and_adds_the_colour(demo) -> None:
    asst = demo.assistant
    first = asst.turn("show me maxi dresses under $150", conversation_id="c1")
    assert first.intent == "product_search" and first.suggested
    r = asst.turn("and in red?", conversation_id="c1")
    assert r.intent == "product_search" and r.slots["colour"] == "red"
    assert r.suggested
    for pid in r.suggested:
        p = asst.products[pid]
        assert p["category_path"].endswith("Maxi Dresses") and p["price"] <= 150 and p["currency"] == "USD"
        assert asst.colour(p) == "red"


def test_out_of_scope_is_handed_off_and_logged(demo, tmp_path) -> None:
    asst = demo.assistant
    asst.handoff_log = tmp_path / "handoffs.jsonl"
    r = asst.turn("明天北京会下雪吗", conversation_id="c2")
    assert r.handoff and r.intent == "out_of_scope" and r.citations == []
    rec = json.loads(asst.handoff_log.read_text(encoding="utf-8").splitlines()[-1])
    assert rec["conversation_id"] == "c2" and rec["intent"] == "out_of_scope"
    asst.handoff_log = None


def test_policy_answer_quotes_the_retrieved_section(demo) -> None:
    r = demo.assistant.turn("can I return an item I have already worn?")
    assert r.intent == "return_refund" and r.citations == [{"type": "policy", "id": "returns-worn"}]
    assert "worn" in r.answer and unsupported(r.answer, r.facts) == []


# ------------------------------------------------------------------ the evaluation
def test_evaluation_on_the_labelled_questions(demo) -> None:
    res = evaluate(demo)
    assert res["answers_with_unsupported_fact"] == 0
    main, held, held2 = res["by_set"]["main"], res["by_set"]["heldout"], res["by_set"]["heldout2"]
    assert held["questions"] >= 20 and held["answers_with_unsupported_fact"] == 0
    assert held2["questions"] >= 40 and held2["answers_with_unsupported_fact"] == 0
    assert set(main) == set(held2) >= {"intent_accuracy", "slot_exact_match", "out_of_scope_handoff_rate"}
    assert main["intent_accuracy"] >= 0.9 and res["intent_accuracy"] >= 0.85
    for lang in ("en", "zh", "mixed"):
        assert res["intent_accuracy_by_language"][lang] >= 0.8, lang
    assert res["slot_exact_match"] >= 0.95
    assert main["answers_all_facts_correct"] >= 0.9
    # out-of-scope hand-off on the sets earlier rounds tuned on (held-out-7 to -30, each written
    # before its round, are reported by ``evaluate`` and docs/BENCHMARKS.md, not held to a floor here)
    fresh = {f"heldout{i}" for i in range(7, 31)}
    dev = [v for k, v in res["by_set"].items() if k not in fresh and v["out_of_scope_questions"]]
    handed = sum(v["out_of_scope_handoff_rate"] * v["out_of_scope_questions"] for v in dev)
    assert handed / sum(v["out_of_scope_questions"] for v in dev) >= 0.9
    pol = res["policy_recall_at_3"]
    assert pol["questions"] >= 40 and pol["ours"] >= 0.95 and pol["ours"] >= pol["bm25s"] > 0
    assert set(pol["by_set"]) == {"main", "heldout"} | {f"heldout{i}" for i in range(2, 31)}
    ov = res["order_validation"]
    assert ov["defects_found_with_code"] == ov["injected_defects"] == len(ORDER_DEFECTS)


def test_every_labelled_question_runs(demo) -> None:
    for q in demo.questions[:20]:
        r = run_question(demo.assistant, q)
        assert r.answer and r.intent and r.ms > 0


@pytest.mark.parametrize(("n_products", "n_users", "days"), [(5, 3, 1), (30, 4, 2)])
def test_assistant_data_of_a_tiny_shop(n_products: int, n_users: int, days: int, tmp_path) -> None:
    from shopmind.demo.assistant import write_assistant

    data = assistant_data(generate(seed=3, n_products=n_products, n_users=n_users, days=days), seed=3)
    paths = write_assistant(data, tmp_path)
    assert sorted(p.name for p in (tmp_path / "policies").iterdir()) == sorted(data.policies)
    assert pl.read_parquet(paths["orders"]).height == data.orders.height
    assert len(paths["questions"].read_text(encoding="utf-8").splitlines()) == len(data.questions)


@given(
    cents=st.integers(min_value=1, max_value=10**9),
    currency=st.sampled_from(["USD", "CNY", "EUR", "JPY", "GBP"]),
    delta=st.integers(min_value=1, max_value=10**6),
)
@settings(max_examples=80, deadline=None)
def test_guard_accepts_a_displayed_price_and_catches_any_other(cents: int, currency: str, delta: int) -> None:
    from shopmind.search.money import format_money

    price = cents / 100 if currency != "JPY" else float(cents)
    fact = f"SKU1 Lamp {price} {currency}"
    assert unsupported(f"SKU1 costs {format_money(price, currency)}.", [fact]) == []
    other = price + delta / 100 if currency != "JPY" else price + delta
    assert unsupported(f"SKU1 costs {format_money(other, currency)}.", [fact]) != []


def test_serve_refuses_a_bad_assistant_table_in_one_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    cfg = tmp_path / "shop.toml"
    cfg.write_text('[assistant]\nphraser_url = "file:///etc/passwd"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["serve", "--workspace", str(tmp_path), "--config", str(cfg)])
    assert (
        r.exit_code == 2 and "phraser_url must be an http(s) URL" in r.output and "Traceback" not in r.output
    )


def test_a_message_with_nothing_of_a_shop_is_out_of_scope(demo) -> None:
    # no customer-service concept, id, product, category or price, and an unsure classifier
    r = demo.assistant.turn("明天北京会下雪吗")
    assert r.intent == "out_of_scope" and r.handoff and r.citations == []
    # the same shape with a shop concept (abroad, 日本) is answered from a shipping policy
    r = demo.assistant.turn("明天下单能寄到日本吗")
    assert not r.handoff and r.intent == "shipping" and r.citations[0]["type"] == "policy"


def test_guard_reads_no_number_inside_a_name() -> None:
    """Hypothesis found it: the digit of "SKU1" in a fact backed an invented "$1" in an answer."""
    assert unsupported("SKU1 costs $1.", ["SKU1 Lamp 0.01 USD"]) == ["n:1"]
    assert unsupported("SKU1 costs $0.01.", ["SKU1 Lamp 0.01 USD"]) == []
