"""Candidate retrieval of the search engine: lexical scores per catalog row, dense head, fusion.

Why a module of its own: this is the stage that decides the result set — BM25F per term mapped
from lexical segments to catalog rows, min-match with relaxation, the dense head taken after the
filter mask, and linear (min-max over both heads) or RRF fusion — separate from reading the
query before it and ordering the page after it. ``Retrieval`` is the mixin of ``SearchEngine``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from shopmind.search.engine_types import _Candidates


def required_terms(matched: np.ndarray, n_terms: int, min_match: float) -> int:
    """Distinct query terms a product must match (the min-match rule): all of one or two,
    else ``ceil(min_match * n)``, lowered one at a time while none of ``matched`` (the counts
    of the products passing the filters) reaches it, down to 1."""
    required = n_terms if n_terms <= 2 else math.ceil(min_match * n_terms)
    while required > 1 and not np.any(matched >= required):
        required -= 1
    return required


class Retrieval:
    """Candidate-retrieval methods of ``SearchEngine`` (see the module docstring)."""

    def _segment_rows(self, si: int, seg: Any) -> np.ndarray:
        """Catalog row of each row of lexical segment ``seg`` (cached per segment object)."""
        hit = self._segmap.get(si)
        if hit is not None and hit[0] is seg and hit[1] == self.catalog.generation:
            return hit[2]
        pos = self.catalog.pos
        arr = np.fromiter((pos.get(str(p), -1) for p in seg.ids), dtype=np.int64, count=len(seg.ids))
        self._segmap[si] = (seg, self.catalog.generation, arr)
        return arr

    def _term_scores(self, term: str, times: int) -> tuple[np.ndarray, np.ndarray]:
        """(catalog rows, BM25F score) of the products matching ``term`` (``times`` = its
        count in the query). BM25F sums over terms, so per-term scores add up to the query's."""
        score_terms = getattr(self.lexical, "_score_terms", None)
        if score_terms is None:  # public fallback: the same scores through a dict
            found = self.lexical.scores(term, correct=False)
            pos = self.catalog.pos
            rows_ = np.fromiter((pos.get(i, -1) for i in found), dtype=np.int64, count=len(found))
            sc = np.fromiter(found.values(), dtype=np.float64, count=len(found)) * times
            return rows_[rows_ >= 0], sc[rows_ >= 0]
        seg_of, rows, scores = score_terms([term] * times)
        if not len(rows):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        out = np.empty(len(rows), dtype=np.int64)
        for si in np.unique(seg_of).tolist():
            sel = seg_of == si
            out[sel] = self._segment_rows(si, self.lexical.segments[si])[rows[sel]]
        ok = out >= 0
        return out[ok], scores[ok]

    def _lexical(
        self,
        tokens: list[str],
        expansions: list[str],
        alternatives: Mapping[str, list[str]] | None = None,
        core: Collection[str] = (),
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per catalog row: BM25F score, number of distinct query terms matched, and of the
        ``core`` terms among them (``None`` without core terms: ``engine_relax``). A query
        term is matched by itself or by one of its ``alternatives`` (a translation), which add
        ``expansion_weight`` x their score once each: a Chinese query matches an English
        product term for term, so min-match does not shut the other language out."""
        n = self.catalog.n_rows
        score = np.zeros(n)
        matched = np.zeros(n, dtype=np.int32)
        core_hit = np.zeros(n, dtype=np.int32) if core else None
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        exp_hit = np.zeros(n, dtype=bool)
        alt_rows: dict[str, np.ndarray] = {}
        for t, c in counts.items():
            rows, sc = self._term_scores(t, c)
            score += np.bincount(rows, weights=sc, minlength=n)
            alts = (alternatives or {}).get(t, ())
            if not alts:
                matched[rows] += 1
                if core_hit is not None and t in core:
                    core_hit[rows] += 1
                continue
            hit = np.zeros(n, dtype=bool)
            hit[rows] = True
            for a in alts:
                if a not in alt_rows:
                    a_rows, a_sc = self._term_scores(a, 1)
                    score += self.config.expansion_weight * np.bincount(a_rows, weights=a_sc, minlength=n)
                    alt_rows[a] = a_rows
                hit[alt_rows[a]] = True
            matched += hit
            if core_hit is not None and t in core:
                core_hit += hit
        for t in expansions:
            rows, sc = self._term_scores(t, 1)
            score += self.config.expansion_weight * np.bincount(rows, weights=sc, minlength=n)
            exp_hit[rows] = True
        matched += exp_hit
        return score, matched, core_hit

    def _browse(self, mask: np.ndarray) -> _Candidates:
        rows = np.flatnonzero(mask)
        z = np.zeros(len(rows))
        return _Candidates(rows, z, np.full(len(rows), np.nan), z, np.zeros(len(rows), dtype=np.int32), 0)

    def _candidates(
        self,
        mask: np.ndarray,
        lex: np.ndarray,
        matched: np.ndarray,
        n_terms: int,
        qvec: np.ndarray | None,
        timing: dict[str, float],
    ) -> _Candidates:
        cfg = self.config
        required = required_terms(matched[mask], n_terms, cfg.min_match)
        in_lex = mask & (matched >= max(required, 1))
        t = time.perf_counter()
        dense_all = None
        in_dense = np.zeros_like(mask)
        dense_head = np.zeros(0, dtype=np.int64)
        ann = getattr(self, "_ann", None)
        if qvec is not None and self.vectors is not None and ann is not None:
            dense_all, dense_head = self._dense_ann(ann, qvec, mask, in_lex)
            in_dense[dense_head[dense_all[dense_head] >= cfg.floor()]] = True
        elif qvec is not None and self.vectors is not None:
            dense_all = self.vectors @ qvec
            allowed = np.flatnonzero(mask)
            if len(allowed):
                ds = dense_all[allowed]
                k = min(cfg.dense_depth, len(allowed))
                top = np.argpartition(-ds, k - 1)[:k] if len(allowed) > k else np.arange(len(allowed))
                dense_head = allowed[top]
                in_dense[dense_head[dense_all[dense_head] >= cfg.floor()]] = True
        timing["dense"] += (time.perf_counter() - t) * 1e3
        rows = np.flatnonzero(in_lex | in_dense)
        lx = lex[rows]
        if dense_all is None:
            return _Candidates(rows, lx, np.full(len(rows), np.nan), lx.copy(), matched[rows], required)
        dn = dense_all[rows].astype(np.float64)
        if not len(rows):  # nothing passed the filters: no heads to take fusion bounds from
            return _Candidates(rows, lx, dn, lx.copy(), matched[rows], required)
        if cfg.fusion == "rrf":
            fused = self._rrf(rows, lx, dn, in_dense[rows])
        else:
            # normalisation bounds from the heads of both lists (as when alpha was tuned)
            lex_rows = np.flatnonzero(in_lex)
            k = min(cfg.fusion_depth, len(lex_rows))
            lex_head = lex_rows[np.argpartition(-lex[lex_rows], k - 1)[:k]] if len(lex_rows) > k else lex_rows
            head = np.union1d(lex_head, dense_head)
            lo_l, hi_l = float(lex[head].min()), float(lex[head].max())
            lo_d, hi_d = float(dense_all[head].min()), float(dense_all[head].max())
            nl = np.clip((lx - lo_l) / (hi_l - lo_l), 0, 1) if hi_l > lo_l else np.zeros(len(rows))
            nd = np.clip((dn - lo_d) / (hi_d - lo_d), 0, 1) if hi_d > lo_d else np.zeros(len(rows))
            fused = (1 - cfg.alpha) * nl + cfg.alpha * nd
        return _Candidates(rows, lx, dn, fused, matched[rows], required)

    def _rrf(self, rows: np.ndarray, lx: np.ndarray, dn: np.ndarray, dense_in: np.ndarray) -> np.ndarray:
        k = self.config.rrf_k
        fused = np.zeros(len(rows))
        lex_pos = np.flatnonzero(lx > 0)
        lex_rank = np.empty(len(lex_pos))
        lex_rank[np.lexsort((rows[lex_pos], -lx[lex_pos]))] = np.arange(1, len(lex_pos) + 1)
        fused[lex_pos] += 1.0 / (k + lex_rank)
        d_pos = np.flatnonzero(dense_in)
        d_rank = np.empty(len(d_pos))
        d_rank[np.lexsort((rows[d_pos], -dn[d_pos]))] = np.arange(1, len(d_pos) + 1)
        fused[d_pos] += 1.0 / (k + d_rank)
        return fused
