"""Round 24 (issue 12, "Measure", search): what the shop-trained re-ranker sees and how it is trained.

The full pipeline ``fusion-e5+ltr`` on Home Depot (54,667 products, 4,708 queries) held out 0.4237 = 1.29x
tantivy (goal 1.35x). The encoder levers are spent (the e5 adapter stayed 1.00x, fine-tuned MiniLM reached
frozen e5); this script tries the re-ranker's inputs and its training, as switches, each against the same
baseline in the same process.

RULE (fixed and committed before any candidate figure was computed)
--------------------------------------------------------------------
- Selection data = the evaluator's **tuning half** only (``eval_data.tuning_half(q)`` True). The baseline
  and every candidate are trained and scored **out of fold inside the tuning half**: the tuning-half
  queries are split into 5 folds by ``fold_of`` (md5 of the normalised query, the evaluator's own fold
  function); a tuning query is scored by the model trained on the other 4 tuning folds. The fusion alpha
  that orders the candidates is chosen on each fold's training queries (as ``LTREval``). Held-out-half
  queries are neither trained on nor scored in this phase.
- Metric: retrieval-view NDCG@10 per query (the evaluator's formula, unjudged = 0), queries with ideal DCG > 0.
- **Pass** = mean paired per-query gain (candidate - baseline, same queries) > 2 standard errors
  (se = sd(gain) / sqrt(n)). Each switch is compared with the baseline alone, one setting per switch (no
  grid over settings); at most 4 switches.
- The passing switches are combined; the combination must pass the same test on the tuning half.
- The **held-out half is read once**, at the end, with the evaluator's unchanged protocol
  (``shopmind evaluate search --methods tantivy,fusion-e5+ltr``: 5-fold out of fold over all queries,
  held-out-half mean reported) for the baseline (run first, before this rule's candidates) and for the
  adopted re-ranker. Nothing is changed after that read.

Switches (each defensible for any shop and both languages; no Home Depot rules):

- ``union``: the re-ranker sees the whole first-stage union (BM25F top 100 + dense top 100) instead of the
  fused top 100, so a product only one retriever found is not cut before the model sees it.
- ``feats``: features the model lacks: idf-weighted query-term coverage (any field, title), the largest idf
  of a query term the product lacks, and the share of the query's number tokens ("1/2", "18v", "2x4") the
  product has (title, any field) - a missing rare term or number is strong evidence the product is another.
- ``xendcg``: LightGBM's ``rank_xendcg`` objective instead of ``lambdarank`` (a listwise objective without
  the truncation level; same rounds and other settings).
- ``prf`` (added after the first three were read and failed; still one setting, the 4th and last switch the
  rule allows): cosine of each candidate's vector to the normalised centroid of the first stage's top 10
  (result-list consensus, pseudo-relevance feedback in the dense space), and that minus the best.

Outcome (2026-12-06, recorded in docs/BENCHMARKS.md): no switch passed, so nothing was adopted and the held-out
half was not read for any candidate. Home Depot's products are titles only here (no description, brand,
category or attributes in the adapter's output), so per-field and coverage features repeat the title ones.

Diagnosis (every run, of the baseline): on the tuning half, how much of the gap to a perfect order is recall (judged
relevant products outside the candidates) and how much order, per query kind.

    nice -n 10 .venv/bin/python bench/search_ltr_round24.py --vectors /tmp/t12s/vectors \
        --switches union,feats,xendcg --out bench/results/search_ltr_round24.json
    (--switches prf --out ...-prf.json; --switches "" --out ...-diagnosis.json: baseline + diagnosis only)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shopmind.search.eval_data import load_dataset, select_queries, tuning_half
from shopmind.search.lexical_types import FIELDS
from shopmind.search.ltr.evaluate import ALPHAS, LTREval, _ndcg10
from shopmind.search.ltr.features import F, FeatureExtractor, relative_columns, split_folds
from shopmind.search.ltr.model import LTRModel, grade_labels
from shopmind.search.metrics import ndcg_at_k, recall_at_k

DIGIT = re.compile(r"\d")
PRF = ("prf_cos", "prf_rel")
PRF_K = 10
EXTRA = ("idf_cover_any", "idf_cover_title", "miss_idf_max", "num_title", "num_any")


def extra_features(ex: FeatureExtractor, query: str, cands: Sequence[str]) -> np.ndarray:
    """The ``feats`` switch's columns (``EXTRA``) for the candidates of ``query``."""
    idx = ex.index
    tokens, _ = idx.analyze_query(query or "")
    distinct = list(dict.fromkeys(tokens))
    known = [t for t in distinct if t in idx.vocab and idx.df[idx.vocab[t]] > 0]
    tids = np.array([idx.vocab[t] for t in known], dtype=np.int64)
    n = len(cands)
    out = np.full((n, len(EXTRA)), np.nan)
    if not n:
        return out
    tf, _ = ex._tf(cands, tids)
    idf = idx.idf(tids) if len(tids) else np.zeros(0)
    idf_unknown = float(np.log1p((idx.n_live + 0.5) / 0.5))
    n_unknown = len(distinct) - len(known)
    total = float(idf.sum()) + idf_unknown * n_unknown
    anyf = np.zeros((n, len(tids)), dtype=bool)
    for f in FIELDS:
        anyf |= tf[f] > 0
    title = tf["title"] > 0
    if total > 0:
        out[:, 0] = (anyf @ idf) / total
        out[:, 1] = (title @ idf) / total
    miss = np.where(~anyf, idf[None, :], 0.0).max(axis=1) if len(tids) else np.zeros(n)
    out[:, 2] = np.maximum(miss, idf_unknown if n_unknown else 0.0)
    nums = [i for i, t in enumerate(known) if DIGIT.search(t)]
    n_num = sum(1 for t in distinct if DIGIT.search(t))
    if n_num:
        out[:, 3] = title[:, nums].sum(axis=1) / n_num
        out[:, 4] = anyf[:, nums].sum(axis=1) / n_num
    return out


