"""The demo shop's labelled assistant questions: the main set and the held-out sets 1-30.

Split from ``demo.assistant`` (orders, policies, writing the files): the question builders and the
product helpers they draw from (which products the gate serves, unique titles, colour keys) are
one job. ``labelled_questions(rng, shop, orders, seed)`` is what ``assistant_data`` puts in
``AssistantData.questions``.

A labelled set of customer questions in English, Chinese and mixed text, each
with its intent, slots and the facts a correct answer must state (order status, policy
section, product price/stock/colour, products matching a search), plus privacy probes (an
order asked for by another customer) and out-of-scope questions, plus a small "heldout" set
written after the assistant was finished and never used to change it, plus "heldout2"
(``demo.assistant_heldout2``: every intent, orders by id, products, searches, comparisons;
drawn from its own random stream so the other sets do not change), committed before the
second round of intent/retrieval work and never used to tune it, plus "heldout3"
(``demo.assistant_heldout3``: paraphrases, typos, follow-ups, id formats, privacy probes; its own
random stream; committed before the third round), plus "heldout4" (``demo.assistant_heldout4``:
questions needing two facts, order follow-ups, shopper-style text; its own random stream;
committed before the fourth round), plus "heldout5" (``demo.assistant_heldout5``: the same kinds
of questions as held-out-4 in new words, stories before the question, amounts that are not price
slots; its own random stream; committed before the fifth round), plus "heldout6"
(``demo.assistant_heldout6``: the same kinds again in new words, a few in traditional Chinese
characters; its own random stream; committed before the sixth round), plus "heldout7"
(``demo.assistant_heldout7``: the same kinds in a shopper's everyday words, clock times and
amounts inside policy questions; its own random stream; committed before the seventh round), plus
"heldout8" (``demo.assistant_heldout8``: order conversations whose follow-up names the order as
"it", policy questions told as a small story, out-of-scope questions with a return / refund word
about goods the shop does not sell; its own random stream; committed before the eighth round), plus
"heldout9" (``demo.assistant_heldout9``: 20 out-of-scope questions, most about goods or services the
shop does not sell told with a refund / warranty / delivery word; its own random stream; committed
before the ninth round), plus "heldout10" (``demo.assistant_heldout10``: 22 out-of-scope questions about
services and topics the shop does not cover, warranty claims; its own random stream; committed before
the tenth round), plus "heldout11" (``demo.assistant_heldout11``: a third each of English, Chinese and
mixed text, 20 out-of-scope questions of new kinds — other shops' orders and policies, bank fees,
courier rates, health, sums — gift searches with a budget; its own random stream; committed before the
eleventh round), plus "heldout12" (``demo.assistant_heldout12``: a third each of English, Chinese and
mixed text, 20 out-of-scope questions of new kinds — deposits, wages, exams, lottery, pensions, public
holidays, AI tools — numbers that are not order ids; its own random stream; committed before the
twelfth round), plus "heldout13" (``demo.assistant_heldout13``: a third each of English, Chinese and
mixed text, 20 out-of-scope questions of new kinds — voting, recycling, blood donation, chess, a
wedding budget, baby food — order ids with a dash or as bare digits; its own random stream;
committed before the thirteenth round), plus "heldout14" (``demo.assistant_heldout14``: written
blind to the assistant's code; its own random stream; committed before the fourteenth round), plus
"heldout15" (``demo.assistant_heldout15``: written blind to the assistant's code; its own random
stream; committed before the fifteenth round), plus "heldout16" (``demo.assistant_heldout16``:
written blind to the assistant's code; its own random stream; committed before the sixteenth round),
plus "heldout17" (``demo.assistant_heldout17``: written blind to the assistant's code; its own random
stream; committed before the seventeenth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout18" (``demo.assistant_heldout18``: written blind to the assistant's code; its own random
stream; committed before the eighteenth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout19" (``demo.assistant_heldout19``: written blind to the assistant's code; its own random
stream; committed before the nineteenth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout20" (``demo.assistant_heldout20``: written blind to the assistant's code; its own random
stream; committed before the twentieth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout21" (``demo.assistant_heldout21``: written blind to the assistant's code; its own random
stream; committed before the twenty-first round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout22" (``demo.assistant_heldout22``: written blind to the assistant's code; its own random
stream; committed before the twenty-second round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout23" (``demo.assistant_heldout23``: written blind to the assistant's code; its own random
stream; committed before the twenty-third round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout24" (``demo.assistant_heldout24``: written blind to the assistant's code; its own random
stream; committed before the twenty-fourth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout25" (``demo.assistant_heldout25``: written blind to the assistant's code; its own random
stream; committed before the twenty-fifth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout26" (``demo.assistant_heldout26``: written blind to the assistant's code; its own random
stream; committed before the twenty-sixth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout27" (``demo.assistant_heldout27``: written blind to the assistant's code; its own random
stream; committed before the twenty-seventh round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout28" (``demo.assistant_heldout28``: written blind to the assistant's code; its own random
stream; committed before the twenty-eighth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout29" (``demo.assistant_heldout29``: written blind to the assistant's code; its own random
stream; committed before the twenty-ninth round; a test set, not one of ``evaluate.LABELLED_SETS``),
plus "heldout30" (``demo.assistant_heldout30``: written blind to the assistant's code; its own random
stream; committed before the thirtieth round; a test set, not one of ``evaluate.LABELLED_SETS``).
The phrasings here are
written separately from the assistant's training seed (``assistant.seed``); a test checks
that no labelled question is a seed utterance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import polars as pl

from shopmind.demo import assistant_heldout2 as H
from shopmind.demo import assistant_heldout3 as H3
from shopmind.demo import assistant_heldout4 as H4
from shopmind.demo import assistant_heldout5 as H5
from shopmind.demo import assistant_heldout6 as H6
from shopmind.demo import assistant_heldout7 as H7
from shopmind.demo import assistant_heldout8 as H8
from shopmind.demo import assistant_heldout9 as H9
from shopmind.demo import assistant_heldout10 as H10
from shopmind.demo import assistant_heldout11 as H11
from shopmind.demo import assistant_heldout12 as H12
from shopmind.demo import assistant_heldout13 as H13
from shopmind.demo import assistant_heldout14 as H14
from shopmind.demo import assistant_heldout15 as H15
from shopmind.demo import assistant_heldout16 as H16
from shopmind.demo import assistant_heldout17 as H17
from shopmind.demo import assistant_heldout18 as H18
from shopmind.demo import assistant_heldout19 as H19
from shopmind.demo import assistant_heldout20 as H20
from shopmind.demo import assistant_heldout21 as H21
from shopmind.demo import assistant_heldout22 as H22
from shopmind.demo import assistant_heldout23 as H23
from shopmind.demo import assistant_heldout24 as H24
from shopmind.demo import assistant_heldout25 as H25
from shopmind.demo import assistant_heldout26 as H26
from shopmind.demo import assistant_heldout27 as H27
from shopmind.demo import assistant_heldout28 as H28
from shopmind.demo import assistant_heldout29 as H29
from shopmind.demo import assistant_heldout30 as H30
from shopmind.demo import assistant_phrases as Q
from shopmind.demo import vocab as V
from shopmind.demo.generator import DemoShop

#: Text defects the gate repairs: such a product is served (with repaired text), so it belongs
#: to the products a search may correctly suggest, but is never asked for by its broken title.
_REPAIRED = ("TEXT_MOJIBAKE", "TEXT_HTML", "TEXT_T2S")


def _usable_products(shop: DemoShop, repaired: bool) -> pl.DataFrame:
    """Products the gate serves: without any defect row, or (``repaired``) also text-repaired."""
    d = shop.defects.filter(pl.col("table") == "products")
    if repaired:
        d = d.filter(~pl.col("code").is_in(_REPAIRED))
    p = shop.batch.products.filter(~pl.col("_row").is_in(d["row"].implode()))
    return p.filter(pl.col("price") > 0)


def _unique_titles(p: pl.DataFrame) -> pl.DataFrame:
    """Products whose title no other product has (a shopper can name them unambiguously)."""
    dup = p.group_by(pl.col("title").str.to_lowercase()).len().filter(pl.col("len") > 1)["title"]
    return p.filter(~pl.col("title").str.to_lowercase().is_in(dup.implode()))


def _attr(row: dict, keys: tuple[str, ...]) -> str | None:
    for a in row.get("attributes") or []:
        if a["key"] in keys:
            return a["value"]
    return None


_COLOUR_ZH = {zh: key for key, (_, zh, _) in V.COLOURS.items()}


def _colour_key(row: dict) -> str | None:
    v = _attr(row, ("colour", "颜色"))
    return None if v is None else _COLOUR_ZH.get(v, v)


def labelled_questions(
    rng: np.random.Generator,
    shop: DemoShop,
    orders: pl.DataFrame,
    seed: int,
    extra: Sequence[tuple[str, object]] = (),
) -> list[dict[str, object]]:
    """Every labelled question (see the module docstring) for the clean ``orders``; ``rng`` is
    the main set's stream (continued from the order defects' draws), each held-out set from 2 on
    draws from its own stream ``[seed, 13, k]``. ``extra``: (set name, lists in a held-out module's
    layout) read from files (``demo.assistant_question_file``), filled the same way after the
    built-in sets, the k-th from its own stream ``[seed, 13, 1000 + k]`` (the built-in sets are
    unchanged by them)."""
    qs: list[dict[str, object]] = []

    def add(lang: str, text: str, intent: str, slots: dict, expect: dict, **kw: object) -> None:
        full = {"order_id": None, "product_ids": [], "price_min": None, "price_max": None, "colour": None}
        full.update(slots)
        qs.append({"id": f"q{len(qs) + 1:03d}", "lang": lang, "text": text, "intent": intent, "slots": full, "expect": expect, "customer_id": kw.get("customer_id"), "page_product": kw.get("page_product"), "history": kw.get("history", [])})  # fmt: skip

    # orders: each template with a different order, its customer asking; then privacy probes
    pick = rng.choice(orders.height, size=min(orders.height, len(Q.ORDER_Q) + 4), replace=False)
    _order_questions(add, orders, Q.ORDER_Q, pick)
    for j, i in enumerate(pick[len(Q.ORDER_Q) :]):
        o = orders.row(int(i), named=True)
        others = orders.filter(pl.col("customer_id") != o["customer_id"])["customer_id"]
        if others.is_empty():
            continue
        other = others[j % len(others)]
        lang, tpl = Q.ORDER_Q[j * 2 % len(Q.ORDER_Q)]
        who = other if j % 2 == 0 else None
        add(lang, tpl.format(o=o["order_id"]), "order_status", {"order_id": o["order_id"]}, {"no_data": True}, customer_id=who)  # fmt: skip
    _policy_questions(add, Q.POLICY_Q)
    prods = _usable_products(shop, repaired=True)
    _product_questions(add, rng, shop, Q.PRODUCT_Q * 2)
    _search_questions(add, rng, prods, Q.SEARCH_Q * 3)
    # multi-turn: a follow-up keeps the product search and adds a colour
    for lang, first, follow, col in (("en", "show me maxi dresses under $150", "and in red?", "red"), ("zh", "有没有500元以下的长款连衣裙", "黑色的呢？", "black"), ("en", "any sneakers under $120?", "what about white ones?", "white")):  # fmt: skip
        leaf = next(lf for lf in V.LEAVES if lf.query_en in first or lf.query_zh in first)
        path = f"{V.MIDS[leaf.mid][0]} > {leaf.mid} > {leaf.name}"
        cap = float(first.split("$")[1].split()[0].rstrip("?")) if "$" in first else 500.0
        cur = "USD" if "$" in first else "CNY"
        m = prods.filter(pl.col("category_path") == path, pl.col("currency") == cur, pl.col("price") <= cap)
        m = m.filter(pl.Series([_colour_key(r) == col for r in m.iter_rows(named=True)], dtype=pl.Boolean))
        add(lang, follow, "product_search", {"price_max": cap, "colour": col}, {"matches": sorted(m["product_id"]), "category": path}, history=[first])  # fmt: skip
    # compare two products by id
    _compare_questions(add, rng, prods, [t for t in (("en", "which is cheaper, {a} or {b}?"), ("zh", "{a}和{b}哪个更便宜"), ("mixed", "compare 一下 {a} 和 {b}")) for t in (t, t)])  # fmt: skip
    _canned_questions(add, Q.COMPLAINT_Q, Q.GREETING_Q, Q.OOS_Q)
    for q in qs:
        q["set"] = "main"
    for lang, text, intent, section in Q.HELDOUT_Q:
        expect = (
            {"section": section}
            if section
            else {"handoff": True}
            if intent in ("out_of_scope", "complaint")
            else {}
        )
        add(lang, text, intent, {}, expect)
        qs[-1]["set"] = "heldout"
    # held-out 2: its own random stream, so the sets above are unchanged by it
    n = len(qs)
    rng2 = np.random.default_rng(np.random.SeedSequence([seed, 13, 2]))
    pick2 = rng2.choice(orders.height, size=min(orders.height, len(H.ORDER_Q)), replace=False)
    _order_questions(add, orders, H.ORDER_Q, pick2)
    _policy_questions(add, H.POLICY_Q)
    _product_questions(add, rng2, shop, H.PRODUCT_Q)
    _search_questions(add, rng2, prods, H.SEARCH_Q)
    _compare_questions(add, rng2, prods, H.COMPARE_Q)
    _canned_questions(add, H.COMPLAINT_Q, H.GREETING_Q, H.OOS_Q)
    for q in qs[n:]:
        q["set"] = "heldout2"
    n = len(qs)
    _heldout3(add, np.random.default_rng(np.random.SeedSequence([seed, 13, 3])), shop, orders, prods)
    for q in qs[n:]:
        q["set"] = "heldout3"
    # held-out 4 to 30: one builder, each set from its own stream ``[seed, 13, k]``, drawn in this order
    for k, sets in enumerate((H4, H5, H6, H7, H8, H9, H10, H11, H12, H13, H14, H15, H16, H17, H18, H19, H20, H21, H22, H23, H24, H25, H26, H27, H28, H29, H30), start=4):  # fmt: skip
        n = len(qs)
        _heldout4(
            add, np.random.default_rng(np.random.SeedSequence([seed, 13, k])), shop, orders, prods, sets
        )
        for q in qs[n:]:
            q["set"] = f"heldout{k}"
    for k, (name, lists) in enumerate(extra):
        n = len(qs)
        rng_k = np.random.default_rng(np.random.SeedSequence([seed, 13, 1000 + k]))
        _heldout4(add, rng_k, shop, orders, prods, lists)  # type: ignore[arg-type]
        for q in qs[n:]:
            q["set"] = name
    return qs


def _heldout4(add: Callable[..., None], rng: np.random.Generator, shop: DemoShop, orders: pl.DataFrame, prods: pl.DataFrame, sets: ModuleType = H4) -> None:  # fmt: skip
    """Held-out set 4 (``demo.assistant_heldout4``), drawn from its own random stream ``rng``; or
    held-out set 5 to 30 (``sets=demo.assistant_heldout5`` / ... / ``30``: the same kinds of questions, each
    its own stream).
    A question needing two facts is labelled ``{"all": [expect, expect]}``."""
    n_ord = len(sets.ORDER_Q) + len(sets.ORDER_FOLLOWUP_Q) + len(sets.ORDER_POLICY_Q)
    pick = rng.choice(orders.height, size=min(orders.height, n_ord + len(sets.PRIVACY_Q)), replace=False)
    _order_questions(add, orders, sets.ORDER_Q, pick[: len(sets.ORDER_Q)])
    rows = [orders.row(int(i), named=True) for i in pick[len(sets.ORDER_Q) : n_ord]]
    for (lang, history, tpl), o in zip(sets.ORDER_FOLLOWUP_Q, rows, strict=False):
        add(lang, tpl.format(o=o["order_id"]), "order_status", {"order_id": o["order_id"]}, {"order_id": o["order_id"], "status": o["status"]}, customer_id=o["customer_id"], history=[h.format(o=o["order_id"]) for h in history])  # fmt: skip
    for (lang, tpl, section), o in zip(sets.ORDER_POLICY_Q, rows[len(sets.ORDER_FOLLOWUP_Q) :], strict=False):
        add(lang, tpl.format(o=o["order_id"]), "order_status", {"order_id": o["order_id"]}, {"all": [{"order_id": o["order_id"], "status": o["status"]}, {"section": section}]}, customer_id=o["customer_id"])  # fmt: skip
    _privacy_probes(add, rng, orders, sets.PRIVACY_Q, pick[n_ord:])
    _policy_questions(add, sets.POLICY_Q)
    for lang, history, text, section in sets.POLICY_FOLLOWUP_Q:
        add(lang, text, Q.POLICY_INTENT[section.split("-")[0]], {}, {"section": section}, history=history)
    for lang, text, sections in sets.TWO_SECTION_Q:
        add(lang, text, Q.POLICY_INTENT[sections[0].split("-")[0]], {}, {"all": [{"section": s} for s in sections]})  # fmt: skip
    _product_questions(add, rng, shop, sets.PRODUCT_Q + sets.PRODUCT_TWO_Q)
    _search_questions(add, rng, prods, sets.SEARCH_Q)
    _search_followups(add, rng, prods, sets.SEARCH_FOLLOWUP_Q)
    _compare_questions(add, rng, prods, sets.COMPARE_Q)
    _canned_questions(add, sets.COMPLAINT_Q, sets.GREETING_Q, sets.OOS_Q)


def _heldout3(add: Callable[..., None], rng: np.random.Generator, shop: DemoShop, orders: pl.DataFrame, prods: pl.DataFrame) -> None:  # fmt: skip
    """Held-out set 3 (``demo.assistant_heldout3``), drawn from its own random stream ``rng``."""
    pick = rng.choice(orders.height, size=min(orders.height, len(H3.ORDER_Q) + len(H3.ORDER_FOLLOWUP_Q) + len(H3.PRIVACY_Q)), replace=False)  # fmt: skip
    _order_questions(add, orders, H3.ORDER_Q, pick[: len(H3.ORDER_Q)])
    for (lang, history, tpl), i in zip(H3.ORDER_FOLLOWUP_Q, pick[len(H3.ORDER_Q) :], strict=False):
        o = orders.row(int(i), named=True)
        add(lang, tpl.format(o=o["order_id"]), "order_status", {"order_id": o["order_id"]}, {"order_id": o["order_id"], "status": o["status"]}, customer_id=o["customer_id"], history=history)  # fmt: skip
    _privacy_probes(add, rng, orders, H3.PRIVACY_Q, pick[len(H3.ORDER_Q) + len(H3.ORDER_FOLLOWUP_Q) :])
    _policy_questions(add, H3.POLICY_Q)
    for lang, history, text, section in H3.POLICY_FOLLOWUP_Q:
        add(lang, text, Q.POLICY_INTENT[section.split("-")[0]], {}, {"section": section}, history=history)
    _product_questions(add, rng, shop, H3.PRODUCT_Q)
    _search_questions(add, rng, prods, H3.SEARCH_Q)
    _search_followups(add, rng, prods, H3.SEARCH_FOLLOWUP_Q)
    _compare_questions(add, rng, prods, H3.COMPARE_Q)
    _canned_questions(add, H3.COMPLAINT_Q, H3.GREETING_Q, H3.OOS_Q)


def _privacy_probes(add: Callable[..., None], rng: np.random.Generator, orders: pl.DataFrame, templates: list[tuple[str, str]], pick: np.ndarray) -> None:  # fmt: skip
    """Someone else's order: asked with another customer's id (even positions) or with none."""
    for j, ((lang, tpl), i) in enumerate(zip(templates, pick, strict=False)):
        o = orders.row(int(i), named=True)
        others = orders.filter(pl.col("customer_id") != o["customer_id"])["customer_id"]
        who = others[int(rng.integers(len(others)))] if j % 2 == 0 and not others.is_empty() else None
        add(lang, tpl.format(o=o["order_id"]), "order_status", {"order_id": o["order_id"]}, {"no_data": True}, customer_id=who)  # fmt: skip


def _search_followups(add: Callable[..., None], rng: np.random.Generator, prods: pl.DataFrame, templates: list[tuple[str, str, str]]) -> None:  # fmt: skip
    """A price-capped search, then a colour in the next turn: the matches keep cap and category."""
    for lang, first, follow in templates:
        c = _search_case(rng, prods, first, with_colour=True)
        add(lang, follow.format(**c.fields), "product_search", {"price_max": float(c.cap), "colour": c.colour}, {"matches": c.matches, "category": c.path}, history=[first.format(**c.fields)])  # fmt: skip


def _order_questions(add: Callable[..., None], orders: pl.DataFrame, templates: list[tuple[str, str]], pick: np.ndarray) -> None:  # fmt: skip
    """Each template with a different order (``pick``), asked by that order's customer; the id as
    printed (``{o}``), in lower case (``{ol}``), with a dash after its letter (``{od}``), as its
    digits alone (``{on}``) or in full-width characters (``{ow}``, as a Chinese input method types
    it), the ways shoppers write it."""
    for (lang, tpl), i in zip(templates, pick, strict=False):
        o = orders.row(int(i), named=True)
        oid = o["order_id"]
        wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in oid)
        text = tpl.format(o=oid, ol=oid.lower(), od=f"{oid[:1]}-{oid[1:]}", on=oid[1:], ow=wide)
        add(lang, text, "order_status", {"order_id": o["order_id"]}, {"order_id": o["order_id"], "status": o["status"]}, customer_id=o["customer_id"])  # fmt: skip


def _policy_questions(add: Callable[..., None], by_section: dict[str, list[tuple[str, str]]]) -> None:
    for section, items in by_section.items():
        intent = Q.POLICY_INTENT[section.split("-")[0]]
        for lang, text in items:
            add(lang, text, intent, {}, {"section": section})


def _product_questions(add: Callable[..., None], rng: np.random.Generator, shop: DemoShop, templates: list) -> None:  # fmt: skip
    """Price/stock/colour of a product on its page or named by its (unique) title."""
    named = _unique_titles(_usable_products(shop, repaired=False))
    sample = named.sample(n=min(named.height, len(templates)), seed=int(rng.integers(1 << 30)))
    for k, (lang, field, tpl, ctx) in enumerate(templates[: sample.height]):
        r = sample.row(k, named=True)
        if (lang == "en") == (r["language"] == "zh") and not ctx:
            continue  # ask for a product by name in the language of its title
        known = {"price": f"{r['price']:.2f}", "stock": str(r["stock"]), "colour": _colour_key(r)}
        fields = field if isinstance(field, tuple) else (field,)  # a tuple: every one must be stated
        if any(known[f] is None for f in fields):
            continue
        each = [{"product_id": r["product_id"], "field": f, "value": known[f]} for f in fields]
        text = tpl.format(t=r["title"])
        add(lang, text, "product_question", {"product_ids": [r["product_id"]]}, each[0] if len(each) == 1 else {"all": each}, page_product=r["product_id"] if ctx else None)  # fmt: skip


@dataclass
class _SearchCase:
    """A random leaf category, colour and price cap, and the products a search for them must find."""

    fields: dict[str, object]
    cap: int
    colour: str | None
    path: str
    matches: list[str]


def _search_case(rng: np.random.Generator, prods: pl.DataFrame, tpl: str, with_colour: bool) -> _SearchCase:
    """Draw a leaf and a colour (two draws of ``rng``, always), the cap from the leaf's price and
    the template's currency ($/dollars: USD, else CNY); matches filtered by colour if ``with_colour``."""
    leaves = [lf for lf in V.LEAVES if lf.colours and " " not in lf.query_zh]
    leaf = leaves[int(rng.integers(len(leaves)))]
    col = leaf.colours[int(rng.integers(len(leaf.colours)))]
    cur = "USD" if "$" in tpl or "dollars" in tpl else "CNY"
    cap = int(round(leaf.price_usd * (1.5 if cur == "USD" else 1.5 * V.CNY_PER_USD), -1))
    fields = {"col": V.COLOURS[col][0].lower(), "colzh": V.COLOURS[col][1], "c": leaf.query_en, "czh": leaf.query_zh, "p": cap}  # fmt: skip
    path = f"{V.MIDS[leaf.mid][0]} > {leaf.mid} > {leaf.name}"
    m = prods.filter(pl.col("category_path") == path, pl.col("currency") == cur, pl.col("price") <= cap)
    if with_colour:
        m = m.filter(pl.Series([_colour_key(r) == col for r in m.iter_rows(named=True)], dtype=pl.Boolean))
    return _SearchCase(fields, cap, col if with_colour else None, path, sorted(m["product_id"]))


