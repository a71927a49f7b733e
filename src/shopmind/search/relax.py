"""When the constraints read from a query match nothing together: which of them to leave out.

Why: "red desk lamp under $40" on a shop without a red desk lamp used to be searched without all
three things it was read as (the colour, the category, the price cap), so a $63.99 white lamp
could come first. A shopper who wrote a budget and a product type wants desk lamps under $40,
and to be told there is no red one. So the engine leaves out as few constraints as it must: the
smallest set whose removal leaves a result; among sets of one size, the one whose most important
member matters least. What matters most is what the product is (its category), then the budget
(a price), then a brand, then an attribute such as a colour (a preference the shopper can see
on the results' facets). The caller's own filters are never left out; only what the parser read.

A search that runs out of tries (more constraints than ``MAX_TRIES`` subsets cover) leaves them
all out, as before: the set without any is always the last one tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import combinations
from typing import TypeVar

from shopmind.search.query import Constraint

#: how much a constraint of each kind matters to what the shopper asked for (higher: kept longer)
KEEP_RANK: dict[str, int] = {"attribute": 0, "brand": 1, "price": 2, "category": 3}
#: subsets tried before all constraints are left out (each try is one candidate search: a query
#: that matched nothing is rare, but its latency must stay bounded)
MAX_TRIES = 12

T = TypeVar("T")


def label(c: Constraint) -> str:
    """The constraint as a response names it ("under $40", "colour: red")."""
    return c.label or f"{c.kind}: {c.value}"


def drop_order(constraints: Sequence[Constraint]) -> Iterator[tuple[int, ...]]:
    """Index sets to leave out, in the order they are tried: fewest first, then the set whose most
    important member (``KEEP_RANK``) ranks lowest, then the next member, …; never the empty set,
    and the set of all of them last. At most ``MAX_TRIES`` sets, the last always being all."""
    n = len(constraints)
    if n == 0:
        return
    rank = [KEEP_RANK.get(c.kind, 0) for c in constraints]
    tried = 0
    for size in range(1, n):
        sets = sorted(
            combinations(range(n), size), key=lambda s: (sorted((rank[i] for i in s), reverse=True), s)
        )
        for s in sets:
            if tried >= MAX_TRIES - 1:
                yield tuple(range(n))
                return
            tried += 1
            yield s
    yield tuple(range(n))


def relax(
    constraints: Sequence[Constraint],
    attempt: Callable[[tuple[Constraint, ...]], T | None],
    found: Callable[[T], bool],
) -> tuple[T, tuple[Constraint, ...]]:
    """The first attempt, in ``drop_order``, that ``found`` results, with the constraints left out.

    ``attempt(kept)`` searches with the kept constraints, or returns ``None`` when nothing can pass
    their filters (no search is run); ``attempt(())`` must always search (the caller's own filters
    are then the answer, empty or not), and is what is returned when no set leaves a result."""
    for drop in drop_order(constraints):
        kept = tuple(c for i, c in enumerate(constraints) if i not in drop)
        got = attempt(kept)
        if got is not None and (found(got) or not kept):
            return got, tuple(constraints[i] for i in drop)
    raise ValueError("relax needs at least one constraint")
