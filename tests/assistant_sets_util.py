"""What every held-out assistant set from 6 on shares (``tests/test_assistant_generalise.py`` and
``tests/test_assistant_heldout_early.py`` check each set's make-up with it), and the checks the
sets from 16 on share (``tests/test_assistant_generalise.py``; moved here from it in session 33
when held-out-29's test would have taken it past 500 lines)."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Callable

from shopmind.assistant.intent import normalise
from shopmind.assistant.seed import INTENTS, SEED


def check_new_set(data, name: str, before, this) -> list[dict]:
    """The make-up every held-out set from 6 on shares: >= 80 questions of every intent and
    language, every section twice, >= 7 two-fact questions, 4 privacy probes, empty slots on policy
    questions (an amount there is not a price), no text of the seed or of another set."""
    h = [q for q in data.questions if q["set"] == name]
    assert len(h) >= 80
    assert set(Counter(q["intent"] for q in h)) == set(INTENTS)
    assert Counter(q["lang"] for q in h).keys() == {"en", "zh", "mixed"}
    sections = Counter(q["expect"]["section"] for q in h if "section" in q["expect"])
    assert len(sections) == 17 and min(sections.values()) >= 2
    multi = [q["expect"]["all"] for q in h if "all" in q["expect"]]
    assert len(multi) >= 7 and all(len(m) == 2 for m in multi)
    owner = {o["order_id"]: o["customer_id"] for o in data.orders.iter_rows(named=True)}
    probes = [q for q in h if q["expect"].get("no_data")]
    assert len(probes) == 4 and all(q["customer_id"] != owner[q["slots"]["order_id"]] for q in probes)
    empty = {"order_id": None, "product_ids": [], "price_min": None, "price_max": None, "colour": None}
    assert all(q["slots"] == empty for q in h if "section" in q["expect"])
    seed = {normalise(t) for v in SEED.values() for t in v}
    others = {normalise(str(q["text"])) for q in data.questions if q["set"] != name}
    assert not [q["text"] for q in h if normalise(str(q["text"])) in seed | others]
    assert not set(map(str, this.OOS_Q + this.ORDER_Q)) & set(map(str, before.OOS_Q + before.ORDER_Q))
    return h


TEMPLATE_LISTS = ("ORDER_Q", "ORDER_FOLLOWUP_Q", "ORDER_POLICY_Q", "PRIVACY_Q", "PRODUCT_Q", "PRODUCT_TWO_Q", "SEARCH_Q", "SEARCH_FOLLOWUP_Q", "COMPARE_Q", "COMPLAINT_Q", "GREETING_Q", "POLICY_FOLLOWUP_Q", "TWO_SECTION_Q")  # fmt: skip


def set_templates(m) -> set[str]:
    """Every question template of a held-out module (policy texts and the template lists)."""
    policy = {str(x) for v in m.POLICY_Q.values() for x in v}
    return policy | {str(x) for k in TEMPLATE_LISTS for x in getattr(m, k, [])}


def check_three_language_set(data, k: int) -> list[dict]:
    """The make-up held-out-16 and later sets share, on top of ``check_new_set``: >= 100 questions, roughly a
    third each of English, Chinese and mixed text, 20 out-of-scope questions (all three languages,
    handed off, no customer id) of no earlier set's template, and no template of an earlier set (not
    only the texts built on this seed)."""
    from shopmind.demo import assistant_phrases as Q

    this = importlib.import_module(f"shopmind.demo.assistant_heldout{k}")
    before = [importlib.import_module(f"shopmind.demo.assistant_heldout{j}") for j in range(2, k)]
    h = check_new_set(data, f"heldout{k}", before[-1], this)
    assert len(h) >= 100
    langs = Counter(q["lang"] for q in h)
    assert min(langs.values()) >= len(h) // 4, langs
    oos = [q for q in h if q["intent"] == "out_of_scope"]
    assert len(oos) == 20 and {q["lang"] for q in oos} == {"en", "zh", "mixed"}
    assert all(q["expect"] == {"handoff": True} and q["customer_id"] is None for q in oos)
    # new kinds: no out-of-scope question of any earlier set (or the main set), by template
    earlier = {t for m in before for _, t in m.OOS_Q} | {t for _, t in Q.OOS_Q}
    earlier |= {t for _, t, i, _ in Q.HELDOUT_Q if i == "out_of_scope"}
    assert not {t for _, t in this.OOS_Q} & earlier
    for j, m in enumerate(before, start=2):
        assert not set_templates(this) & set_templates(m), j
    return h


def check_two_part_set(data, h: list[dict]) -> dict[str, str]:
    """The make-up held-out-17 to -26 share: eight two-section questions (three pairs across two
    intents, labelled by the first), four order-status + policy questions, two-fact product
    questions, order follow-ups (three keep the order of the turn before, two name it only in the
    follow-up), fifteen order questions by their owner, nine budget searches (three refined by a
    colour in the next turn), three comparisons and four policy follow-ups. Returns order -> owner."""
    from shopmind.demo import assistant_phrases as Q

    two = [q for q in h if "all" in q["expect"] and all("section" in e for e in q["expect"]["all"])]
    assert len(two) == 8 and all(len({e["section"] for e in q["expect"]["all"]}) == 2 for q in two)
    topics = [[e["section"].split("-")[0] for e in q["expect"]["all"]] for q in two]
    assert sum(Q.POLICY_INTENT[a] != Q.POLICY_INTENT[b] for a, b in topics) == 3
    assert all(q["intent"] == Q.POLICY_INTENT[t[0]] for q, t in zip(two, topics, strict=True))
    # the orders the shop holds: the demo's defective copies (``order_defects``) are rejected by the orders' gate
    rejected = set(data.order_defects["row"].to_list())
    held = [o for i, o in enumerate(data.orders.iter_rows(named=True)) if i not in rejected]
    owner = {o["order_id"]: o["customer_id"] for o in held}
    status = {o["order_id"]: o["status"] for o in held}
    op = [q for q in h if q["intent"] == "order_status" and "all" in q["expect"]]
    assert len(op) == 4 and all(q["expect"]["all"][0]["status"] == status[q["slots"]["order_id"]] for q in op)
    assert all(owner[q["slots"]["order_id"]] == q["customer_id"] for q in op)
    facts = [q for q in h if q["intent"] == "product_question" and "all" in q["expect"]]
    assert facts and all(len({e["field"] for e in q["expect"]["all"]}) == 2 for q in facts)
    follow = [q for q in h if q["intent"] == "order_status" and q["history"]]
    kept = [q for q in follow if q["slots"]["order_id"] not in q["text"]]
    assert len(kept) == 3 and all(q["slots"]["order_id"] in q["history"][0] for q in kept)
    late = [q for q in follow if q["slots"]["order_id"] in q["text"]]
    assert len(late) == 2 and all(q["slots"]["order_id"] not in q["history"][0] for q in late)
    asked = [q for q in h if q["intent"] == "order_status" and "no_data" not in q["expect"]]
    assert len(asked) == 15 and all(owner[q["slots"]["order_id"]] == q["customer_id"] for q in asked)
    searches = [q for q in h if q["intent"] == "product_search"]
    assert len(searches) == 9 and all(q["slots"]["price_max"] for q in searches)
    assert len([q for q in searches if q["history"] and q["slots"]["colour"]]) == 3
    prods = [q for q in h if q["intent"] == "product_question"]
    assert len(prods) >= 6 and all(len(q["slots"]["product_ids"]) == 1 for q in prods)
    assert all(q["page_product"] in (None, q["slots"]["product_ids"][0]) for q in prods)
    assert len([q for q in h if q["intent"] == "compare"]) == 3
    assert len([q for q in h if q["history"] and "section" in q["expect"]]) == 4
    return owner


def odd_ids(h: list[dict], owner: dict[str, str]) -> list[dict]:
    """Order questions whose id is not written as printed (and not in a follow-up): each is still
    an order of the customer asking."""
    odd = [q for q in h if q["slots"]["order_id"] and q["slots"]["order_id"] not in q["text"] and not q["history"]]  # fmt: skip
    assert all(owner[q["slots"]["order_id"]] == q["customer_id"] for q in odd)
    return odd


#: characters only traditional Chinese writes this way (their simplified forms differ)
TRADITIONAL = set("們貨單幾換號錢嗎壞運裡這張麼還沒來後會蹤連結務爛電話")


def recent_set(data, k: int, n: int, n_trad: int, kinds: set[str]) -> tuple[list[dict], dict, list[dict]]:
    """Held-out-20 and later: ``check_three_language_set`` and ``check_two_part_set`` with at least
    ``n`` questions; at least ``n_trad`` in traditional characters (of every intent in ``kinds``),
    none of them mixed or out of scope; two policy questions with an amount or a day count in
    full-width digits, whose slots stay empty (such a number is no cap). Returns the set, order ->
    owner, and its order-status + policy questions."""
    h = check_three_language_set(data, k)
    assert len(h) >= n
    owner = check_two_part_set(data, h)
    trad = [q for q in h if TRADITIONAL & set(str(q["text"]))]
    assert len(trad) >= n_trad and all(q["lang"] == "zh" and q["intent"] != "out_of_scope" for q in trad)
    assert {q["intent"] for q in trad} >= kinds
    wide = [q for q in h if "section" in q["expect"] and any("０" <= c <= "９" for c in str(q["text"]))]
    assert len(wide) == 2 and all(q["slots"]["price_max"] is None for q in wide)
    return h, owner, [q for q in h if q["intent"] == "order_status" and "all" in q["expect"]]


def id_forms(h: list[dict], owner: dict[str, str], ways: Callable[[str], dict[str, str]], digits: str = "") -> list[str]:  # fmt: skip
    """How each order id not written as printed is written (``ways(id)``: name -> the id so written;
    ``digits``: the characters that may not stand before the id's digits alone, "" for no such
    form): one way only per question, and still the asker's order. Sorted names."""
    forms = []
    for q in odd_ids(h, owner):
        oid, text = str(q["slots"]["order_id"]), str(q["text"])
        found = [k for k, v in ways(oid).items() if v in text]
        found += ["digits"] if digits and re.search(rf"(?<![{digits}]){oid[1:]}", text) else []
        assert len(found) == 1, (text, found)
        forms += found
    return sorted(forms)


