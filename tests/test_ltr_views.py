"""``LTREval`` trains only the views ``shopmind evaluate search`` asks for: each view has its own
out-of-fold models, and the rerank ones trained for a retrieval-only run doubled the LTR time on
QBQTC. Asking for fewer views must not change the figures of the views asked."""

from collections import Counter
from typing import Any

import numpy as np
import polars as pl
import pytest

from shopmind.search.evaluate import EvalData, evaluate, prepare
from shopmind.search.ltr import LTREval, LTRModel


def _toy() -> EvalData:
    """Two-word queries graded by how many of their words a title holds (0..2)."""
    rng = np.random.default_rng(7)
    words = ["oak", "steel", "lamp", "shoe", "desk", "sink", "tap", "cup"]
    titles = [" ".join(rng.choice(words, 3)) for _ in range(80)]
    prods = pl.DataFrame({"product_id": [f"p{i}" for i in range(80)], "title": titles})
    rows = [
        (f"{a} {b}", f"p{i}", float(a in t) + float(b in t))
        for a in words
        for b in words[:5]
        for i, t in enumerate(titles[:40])
    ]
    judged = pl.DataFrame(rows, schema=["query", "product_id", "relevance"], orient="row")
    return prepare(prods, judged, "toy", (0.0, 2.0))


def _run(
    data: EvalData, views: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> tuple[LTREval, dict, int]:
    """One evaluation; the number of LightGBM models fitted counted at ``LTRModel.fit``."""
    fitted = []
    real_fit = LTRModel.fit

    def counting_fit(self: LTRModel, *args: Any, **kwargs: Any) -> LTRModel:
        fitted.append(1)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(LTRModel, "fit", counting_fit)
    m = LTREval("bm25", num_rounds=15)
    out = evaluate(data, [m], views=views, progress=False)
    monkeypatch.setattr(LTRModel, "fit", real_fit)
    return m, out["methods"]["bm25+ltr"], len(fitted)


def _without_timings(x: Any) -> Any:
    """Figures only: wall-clock fields differ run to run."""
    if isinstance(x, dict):
        return {k: _without_timings(v) for k, v in x.items() if k not in ("seconds", "queries_per_second")}
    if isinstance(x, list):
        return [_without_timings(v) for v in x]
    return x


def test_only_the_asked_views_are_trained_and_their_figures_do_not_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _toy()
    one, res_one, fits_one = _run(data, ("retrieval",), monkeypatch)
    both, res_both, fits_both = _run(data, ("retrieval", "rerank"), monkeypatch)

    per_view = Counter(view for view, _fold in one.models)
    assert per_view == {"retrieval": 5} and fits_one == 5
    assert Counter(view for view, _fold in both.models) == {"retrieval": 5, "rerank": 5} and fits_both == 10
    assert {fi["view"] for fi in res_one["tuning"]["folds"]} == {"retrieval"}
    assert set(res_one["tuning"]["first_stage"]) == {"retrieval"} and set(res_one["views"]) == {"retrieval"}
    assert one.ranked["rerank"] == {}
    with pytest.raises(KeyError, match="re-rank candidates differ"):
        one.rerank(next(iter(data.qrels)), sorted(data.qrels[next(iter(data.qrels))]))

    # the retrieval view is the same whether or not rerank was trained beside it
    assert res_one["views"]["retrieval"]["ndcg@10"] > 0.5
    assert _without_timings(res_one["views"]["retrieval"]) == _without_timings(res_both["views"]["retrieval"])
    assert one.ranked["retrieval"] == both.ranked["retrieval"]
    retrieval_folds = [fi for fi in res_both["tuning"]["folds"] if fi["view"] == "retrieval"]
    assert _without_timings(res_one["tuning"]["folds"]) == _without_timings(retrieval_folds)
    assert res_one["tuning"]["first_stage"]["retrieval"] == res_both["tuning"]["first_stage"]["retrieval"]


def test_an_unknown_view_is_refused() -> None:
    m = LTREval("bm25", num_rounds=5)
    with pytest.raises(ValueError, match="unknown LTR views"):
        m.tune(_toy(), ["oak lamp"], views=("retrieval", "ranking"))
