"""Features of the leave-one-out ranker (``ranker_loo``) per (user, candidate).

Each generator's score and rank, how many generators list the candidate, item popularity (all
users, and among users' latest items), the user's sequence length, co-occurrence and
direct-succession counts with the user's latest items, and the overlap of the candidate's
attributes with the latest item's and the user's whole history. Kept apart from the model so
the ranker module holds only the training and ranking steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend.base import Generator, Interactions
from shopmind.recommend.markov import collapse_repeats
from shopmind.recommend.ranker import MISSING_RANK, generator_candidates, subset

RRF_C = 20.0  # the equal-weight reciprocal-rank fusion score is a feature (fusion.py's default c)
LATEST = 3  # the user's latest (repeat-collapsed) items that co-occurrence features read
STAT_FEATURES = ("n_lists", "rrf", "item_users", "item_latest", "user_len", "cooc_last", "cooc_latest",
                 "cooc_last_share", "follows_last", "follows_latest", "attr_last", "attr_profile")  # fmt: skip


def feature_names(generators: Iterable[str]) -> list[str]:
    return [f"{n}_{k}" for n in generators for k in ("score", "rank")] + list(STAT_FEATURES)


def drop_last(data: Interactions) -> tuple[Interactions, np.ndarray]:
    """``data`` without each user's last event, and that event's item per user row.

    Users with fewer than two events keep them and get target -1 (nothing to learn from).
    """
    counts = np.diff(data.seq_indptr)
    has = counts >= 2
    last = data.seq_indptr[1:][has] - 1
    keep = np.ones(len(data.seq_items), dtype=bool)
    keep[last] = False
    target = np.full(data.n_users, -1, dtype=np.int64)
    target[has] = data.seq_items[last]
    return subset(data, keep), target


def attribute_table(products: pl.DataFrame | None, item_ids: np.ndarray) -> np.ndarray | None:
    """Item column -> its attribute codes, padded with -1 (None without attributes).

    ``products`` is the gate-accepted products table (``product_id``, ``attributes`` as a
    list of {key, value}); an attribute is the pair, so brand 7 and category 7 differ.
    """
    if products is None or "attributes" not in products.columns:
        return None
    pairs = (
        products.select(pl.col("product_id").cast(pl.Utf8).alias("item_id"), "attributes")
        .explode("attributes")
        .drop_nulls("attributes")
        .select(
            "item_id",
            pl.format(
                "{}={}", pl.col("attributes").struct.field("key"), pl.col("attributes").struct.field("value")
            ).alias("attr"),
        )  # fmt: skip
        .unique()
    )
    if not pairs.height:
        return None
    items = pl.DataFrame({"item_id": np.asarray(item_ids).astype(str), "i": np.arange(len(item_ids))})
    pairs = pairs.join(items, on="item_id", how="inner").with_columns(
        (pl.col("attr").rank("dense").cast(pl.Int64) - 1).alias("code")
    )
    if not pairs.height:
        return None
    pairs = pairs.sort("i", "code").with_columns(pl.int_range(pl.len()).over("i").alias("slot"))
    width = int(pairs["slot"].max()) + 1  # type: ignore[arg-type]
    table = np.full((len(item_ids), width), -1, dtype=np.int64)
    table[pairs["i"].to_numpy(), pairs["slot"].to_numpy()] = pairs["code"].to_numpy()
    return table


@dataclass
class SequenceStats:
    """What the pair features read from one phase's fit events."""

    item_users: np.ndarray  # distinct users per item
    item_latest: np.ndarray  # how often the item is among users' LATEST latest items
    latest: np.ndarray  # users x LATEST item columns, newest first, -1 = none
    length: np.ndarray  # events per user
    cooc: sp.csr_matrix  # item x item: users who had both
    follows: sp.csr_matrix  # item x item: times column j directly followed row i
    attrs: np.ndarray | None  # attribute_table, or None
    #: users x attributes: share of the user's distinct items that carry the attribute
    profile: sp.csr_matrix | None = field(default=None)


def sequence_stats(data: Interactions, attrs: np.ndarray | None = None) -> SequenceStats:
    """Counts the pair features need, computed once per phase (not per candidate batch):
    repeats are collapsed for the latest items and successions, as Markov and SASRec do."""
    indptr, items = collapse_repeats(data)
    n_u, n_i = data.n_users, data.n_items
    lens = np.diff(indptr)
    latest = np.full((n_u, LATEST), -1, dtype=np.int64)
    for k in range(LATEST):
        ok = lens > k
        latest[ok, k] = items[indptr[1:][ok] - 1 - k]
    users = np.repeat(np.arange(n_u), lens)
    same = users[1:] == users[:-1]
    follows = sp.csr_matrix(
        (np.ones(int(same.sum()), np.float32), (items[:-1][same], items[1:][same])), shape=(n_i, n_i)
    )
    follows.sum_duplicates()
    binary = (data.matrix > 0).astype(np.float32).tocsr()
    profile = None
    if attrs is not None:
        n_attr = int(attrs.max(initial=-1)) + 1
        r, c = np.nonzero(attrs >= 0)
        item_attr = sp.csr_matrix(
            (np.ones(len(r), np.float32), (r, attrs[r, c])), shape=(n_i, max(n_attr, 1))
        )
        distinct = np.asarray(binary.sum(axis=1)).ravel()
        share = sp.diags((1.0 / np.maximum(distinct, 1)).astype(np.float32))
        profile = (share @ (binary @ item_attr)).tocsr()
    return SequenceStats(
        item_users=np.asarray(binary.sum(axis=0)).ravel().astype(np.float32),
        item_latest=np.bincount(latest[latest >= 0], minlength=n_i).astype(np.float32),
        latest=latest,
        length=np.diff(data.seq_indptr).astype(np.float32),
        cooc=(binary.T @ binary).tocsr(),
        follows=follows,
        attrs=attrs,
        profile=profile,
    )