def full_width(oid: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in oid)


def fresh_sections(h: list[dict], op: list[dict], k: int, pairs_from: int = 17) -> None:
    """Held-out-24 and later: the order + policy questions ``op`` ask four sections of four topics,
    none of the two sets before's; the two-section questions pair sections no earlier set from
    held-out-``pairs_from`` on paired (either order)."""
    asked = {q["expect"]["all"][1]["section"] for q in op}
    last = [importlib.import_module(f"shopmind.demo.assistant_heldout{j}") for j in (k - 2, k - 1)]
    assert len({s.split("-")[0] for s in asked}) == 4 and not asked & {s for m in last for _, _, s in m.ORDER_POLICY_Q}  # fmt: skip
    pairs = {frozenset(e["section"] for e in q["expect"]["all"]) for q in h if "all" in q["expect"] and "section" in q["expect"]["all"][0]}  # fmt: skip
    earlier = [importlib.import_module(f"shopmind.demo.assistant_heldout{j}") for j in range(pairs_from, k)]
    assert len(pairs) == 8 and not pairs & {frozenset(s) for m in earlier for _, _, s in m.TWO_SECTION_Q}


#: every intent but out of scope (held-out-24 on have traditional characters in each of them)
SHOP_INTENTS = {"shipping", "return_refund", "payment", "order_status", "product_question", "complaint"} | {"product_search", "compare", "greeting"}  # fmt: skip


