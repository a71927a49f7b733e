"""The estimator API every candidate generator shares, and the interactions they all read.

``Interactions`` is built once from accepted events (one polars frame) and holds every view a
generator needs — index maps, a weighted user x item CSR matrix, per-user time-ordered item
sequences with timestamps and session codes — so that five generators do not re-derive the
same structures five times, and so that a user/item row means the same thing to all of them
(which is what lets scores be fused and compared).

The API is smaller than ``implicit``'s on purpose: ``fit`` and a dense ``score`` for a batch
of user rows over all items. Dense scores make full-ranking evaluation (the published
protocols rank against every item) a single vectorised ``argpartition``; ``recommend`` is
shared code on top of ``score``, so no generator re-implements exclusion or top-k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, Self, runtime_checkable

import numpy as np
import polars as pl
import scipy.sparse as sp

#: Default strength of each event type: a purchase says more about intent than a view.
#: Ratings are treated as plain interactions (the RecBole protocol uses all ratings as implicit).
EVENT_WEIGHTS: Mapping[str, float] = {
    "view": 1.0,
    "click": 1.0,
    "search": 0.0,
    "rate": 1.0,
    "wishlist": 2.0,
    "add_to_cart": 3.0,
    "remove_from_cart": 0.0,
    "purchase": 4.0,
    "return": 0.0,
}

#: event types by code, for ``Interactions.seq_kinds`` (-1 = a type outside this list).
EVENT_KINDS: tuple[str, ...] = tuple(EVENT_WEIGHTS)
KIND_CODE: Mapping[str, int] = {t: k for k, t in enumerate(EVENT_KINDS)}


@dataclass
class Interactions:
    """Events turned into index-aligned arrays, shared by every generator.

    Attributes:
        user_ids, item_ids: external ids by row / column index.
        matrix: users x items CSR (float32); each cell is the sum of event-type weights.
        seq_indptr: CSR-style offsets into the ``seq_*`` arrays, one slice per user.
        seq_items, seq_times, seq_weights, seq_sessions: every weighted event of every user in
            time order (ties keep input order — the S3-Rec files have synthetic 1 s steps and
            Online Retail invoices share a timestamp); ``seq_sessions`` is an int code, equal
            codes = same session (the user when the source has no sessions).
        item_category: per item a category code (-1 = unknown), or None when no categories.
        categories: category names by code.
        seq_kinds: per ``seq_*`` entry the event type as an index into ``EVENT_KINDS`` (int8),
            so explanations name what really happened ("bought", not "viewed"); None when the
            interactions were not built from typed events.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    matrix: sp.csr_matrix
    seq_indptr: np.ndarray
    seq_items: np.ndarray
    seq_times: np.ndarray
    seq_weights: np.ndarray
    seq_sessions: np.ndarray
    item_category: np.ndarray | None = None
    categories: np.ndarray | None = None
    seq_kinds: np.ndarray | None = None

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @classmethod
    def from_events(
        cls,
        events: pl.DataFrame,
        items: Sequence[str] | np.ndarray | None = None,
        users: Sequence[str] | np.ndarray | None = None,
        weights: Mapping[str, float] = EVENT_WEIGHTS,
        item_categories: pl.DataFrame | None = None,
    ) -> Interactions:
        """Build from canonical events (``user_id``, ``item_id``, ``type``, ``timestamp``).

        ``items`` fixes the item universe (full-ranking protocols rank against *all* items,
        including those with no training event); ``users`` likewise fixes the user rows.
        Unknown ids in ``events`` are added after the given ones. Events with a null user or
        item, or a type whose weight is 0, are dropped. ``item_categories`` is a frame
        (``item_id``, ``category``) for per-category generators.
        """
        frame = events.select(
            pl.col("user_id").cast(pl.Utf8),
            pl.col("item_id").cast(pl.Utf8),
            pl.col("type").cast(pl.Utf8),
            pl.col("timestamp"),
            (
                pl.col("session_id").cast(pl.Utf8)
                if "session_id" in events.columns
                else pl.lit(None, pl.Utf8)
            ).alias("session_id"),
        ).with_row_index("_order")
        frame = frame.with_columns(
            pl.col("type").replace_strict(dict(weights), default=0.0, return_dtype=pl.Float32).alias("w")
        ).filter(pl.col("user_id").is_not_null() & pl.col("item_id").is_not_null() & (pl.col("w") > 0))
        item_ids = _universe(items, frame["item_id"])
        user_ids = _universe(users, frame["user_id"])
        # typed like the events' columns: an empty universe (a catalog without events yet) would
        # otherwise be a Null column that cannot be joined
        item_map = pl.DataFrame({
            "item_id": pl.Series(item_ids, dtype=frame.schema["item_id"]),
            "i": np.arange(len(item_ids), dtype=np.int32),
        })  # fmt: skip
        user_map = pl.DataFrame({
            "user_id": pl.Series(user_ids, dtype=frame.schema["user_id"]),
            "u": np.arange(len(user_ids), dtype=np.int32),
        })  # fmt: skip
        ts = frame["timestamp"]
        if ts.dtype.is_temporal():
            secs = pl.col("timestamp").dt.epoch("s")
        else:
            secs = pl.col("timestamp").cast(pl.Int64)
        frame = (
            frame.join(item_map, on="item_id", how="left")
            .join(user_map, on="user_id", how="left")
            .with_columns(secs.alias("t"), pl.coalesce("session_id", "user_id").alias("s"))
            .sort(["u", "t", "_order"])
            .with_columns(pl.col("s").rank("dense").cast(pl.Int64).alias("s"))
        )
        u = frame["u"].to_numpy()
        i = frame["i"].to_numpy()
        w = frame["w"].to_numpy().astype(np.float32)
        matrix = sp.csr_matrix((w, (u, i)), shape=(len(user_ids), len(item_ids)), dtype=np.float32)
        matrix.sum_duplicates()
        indptr = np.zeros(len(user_ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=len(user_ids)), out=indptr[1:])
        cat_codes = cat_names = None
        if item_categories is not None and item_categories.height:
            cats = item_categories.select(
                pl.col("item_id").cast(pl.Utf8), pl.col("category").cast(pl.Utf8)
            ).drop_nulls()
            cats = cats.unique("item_id", keep="first")
            cat_names = np.array(sorted(cats["category"].unique().to_list()), dtype=object)
            code = {c: k for k, c in enumerate(cat_names)}
            joined = item_map.join(cats, on="item_id", how="left").sort("i")
            cat_codes = np.array(
                [code.get(c, -1) if c is not None else -1 for c in joined["category"].to_list()]
            )
        return cls(
            user_ids=np.asarray(user_ids, dtype=object),
            item_ids=np.asarray(item_ids, dtype=object),
            matrix=matrix,
            seq_indptr=indptr,
            seq_items=i.astype(np.int32),
            seq_times=frame["t"].to_numpy().astype(np.int64),
            seq_weights=w,
            seq_sessions=frame["s"].to_numpy().astype(np.int64),
            item_category=cat_codes,
            categories=cat_names,
            seq_kinds=frame["type"]
            .replace_strict(KIND_CODE, default=-1, return_dtype=pl.Int8)
            .to_numpy()
            .astype(np.int8),
        )

    def user_rows(self, users: Sequence[str] | np.ndarray) -> np.ndarray:
        """Row of each external user id; -1 for a user with no interactions (cold start)."""
        lookup = pl.DataFrame({"user_id": self.user_ids.astype(str), "u": np.arange(self.n_users)})
        asked = pl.DataFrame({"user_id": np.asarray(users, dtype=object).astype(str)}).with_row_index("k")
        got = asked.join(lookup, on="user_id", how="left").sort("k")["u"].fill_null(-1)
        return got.to_numpy().astype(np.int64)

    def item_rows(self, items: Sequence[str] | np.ndarray) -> np.ndarray:
        """Column of each external item id; -1 for an unknown item."""
        lookup = pl.DataFrame({"item_id": self.item_ids.astype(str), "i": np.arange(self.n_items)})
        asked = pl.DataFrame({"item_id": np.asarray(items, dtype=object).astype(str)}).with_row_index("k")
        got = asked.join(lookup, on="item_id", how="left").sort("k")["i"].fill_null(-1)
        return got.to_numpy().astype(np.int64)

    def history(self, user_row: int) -> np.ndarray:
        """The user's items in time order (with repeats)."""
        return self.seq_items[self.seq_indptr[user_row] : self.seq_indptr[user_row + 1]]

    def seen(self, user_rows: np.ndarray) -> sp.csr_matrix:
        """Binary users x items matrix of what the given users interacted with (cold rows empty)."""
        rows = np.asarray(user_rows)
        safe = np.where(rows >= 0, rows, 0)
        m = self.matrix[safe]
        m = (m > 0).astype(np.float32).tocsr()
        if (rows < 0).any():
            keep = sp.diags((rows >= 0).astype(np.float32))
            m = (keep @ m).tocsr()
            m.eliminate_zeros()
        return m

    def item_user_counts(self) -> np.ndarray:
        """Distinct users per item (the popularity used by novelty and by ``Popularity``)."""
        return np.asarray((self.matrix > 0).sum(axis=0)).ravel().astype(np.float64)