class Bench:
    """First-stage unions and their features for the tuning half, computed once; every switch
    re-ranks from them with the same folds and alphas."""

    def __init__(self, data, m: LTREval, queries: list[str], depth: int = 100) -> None:
        self.data, self.m, self.queries, self.depth = data, m, queries, depth
        self.lo, self.hi = data.min_grade, data.max_grade
        t0 = time.perf_counter()
        self.stage = m._first_stage(queries)
        self.t_stage = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.extra = {q: extra_features(m.extractor, q, self.stage[q][0]) for q in queries}
        self.t_extra = time.perf_counter() - t0
        self.ideal = {
            q: sum(
                v / math.log2(r + 2)
                for r, v in enumerate(
                    sorted((x - self.lo for x in data.qrels[q].values()), reverse=True)[:10]
                )
            )
            for q in queries
        }
        self.splits = split_folds(queries, 5)
        self.alpha = {}
        for f, (train, _) in enumerate(self.splits):
            tq = [q for q in train if self.ideal[q] > 0]
            gains = {
                q: np.array([data.qrels[q].get(c, self.lo) - self.lo for c in self.stage[q][0]]) for q in tq
            }
            scores = []
            for a in ALPHAS:
                vals = [_ndcg10(self.fused(q, a)[: self.depth], gains[q], self.ideal[q]) for q in tq]
                scores.append((a, float(np.mean(vals))))
            self.alpha[f] = max(scores, key=lambda s: (s[1], -abs(s[0] - 0.5)))[0]

    def fused(self, q: str, alpha: float) -> np.ndarray:
        return _fused_all(self.stage[q][1], alpha)

    def cands(
        self, q: str, alpha: float, union: bool, feats: bool, prf: bool = False
    ) -> tuple[list[str], np.ndarray]:
        ids, X = self.stage[q]
        order = self.fused(q, alpha)
        if not union:
            order = order[: self.depth]
        Xo = relative_columns(X[order].astype(np.float64), alpha)
        if feats:
            Xo = np.hstack([Xo, self.extra[q][order]])
        if prf:
            Xo = np.hstack([Xo, self.prf_features([ids[i] for i in order])])
        return [ids[i] for i in order], Xo

    def prf_features(self, ordered: list[str], k: int = PRF_K) -> np.ndarray:
        """The ``prf`` switch: cosine of each candidate's vector to the normalised centroid of
        the first stage's top ``k`` (result-list consensus), and that minus the best."""
        ex = self.m.extractor
        rows = np.array([ex._dense_rows[ex.pos[c]] for c in ordered], dtype=np.int64)
        out = np.full((len(ordered), 2), np.nan)
        ok = rows >= 0
        head = rows[:k][rows[:k] >= 0]
        if not len(head) or not ok.any():
            return out
        V = ex.dense.vectors
        c = V[head].astype(np.float64).mean(axis=0)
        c /= np.linalg.norm(c) or 1.0
        out[ok, 0] = V[rows[ok]] @ c
        out[ok, 1] = out[ok, 0] - out[ok, 0].max()
        return out

    def run(
        self, union: bool = False, feats: bool = False, objective: str = "lambdarank", prf: bool = False
    ) -> dict[str, dict]:
        """Per tuning query: NDCG@10 and Recall@100 of the re-ranked list, out of fold."""
        from shopmind.search.ltr.features import FEATURES

        names = list(FEATURES) + (list(EXTRA) if feats else []) + (list(PRF) if prf else [])
        params = {} if objective == "lambdarank" else {"objective": objective}
        out: dict[str, dict] = {}
        secs = 0.0
        for f, (train, test) in enumerate(self.splits):
            a = self.alpha[f]
            Xs, ys, gs = [], [], []
            for q in train:
                c, X = self.cands(q, a, union, feats, prf)
                if len(c) < 2:
                    continue
                y = grade_labels(np.array([self.data.qrels[q].get(p, np.nan) for p in c]), self.lo, self.hi)
                if y.max() == 0:
                    continue
                Xs.append(X)
                ys.append(y)
                gs.append(len(c))
            t0 = time.perf_counter()
            model = LTRModel(params, feature_names=names).fit(np.vstack(Xs), np.concatenate(ys), gs)
            secs += time.perf_counter() - t0
            for q in test:
                c, X = self.cands(q, a, union, feats, prf)
                g = self.data.qrels[q]
                first = c[: self.depth]
                s = model.predict(X) if len(c) else np.zeros(0)
                ranked = [c[i] for i in np.lexsort((np.arange(len(s)), -s))]
                out[q] = {
                    "ndcg": ndcg_at_k(ranked, g, 10, self.lo),
                    "recall": recall_at_k(ranked, g, 100, self.data.threshold),
                    "first_ndcg": ndcg_at_k(first, g, 10, self.lo),
                    "oracle": self.oracle(c[: self.depth] if not union else c, g),
                    "oracle100": self.oracle(ranked[:100], g),
                    # label sparsity: unjudged products in the top 10 gain 0 whatever they are;
                    # "condensed" NDCG@10 drops them (Sakai 2007): the order among judged ones
                    "unjudged_top10": sum(p not in g for p in ranked[:10]) / max(min(10, len(ranked)), 1),
                    "condensed": ndcg_at_k([p for p in ranked if p in g], g, 10, self.lo),
                    "first_condensed": ndcg_at_k([p for p in first if p in g], g, 10, self.lo),
                }
        out["_train_seconds"] = {"v": secs}  # type: ignore[assignment]
        return out

    def oracle(self, cands: Sequence[str], g: dict[str, float]) -> float:
        """NDCG@10 of the best order of ``cands`` (what re-ranking them at best reaches)."""
        best = sorted(cands, key=lambda p: -(g.get(p, self.lo)))
        return ndcg_at_k(best, g, 10, self.lo)


