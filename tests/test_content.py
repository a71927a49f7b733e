"""Content neighbours: exact top-N lists, bilingual sanity with the bundled encoder, cache."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.recommend.content import ContentIndex, item_text, make_encoder, top_neighbours
from shopmind.search.dense import l2_normalise


def test_top_neighbours_match_brute_force_and_skip_self_and_empty_rows() -> None:
    rng = np.random.default_rng(0)
    v = l2_normalise(rng.normal(size=(70, 8)))
    v[5] = 0.0
    idx, val = top_neighbours(v, 6, block=16)
    sims = v @ v.T
    for i in range(70):
        if i == 5:
            assert (idx[i] == -1).all()
            continue
        s = sims[i].copy()
        s[[i, 5]] = -np.inf
        expected = np.argsort(-s, kind="stable")[:6]
        assert idx[i].tolist() == expected.tolist()
        np.testing.assert_allclose(val[i], s[expected], rtol=1e-5)
        assert 5 not in idx[i]


def test_top_neighbours_of_a_catalog_wider_than_the_chunk_bound_equal_a_full_sort() -> None:
    """The chunk-maximum bound (``_row_top``, catalogs of >= n x 64 items) gives the full sort's
    lists exactly: values, and ties (300 identical vectors) in column order; empty rows excluded."""
    rng = np.random.default_rng(3)
    v = l2_normalise(rng.normal(size=(3300, 12))).astype(np.float32)
    v[:300] = v[0]  # 300 identical items: every one of their top 40 is a tie at cosine 1
    v[[7, 400, 3299]] = 0.0
    idx, val = top_neighbours(v, 40, block=512)
    sims = v @ v.T
    sims[:, [7, 400, 3299]] = -np.inf
    np.fill_diagonal(sims, -np.inf)
    for i in range(0, 3300, 37):
        if i in (7, 400, 3299):
            assert (idx[i] == -1).all()
            continue
        expected = np.argsort(-sims[i], kind="stable")[:40]
        assert idx[i].tolist() == expected.tolist()
        np.testing.assert_allclose(val[i], sims[i][expected], rtol=1e-6)  # (blocked vs whole product)
    assert idx[5].tolist() == [j for j in range(42) if j not in (5, 7)]  # the ties, in column order


def test_item_text_joins_present_parts() -> None:
    assert item_text("Red Dress", "Women > Dresses", "") == "Red Dress | Women > Dresses"
    assert item_text("", "", "") == ""


def test_unknown_encoder_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="encoder"):
        make_encoder("bert")


class Counting:
    """The real USE encoder, counting how many texts it was asked to encode."""

    def __init__(self) -> None:
        self.inner = make_encoder("use")
        self.name, self.dim, self.encoded = self.inner.name, self.inner.dim, 0

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self.inner.encode_passages(texts)

    def encode_query(self, text: str) -> np.ndarray:
        return self.inner.encode_query(text)


def test_bilingual_neighbours_and_cache_by_content_hash(tmp_path) -> None:
    texts = ["红色连衣裙 | Women > Dresses", "女士红色长裙 | Women > Dresses", "男士黑色皮鞋 | Men > Shoes",
             "Men's black leather shoes | Men > Shoes", ""]  # fmt: skip
    enc = Counting()
    index = ContentIndex.build(texts, enc, tmp_path, n_neighbours=3)
    assert enc.encoded == 4  # the empty text is never encoded
    assert index.similar(0, 1)[0].tolist() == [1]  # red dress (zh) -> red long dress (zh)
    assert index.similar(2, 1)[0].tolist() == [3]  # black shoes zh -> en
    assert 4 not in index.neighbours[:4]
    assert index.similar(4, 3)[0].size == 0  # an item without text has no neighbours
    top, _ = index.similar_to_vector(enc.encode_query("red dress"), 2)
    assert set(top.tolist()) == {0, 1}
    again = Counting()
    second = ContentIndex.build(
        texts[:4] + ["女士红色长裙 | Women > Dresses"], again, tmp_path, n_neighbours=3
    )
    assert again.encoded == 0  # every text was cached by its hash
    np.testing.assert_allclose(second.vectors[4], index.vectors[1])


@pytest.mark.parametrize(("items", "block"), [(5000, 4096), (2900, 700), (130, 16)])
def test_top_neighbours_over_the_upper_triangle_equal_a_full_sort_exactly(items: int, block: int) -> None:
    """Each tile pair multiplied once, read by rows and by columns (``TILE``): the lists and values
    equal a full stable sort of the whole matrix bit for bit. The vectors hold multiples of 1/8, so
    every cosine is exact in float32 whatever order BLAS sums in: many exact ties (300 identical
    items, small integers), empty items, tiles that do not divide the catalog."""
    rng = np.random.default_rng(11)
    v = (rng.integers(-3, 4, size=(items, 6)) / 8).astype(np.float32)
    v[:300] = v[1]
    empty = [0, 7, items // 2, items - 1]
    v[empty] = 0.0
    n = 50 if items > 200 else 9
    idx, val = top_neighbours(v, n, block=block)
    sims = (v.astype(np.float64) @ v.T.astype(np.float64)).astype(np.float32)  # exact
    sims[:, empty] = -np.inf
    np.fill_diagonal(sims, -np.inf)
    want = np.argsort(-sims, axis=1, kind="stable")[:, :n]
    want_val = np.take_along_axis(sims, want, axis=1)
    ok = np.isfinite(want_val)
    want = np.where(ok, want, -1)
    want[empty] = -1
    want_val = np.where(want >= 0, want_val, 0.0)
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_array_equal(val, want_val.astype(np.float32))
    ties = (val[:, 1:] == val[:, :-1]) & (idx[:, 1:] >= 0)
    assert ties.sum() > items  # the lists are full of exact ties: their order was checked above


def test_a_catalog_under_n_chunks_still_bounds_every_row() -> None:
    """2,975 items (the demo shop) make 46 chunks of 64 columns, fewer than the 50 neighbours:
    the chunks narrow so that every row gets a finite bound and keeps only the values above it
    (without one, all 8.9 M cosines were kept and sorted: 0.5 -> 6.9 CPU-s on the demo's lists)."""
    from shopmind.recommend.content import _Selection

    rng = np.random.default_rng(5)
    v = l2_normalise(rng.normal(size=(2975, 16))).astype(np.float32)
    s = v @ v.T
    np.fill_diagonal(s, -np.inf)
    sel = _Selection(len(v), 50)
    sel.rows_of(s, 0, 0)
    assert np.isfinite(sel.bound).all()
    kept = len(sel.found[0][0])
    assert kept < 0.1 * s.size, kept
    part, val = sel.result()
    want = np.argsort(-s, axis=1, kind="stable")[:, :50]
    np.testing.assert_array_equal(part, want)
    np.testing.assert_array_equal(val, np.take_along_axis(s, want, axis=1))