def _universe(given: Sequence[str] | np.ndarray | None, seen: pl.Series) -> list[str]:
    """Given ids first (in order), then ids only seen in the events, in first-seen order."""
    base = [] if given is None else [str(x) for x in given]
    known = set(base)
    extra = [x for x in seen.unique(maintain_order=True).to_list() if x not in known]
    return base + extra


@runtime_checkable
class Generator(Protocol):
    """A candidate generator: fit once on interactions, then score batches of users.

    ``score`` returns dense float32 scores (len(user_rows) x n_items); higher is better;
    ``-inf`` means "never recommend". Cold users (row -1) get whatever the generator can do
    without history (popularity-like generators) or zeros.
    """

    name: str

    def fit(self, data: Interactions) -> Self: ...

    def score(self, user_rows: np.ndarray) -> np.ndarray: ...

    def recommend(
        self, users: Sequence[str] | np.ndarray, k: int, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]: ...


class Recommends:
    """Mixin: ``recommend`` for any generator that keeps its fitted ``data``."""

    data: Interactions | None

    def recommend(
        self, users: Sequence[str] | np.ndarray, k: int, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (item_ids, scores) per external user id; see ``recommend`` below."""
        assert self.data is not None, "fit first"
        return recommend(self, self.data, users, k, exclude_seen)  # type: ignore[arg-type]


#: Threads ``top_k`` splits a large batch over; a process-pool worker sets 1 (one per core).
TOP_K_THREADS = 2


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k best scores per row, best first.

    Within the selected k, ties are ordered by item index so results are deterministic; which
    of several items tied exactly at the k-th score gets in is left to ``argpartition``
    (deterministic for the same input; a full stable sort per row costs ~10x more).
    Rows are partitioned in ``TOP_K_THREADS`` threads (numpy releases the GIL): this selection
    is the dominant cost of full-ranking evaluation. Rows that are mostly one tied value (the
    zeros of a sparse generator, ``-inf`` masks) take ``_select_compact``, same result.
    """
    n = scores.shape[1]
    k = min(k, n)
    idx = np.empty((scores.shape[0], k), dtype=np.int64)

    def select(lo: int, hi: int) -> None:
        idx[lo:hi] = _select_compact(scores[lo:hi], k)

    rows = scores.shape[0]
    if rows >= 256 and TOP_K_THREADS > 1:
        bounds = np.linspace(0, rows, TOP_K_THREADS + 1).astype(int)
        with ThreadPoolExecutor(TOP_K_THREADS) as pool:
            list(pool.map(lambda b: select(*b), zip(bounds[:-1], bounds[1:], strict=True)))
    elif rows:
        select(0, rows)
    return idx, np.take_along_axis(scores, idx, axis=1)


def _select_partition(block: np.ndarray, k: int) -> np.ndarray:
    """The k best columns per row by ``argpartition`` over the whole row (the reference)."""
    n = block.shape[1]
    part = np.argpartition(block, n - k, axis=1)[:, n - k :]
    part.sort(axis=1)
    vals = np.take_along_axis(block, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _select_compact(block: np.ndarray, k: int) -> np.ndarray:
    """``_select_partition``'s result, fast on rows that are mostly one tied value.

    ``argpartition`` is ~6x slower on such rows (1,024 x 12,101 float32, 300 non-zeros per row:
    1.43 vs 0.20 CPU-s for distinct values). Where a row has at least k entries above a
    threshold t (its minimum — the ``-inf`` mask — or else 0, a sparse generator's "no
    evidence"), the top k lie among them, so they are selected from that compact set instead;
    the result is kept only when the k-th value is not tied with an unselected entry (then every
    correct selection is the same set, ordered below exactly as the reference orders it).
    Rows with a choice among tied entries — fewer than k entries above t, a tie at the k-th
    value, NaN — go through ``_select_partition`` on the full row, so ``argpartition`` makes
    the same choice as before. (Replicating that choice without running it is not possible: it
    depends on the selection's internal pivots over the whole row.)
    """
    rows, n = block.shape
    if k >= n or rows == 0 or block.dtype.kind != "f":
        return _select_partition(block, k)
    out = np.empty((rows, k), dtype=np.int64)
    low = block.min(axis=1)
    nan = np.isnan(low)  # NaN sorts above everything in argpartition: the reference decides
    todo = np.flatnonzero(~nan)
    for threshold in (None, 0.0):
        if not len(todo):
            break
        sub = block[todo]
        above = sub > (low[todo, None] if threshold is None else threshold)
        cnt = above.sum(axis=1)
        fits = np.flatnonzero((cnt >= k) & (cnt <= n // 4))
        if len(fits):
            got = _from_compact(sub[fits], above[fits], cnt[fits], k)
            ok = got[:, 0] >= 0
            out[todo[fits[ok]]] = got[ok]
            todo = np.delete(todo, fits[ok])
    todo = np.union1d(todo, np.flatnonzero(nan))
    if len(todo):
        out[todo] = _select_partition(block[todo], k)
    return out


def _from_compact(block: np.ndarray, above: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Top-k columns per row chosen among the ``above`` entries (each row has >= k of them);
    a row whose k-th value ties with an unselected entry comes back as -1s (not decided)."""
    r, c = np.nonzero(above)  # row-major: columns ascending within a row
    offs = np.arange(len(c)) - np.repeat(np.cumsum(counts) - counts, counts)
    width = int(counts.max())
    cols = np.zeros((len(block), width), dtype=np.int64)
    vals = np.full((len(block), width), -np.inf, dtype=block.dtype)  # below every entry
    cols[r, offs] = c
    vals[r, offs] = block[r, c]
    part = np.argpartition(vals, width - k, axis=1)[:, width - k :]
    kth = np.take_along_axis(vals, part, axis=1).min(axis=1)
    unique = (vals >= kth[:, None]).sum(axis=1) == k
    out = np.full((len(block), k), -1, dtype=np.int64)
    if unique.any():
        sel = np.take_along_axis(cols[unique], part[unique], axis=1)
        sel.sort(axis=1)
        got = np.take_along_axis(block[unique], sel, axis=1)
        order = np.argsort(-got, axis=1, kind="stable")
        out[unique] = np.take_along_axis(sel, order, axis=1)
    return out


def recommend(
    generator: Generator,
    data: Interactions,
    users: Sequence[str] | np.ndarray,
    k: int,
    exclude_seen: bool = True,
    batch_size: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (item_ids, scores) for external user ids, vectorised in batches.

    ``exclude_seen`` masks every item the user interacted with in ``data`` (the S3-Rec and
    RecBole protocols both rank only unseen items; a shop may want repeat purchases instead).
    Excluded or unscorable slots come back with score ``-inf``.
    """
    rows = data.user_rows(users)
    out_items, out_scores = [], []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        scores = generator.score(chunk)
        if exclude_seen:
            mask_seen(scores, data.seen(chunk))
        idx, vals = top_k(scores, k)
        out_items.append(data.item_ids[idx])
        out_scores.append(vals)
    if not out_items:
        return np.empty((0, k), dtype=object), np.empty((0, k), dtype=np.float32)
    return np.vstack(out_items), np.vstack(out_scores)


def mask_seen(scores: np.ndarray, seen: sp.csr_matrix) -> None:
    """Set the scores of seen (row, item) cells to -inf, in place."""
    coo = seen.tocoo()
    scores[coo.row, coo.col] = -np.inf


def recent_weights(
    indptr: np.ndarray, items: np.ndarray, user_rows: np.ndarray, recent: int, decay: float, n_items: int
) -> sp.csr_matrix:
    """users x items weights of each user's last ``recent`` entries of a CSR-style sequence
    (``indptr``/``items``), the newest weighted 1 and older ones ``decay ** age``; user row
    -1 (unknown) gets an empty row. Shared by the generators that score from recent items."""
    rows = np.asarray(user_rows)
    safe = np.where(rows >= 0, rows, 0)
    ends = np.where(rows >= 0, indptr[safe + 1], 0)
    starts = np.where(rows >= 0, np.maximum(indptr[safe], ends - recent), 0)
    lengths = ends - starts
    total = int(lengths.sum())
    batch_row = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = np.repeat(starts, lengths) + offsets
    age = np.repeat(lengths, lengths) - 1 - offsets
    weight = np.power(decay, age).astype(np.float32)
    out = sp.csr_matrix((weight, (batch_row, items[pos])), shape=(len(rows), n_items))
    out.sum_duplicates()
    return out
