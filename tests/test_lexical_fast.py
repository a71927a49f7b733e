"""The impact-postings scorer of LexicalIndex against a straightforward BM25F reference
(dicts and the formula), on random catalogs, through upserts, deletes, merges and warm-ups."""

import math
import random
import threading
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search.lexical import FIELDS, BM25Params, LexicalIndex, product_fields
from shopmind.text.analysis import Analyzer

WORDS = [
    "red",
    "blue",
    "oak",
    "desk",
    "lamp",
    "chair",
    "steel",
    "pipe",
    "shirt",
    "cotton",
    "running",
    "shoes",
    "faucet",
    "kitchen",
]
QUERIES = [
    "lamp",
    "oak desk",
    "red blue shirt",
    "steel pipe faucet kitchen",
    "lamp lamp desk",
    "shoes running running",
    "zebra",
    "oak zebra",
    "",
]


def reference_scores(catalog: dict[str, dict], query: str, params: BM25Params) -> dict[str, float]:
    """BM25F straight from the formula in lexical.py's docstring, one document at a time."""
    an = Analyzer()
    tf: dict[str, dict[str, Counter]] = {}
    for pid, row in catalog.items():
        texts = product_fields(row)
        tf[pid] = {f: Counter(an.tokens(texts[f])) for f in FIELDS}
    n = len(tf)
    if n == 0:
        return {}
    avg = {f: sum(sum(c[f].values()) for c in tf.values()) / n for f in FIELDS}
    df = Counter(t for c in tf.values() for t in set().union(*(c[f].keys() for f in FIELDS)))
    qtf = Counter(t for t in an.tokens(query) if df[t] > 0)
    out = {}
    for pid, fields in tf.items():
        score, hit = 0.0, False
        for t, q in qtf.items():
            pseudo = 0.0
            for f in FIELDS:
                w, b = params.weights.get(f, 0.0), params.b.get(f, 0.75)
                if w <= 0 or avg[f] <= 0 or not fields[f][t]:
                    continue
                dl = sum(fields[f].values())
                pseudo += w * fields[f][t] / (1 - b + b * dl / avg[f])
            if pseudo > 0:
                hit = True
                idf = math.log1p((n - df[t] + 0.5) / (df[t] + 0.5))
                score += q * idf * pseudo / (params.k1 + pseudo)
        if hit:
            out[pid] = score
    return out


def assert_matches_reference(idx: LexicalIndex, catalog: dict[str, dict], queries=QUERIES) -> None:
    for q in queries:
        ref = reference_scores(catalog, q, idx.params)
        got = idx.scores(q, correct=False)
        assert got.keys() == ref.keys(), q
        for pid, s in ref.items():
            assert got[pid] == pytest.approx(s, rel=1e-9, abs=1e-12), (q, pid)
        # search: the top k of those scores, best first, ties in index order (= scores() order)
        index_order = {pid: i for i, pid in enumerate(got)}
        expect = sorted(got, key=lambda p: (-got[p], index_order[p]))
        for k in (1, 3, 10):
            res = idx.search(q, k, correct=False)
            assert res.ids == expect[:k], (q, k)
            assert res.scores == [got[p] for p in expect[:k]]


def random_row(rng: random.Random, pid: str) -> dict:
    return {
        "product_id": pid,
        "title": " ".join(rng.choices(WORDS, k=rng.randint(1, 6))),
        "brand": rng.choice(["", "oak", "acme", "steel"]),
        "category_path": " > ".join(rng.choices(WORDS, k=rng.randint(0, 2))),
        "description": " ".join(rng.choices(WORDS, k=rng.randint(0, 12))),
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["upsert", "delete", "merge", "warm", "query"]), st.integers(0, 10**6)),
        min_size=1,
        max_size=14,
    )
)
def test_random_operations_match_reference(ops):
    rng = random.Random(0)
    catalog: dict[str, dict] = {}
    idx = LexicalIndex()
    for op, seed in ops:
        rng.seed(seed)
        if op == "upsert":
            for _ in range(rng.randint(1, 8)):
                row = random_row(rng, f"p{rng.randint(0, 25)}")
                catalog[row["product_id"]] = row
                idx.upsert([row])
        elif op == "delete":
            ids = [f"p{rng.randint(0, 25)}" for _ in range(3)]
            idx.delete(ids)
            for i in ids:
                catalog.pop(i, None)
        elif op == "merge":
            idx.merge()
        elif op == "warm":
            idx.warm()
        else:  # a query between mutations fills the per-term cache, which must not go stale
            idx.search(rng.choice(QUERIES), 5, correct=False)
    assert_matches_reference(idx, catalog)