def _pair(m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """m[rows, cols] with row -1 read as 0."""
    ok = rows >= 0
    out = np.zeros(len(rows), dtype=np.float32)
    if ok.any():
        out[ok] = np.asarray(m[rows[ok], cols[ok]]).ravel()
    return out


def _attribute_features(
    stats: SequenceStats, u: np.ndarray, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if stats.attrs is None or stats.profile is None:
        zero = np.zeros(len(items), dtype=np.float32)
        return zero, zero
    cand = stats.attrs[items]  # pairs x width
    last = stats.latest[u, 0]
    last_attrs = np.where((last >= 0)[:, None], stats.attrs[np.maximum(last, 0)], -1)
    shared = ((cand[:, :, None] == last_attrs[:, None, :]) & (cand[:, :, None] >= 0)).sum(axis=(1, 2))
    safe = np.maximum(cand, 0)
    prof = np.zeros(cand.shape, dtype=np.float32)
    for j in range(cand.shape[1]):
        prof[:, j] = _pair(stats.profile, u, safe[:, j])
    in_profile = (prof * (cand >= 0)).sum(axis=1)
    return shared.astype(np.float32), in_profile.astype(np.float32)


def listed_candidates(
    generators: Mapping[str, Generator], user_rows: np.ndarray, n_items: int, lists: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    """``ranker.generator_candidates`` given each generator's top-depth fusion input (-1 = empty
    slot), which ``evaluate recs`` selected already: that ``top_k`` was 10.2 of the step's 11.8 s
    (2026-12-04). Dense scores are still computed (the score feature reads them outside the
    generator's own list), unmasked: a masked cell is in no list, so never a candidate."""
    n = len(user_rows)
    rows = np.arange(n)[:, None]
    cand = np.zeros((n, n_items), dtype=bool)
    scores, ranks = [], []
    for name, gen in generators.items():
        idx = lists[name]
        rank = np.full((n, n_items + 1), MISSING_RANK, dtype=np.float32)  # last column: empty slots
        rank[rows, idx] = np.arange(1, idx.shape[1] + 1, dtype=np.float32)
        cand |= rank[:, :n_items] < MISSING_RANK
        scores.append(np.asarray(gen.score(user_rows), dtype=np.float32))
        ranks.append(rank[:, :n_items])
    return cand, scores, ranks, dict(lists)


def candidate_features(
    stats: SequenceStats,
    generators: Mapping[str, Generator],
    user_rows: np.ndarray,
    n_items: int,
    depth: int,
    mask: sp.csr_matrix | None,
    given: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(pos, items, X, lists) for a batch of warm user rows; see ``ranker.generator_candidates``.

    ``pos`` indexes ``user_rows`` (non-decreasing), ``X`` has ``feature_names(generators)``
    columns, ``lists`` are the generators' fusion inputs (so rank fusion can be compared on
    the very same generator outputs). Masked cells are never candidates. ``given`` = those
    lists already selected (same generators, rows and mask; ``listed_candidates``).
    """
    if given is None:
        cand, scores, ranks, lists = generator_candidates(generators, user_rows, n_items, depth, mask)
    else:
        cand, scores, ranks, lists = listed_candidates(generators, user_rows, n_items, given)
    pos, items = np.nonzero(cand)
    cols = []
    n_lists = np.zeros(len(pos), dtype=np.float32)
    rrf = np.zeros(len(pos), dtype=np.float32)
    for s, rank in zip(scores, ranks, strict=True):
        v = s[pos, items]
        r = rank[pos, items]
        cols += [np.where(np.isfinite(v), v, 0.0).astype(np.float32), r]
        n_lists += r < MISSING_RANK
        rrf += np.where(r < MISSING_RANK, 1.0 / (RRF_C + r), 0.0).astype(np.float32)
    u = np.asarray(user_rows)[pos]
    latest = stats.latest[u]
    cooc = [_pair(stats.cooc, latest[:, k], items) for k in range(LATEST)]
    follows = [_pair(stats.follows, latest[:, k], items) for k in range(LATEST)]
    last_users = stats.item_users[np.maximum(latest[:, 0], 0)]
    attr_last, attr_profile = _attribute_features(stats, u, items)
    stat_cols = [
        n_lists,
        rrf,
        stats.item_users[items],
        stats.item_latest[items],
        stats.length[u],
        cooc[0],
        np.sum(cooc, axis=0),
        cooc[0] / np.maximum(last_users, 1),
        follows[0],
        np.sum(follows, axis=0),
        attr_last,
        attr_profile,
    ]
    X = np.column_stack([*cols, *stat_cols]).astype(np.float32)
    return pos, items, X, lists
