"""The simulated shopper of ``experiments_sim.py``'s interleaving parts: Home Depot's judged queries,
the rankers over them (two noise rankers ~0.02 NDCG@10 apart, or two of ``shopmind evaluate search``)
and the click models (position-based, cascade with satisfaction). Imported by the other experiment
benches too (``experiments_exact``, ``experiments_opt*``, ``experiments_learned``)."""

from __future__ import annotations

import csv
import math
import random
import time
from pathlib import Path

import numpy as np

from shopmind.search.metrics import ndcg_at_k

# --- the judged queries, the rankers over them and the simulated clicks ------------------------------


def load_queries(data: Path, min_judged: int = 8) -> list[dict[str, float]]:
    per: dict[str, dict[str, float]] = {}
    with open(data / "home-depot" / "judgments_dev.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            per.setdefault(r["search_term"], {})[r["product_uid"]] = float(r["relevance"])
    return [g for _, g in sorted(per.items()) if len(g) >= min_judged and max(g.values()) > min(g.values())]


def rank(grades: dict[str, float], sigma: float, noise: dict[str, float]) -> list[str]:
    return sorted(grades, key=lambda p: -(grades[p] + sigma * noise[p]))


def mean_ndcg(queries: list[dict[str, float]], rankings: list[list[str]]) -> float:
    vals = [ndcg_at_k(r, g, 10, 1.0) for r, g in zip(rankings, queries, strict=True)]
    return float(np.mean([v for v in vals if v is not None]))


def attract(grade: float) -> float:
    """Click probability of an examined result: 0.05 for an irrelevant product (grade 1), 0.65 for grade 3."""
    return 0.05 + 0.6 * ((grade - 1) / 2) ** 2


class _Flat(dict):
    """Every product the same grade (2): clicks that depend on the position only."""

    def __missing__(self, key: str) -> float:
        return 2.0


FLAT = _Flat()


def simulate_clicks(
    items: list[str], grades: dict[str, float], model: str, rng: random.Random, propensity: float = 1.0
) -> list[int]:
    """Clicked positions under a click model.

    ``pbm``: position-based, examination 1/log2(rank+1), independent per position.
    ``dbn``: cascade with satisfaction (Chapelle & Zhang 2009): read top-down; a click satisfies with
    probability (grade-1)/2 and ends the session; otherwise continue with persistence 0.9.
    ``propensity`` scales the user's click probabilities (shoppers differ in how much they click).
    """
    clicks = []
    if model == "pbm":
        for i, it in enumerate(items):
            if rng.random() < min(1.0, propensity * attract(grades[it])) / math.log2(i + 2):
                clicks.append(i)
        return clicks
    for i, it in enumerate(items):
        g = grades[it]
        if rng.random() < min(1.0, propensity * attract(g)):
            clicks.append(i)
            if rng.random() < (g - 1) / 2:
                break
        if rng.random() > 0.9:
            break
    return clicks


def synthetic_rankers(
    data: Path, target: float = 0.02, seed: int = 0
) -> tuple[list[dict[str, float]], list[list[str]], list[list[str]]]:
    """The judged queries and two noise rankers over them, A's noise chosen (bisection) so that its
    NDCG@10 is ``target`` below B's: (queries, rank_a, rank_b)."""
    queries = load_queries(data)
    rng = np.random.default_rng(seed)
    noise_b = [{p: float(rng.normal()) for p in g} for g in queries]
    noise_a = [{p: float(rng.normal()) for p in g} for g in queries]
    sigma_b = 0.5
    rank_b = [rank(g, sigma_b, z) for g, z in zip(queries, noise_b, strict=True)]
    ndcg_b = mean_ndcg(queries, rank_b)
    lo, hi = sigma_b, 3.0  # more noise for A until NDCG@10 is ~target lower
    for _ in range(30):
        mid = (lo + hi) / 2
        d = ndcg_b - mean_ndcg(queries, [rank(g, mid, z) for g, z in zip(queries, noise_a, strict=True)])
        lo, hi = (mid, hi) if d < target else (lo, mid)
    sigma_a = (lo + hi) / 2
    return queries, [rank(g, sigma_a, z) for g, z in zip(queries, noise_a, strict=True)], rank_b


# --- rankers from the search evaluation (part 5b) ---------------------------------------------------

#: Pairs of ``shopmind evaluate search`` methods whose Home Depot retrieval NDCG@10 differs by about
#: 0.02 in the recorded evaluation (docs/BENCHMARKS.md, "every method in one run"): worse first.
REAL_PAIRS = {
    "bm25f_vs_bm25f+ltr": ("ours", "bm25+ltr"),  # 0.3896 vs 0.4148
    "bm25s_vs_tantivy": ("bm25s", "tantivy"),  # 0.3190 vs 0.3359
}


def real_rankings(
    data: Path, names: list[str], k: int = 10
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, list[str]]], float]:
    """Each method's top ``k`` for every judged Home Depot query, as ``shopmind evaluate search``
    ranks them in its retrieval view (fit on the whole catalog; learned re-rankers tuned and scored
    out of fold, exactly as the evaluation does)."""
    from search_fit import ready_method
    from shopmind.search.evaluate import RECALL_K, load_dataset, make_methods, select_queries

    ev = load_dataset("home-depot", data / "home-depot")
    queries = select_queries(ev.qrels, None)
    out: dict[str, dict[str, list[str]]] = {}
    for name, m in zip(names, make_methods(names), strict=True):
        t0 = time.perf_counter()
        ready_method(m, ev, queries)
        # the evaluation's retrieval view asks for RECALL_K (100); a re-ranker's top k is read from that
        out[name] = {q: list(m.search(q, RECALL_K))[:k] for q in queries}  # keyed by the --methods name
        print(f"  {name} ({m.name}): {time.perf_counter() - t0:.0f} s", flush=True)
    return {q: ev.qrels[q] for q in queries}, out, ev.min_grade
