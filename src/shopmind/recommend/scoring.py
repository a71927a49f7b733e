"""Request-time scoring: live-aware per-source scores, top lists and their fusion.

Every context of ``RecommendationService`` ends up here: it turns a visitor's recent items
(batch history plus live events) into one dense score vector per source, cuts each to its
top ``depth`` list, and fuses the lists (weighted reciprocal rank, or the LightGBM ranker).
The pure algebra (neighbour-row gathering, top lists, rank fusion, the ALS fold-in) is plain
functions; ``Scoring`` is the mixin that feeds them the fitted arrays and the live state.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from shopmind.recommend.als import ALS
from shopmind.recommend.base import EVENT_KINDS
from shopmind.recommend.config import Ranked
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.live import DAY, PairTable

__all__ = ["Fixed", "Scoring", "als_fold_in", "gather", "rrf_fuse", "top_lists"]

#: sources whose scores are dot products (any sign carries a ranking), not evidence counts
DENSE = ("als", "sasrec")
#: the least share of its weight a content list keeps under ``content_behaviour_k``: with the
#: default weights and depth its best slot then scores below any behavioural list's last one,
#: so it only fills what behaviour leaves empty
CONTENT_FLOOR = 1e-3


def gather(m: sp.csr_matrix, live: PairTable | None, recent: list[tuple[int, str, float]],
           n: int, scale: bool = True) -> np.ndarray:  # fmt: skip
    """Recency-weighted sum of the recent items' rows of ``m`` plus their ``live`` counts.

    With ``scale`` each row is scaled to a maximum of 1 first, so the newest item's best
    neighbours outrank an older item's heavy pairs.
    """
    cols, vals = [], []
    for r, _, x in recent:
        lo, hi = m.indptr[r], m.indptr[r + 1]
        c, v = m.indices[lo:hi], m.data[lo:hi].astype(np.float64)
        if live is not None:
            lc, lv = live.row_arrays(r)
            if len(lc):
                c, v = np.concatenate([c, lc]), np.concatenate([v, lv])
        if not len(v):
            continue
        top = v.max() if scale else 1.0
        cols.append(c)
        vals.append(v * (x / top if top > 0 else 0.0))
    if not cols:
        return np.zeros(n, dtype=np.float64)
    return np.bincount(np.concatenate(cols), weights=np.concatenate(vals), minlength=n)


def top_lists(scores: Mapping[str, np.ndarray], exclude: np.ndarray, depth: int) -> dict[str, np.ndarray]:
    """Top-``depth`` item indices per source with positive evidence, best first."""
    lists = {}
    for name, s in scores.items():
        if len(exclude):
            s = np.array(s, dtype=np.float64)
            s[exclude] = -np.inf
        d = min(depth, len(s))
        part = np.argpartition(-s, d - 1)[:d]
        part = part[np.lexsort((part, -s[part]))]
        vals = s[part]
        ok = np.isfinite(vals) & ((vals > 0) if name not in DENSE else True)
        lists[name] = part[ok]
    return lists


def rrf_fuse(
    lists: Mapping[str, np.ndarray], weights: Mapping[str, float], n: int, c: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted reciprocal-rank fusion: sum of w / (c + rank) over the lists holding an item."""
    fused = np.zeros(n, dtype=np.float64)
    for name, idx in lists.items():
        w = weights.get(name, 0.0)
        if w > 0 and len(idx):
            fused[idx] += w / (c + np.arange(1, len(idx) + 1))  # items are distinct within a list
    items = np.flatnonzero(fused > 0)
    return items, fused[items]


def als_fold_in(yty: np.ndarray, y: np.ndarray, c: np.ndarray, reg: float, x: np.ndarray) -> np.ndarray:
    """A user vector for confidences ``c`` on item factors ``y`` (rows), started from ``x``.

    Solves the user's ALS normal equations (as ``implicit``'s ``recalculate_user``) by 3
    conjugate-gradient steps — ``implicit``'s own CG recipe — so it costs O(f * items of the
    user) instead of a dense f x f build and solve per request. ``x`` is updated in place.
    """

    def apply(v: np.ndarray) -> np.ndarray:
        return yty @ v + reg * v + y.T @ ((c - 1.0) * (y @ v))

    r = y.T @ c - apply(x)
    p, rs = r.copy(), float(r @ r)
    for _ in range(3):
        if rs < 1e-20:
            break
        ap = apply(p)
        step = rs / float(p @ ap)
        x += step * p
        r -= step * ap
        rs_new = float(r @ r)
        p = r + (rs_new / rs) * p
        rs = rs_new
    return x


