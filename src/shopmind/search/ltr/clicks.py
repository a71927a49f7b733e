"""Graded labels from search click logs, and a model trained on them.

- ``click_labels``: graded labels from search sessions (purchase > cart > click > shown).
- ``train_from_clicks``: an ``LTRModel`` over the engine's candidates with those labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shopmind.search.ltr.features import FeatureExtractor, normalise_query
from shopmind.search.ltr.model import DEFAULT_ROUNDS, LTRModel

if TYPE_CHECKING:
    from shopmind.search.query import Understood

#: Label of an interaction with a product shown for a search (shown-not-clicked = 0).
CLICK_GRADES = {"click": 1, "add_to_cart": 2, "purchase": 3}
#: Event columns ``click_labels`` reads.
CLICK_COLUMNS = frozenset({"session_id", "type", "timestamp", "item_id", "query"})


def click_labels(events: pl.DataFrame) -> pl.DataFrame:
    """Graded (query, product_id, label) from search sessions.

    A ``search`` event (with a ``query``) starts a result page in its session; ``click``
    events that follow it in the session (before the next search) are clicks on its results;
    a later ``add_to_cart``/``purchase`` of a clicked product in the same session upgrades
    that product's label (purchase 3 > cart 2 > click 1). ``impression`` events (if the log
    has them) after a search are shown products: label 0 unless clicked. Labels are per
    (normalised query, product): the maximum over sessions, with ``sessions`` counted.
    """
    need = set(CLICK_COLUMNS)
    if not need <= set(events.columns):
        raise ValueError(f"events need columns {sorted(need)}")
    ev = (
        events.select(*need)
        .filter(pl.col("session_id").is_not_null())
        .with_row_index("_i")
        .sort("session_id", "timestamp", "_i")
    )
    is_search = (pl.col("type") == "search") & pl.col("query").is_not_null()
    ev = ev.with_columns(
        pl.when(is_search)
        .then(pl.col("_i"))
        .otherwise(None)
        .forward_fill()
        .over("session_id")
        .alias("_search"),
        pl.when(is_search)
        .then(pl.col("query"))
        .otherwise(None)
        .forward_fill()
        .over("session_id")
        .alias("_q"),
    ).filter(pl.col("_search").is_not_null() & pl.col("item_id").is_not_null())
    shown = ev.filter(pl.col("type").is_in(["impression", "click"])).select(
        "session_id", "_search", "_q", "item_id", (pl.col("type") == "click").alias("_clicked")
    )
    shown = shown.group_by("session_id", "_search", "_q", "item_id").agg(pl.col("_clicked").any())
    # carts/purchases of a clicked product anywhere later in the session count for its search
    later = (
        ev.filter(pl.col("type").is_in(["add_to_cart", "purchase"]))
        .group_by("session_id", "item_id")
        .agg(pl.col("type").replace_strict(CLICK_GRADES, return_dtype=pl.Int32).max().alias("_after"))
    )
    lab = shown.join(later, on=["session_id", "item_id"], how="left").with_columns(
        pl.when(pl.col("_clicked"))
        .then(pl.max_horizontal(pl.lit(1, pl.Int32), pl.col("_after").fill_null(1)))
        .otherwise(0)
        .alias("label")
    )
    lab = lab.with_columns(pl.col("_q").map_elements(normalise_query, return_dtype=pl.Utf8).alias("query"))
    return (
        lab.group_by("query", pl.col("item_id").alias("product_id"))
        .agg(pl.col("label").max().cast(pl.Int32), pl.len().alias("sessions"))
        .sort("query", "product_id")
    )


def train_from_clicks(
    extractor: FeatureExtractor,
    events: pl.DataFrame,
    retrieve: Callable[[str], Sequence[str]],
    qvec: Callable[[str], np.ndarray | None] | None = None,
    num_rounds: int = DEFAULT_ROUNDS,
    params: Mapping[str, Any] | None = None,
    understand: Callable[[str], Understood | None] | None = None,
    labels: pl.DataFrame | None = None,
) -> LTRModel:
    """An ``LTRModel`` from click logs: per logged query, the candidates the engine retrieves
    (``retrieve(query)``, the products it would show) plus every product interacted with;
    labels from ``click_labels`` (non-interacted candidates = 0). When the log has no
    impressions, "shown" is approximated by the engine's own candidates. ``understand``
    gives the query's ``Understood`` (as the engine passes it when serving); ``labels``
    (``click_labels`` output, e.g. a training subset of queries) replaces the events."""
    labels = click_labels(events) if labels is None else labels
    X_parts, y_parts, groups = [], [], []
    for (q,), frame in labels.group_by("query", maintain_order=True):
        got = dict(zip(frame["product_id"].to_list(), frame["label"].to_list(), strict=True))
        cands = list(dict.fromkeys([*retrieve(str(q)), *got]))
        cands = [c for c, k in zip(cands, extractor.known(cands), strict=True) if k]
        y = np.array([got.get(c, 0) for c in cands], dtype=np.int32)
        if len(cands) < 2 or y.max() == 0:
            continue
        u = understand(str(q)) if understand else None
        X_parts.append(extractor.features(str(q), cands, qvec(str(q)) if qvec else None, u))
        y_parts.append(y)
        groups.append(len(cands))
    if not groups:
        raise ValueError("no search session with a click on a known product: nothing to learn from")
    model = LTRModel(params, num_rounds, levels=max(CLICK_GRADES.values()))
    return model.fit(np.vstack(X_parts), np.concatenate(y_parts), groups)
