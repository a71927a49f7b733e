"""The order in which understood constraints are left out when they match nothing together."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shopmind.search.query import Constraint
from shopmind.search.relax import KEEP_RANK, MAX_TRIES, drop_order, relax

KINDS = sorted(KEEP_RANK)


def _c(kind: str, value: str = "v") -> Constraint:
    return Constraint(kind=kind, key=kind, value=value, span=(0, 1), label=f"{kind}:{value}")  # type: ignore[arg-type]


def test_fewest_first_then_the_least_important() -> None:
    cs = [_c("category"), _c("price"), _c("attribute"), _c("brand")]
    order = list(drop_order(cs))
    # one at a time, attribute before brand before price before category
    assert [tuple(cs[i].kind for i in s) for s in order[:4]] == [
        ("attribute",),
        ("brand",),
        ("price",),
        ("category",),
    ]
    # then pairs, the pair without the category and the price first
    assert {cs[i].kind for i in order[4]} == {"attribute", "brand"}
    assert order[-1] == (0, 1, 2, 3) and len(order) <= MAX_TRIES


@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=7))
def test_every_order_is_bounded_distinct_and_ends_with_all(kinds: list[str]) -> None:
    cs = [_c(k, str(i)) for i, k in enumerate(kinds)]
    order = list(drop_order(cs))
    assert order[-1] == tuple(range(len(cs)))
    assert len(order) == len(set(order)) <= MAX_TRIES
    assert all(order) and [len(s) for s in order[:-1]] == sorted(len(s) for s in order[:-1])


def test_relax_returns_the_first_set_that_finds_something() -> None:
    cs = (_c("category"), _c("attribute", "red"))
    seen: list[tuple[str, ...]] = []

    def attempt(kept: tuple[Constraint, ...]) -> list[str] | None:
        seen.append(tuple(c.kind for c in kept))
        return ["hit"] if kept == (cs[0],) else []

    got, gone = relax(cs, attempt, bool)
    assert got == ["hit"] and gone == (cs[1],) and seen == [("category",)]
    # nothing found with any set: the search without them all is the answer, even empty
    got, gone = relax(cs, lambda kept: None if kept else [], bool)
    assert got == [] and gone == cs
