"""ours-ranker for leave-one-out: inner targets, features by hand, and learning the next item."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from shopmind.recommend.base import Interactions
from shopmind.recommend.evaluate import PhaseData, ranked_lists, reusable_lists
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.markov import Markov
from shopmind.recommend.metrics import all_metrics
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.ranker_loo import (
    MISSING_RANK,
    LooRanker,
    Target,
    attribute_table,
    candidate_features,
    drop_last,
    feature_names,
    labelled,
    leave_one_out_ranker,
    one_target,
    phase_candidates,
    sequence_stats,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def interactions(seqs: dict[str, list[str]], items: list[str]) -> Interactions:
    rows = [(u, i, k) for u, seq in seqs.items() for k, i in enumerate(seq)]
    ev = pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "item_id": [r[1] for r in rows],
            "type": ["purchase"] * len(rows),
            "timestamp": [T0 + timedelta(seconds=r[2]) for r in rows],
        }
    )
    return Interactions.from_events(ev, items=items, users=list(seqs))


def small() -> Interactions:
    # u1: a b c ; u2: b c ; u3: d (one event)
    return interactions({"u1": ["a", "b", "c"], "u2": ["b", "c"], "u3": ["d"]}, ["a", "b", "c", "d", "e"])


def test_drop_last_removes_each_users_last_event_and_returns_it():
    inner, target = drop_last(small())
    assert target.tolist() == [2, 2, -1]  # c, c; u3 has one event: kept, no target
    assert [inner.history(u).tolist() for u in range(3)] == [[0, 1], [1], [3]]
    assert inner.n_items == 5 and inner.n_users == 3  # same rows and columns
    assert (inner.matrix.toarray()[0] > 0).tolist() == [True, True, False, False, False]


def test_attribute_table_codes_key_value_pairs_per_item():
    products = pl.DataFrame(
        {
            "product_id": ["a", "b", "z"],
            "attributes": [
                [{"key": "attr", "value": "1"}, {"key": "attr", "value": "2"}],
                [{"key": "attr", "value": "2"}],
                [{"key": "attr", "value": "9"}],
            ],
        }
    )
    table = attribute_table(products, np.array(["a", "b", "c"], dtype=object))
    assert table is not None and table.shape == (3, 2)
    assert table[0].tolist() == [0, 1] and table[1].tolist() == [1, -1]  # codes in attribute order
    assert table[2].tolist() == [-1, -1]  # c has none; z is not an item
    assert attribute_table(products.drop("attributes"), np.array(["a"])) is None


def test_sequence_stats_and_pair_features_by_hand():
    data = small()
    attrs = np.array([[0], [0], [1], [1], [1]])  # a, b share attribute 0; c, d, e attribute 1
    stats = sequence_stats(data, attrs)
    assert stats.latest.tolist() == [[2, 1, 0], [2, 1, -1], [3, -1, -1]]
    assert stats.follows[1, 2] == 2 and stats.follows[0, 1] == 1 and stats.follows[2, 1] == 0
    assert stats.cooc[1, 2] == 2 and stats.cooc[0, 2] == 1 and stats.cooc[0, 3] == 0
    np.testing.assert_allclose(stats.item_users, [1, 2, 2, 1, 0])

    gens = {"popularity": Popularity().fit(data)}
    rows = np.array([1])  # u2 (last item c); a, d are candidates (b, c masked as seen)
    pos, items, X, lists = candidate_features(stats, gens, rows, data.n_items, 5, data.seen(rows))
    names = feature_names(gens)
    assert X.shape == (len(items), len(names))
    got = {data.item_ids[i]: dict(zip(names, x, strict=True)) for i, x in zip(items, X, strict=True)}
    assert sorted(got) == ["a", "d"]  # e has no evidence; seen items never
    a, d = got["a"], got["d"]
    assert a["popularity_rank"] in (1, 2) and a["n_lists"] == 1
    assert a["cooc_last"] == 1  # u1 had a and c
    assert a["cooc_latest"] == 2  # with c (1) and with b (1)
    assert a["follows_latest"] == 0 and a["user_len"] == 2
    assert d["cooc_last"] == 0 and d["attr_last"] == 1  # d shares attribute 1 with c
    assert a["attr_last"] == 0 and a["attr_profile"] == 0.5  # b (attribute 0) is half of u2's history
    assert lists["popularity"].shape == (1, 5) and (lists["popularity"][0, 2:] == -1).all()


def synthetic(n_users: int = 400, n_items: int = 40, seed: int = 0) -> dict[str, list[str]]:
    """Walks where the next item is the successor (i + 1) 70 % of the time, else random."""
    rng = np.random.default_rng(seed)
    seqs = {}
    for u in range(n_users):
        item = int(rng.integers(n_items))
        seq = [item]
        for _ in range(int(rng.integers(5, 10))):
            item = (item + 1) % n_items if rng.random() < 0.7 else int(rng.integers(n_items))
            seq.append(item)
        seqs[f"u{u}"] = [f"i{i}" for i in seq]
    return seqs


def loo(seqs: dict[str, list[str]], items: list[str], drop: int) -> tuple[Target, np.ndarray]:
    """Fit on each sequence without its last ``drop`` items; truth = the first one dropped."""
    data = interactions({u: s[:-drop] for u, s in seqs.items()}, items)
    rows = data.user_rows(list(seqs))
    truth_items = data.item_rows([s[-drop] for s in seqs.values()])
    truth = sp.csr_matrix(
        (np.ones(len(rows)), (np.arange(len(rows)), truth_items)), shape=(len(rows), len(items))
    )
    return Target(data, rows, truth), truth_items


def test_labelled_keeps_groups_with_their_positive():
    seqs = synthetic(50)
    items = [f"i{i}" for i in range(40)]
    valid, truth_items = loo(seqs, items, 2)
    gens = {"popularity": Popularity().fit(valid.data)}
    pc = phase_candidates(valid.data, sequence_stats(valid.data), gens, valid.rows, depth=10, batch=16)
    assert np.array_equal(one_target(valid.truth), truth_items)
    X, y, groups = labelled(pc, truth_items)
    assert groups.sum() == len(y) == len(X)
    in_cands = {(int(p), int(i)) for p, i in zip(pc.pos, pc.items, strict=True)}
    expected = [p for p, t in enumerate(truth_items) if (p, int(t)) in in_cands]
    assert y.sum() == len(groups) == len(expected) > 0
    assert (pc.X[:, 1] <= 10).sum() + (pc.X[:, 1] == MISSING_RANK).sum() == len(pc.X)


def test_ranker_learns_the_successor_that_popularity_cannot_see():
    seqs = synthetic()
    items = [f"i{i}" for i in range(40)]
    valid, _ = loo(seqs, items, 2)
    test, truth_items = loo(seqs, items, 1)
    makers = {"popularity": Popularity}
    info, top = leave_one_out_ranker(
        makers,
        {"popularity": Popularity().fit(valid.data)},
        {"popularity": Popularity().fit(test.data)},
        valid,
        test,
        None,
        log=lambda _: None,
        grid=[{"num_leaves": 7, "min_data_in_leaf": 5}],
        max_rounds=100,
    )
    assert top.shape == (len(seqs), 20)
    seen = test.data.seen(test.rows).toarray()
    assert not seen[np.arange(len(seqs))[:, None], top].any()  # never recommends a seen item
    ranker = all_metrics(top, test.truth, (10,))
    pop_scores = Popularity().fit(test.data).score(test.rows)
    pop_scores[seen > 0] = -np.inf
    pop = all_metrics(np.argsort(-pop_scores, axis=1, kind="stable")[:, :20], test.truth, (10,))
    # the successor follows 70 % of the time: only the follows/co-occurrence features reveal it
    assert ranker["hit@10"] > 0.6 and ranker["hit@10"] > pop["hit@10"] + 0.3
    assert 1 <= info["rounds"] <= 100 and info["valid_ndcg@10"] > 0.4
    assert info["train_groups"] > 0.8 * len(seqs)  # popularity at depth 100 lists every item
    top_features = list(info["importance_gain"])[:3]
    assert {"follows_last", "follows_latest", "cooc_last", "cooc_latest", "cooc_last_share"} & set(
        top_features
    )


def markov_phases(seed: int, recent: int) -> tuple[Target, Target, functools.partial[Markov]]:
    """Validation and test phases of 200 synthetic walks, and a Markov maker."""
    seqs = synthetic(200, seed=seed)
    items = [f"i{i}" for i in range(40)]
    return loo(seqs, items, 2)[0], loo(seqs, items, 1)[0], functools.partial(Markov, window=1, recent=recent)


def test_ranker_is_deterministic_and_works_with_a_sequential_generator():
    valid, test, make = markov_phases(seed=1, recent=1)
    runs = [
        leave_one_out_ranker(
            {"markov": make},
            {"markov": make().fit(valid.data)},
            {"markov": make().fit(test.data)},
            valid,
            test,
            None,
            log=lambda _: None,
            grid=[{"num_leaves": 7, "min_data_in_leaf": 5}],
            max_rounds=50,
        )  # fmt: skip
        for _ in range(2)
    ]
    assert np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][0]["valid_ndcg@10"] == runs[1][0]["valid_ndcg@10"] > 0.3


def test_loo_ranker_curve_picks_the_best_round():
    seqs = synthetic(200, seed=2)
    items = [f"i{i}" for i in range(40)]
    valid, truth_items = loo(seqs, items, 2)
    gens = {"popularity": Popularity().fit(valid.data)}
    pc = phase_candidates(valid.data, sequence_stats(valid.data), gens, valid.rows)
    part = labelled(pc, truth_items)
    model = LooRanker(feature_names(gens), params={"num_leaves": 7, "min_data_in_leaf": 5}, rounds=40).fit(
        part, part, patience=5
    )
    assert model.rounds == int(np.argmax(model.curve)) + 1 and len(model.curve) <= 40


def evaluate_lists(gens: dict, target: Target, depth: int) -> dict[str, np.ndarray]:
    """The fusion inputs as ``evaluate recs`` selects them (its batching, its history mask)."""
    pd_ = PhaseData(target.data, target.rows, target.truth, target.data.seen(target.rows))
    return {name: ranked_lists(gen, pd_, depth)[1] for name, gen in gens.items()}


def test_given_lists_give_the_candidates_and_features_computed_from_scratch():
    seqs = synthetic(150, seed=3)
    items = [f"i{i}" for i in range(40)]
    valid, _ = loo(seqs, items, 2)
    gens = {
        "markov": Markov(window=1, recent=3).fit(valid.data),
        "item-knn": ItemKNN(neighbours=5).fit(valid.data),
        "popularity": Popularity().fit(valid.data),
    }
    stats = sequence_stats(valid.data)
    lists = evaluate_lists(gens, valid, 12)
    assert (lists["item-knn"] == -1).any() and (lists["markov"] >= 0).any()  # empty slots exercised
    own = phase_candidates(valid.data, stats, gens, valid.rows, depth=12, batch=32)
    given = phase_candidates(valid.data, stats, gens, valid.rows, depth=12, batch=32, lists=lists)
    assert np.array_equal(own.pos, given.pos) and np.array_equal(own.items, given.items)
    assert np.array_equal(own.X, given.X)
    assert all(np.array_equal(own.lists[n], given.lists[n]) for n in gens)


def test_given_lists_are_the_candidates_and_must_fit_the_rows():
    seqs = synthetic(40, seed=4)
    items = [f"i{i}" for i in range(40)]
    valid, _ = loo(seqs, items, 2)
    gens = {"popularity": Popularity().fit(valid.data)}
    stats = sequence_stats(valid.data)
    one = np.full((len(valid.rows), 5), -1, dtype=np.int64)
    one[:, 0] = 7  # one candidate per user, i7 (whatever popularity would select)
    pc = phase_candidates(valid.data, stats, gens, valid.rows, depth=5, lists={"popularity": one})
    assert pc.items.tolist() == [7] * len(valid.rows) and pc.pos.tolist() == list(range(len(valid.rows)))
    assert pc.X[:, 1].tolist() == [1.0] * len(valid.rows)  # rank 1 in the given list
    with pytest.raises(ValueError, match="popularity"):
        phase_candidates(valid.data, stats, gens, valid.rows, depth=5, lists={"popularity": one[:, :3]})


def test_ranker_with_evaluate_lists_chooses_and_ranks_the_same():
    valid, test, make = markov_phases(seed=5, recent=3)
    v_gens, t_gens = {"markov": make().fit(valid.data)}, {"markov": make().fit(test.data)}
    kwargs = {"log": lambda _: None, "grid": [{"num_leaves": 7, "min_data_in_leaf": 5}], "max_rounds": 50}
    own = leave_one_out_ranker({"markov": make}, v_gens, t_gens, valid, test, None, **kwargs)
    given = leave_one_out_ranker(
        {"markov": make}, v_gens, t_gens, valid, test, None, **kwargs,
        valid_lists=evaluate_lists(v_gens, valid, 100), test_lists=evaluate_lists(t_gens, test, 100),
    )  # fmt: skip
    assert np.array_equal(own[1], given[1])
    assert own[0]["valid_ndcg@10"] == given[0]["valid_ndcg@10"] > 0.3
    assert own[0]["rounds"] == given[0]["rounds"]
    stages = given[0]["stages"]
    assert list(stages) == ["inner_fit", "inner_candidates", "valid_candidates", "search", "final_fit",
                            "test_candidates", "test_rank"]  # fmt: skip
    assert all(s["cpu_s"] >= 0 and s["wall_s"] >= 0 for s in stages.values())


def test_reusable_lists_only_when_the_masks_agree():
    seqs = synthetic(30, seed=6)
    items = [f"i{i}" for i in range(40)]
    valid, _ = loo(seqs, items, 2)
    seen = valid.data.seen(valid.rows)
    lists = {"a": np.zeros((len(valid.rows), 3), dtype=np.int64)}
    same = PhaseData(valid.data, valid.rows, valid.truth, seen)
    assert reusable_lists(lists, ["a"], same)["a"] is lists["a"]
    other = seen.tolil()
    other[0, int(np.flatnonzero(seen[0].toarray().ravel() == 0)[0])] = 1.0  # one more masked cell
    assert reusable_lists(lists, ["a"], PhaseData(valid.data, valid.rows, valid.truth, other.tocsr())) is None
    assert reusable_lists(lists, ["a"], PhaseData(valid.data, valid.rows, valid.truth, None)) is None
    assert reusable_lists(lists, ["a", "b"], same) is None  # a generator without lists
