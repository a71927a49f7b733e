"""What every held-out assistant set from 6 on shares (``tests/test_assistant_generalise.py`` and
``tests/test_assistant_heldout_early.py`` check each set's make-up with it)."""

from __future__ import annotations

from collections import Counter

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
