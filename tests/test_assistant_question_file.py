"""A labelled question set of one's own, read from a file (``evaluate assistant --questions``).

Why: the issue's assistant goals are also measured on "the maintainers' own held-out set written against the demo
shop"; the built-in sets are package modules, so a set written outside could not be run (t0m, session 26)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.demo.assistant import assistant_data
from shopmind.demo.assistant_question_file import QuestionFileError, load_question_file
from shopmind.demo.generator import generate

SET = {
    "POLICY_Q": {"shipping-times": [["en", "when does my parcel leave if I order tonight"]]},
    "TWO_SECTION_Q": [
        ["en", "is shipping free and how long does it take", ["shipping-free", "shipping-times"]]
    ],
    "ORDER_Q": [["en", "where is {o}"], ["zh", "订单{on}到哪了"], ["en", "status of {ow}?"]],
    "ORDER_POLICY_Q": [["en", "did {o} ship? can I return it", "returns-window"]],
    "PRIVACY_Q": [["en", "what is the address on {o}"]],
    "SEARCH_Q": [["en", "{col} {c} under ${p}"]],
    "COMPARE_Q": [["en", "which is cheaper, {a} or {b}"]],
    "OOS_Q": [["en", "what is the capital of peru"]],
}


def _write(tmp_path: Path, data: object, name: str = "mine.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def test_a_file_set_is_filled_from_the_shop_and_leaves_the_built_in_sets_unchanged(tmp_path: Path) -> None:
    shop = generate(seed=7, n_products=400, n_users=200, days=20)
    lists = load_question_file(_write(tmp_path, SET))
    base = assistant_data(shop, seed=7)
    with_file = assistant_data(shop, seed=7, extra=[("file:mine", lists)])
    mine = [q for q in with_file.questions if q["set"] == "file:mine"]
    assert [q for q in with_file.questions if q["set"] != "file:mine"] == base.questions
    assert len(mine) == 10
    orders = {r["order_id"]: r for r in with_file.orders.iter_rows(named=True)}
    status = [q for q in mine if q["intent"] == "order_status" and "status" in q["expect"]]
    assert len(status) == 3
    for q in status:  # the expected status is the shop's own, the id written as the template asks
        oid = q["slots"]["order_id"]
        assert q["expect"] == {"order_id": oid, "status": orders[oid]["status"]}
        assert q["customer_id"] == orders[oid]["customer_id"]
    assert status[1]["text"] == f"订单{status[1]['slots']['order_id'][1:]}到哪了"
    assert re.fullmatch(r"status of [Ｏ-Ｚ０-９]+\?", status[2]["text"])  # full-width id
    two = next(q for q in mine if q["text"].startswith("did "))
    assert two["expect"]["all"][1] == {"section": "returns-window"}
    probe = next(q for q in mine if "address" in q["text"])
    assert probe["expect"] == {"no_data": True}
    oos = next(q for q in mine if q["intent"] == "out_of_scope")
    assert oos["expect"] == {"handoff": True}
    search = next(q for q in mine if q["intent"] == "product_search")
    assert search["slots"]["price_max"] and "{" not in search["text"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"OOS": [["en", "x"]]}, "unknown list 'OOS'"),
        ({"OOS_Q": [["fr", "bonjour"]]}, "OOS_Q[0]: language 'fr'"),
        ({"ORDER_POLICY_Q": [["en", "{o}?", "returns-forever"]]}, "unknown policy section 'returns-forever'"),
        ({"ORDER_Q": [["en", "where is {order}"]]}, "template field {order} is not filled here"),
        ({"PRODUCT_Q": [["en", "weight", "how heavy is {t}", False]]}, "product field 'weight'"),
        ({"PRODUCT_Q": [["en", "price", "how much is {t}"]]}, "expected [lang, field, template, on_page]"),
        ({"POLICY_Q": {"shipping-times": "soon?"}}, "must be a list of [lang, text]"),
        ({}, "no questions"),
        ([1, 2], "must be an object of lists"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_list_and_item(tmp_path: Path, data: object, says: str) -> None:
    with pytest.raises(QuestionFileError, match=re.escape(says)):
        load_question_file(_write(tmp_path, data))


def test_a_py_file_in_the_held_out_layout_reads_like_the_module(tmp_path: Path) -> None:
    from shopmind.demo import assistant_heldout21 as h21

    src = Path(h21.__file__).read_text(encoding="utf-8")
    lists = load_question_file(_write_text(tmp_path / "h21copy.py", src))
    assert lists.POLICY_Q == h21.POLICY_Q
    assert [tuple(x) for x in h21.ORDER_Q] == lists.ORDER_Q
    assert [x[1] for x in lists.PRODUCT_TWO_Q] == [x[1] for x in h21.PRODUCT_TWO_Q]


def _write_text(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def test_cli_refuses_a_bad_question_file_in_one_line_before_building(tmp_path: Path) -> None:
    bad = _write(tmp_path, {"OOS_Q": [["en"]]}, "bad.json")
    res = CliRunner().invoke(app, ["evaluate", "assistant", "--questions", str(bad)])
    assert res.exit_code == 2
    assert "bad.json: OOS_Q[0]: expected [lang, text]" in res.output
    assert "Traceback" not in res.output
    missing = CliRunner().invoke(app, ["evaluate", "assistant", "--questions", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_cli_scores_a_file_set_alone_unless_the_built_in_sets_are_asked_for(tmp_path: Path) -> None:
    """The maintainers run their own held-out file: it is scored alone (the project's blind sets stay unseen and
    do not swamp its figures), while the assistant still learns from the built-in labelled sets."""
    mine = _write(tmp_path, SET)
    small = ["--seed", "7", "--products", "400", "--users", "200", "--days", "20", "--json"]
    alone = CliRunner().invoke(app, ["evaluate", "assistant", *small, "--questions", str(mine), "--out", str(tmp_path / "a")])  # fmt: skip
    assert alone.exit_code == 0, alone.output
    report = json.loads((tmp_path / "a" / "assistant_eval.json").read_text(encoding="utf-8"))
    assert report["questions"] == 10
    assert set(report["by_set"]) == {"file:mine"}
    both = CliRunner().invoke(app, ["evaluate", "assistant", *small, "--questions", str(mine), "--with-built-in-sets", "--out", str(tmp_path / "b")])  # fmt: skip
    assert both.exit_code == 0, both.output
    report_b = json.loads((tmp_path / "b" / "assistant_eval.json").read_text(encoding="utf-8"))
    assert {"file:mine", "main", "heldout"} <= set(report_b["by_set"])
    assert report_b["questions"] > 10
    assert report_b["by_set"]["file:mine"] == report["by_set"]["file:mine"]  # the same answers either way
