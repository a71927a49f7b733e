"""One way to make a search method ready to be scored, shared by the benches that score methods
outside ``shopmind evaluate`` (so they fit, prepare and tune exactly as the evaluation does).

Why a bench module: ``search.evaluate.evaluate`` does the same three steps inline while it times
them and records the tuning report; the benches only need the ready method.
"""

from __future__ import annotations

import inspect
from typing import Any


def ready_method(method: Any, data: Any, queries: list[str], views: tuple[str, ...] | None = None) -> Any:
    """Fit ``method`` on ``data.products``, encode the queries ahead where it can, and tune it on
    ``queries`` (per view where its ``tune`` takes views); returns the tuning report or None."""
    method.fit(data.products)
    prep = getattr(method, "prepare_queries", None)
    if prep is not None:
        prep(queries)
    tune = getattr(method, "tune", None)
    if tune is None:
        return None
    if views is not None and "views" in inspect.signature(tune).parameters:
        return tune(data, queries, views=views)
    return tune(data, queries)