def _fused_all(X: np.ndarray, alpha: float) -> np.ndarray:
    """Indices of the whole union in fused order (LTREval's order, not cut)."""
    from shopmind.search.ltr.features import _minmax

    lex = X[:, F["bm25f"]].astype(np.float64)
    cos = X[:, F["dense_cos"]].astype(np.float64)
    if np.isfinite(cos).any():
        cos = np.where(np.isfinite(cos), cos, np.nanmin(cos))
        s = (1.0 - alpha) * _minmax(lex) + alpha * _minmax(cos)
    else:
        s = lex
    return np.lexsort((np.arange(len(s)), -s))


def _valid(res: dict) -> list[str]:
    return [q for q, v in res.items() if not q.startswith("_") and v["ndcg"] is not None]


def paired(base: dict, cand: dict) -> dict[str, float]:
    qs = [q for q in _valid(base) if q in cand]
    d = np.array([cand[q]["ndcg"] - base[q]["ndcg"] for q in qs])
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    return {
        "queries": len(qs),
        "base": round(float(np.mean([base[q]["ndcg"] for q in qs])), 4),
        "cand": round(float(np.mean([cand[q]["ndcg"] for q in qs])), 4),
        "gain": round(float(d.mean()), 4),
        "se": round(se, 4),
        "pass": bool(d.mean() > 2 * se),
    }


def kinds(m: LTREval, q: str) -> list[str]:
    """Query kinds for the diagnosis (generic: numbers, corrections, understood brand, length)."""
    idx = m.lexical.index
    tokens, corr = idx.analyze_query(q)
    out = []
    if any(DIGIT.search(t) for t in tokens):
        out.append("has a number")
    if corr:
        out.append("spelling corrected")
    if any(t not in idx.vocab for t in tokens):
        out.append("unknown term")
    u = m.understand(q) if m.understand else None
    if u is not None and any(c.kind == "brand" for c in u.constraints):
        out.append("understood brand")
    n = len(tokens)
    out.append("1-2 terms" if n <= 2 else "3-4 terms" if n <= 4 else "5+ terms")
    return out


