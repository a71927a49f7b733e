"""What the assistant's round tests share: the seed-only assistant on the small shop of
test_assistant_context (what a served shop without labelled conversations builds), and its
switches restored after each test that flips them."""

from __future__ import annotations

from collections.abc import Iterator

from shopmind.assistant.core import Assistant
from shopmind.assistant.knowledge import load_policies
from shopmind.demo.policies import policy_files
from shopmind.search.engine import SearchConfig, SearchEngine
from test_assistant_context import ORDERS, PRODUCTS

#: the switches round 27 adopted (on in ``core.OPTIONS``, in no earlier round's reference): the
#: earlier rounds' reference tests leave them out
ADOPTED_27 = frozenset(
    {"refused_policy", "topic_passing", "order_when", "progress_words", "chat_words", "id_tail"}
)

#: the switches round 28 adopted (on in ``core.OPTIONS``, in no earlier round's reference)
ADOPTED_28 = frozenset({"id_split", "field_words", "ceiling_most", "news_word"})


def seed_assistant() -> Assistant:
    """The seed-only assistant: a lexical engine over the two products, the demo's policies."""
    engine = SearchEngine.build(PRODUCTS, None, SearchConfig(encoder=None, ltr="off"))
    return Assistant(engine, PRODUCTS, ORDERS, load_policies(texts=policy_files()))


def restored_switches(asst: Assistant) -> Iterator[dict[str, bool]]:
    """``asst.options`` for a test to flip (a fixture's body: ``yield from``), restored after it."""
    saved = dict(asst.options)
    yield asst.options
    asst.options.update(saved)


#: the switches round 29 kept (the lead's four defects, ``fix_ok``; in no earlier round's reference)
ADOPTED_29 = frozenset({"person_asked", "offer_yes", "have_search", "cheaper_kept"})

#: the switches round 30 kept (four by the rule, two defect fixes; in no earlier round's reference)
ADOPTED_30 = frozenset(
    {"party_service", "pay_amount", "search_amount", "id_digits", "person_plain", "cheaper_low"}
)