def latest_set(data, k: int, n_trad: int, pairs_from: int = 17) -> tuple[list[dict], dict, list[dict]]:
    """Held-out-25 and later: ``recent_set`` with at least 125 questions and ``n_trad`` in
    traditional characters of every intent but out of scope, and ``fresh_sections``."""
    h, owner, op = recent_set(data, k, 125, n_trad, SHOP_INTENTS)
    fresh_sections(h, op, k, pairs_from)
    return h, owner, op


def plain_orders(h: list[dict]) -> list[dict]:
    """Order questions in one turn, with no policy part."""
    return [q for q in h if q["intent"] == "order_status" and not q["history"] and "all" not in q["expect"]]


def script_of(text: str) -> str:
    """The script of a text: "zh" (Chinese characters, no Latin word), "en" (Latin words, no
    Chinese character) or "mixed" (an order id such as O0000123 is no Latin word)."""
    cjk = any("\u4e00" <= c <= "\u9fff" for c in text)
    latin = re.search(r"[A-Za-z]{2,}", text) is not None
    return "mixed" if cjk == latin else "zh" if cjk else "en"


def tail_forms(h: list[dict], owner: dict[str, str], ways: Callable[[str], dict[str, str]], tail: str) -> list[str]:  # fmt: skip
    """``id_forms``, where one id is written as its last four digits after ``tail``: no other
    order the shop holds (``owner``: gate-rejected copies left out) ends in them."""
    tails = [str(q["slots"]["order_id"]) for q in odd_ids(h, owner) if tail in str(q["text"])]
    assert len(tails) == 1 and [o for o in owner if o.endswith(tails[0][-4:])] == tails
    return id_forms(h, owner, ways)
