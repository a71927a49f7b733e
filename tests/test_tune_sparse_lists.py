"""``tune.sparse_lists.covisit_fusable`` against ``ranked_lists`` (the evaluator's lists) on real
Beauty users: the same items in the same order down to the cut, the same score in every slot,
masked (seen) items never listed. Skipped only when $SHOPMIND_DATA is absent."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shopmind.recommend.base import mask_seen
from shopmind.recommend.eval_steps import ranked_lists
from shopmind.tune import recs as tune_recs
from shopmind.tune.sparse_lists import covisit_fusable

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
BEAUTY = DATA / "amazon-beauty" / "Beauty.txt"


@pytest.fixture(scope="module")
def beauty_valid(tmp_path_factory: pytest.TempPathFactory) -> tune_recs.PhaseData:
    if not BEAUTY.exists():
        pytest.skip(f"{BEAUTY} not present")
    part = tmp_path_factory.mktemp("beauty") / "Beauty.txt"  # the first 3,000 users, same format
    part.write_text("".join(BEAUTY.read_text().splitlines(keepends=True)[:3000]))
    data = tune_recs.load("amazon-5core", part)
    return tune_recs.prepare(data.split.valid, data.split.items, data.categories)


@pytest.mark.parametrize(("window", "neighbours", "recent"), [(5, 100, 10), (2, 50, 3), (8, 200, 30)])
def test_covisit_fusable_matches_the_evaluator_lists(
    beauty_valid: tune_recs.PhaseData, window: int, neighbours: int, recent: int
) -> None:
    pd_ = beauty_valid
    params = {"window": window, "lag_decay": 0.8, "backward_weight": 0.5, "neighbours": neighbours,
              "recent": recent, "recency_decay": 0.7}  # fmt: skip
    gen = tune_recs.make_generator("covisit", params).fit(pd_.data)
    ref = ranked_lists(gen, pd_, 100)[1]
    got = covisit_fusable(gen, pd_, 100)
    assert got.shape == ref.shape == (len(pd_.rows), 100)
    assert ((got == -1) == (ref == -1)).all()  # the same number of listed items per user
    scores = gen.score(pd_.rows)
    assert pd_.mask is not None
    mask_seen(scores, pd_.mask)
    rows = np.arange(len(got))[:, None]
    listed = got >= 0
    got_s, ref_s = scores[rows, np.maximum(got, 0)], scores[rows, np.maximum(ref, 0)]
    assert (got_s[listed] > 0).all()  # never a masked (-inf) or zero-evidence item
    np.testing.assert_array_equal(got_s[listed], ref_s[listed])  # the same score in every slot
    # the same items, in the same order, wherever the last listed value is not tied with an item left out
    last = np.where(listed, got_s, np.inf).min(axis=1)
    above = (scores > 0) & (scores >= last[:, None])
    untied = above.sum(axis=1) == listed.sum(axis=1)
    assert untied.sum() > 100 and (~untied).sum() > 100  # both cases occur on these users
    np.testing.assert_array_equal(got[untied], ref[untied])
    # tied at the cut: identical down to the tied value; the tied slots hold the lowest item ids
    for r in np.flatnonzero(~untied)[:200]:
        head = got_s[r] > last[r]
        assert (got[r][head] == ref[r][head]).all()
        tied = np.flatnonzero(scores[r] == last[r])
        assert (got[r][got_s[r] == last[r]] == tied[: int((got_s[r] == last[r]).sum())]).all()