def diagnose(b: Bench, base: dict) -> dict[str, object]:
    qs = _valid(base)
    rows = {}
    groups: dict[str, list[str]] = {"all": qs}
    for q in qs:
        for k in kinds(b.m, q):
            groups.setdefault(k, []).append(q)
    for name, g in groups.items():
        nd = np.mean([base[q]["ndcg"] for q in g])
        orc = np.mean([base[q]["oracle"] for q in g])
        zero = np.mean([base[q]["oracle"] == 0 for q in g])
        rows[name] = {
            "queries": len(g),
            "ndcg": round(float(nd), 4),
            "first_stage_ndcg": round(float(np.mean([base[q]["first_ndcg"] for q in g])), 4),
            "oracle_in_top100": round(float(orc), 4),
            "gap_recall (1 - oracle)": round(float(1 - orc), 4),
            "gap_order (oracle - ndcg)": round(float(orc - nd), 4),
            "share_no_gain_in_top100": round(float(zero), 3),
            "unjudged_share_of_top10": round(float(np.mean([base[q]["unjudged_top10"] for q in g])), 3),
            "condensed_ndcg (judged only)": round(float(np.mean([base[q]["condensed"] for q in g])), 4),
            "first_stage_condensed_ndcg": round(float(np.mean([base[q]["first_condensed"] for q in g])), 4),
        }
    uo = np.mean([b.oracle(b.stage[q][0], b.data.qrels[q]) for q in qs])
    return {"by_kind": rows, "oracle_whole_union": round(float(uo), 4),
            "mean_union_size": round(float(np.mean([len(b.stage[q][0]) for q in qs])), 1)}  # fmt: skip


SWITCHES = {
    "union": {"union": True},
    "feats": {"feats": True},
    "xendcg": {"objective": "rank_xendcg"},
    "prf": {"prf": True},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data/home-depot")
    ap.add_argument("--format", default="home-depot")
    ap.add_argument("--vectors", default="/tmp/t12s/vectors")
    ap.add_argument("--switches", default="union,feats,xendcg,prf")
    ap.add_argument(
        "--combine", default="", help="comma-separated switches to run combined (after the singles)"
    )
    ap.add_argument("--limit", type=int, default=None, help="first N queries (md5 order): a smoke test only")
    ap.add_argument("--out", default="bench/results/search_ltr_round24.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    data = load_dataset(args.format, args.data)
    queries = [q for q in select_queries(data.qrels, args.limit) if tuning_half(q)]
    m = LTREval("fusion", args.vectors, "e5")
    m.fit(data.products)
    m.prepare_queries(queries)
    b = Bench(data, m, queries)
    res: dict[str, object] = {
        "dataset": data.name,
        "tuning_queries": len(queries),
        "alpha_per_fold": b.alpha,
        "seconds": {"first_stage": round(b.t_stage, 1), "extra_features": round(b.t_extra, 1)},
        "load_start": os.getloadavg(),
    }
    base = b.run()
    res["baseline"] = {
        "ndcg": round(float(np.mean([base[q]["ndcg"] for q in _valid(base)])), 4),
        "train_seconds": round(base["_train_seconds"]["v"], 1),
    }
    res["diagnosis"] = diagnose(b, base)
    print(json.dumps(res["diagnosis"], indent=1), flush=True)
    res["switches"] = {}
    runs = [(s, SWITCHES[s]) for s in args.switches.split(",") if s]
    if args.combine:
        combo: dict[str, object] = {}
        for s in args.combine.split(","):
            combo.update(SWITCHES[s])
        runs.append(("+".join(args.combine.split(",")), combo))
    for name, kw in runs:
        cand = b.run(**kw)
        p = paired(base, cand)
        qs = _valid(cand)
        rq = [q for q in qs if cand[q]["recall"] is not None]
        p["recall@100"] = round(float(np.mean([cand[q]["recall"] for q in rq])), 4)
        p["base_recall@100"] = round(float(np.mean([base[q]["recall"] for q in rq])), 4)
        p["train_seconds"] = round(cand["_train_seconds"]["v"], 1)
        res["switches"][name] = p
        print(name, p, flush=True)
    res["load_end"] = os.getloadavg()
    res["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
