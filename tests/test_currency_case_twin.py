"""The API's currency upper-casing is the twin of the gate's ``CURRENCY_CASE`` repair.

An event posted live and the same event in a batch must meet the same rule: ``usd`` becomes
``USD`` on both doors, ``XYZ``/``eurо`` (a Cyrillic letter) on neither. The gate's rule is SQL
text (run here through Polars, its default engine); the API's is Python: one property pins them.
"""

from __future__ import annotations

import polars as pl
from hypothesis import example, given
from hypothesis import strategies as st

from shopmind.config import ISO_4217
from shopmind.quality.checks import _currency_case as gate_rule
from shopmind.quality.checks import sql_list
from shopmind.serve.schemas import _currency_case as api_rule

REPAIR = gate_rule(sql_list(sorted(ISO_4217)))

codes = st.sampled_from(sorted(ISO_4217))
cased = codes.flatmap(lambda c: st.tuples(*(st.sampled_from([ch, ch.lower()]) for ch in c)).map("".join))
anything = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=5)


def gate_value(text: str) -> str:
    """What the gate's repair leaves in a currency cell holding ``text`` (coercion strips first)."""
    frame = pl.DataFrame({"currency": [text.strip()]})
    mask = frame.select(pl.sql_expr(REPAIR.when).fill_null(False)).item()
    return frame.select(pl.sql_expr(REPAIR.value)).item() if mask else text.strip()


@given(st.one_of(cased, anything, codes.map(lambda c: f" {c.lower()} ")))
@example("usd")
@example("Eur")
@example("xyz")
@example("eur\u043e")  # a Cyrillic letter looks Latin
@example("ｕｓｄ")  # full-width letters: not ASCII
def test_the_api_and_the_gate_upper_case_the_same_currencies(text: str) -> None:
    api = api_rule(text)
    assert (api if isinstance(api, str) else text).strip() == gate_value(text)
