"""Issue 13, round 27: held-out-26 a dev set and round 26's rule (round 24's ``judge24``) over 27
sets (``bench/assistant_loso27.py``). Phrasings are this test's own, not any labelled set's (the
lead's are the lead's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso24 as L24  # noqa: E402
import assistant_loso26 as L26  # noqa: E402
import assistant_loso27 as L  # noqa: E402
from assistant_round_util import restored_switches, seed_assistant  # noqa: E402
from shopmind.assistant import core  # noqa: E402
from shopmind.assistant.core import Assistant  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from test_assistant_context import ORDERS  # noqa: E402


def test_held_out_26_is_a_dev_set_and_the_rule_reads_all_27() -> None:
    assert LABELLED_SETS == L.DEV_SETS  # held-out-27, written beside this round, is never learnt from
    assert len(L.DEV_SETS) == 27 and L.DEV_SETS[-1] == "heldout26"
    # round 26 kept these two (the lead's defect fix and greeting_words)
    assert f"{L26.REF}+order_clause+greeting_words" == L.REF
    assert L.judge24 is L24.judge24 and L.LANG_SLACK == 2  # round 24's rule, unchanged
    on = {k for k, v in core.OPTIONS.items() if v}
    assert set(L.REF.split("+")) - {"ab", "intent"} == on


#: the seed-only assistant (what a served shop without labelled conversations builds) and its
#: switches, restored after each test that flips them
asst = pytest.fixture(scope="module")(seed_assistant)
switches = pytest.fixture(restored_switches)


def test_an_order_refused_for_want_of_a_customer_id_keeps_the_public_policy_part(asst: Assistant, switches: dict) -> None:  # fmt: skip
    # the lead's defect (a): "where is my order O… and how long do returns take?" without a customer
    # id was answered "Please sign in …" alone, though the returns policy is public
    oid, owner = ORDERS["order_id"][0], ORDERS["customer_id"][0]
    asks = (f"where is my order {oid} and how long do returns take?", f"我的订单{oid}到了吗？退货要多久？")
    switches["refused_policy"] = False
    for text in asks:
        r = asst.turn(text, None)
        assert (r.intent, r.citations) == ("order_status", []), text  # the defect: the policy part lost
    switches["refused_policy"] = True
    for text, customer in [(t, c) for t in asks for c in (None, "C-somebody-else")]:
        r = asst.turn(text, None, customer_id=customer)
        assert r.intent == "order_status" and not r.handoff, text
        assert [c["type"] for c in r.citations] == ["policy"], (text, customer)  # no order data
        assert asst.policy.sections[r.citations[0]["id"]].topic == "returns"
        assert oid in r.answer and "2026" not in r.answer  # the refusal names the id, states no date
    # its own customer still gets the order and the policy; a message asking the order alone, the refusal alone
    r = asst.turn(asks[0], None, customer_id=owner)
    assert [c["type"] for c in r.citations] == ["order", "policy"]
    assert asst.turn(f"where is my order {oid}?", None).citations == []