def test_warm_and_lazy_give_identical_scores_and_stay_fresh():
    rng = random.Random(5)
    rows = [random_row(rng, f"p{i}") for i in range(300)]
    lazy, warm = LexicalIndex(), LexicalIndex()
    for ix in (lazy, warm):
        ix.upsert(rows[:200])
        ix.upsert(rows[200:])  # two segments
    warm.warm()
    for q in QUERIES:
        assert lazy.scores(q) == warm.scores(q)  # bit-identical, not just close
    # a mutation after warm-up invalidates every cached posting (N and avg lengths change)
    warm.delete(["p1", "p2"])
    warm.upsert([{"product_id": "new", "title": "lamp lamp lamp"}])
    catalog = {r["product_id"]: r for r in rows if r["product_id"] not in ("p1", "p2")}
    catalog["new"] = {"product_id": "new", "title": "lamp lamp lamp"}
    assert_matches_reference(warm, catalog)
    assert warm.search("lamp", 1).ids == ["new"]


def test_ties_go_to_index_order_and_duplicates_never_repeat():
    idx = LexicalIndex()
    idx.upsert([{"product_id": f"d{i}", "title": "oak desk"} for i in range(30)])
    idx.upsert([{"product_id": "d3", "title": "oak desk"}])  # re-indexed: now last in order
    res = idx.search("oak desk", 5)
    assert res.ids == ["d0", "d1", "d2", "d4", "d5"]
    assert len(set(res.scores)) == 1
    full = idx.search("desk oak oak", 40).ids
    assert len(full) == 30 and len(set(full)) == 30 and full[-1] == "d3"


def test_candidates_restrict_the_ranking():
    rng = random.Random(9)
    rows = [random_row(rng, f"p{i}") for i in range(120)]
    idx = LexicalIndex()
    idx.upsert(rows)
    cands = [f"p{i}" for i in range(0, 120, 3)] + ["unknown"]
    for q in QUERIES:
        everything = idx.search(q, 200).ids
        expect = [p for p in everything if p in set(cands)][:7]
        assert idx.search(q, 7, candidates=cands).ids == expect


def test_score_terms_keeps_segment_rows():
    """``_score_terms`` (segment, row, score) still addresses ``segments[s].ids[row]``."""
    idx = LexicalIndex()
    idx.upsert([{"product_id": "a", "title": "oak lamp"}, {"product_id": "b", "title": "desk"}])
    idx.upsert([{"product_id": "c", "title": "oak oak chair"}])
    seg_of, rows, scores = idx._score_terms(["oak"])
    got = {str(idx.segments[s].ids[r]): sc for s, r, sc in zip(seg_of, rows, scores, strict=True)}
    assert got == idx.scores("oak")
    assert seg_of.tolist() == [0, 1]


def test_concurrent_searches_agree():
    rng = random.Random(11)
    idx = LexicalIndex()
    idx.upsert([random_row(rng, f"p{i}") for i in range(400)])
    idx.warm()
    expected = {q: idx.search(q, 10).ids for q in QUERIES}
    errors: list[str] = []

    def worker(seed: int) -> None:
        r = random.Random(seed)
        for _ in range(300):
            q = r.choice(QUERIES)
            if idx.search(q, 10).ids != expected[q]:
                errors.append(q)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_weights_zero_field_is_ignored_and_single_field_index():
    params = BM25Params(weights={"title": 1.0, "description": 0.0}, b={"title": 0.75, "description": 0.75})
    idx = LexicalIndex(params=params)
    catalog = {
        "a": {"product_id": "a", "title": "lamp", "description": "desk desk desk"},
        "b": {"product_id": "b", "title": "desk", "description": "lamp"},
    }
    idx.upsert(list(catalog.values()))
    assert set(idx.scores("desk")) == {"b"}
    assert_matches_reference(idx, catalog, ["desk", "lamp desk"])
    assert np.isclose(idx.scores("lamp")["a"], reference_scores(catalog, "lamp", params)["a"])


@pytest.mark.parametrize("fill", ["warm", "query"])
def test_delete_alone_refreshes_cached_postings(fill):
    rng = random.Random(13)
    rows = {f"p{i}": random_row(rng, f"p{i}") for i in range(60)}
    idx = LexicalIndex()
    idx.upsert(list(rows.values()))
    if fill == "warm":
        idx.warm()
    else:
        for q in QUERIES:
            idx.search(q, 5)
    gone = [f"p{i}" for i in range(0, 60, 4)]
    idx.delete(gone)
    assert_matches_reference(idx, {p: r for p, r in rows.items() if p not in gone})
