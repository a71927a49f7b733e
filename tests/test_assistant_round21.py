"""Issue 13, round 21: held-out-20 a dev set and round 20's rule over 21 sets
(``bench/assistant_loso21.py``); the candidates: the rest of a message naming an order read as a
policy question ("order_rest", ``clauses.order_split``, ``compose.rest_sections``), its order piece
deciding the intent ("order_first", ``route.order_asked``), a follow-up's own words choosing the
section in the joint reading's topic ("followup_prior", ``compose.prior_hits``,
``PolicyIndex.ordering``) and a space between Chinese characters cutting clauses ("clause_space").
Phrasings are this test's own, not any labelled set's."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import assistant_loso21 as L  # noqa: E402
from assistant_loso17 import expand  # noqa: E402
from assistant_loso20 import REF as REF20  # noqa: E402
from assistant_loso_runner import SETTINGS  # noqa: E402
from shopmind.assistant import compose as compose_mod  # noqa: E402
from shopmind.assistant.clauses import order_split, questions  # noqa: E402
from shopmind.assistant.compose import prior_hits, rest_sections  # noqa: E402
from shopmind.assistant.evaluate import LABELLED_SETS  # noqa: E402
from shopmind.assistant.intent import Prediction  # noqa: E402
from shopmind.assistant.knowledge import load_policies  # noqa: E402
from shopmind.assistant.policy import PolicyIndex, ordering_score  # noqa: E402
from shopmind.assistant.route import order_asked  # noqa: E402
from shopmind.demo.policies import policy_files  # noqa: E402


@pytest.fixture(scope="module")
def index() -> PolicyIndex:
    return PolicyIndex(load_policies(texts=policy_files()), dense=False)


class _Model:
    """An intent model that reads one intent per text (``table``), else an unsure chit-chat."""

    def __init__(self, table: dict[str, tuple[str, float]]) -> None:
        self.table = table

    def predict(self, text: str) -> Prediction:
        intent, conf = self.table.get(text, ("greeting", 0.3))
        rest = 1.0 - conf
        return Prediction(intent, conf, ((intent, conf), ("out_of_scope", rest)))


def _asst(index: PolicyIndex, table: dict[str, tuple[str, float]], floor: float = 1.0) -> SimpleNamespace:
    return SimpleNamespace(policy=index, model=_Model(table), threshold=0.5, policy_floor=floor, options={})


def test_held_out_20_is_a_dev_set_and_the_rule_reads_all_21() -> None:
    assert LABELLED_SETS[: len(L.DEV_SETS)] == L.DEV_SETS
    assert len(L.DEV_SETS) == 21 and L.DEV_SETS[-1] == "heldout20"
    assert LABELLED_SETS[len(L.DEV_SETS)] == "heldout21"  # round 22 adds held-out-21 after them
    assert L.REF == REF20  # round 20 adopted nothing
    assert expand("REF+order_rest", L.REF).split("+")[-2:] == ["owner_foreign", "order_rest"]
    assert SETTINGS["followup_prior"] == ("shopmind.assistant.compose", "FOLLOWUP_PRIOR")


def test_an_order_piece_is_found_in_any_spelling_and_the_rest_kept() -> None:
    assert order_split("O0001234发了吗 发票开公司抬头可以吗", "O0001234") == ("O0001234发了吗", "发票开公司抬头可以吗")  # fmt: skip
    assert order_split("Ｏ０００１２３４ 还没到，国外寄要几天", "O0001234") == ("Ｏ０００１２３４ 还没到", "国外寄要几天")  # fmt: skip
    assert order_split("checking on o-0001234 - also can i pay by card", "O0001234") == ("checking on o-0001234", "also can i pay by card")  # fmt: skip
    assert order_split("has O0001234 shipped? and how long is the return window", "O0001234")[1] == "how long is the return window"  # fmt: skip
    assert order_split("where is O0001234", "O0001234") == ("where is O0001234", "")  # one piece: no rest
    assert order_split("where is my parcel, how long is the return window", "O0001234") == ("", "")
    assert order_split("where is it", "no digits") == ("", "")


def test_the_rest_adds_its_section_only_when_read_as_a_policy_question(index: PolicyIndex) -> None:
    text = "O0001234 still not here, how many days do I have to return things"
    rest = order_split(text, "O0001234")[1]
    sure = _asst(index, {rest: ("return_refund", 0.9)})
    got = rest_sections(sure, text, "O0001234")  # type: ignore[arg-type]
    assert [s.id for s in got] == [index.search(rest, None, k=1)[0][0]] and got[0].topic == "returns"
    assert rest_sections(_asst(index, {rest: ("order_status", 0.9)}), text, "O0001234") == []  # type: ignore[arg-type]
    assert rest_sections(_asst(index, {rest: ("return_refund", 0.9)}, floor=1e9), text, "O0001234") == []  # type: ignore[arg-type]
    assert rest_sections(sure, "where is O0001234", "O0001234") == []  # type: ignore[arg-type]


def test_the_order_piece_decides_a_return_reading_only_when_it_reads_as_the_status(
    index: PolicyIndex,
) -> None:
    text = "did O0001234 arrive? if so can I swap it for another size"
    own = order_split(text, "O0001234")[0]
    asst = _asst(index, {own: ("order_status", 0.9)})
    assert order_asked(asst, text, "O0001234", "return_refund")  # type: ignore[arg-type]
    assert not order_asked(asst, text, "O0001234", "complaint")  # type: ignore[arg-type]
    assert not order_asked(_asst(index, {own: ("return_refund", 0.9)}), text, "O0001234", "return_refund")  # type: ignore[arg-type]
    assert not order_asked(asst, "did O0001234 arrive", "O0001234", "shipping")  # type: ignore[arg-type]  # no rest


def test_ordering_scores_are_the_weighted_signals_within_the_topics(index: PolicyIndex) -> None:
    text = "how long do i have to send it back for a refund"
    all_ = index.ordering(text)
    assert all_ and {index.topic(s) for s in all_} >= {"returns"}
    hits = index.bm25.rank(text, len(index.sections))  # type: ignore[union-attr]
    comp = index.components(text, hits)
    assert all_ == pytest.approx({sid: ordering_score(c) for sid, c in comp.items()})
    ret = index.ordering(text, ("returns",))
    assert set(ret) == {s for s in all_ if index.topic(s) == "returns"} and ret == pytest.approx({s: all_[s] for s in ret})  # fmt: skip
    assert index.ordering("zzqx qqzv") == {}
    assert [s for s, _ in index.search(text, ("returns",), k=len(ret))] == sorted(ret, key=lambda s: -ret[s])


def test_a_follow_ups_own_words_choose_the_section_in_the_joint_topic(
    index: PolicyIndex, monkeypatch
) -> None:
    asst = _asst(index, {})
    first, text = "how many days do i have to return an item", "and how do i post it back, which label"
    ask = f"{first} {text}"
    hits = index.search(ask, None)
    assert index.topic(hits[0][0]) == "returns"
    own = index.ordering(text, ("returns",))
    joint = index.ordering(ask, ("returns",))
    assert max(own, key=lambda s: own[s]) != max(joint, key=lambda s: joint[s])  # the two readings differ
    monkeypatch.setattr(compose_mod, "FOLLOWUP_PRIOR", 0.0)  # own words alone
    got = prior_hits(asst, text, ask, hits)  # type: ignore[arg-type]
    assert got[0][0] == max(own, key=lambda s: own[s]) and all(index.topic(s) == "returns" for s, _ in got)
    monkeypatch.setattr(compose_mod, "FOLLOWUP_PRIOR", 1e6)  # the joint reading alone
    assert prior_hits(asst, text, ask, hits)[0][0] == max(joint, key=lambda s: joint[s])  # type: ignore[arg-type]
    assert prior_hits(asst, "zzqx qqzv", ask, hits) == hits  # type: ignore[arg-type]  # no own word: unchanged


def test_a_space_between_chinese_characters_cuts_only_asked_clauses() -> None:
    assert questions("能寄到国外吗 寄出后有单号查吗", True, True) == []
    assert questions("能寄到国外吗 寄出后有单号查吗", True, True, space=True) == [
        "能寄到国外吗",
        "寄出后有单号查吗",
    ]
    assert questions("付款 failed 了怎么办 另外 express 几天到", True, True, space=True) == ["付款 failed 了怎么办", "另外 express 几天到"]  # fmt: skip
    assert questions("收到快三周了 没拆封 还能退吗", True, True, space=True) == []  # a story and one question
    assert questions("how long is delivery and can i pay by card", True, True, space=True) == questions("how long is delivery and can i pay by card", True, True)  # fmt: skip


def test_round_21_defaults() -> None:
    from shopmind.assistant import core

    for name in ("order_rest", "order_first", "followup_prior", "clause_space"):
        assert name in core.OPTIONS
    assert compose_mod.FOLLOWUP_PRIOR > 0