class Fixed:
    """A generator stand-in that returns precomputed (live-aware) scores for one user."""

    sparse_scores = True

    def __init__(self, scores: np.ndarray) -> None:
        self.s = np.asarray(scores, dtype=np.float32)[None, :]

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        return self.s.copy()


class Scoring:
    """Scoring methods of ``RecommendationService``; they read its fitted arrays and live state
    (``catalog``, ``data``, ``config``, ``generators``, ``ranker``, ``content``, ``live``,
    ``covisit``, ``trend``, ``popularity``, the ALS factors)."""

    def _recent(
        self, user_row: int, visitor: str | None, extra: list[tuple[int, str, float]] = ()
    ) -> list[tuple[int, str, float]]:
        """(item, type, weight) of the latest ``recent`` events, newest first, decayed by age."""
        seq: list[tuple[int, str]] = []
        if user_row >= 0:
            lo, hi = self.data.seq_indptr[user_row], self.data.seq_indptr[user_row + 1]
            lo = max(lo, hi - self.config.recent)
            seq = list(zip(self.data.seq_items[lo:hi].tolist(), self._seq_types(lo, hi), strict=True))
        if visitor is not None:
            seq += [(i, ty) for i, ty, _ in self.live.recent_items(visitor)]
        seq += [(i, ty) for i, ty, _ in extra]
        seq = seq[-self.config.recent :][::-1]
        d = self.config.recency_decay
        return [(int(i), str(ty), d**age) for age, (i, ty) in enumerate(seq)]

    def _seq_types(self, lo: int, hi: int) -> list[str]:
        """The real event types of batch history entries ``lo:hi`` (releases saved before
        ``Interactions.seq_kinds`` kept a ``seq_types`` array guessed from weights)."""
        kinds = getattr(self.data, "seq_kinds", None)
        if kinds is None:
            old = getattr(self, "seq_types", None)
            return old[lo:hi].tolist() if old is not None else ["view"] * (hi - lo)
        return [EVENT_KINDS[k] if k >= 0 else "view" for k in kinds[lo:hi].tolist()]

    def _covisit_scores(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        """Recency-weighted sum of the recent items' neighbour rows (batch + live counts).

        Each row is scaled to a maximum of 1 first, so the newest item's best neighbours
        outrank an older item's heavy pairs: what the shopper just did must show up next.
        """
        return gather(self.covisit, self.live.covisit, recent, len(self.catalog))

    def _content_scores(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        """Recency-weighted cosines of the recent items' content neighbours, each item's
        neighbours scaled by how far its behaviour leaves them to be trusted (``_content_trust``)."""
        out = np.zeros(len(self.catalog), dtype=np.float64)
        if self.content is None:
            return out
        trust = self._content_trust([r for r, _, _ in recent])
        for (r, _, x), t in zip(recent, trust, strict=True):
            idx, val = self.content.similar(r, self.config.depth)
            np.add.at(out, idx, x * t * val)
        return out

    def _content_trust(self, items: list[int]) -> np.ndarray:
        """Per item, the share of the content list's weight its neighbours get: 1 unless
        ``content_behaviour_k`` is set, then ``1 / (1 + users / k)`` (k = 0: 1 for an item nobody
        touched, else 0), floored at ``CONTENT_FLOOR`` so content still fills empty slots."""
        k = getattr(self.config, "content_behaviour_k", None)
        if k is None:
            return np.ones(len(items))
        known = self._item_users()
        rows = np.asarray(items, dtype=np.int64)
        users = (
            np.where(rows < len(known), known[np.minimum(rows, max(len(known) - 1, 0))], 0)
            if len(known)
            else np.zeros(len(rows))
        )
        trust = (users == 0).astype(np.float64) if k == 0 else 1.0 / (1.0 + users / float(k))
        return np.maximum(trust, CONTENT_FLOOR)

    def _item_users(self) -> np.ndarray:
        """Distinct shoppers per item in the fitted events (computed once for a release saved
        before ``_derive`` kept it)."""
        users = getattr(self, "item_users", None)
        if users is None:
            users = self.item_users = np.asarray((self.data.matrix > 0).sum(axis=0)).ravel()
        return users

    def _content_weighted(
        self, weights: Mapping[str, float], recent: list[tuple[int, str, float]]
    ) -> Mapping[str, float]:
        """``weights`` with the content list's weight scaled by the recency-weighted trust of the
        items its neighbours come from (unchanged without ``content_behaviour_k``)."""
        k = getattr(self.config, "content_behaviour_k", None)
        if k is None or not weights.get("content") or not recent:
            return weights
        x = np.array([w for _, _, w in recent])
        share = float((x * self._content_trust([r for r, _, _ in recent])).sum() / max(x.sum(), 1e-12))
        return {**weights, "content": weights["content"] * max(share, CONTENT_FLOOR)}

    def _trending_now(self) -> np.ndarray:
        """Batch trending decayed to the latest event plus live trending (cached per live version)."""
        cached = getattr(self, "_trend_cache", None)
        if cached is not None and cached[0] == self.live.version:
            return cached[1]
        hl = self._trend_half_life() * DAY
        value = self.trend * 0.5 ** (max(self.live.now - self.fit_now, 0.0) / hl) + self.live.trending()
        self._trend_cache = (self.live.version, value)
        return value

    def _trend_half_life(self) -> float:
        gen = self.generators.get("trending")
        return float(getattr(gen, "half_life_days", None) or 7.0)

    def _category_shares(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        shares = np.zeros(len(self.catalog.top_names) + 1)
        for r, _, x in recent:
            shares[self.catalog.top_code[r]] += x  # -1 -> the spare last slot
        shares = shares[:-1]
        return shares / shares.sum() if shares.sum() > 0 else shares

    def _category_trending(self, recent: list[tuple[int, str, float]]) -> np.ndarray:
        """Trending score within the visitor's categories (share of recent events per category)."""
        shares = self._category_shares(recent)
        codes = self.catalog.top_code
        per_item = np.where(codes >= 0, shares[np.maximum(codes, 0)] if len(shares) else 0.0, 0.0)
        trend = self._trending_now()
        return per_item * trend / max(trend.max(initial=0.0), 1e-12)

    def _als_scores(self, user_row: int, visitor: str | None, recent_live: bool) -> np.ndarray | None:
        """ALS scores; a user with live events is folded in from batch + live confidences
        (``als_fold_in``, started from the trained user vector)."""
        als = self.generators.get("als")
        if not isinstance(als, ALS):
            return None
        if user_row >= 0 and not recent_live:
            return self.item_factors @ self.user_factors[user_row]
        conf: dict[int, float] = {}
        if user_row >= 0:
            m = self.data.matrix
            lo, hi = m.indptr[user_row], m.indptr[user_row + 1]
            conf.update(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True))
        if visitor is not None:
            for i, ty, _ in self.live.recent_items(visitor):
                conf[i] = conf.get(i, 0.0) + self.config.event_weights.get(ty, 0.0)
        if not conf:
            return None
        items = np.fromiter(conf, dtype=np.int64, count=len(conf))
        c = als.params["alpha"] * np.fromiter(conf.values(), dtype=np.float64, count=len(conf))
        y = self.item_factors[items].astype(np.float64)
        reg = float(als.params["regularization"])
        x = self.user_factors[user_row].astype(np.float64) if user_row >= 0 else np.zeros(self.yty.shape[0])
        x = als_fold_in(self.yty, y, c, reg, x)
        return self.item_factors @ x.astype(np.float32)

    def _sasrec_scores(self, user_row: int, visitor: str | None) -> np.ndarray | None:
        """SASRec's next-item logits from the visitor's batch history followed by their live
        events (oldest first), so the sequence model sees what was done since the release.
        None when SASRec is not fitted, cannot run here (torch missing), or there is no history."""
        gen = self.generators.get("sasrec")
        if gen is None or not getattr(gen, "available", False):
            return None
        seq: list[int] = []
        if user_row >= 0:
            lo, hi = self.data.seq_indptr[user_row], self.data.seq_indptr[user_row + 1]
            seq = self.data.seq_items[lo:hi].tolist()
        if visitor is not None:
            seq += [i for i, _, _ in self.live.recent_items(visitor)]
        if not seq:
            return None
        return gen.score_sequences([np.array(seq, dtype=np.int64)])[0]  # type: ignore[attr-defined]

    def _source_scores(self, user_row: int, visitor: str | None, recent: list[tuple[int, str, float]],
                       recent_live: bool) -> dict[str, np.ndarray]:  # fmt: skip
        """Live-aware dense scores per source for one visitor."""
        out: dict[str, np.ndarray] = {}
        names = set(self.config.weights) | (set(self.ranker.makers) if self.ranker is not None else set())
        for name in sorted(names):  # sorted: set order varies with PYTHONHASHSEED
            if name == "covisit":
                out[name] = self._covisit_scores(recent)
            elif name == "content" and self.content is not None:
                out[name] = self._content_scores(recent)
            elif name == "als":
                s = self._als_scores(user_row, visitor, recent_live)
                if s is not None:
                    out[name] = s
            elif name == "sasrec":
                s = self._sasrec_scores(user_row, visitor)
                if s is not None:
                    out[name] = s
            elif name == "popularity":
                out[name] = self.popularity + self.live.popularity
            elif name == "trending":
                out[name] = self._trending_now()
            elif name == "category-popularity":
                out[name] = self._category_trending(recent) + 0.01 * self.popularity / max(
                    self.popularity.max(), 1.0
                )
            elif name == "item-knn" and isinstance(self.generators.get(name), ItemKNN):
                items = {r for r, _, _ in recent}
                if user_row >= 0:
                    m = self.data.matrix
                    items.update(m.indices[m.indptr[user_row] : m.indptr[user_row + 1]].tolist())
                sim = self.generators[name].similarity  # type: ignore[attr-defined]
                out[name] = gather(sim, None, [(i, "", 1.0) for i in items], len(self.catalog), scale=False)
        return out

    def _lists(self, scores: Mapping[str, np.ndarray], exclude: np.ndarray) -> dict[str, np.ndarray]:
        """``top_lists`` at the configured depth."""
        return top_lists(scores, exclude, self.config.depth)

    def _fuse(
        self, lists: Mapping[str, np.ndarray], weights: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``rrf_fuse`` over the catalog with the configured constant."""
        return rrf_fuse(lists, weights, len(self.catalog), self.config.rrf_c)

    def _rank_user(self, user_row: int, visitor: str) -> Ranked:
        live_events = bool(self.live.events.get(visitor))
        recent = self._recent(user_row, visitor)
        scores = self._source_scores(user_row, visitor, recent, live_events)
        exclude = self._seen(user_row, visitor) if self.config.exclude_seen else np.empty(0, dtype=np.int64)
        lists = self._lists(scores, exclude)
        if self.ranker is not None:
            items, vals = self._ranker_scores(user_row, scores)
            if len(exclude):
                keep = ~np.isin(items, exclude)
                items, vals = items[keep], vals[keep]
        else:
            items, vals = self._fuse(lists, self._content_weighted(self.config.weights, recent))
        return Ranked(items, vals, lists, recent)

    def _ranker_scores(
        self, user_row: int, scores: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """LightGBM over the ranker's own candidate/feature recipe, fed live-aware scores."""
        from shopmind.recommend.ranker import build_features

        fixed = {}
        for name, gen in self.ranker.generators.items():
            s = scores.get(name)
            fixed[name] = Fixed(s) if s is not None else gen
        pos, items, X = build_features(self.data, self.ranker.ctx, fixed, np.array([user_row]),
                                       self.ranker.depth, self.ranker.history_depth)  # fmt: skip
        if not len(items):
            return np.empty(0, dtype=np.int64), np.empty(0)
        return items.astype(np.int64), np.asarray(self.ranker._predict(X), dtype=np.float64)

    def _seen(self, user_row: int, visitor: str | None) -> np.ndarray:
        seen = set(self.data.matrix[user_row].indices.tolist()) if user_row >= 0 else set()
        if visitor is not None:
            seen.update(i for i, _, _ in self.live.recent_items(visitor))
        return np.fromiter(seen, dtype=np.int64)