def _search_questions(add: Callable[..., None], rng: np.random.Generator, prods: pl.DataFrame, templates: list[tuple[str, str]]) -> None:  # fmt: skip
    """Product search with a price cap (and colour); ground truth = every matching product."""
    for lang, tpl in templates:
        c = _search_case(rng, prods, tpl, with_colour="{col" in tpl)
        add(lang, tpl.format(**c.fields), "product_search", {"price_max": float(c.cap), "colour": c.colour}, {"matches": c.matches, "category": c.path})  # fmt: skip


def _compare_questions(add: Callable[..., None], rng: np.random.Generator, prods: pl.DataFrame, templates: list[tuple[str, str]]) -> None:  # fmt: skip
    """Two random products of one currency (en: USD, else CNY), the dearer named first."""
    for lang, tpl in templates:
        cur = "USD" if lang == "en" else "CNY"
        pool = prods.filter(pl.col("currency") == cur)
        if pool.height < 2:
            continue
        two = pool.sample(n=2, seed=int(rng.integers(1 << 30))).sort("price")
        a, b = two.row(0, named=True), two.row(1, named=True)
        if a["price"] == b["price"]:
            continue
        add(lang, tpl.format(a=b["product_id"], b=a["product_id"]), "compare", {"product_ids": sorted([a["product_id"], b["product_id"]])}, {"cheaper": a["product_id"], "products": sorted([a["product_id"], b["product_id"]])})  # fmt: skip


def _canned_questions(add: Callable[..., None], complaints: list, greetings: list, oos: list) -> None:
    for lang, text in complaints:
        add(lang, text, "complaint", {}, {"handoff": True})
    for lang, text in greetings:
        add(lang, text, "greeting", {}, {})
    for lang, text in oos:
        add(lang, text, "out_of_scope", {}, {"handoff": True})
