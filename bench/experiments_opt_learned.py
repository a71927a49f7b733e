"""Optimized interleaving, session 28: a learned per-click credit (Yue et al. 2010) on top of the
served design's per-position-unbiased linear credit, chosen on query tuning halves, then measured
once on the other halves and on all queries, exactly (issue 15).

Why: the served design (optimized interleaving, linear credit ``r_A - r_B`` recentred per position,
insensitivity LP, + controls) is >= 10x A/B in 3 of 8 real settings on all queries (7.9x - 13.1x).
Session 19 (``experiments_il_diag19.py``) bounded every credit that is *linear in the per-click rank
difference*: BM25F vs BM25F + LTR under PBM-alike (9.2x) and DBN-alike (9.7x) cannot reach 10x with
it. A credit that weighs each click by where it sits in the click pattern is not of that form and
was measured only on probabilistic interleaving (round 10, ``experiments_learned.py``: -7.6 % over
the 8 settings, losing under PBM out of sample). This bench measures it on the optimized design.

The credit: ``S = w . phi`` with ``phi_k = sum over clicks of c_i f_k(i, clicks)``, ``c_i`` the
served per-position credit of the clicked position (``interleave_opt``: ``delta(L_i) - b_i``, whose
mean over the LP's lists is 0 at every position) and ``f_k`` round 10's 8 features
(``interleave_learned.FEATURES``: every click, rank 1, rank 2-3, first, last, only click, >= 3
clicks, click after a skipped position). ``w = e_click`` is the served linear credit. No feature
reads the items, so under clicks that depend on the position only,
``E[phi_k] = sum_i E_L[c_i(L)] E[X_i f_k(i, X)] = 0`` for every ``w`` on every query: nothing needs
recentring and no feature is dropped. Controls: the shown list's per-position credits (mean 0 by the
LP), exactly as rounds 11 - 19 (``experiments_learned.stats_on``'s ``sigma_cv``).

Method: round 10's exact machinery on round 13's LP lists: every click pattern of the 10 positions
(2^10) gets its exact probability per (shopper propensity stratum, grade row)
(``experiments_learned.query_moments``), so per query ``E[phi]``, ``E[phi phi']``, ``E[phi c']``,
``E[c c']`` are exact; queries are drawn uniformly; sessions for 80 % power (alpha 0.05 two-sided)
``z^2 Var(S | controls) / E[S]^2``; A/B: the best of round 9's three metrics on the same queries
(``experiments_opt_round19.ab_sessions``). No Monte Carlo anywhere.

Rule (written and committed before any figure of these credits was computed; seed 0; k = 10):
- queries: per real pair (BM25F vs BM25F + LTR, bm25s vs tantivy; the rankings cache rebuilt with
  ``experiments_sim.py --parts interleaving-real --rankings-cache``), round 10's / 13's split
  (``experiments_opt_round13.halves``): tuning half, evaluation half. ``w`` is learned on the
  tuning half only, ``w ~ Sigma_cv^-1 mu`` (the z-score maximiser after controls), the shrinkage
  towards the diagonal chosen from {0, .25, .5, .75, 1} by 2-fold cross-validation inside the
  tuning half (``experiments_learned.choose_shrink``, exactly round 10's);
- three candidates, each one ``w`` per ranker pair and click setting unless said:
  - ``learned``: one ``w`` per click setting (click model x shoppers), learned on the pair's own
    tuning half under that setting (a shop learning from its own earlier interleaving logs);
  - ``pooled``: one ``w`` per pair for all 4 click settings, learned on the pair's tuning half with
    the 4 settings' sessions mixed in equal parts (a shop that does not know its click model);
  - ``transfer``: the other pair's ``learned`` ``w`` of the same setting (learned on *its* tuning
    half; a default learned elsewhere);
- the tune phase computes nothing on the evaluation halves. What the rule reads on a tuning half
  must not be measured on the queries ``w`` was learned on, so for ``learned`` and ``pooled`` it is
  **cross-fitted**: the tuning half's two folds (``choose_shrink``'s split), each fold's sessions
  credited with the ``w`` learned (shrinkage by 2-fold CV inside) on the other fold; the sessions
  figure is the exact one of that mixed credit over the whole tuning half. ``transfer`` is measured
  directly (its ``w`` never saw these queries). The in-sample figure (``w`` learned on the whole
  tuning half, measured there) is reported as a bound and read by nothing;
- **adoption rule**: a candidate passes if, with controls, it needs >= 3 % fewer sessions than the
  served linear credit in total over the 8 real settings **and** fewer in >= 5 of the 8, **and** its
  position-only mean credit is below 1e-9 in absolute value on every query of every setting. Of the
  passing candidates the one with the smallest total is adopted; if none passes, the linear credit
  stays and no src file changes;
- ``--phase final`` (once, after the tune JSON is committed; it re-learns nothing: the ``w`` of the
  tune JSON): linear and all three candidates on the evaluation halves and on all queries of both
  pairs (on all queries the ``w`` has seen the tuning half), with A/B and the position-only means;
  reported whatever they say. An adopted candidate is wired into the served readout only if on the
  8 evaluation-half settings it also needs fewer sessions than linear in >= 5 and in total.

    nice -n 10 python bench/experiments_opt_learned.py --phase tune --rankings-cache /tmp/t17opt/rankings.json
    nice -n 10 python bench/experiments_opt_learned.py --phase final --rankings-cache /tmp/t17opt/rankings.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import K, cache_ok, real_pairs, run_header, write_result  # noqa: E402
from experiments_learned import choose_shrink, pattern_features, query_moments  # noqa: E402
from experiments_opt import SETTINGS  # noqa: E402
from experiments_opt_round13 import BASELINE, groups, halves, load, name  # noqa: E402
from experiments_opt_round19 import ab_sessions  # noqa: E402
from experiments_opt_round19 import compare as round19_compare  # noqa: E402
from shopmind.experiments.interleave_learned import FEATURES  # noqa: E402

Z2 = float((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) ** 2)
OI = name(BASELINE)
CANDIDATES = ("learned", "pooled", "transfer")
PLAIN = np.eye(len(FEATURES))[0]  # w = e_click: the served linear credit
TUNE_OUT = Path("bench/results/experiments_opt_learned_tune.json")
FINAL_OUT = Path("bench/results/experiments_opt_learned.json")

Moments = dict[str, np.ndarray]


def setting_key(model: str, users: str) -> str:
    return f"{model}_{users}_users"


def credit_stats(mom: Moments, flat: Moments, queries: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Exact figures of the credit ``S = W[q] . phi`` over sessions drawn uniformly from ``queries``,
    where ``weights`` is one ``w`` (features,) or one per query of ``queries`` (queries, features):
    mean, variance, variance after the controls (the list's per-position credits, regressed out
    exactly as ``experiments_exact._control_variates``), sessions for 80 % power without and with
    controls, and the position-only mean credit (``flat``) overall and its largest |value| on one
    query."""
    w = np.broadcast_to(np.asarray(weights, dtype=float), (len(queries), len(FEATURES)))
    m1, m2 = mom["m1"][queries], mom["m2"][queries]
    mean = float(np.einsum("nd,nd->n", w, m1).mean())
    var = float(np.einsum("nd,nde,ne->n", w, m2, w).mean()) - mean * mean
    ec = mom["c1"][queries].mean(0)
    s_dc = np.einsum("nd,ndk->k", w, mom["mc"][queries]) / len(queries) - mean * ec
    s_cc = mom["cc"][queries].mean(0) - np.outer(ec, ec)
    var_cv = var - float(s_dc @ np.linalg.pinv(s_cc) @ s_dc)
    per_query_flat = np.einsum("nd,nd->n", w, flat["m1"][queries])
    return {
        "mean": mean,
        "var": var,
        "var_cv": var_cv,
        "sessions": Z2 * var / mean**2 if mean > 0 else None,
        "sessions_cv": Z2 * var_cv / mean**2 if mean > 0 else None,
        "position_only_mean": float(per_query_flat.mean()),
        "position_only_max_abs_query": float(np.abs(per_query_flat).max()),
    }


def folds(tune: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The tuning half's two folds, as ``choose_shrink`` splits it (sorted query indices)."""
    perm = np.random.default_rng(seed).permutation(tune)
    return np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2 :])


def cross_fitted(mom: Moments, tune: np.ndarray, seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Per query of ``tune`` (in its order), the ``w`` learned on the *other* fold (shrinkage by
    2-fold CV inside that fold): a credit no query was scored with a ``w`` that saw it."""
    pos = {int(q): i for i, q in enumerate(tune.tolist())}
    out = np.zeros((len(tune), len(FEATURES)))
    fits = []
    f = folds(tune, seed)
    for i in (0, 1):
        fit = choose_shrink(mom, f[1 - i], True, seed)
        out[[pos[int(q)] for q in f[i]]] = fit["w"]
        fits.append({"shrink": fit["shrink"], "w": fit["w"].tolist()})
    return out, fits


def mixed(moms: list[Moments]) -> Moments:
    """The moments of sessions drawn in equal parts from each setting (``pooled``)."""
    return {k: np.mean([m[k] for m in moms], axis=0) for k in moms[0]}


def pair_moments(rp: dict[str, Any], queries: np.ndarray) -> tuple[dict[str, Any], dict[str, Any], dict]:
    """The served design's LP lists (and A/B's) for ``queries``; per click setting the per-query
    moments of ``phi`` (``query_moments``) and its position-only means."""
    prep, lp = groups(rp["grades"], rp["rank_a"], rp["rank_b"], queries, [BASELINE], False)
    feats = pattern_features()
    per: dict[str, Any] = {}
    for model, users in SETTINGS:
        t0 = time.perf_counter()
        mom = query_moments(prep[OI], model, users, False, feats)
        flat = query_moments(prep[OI], model, users, True, feats)
        per[setting_key(model, users)] = (mom, flat)
        print(f"    moments {model}/{users}: {time.perf_counter() - t0:.0f} s (load {load()})", flush=True)
    return prep, per, lp


def learn(per: dict[str, Any], tune: np.ndarray, seed: int) -> dict[str, Any]:
    """The tuning half's ``w``s: per setting (``learned``) and one for all settings (``pooled``),
    each learned on the whole tuning half and cross-fitted over its folds."""
    out: dict[str, Any] = {"learned": {}, "learned_cross": {}}
    for key, (mom, _) in per.items():
        fit = choose_shrink(mom, tune, True, seed)
        out["learned"][key] = {"shrink": fit["shrink"], "cv_scores": fit["cv_scores"], "w": fit["w"].tolist()}
        out["learned_cross"][key] = cross_fitted(mom, tune, seed)
    pool = mixed([mom for mom, _ in per.values()])
    fit = choose_shrink(pool, tune, True, seed)
    out["pooled"] = {"shrink": fit["shrink"], "cv_scores": fit["cv_scores"], "w": fit["w"].tolist()}
    out["pooled_cross"] = cross_fitted(pool, tune, seed)
    return out


def measure(
    prep: dict[str, Any],
    per: dict[str, Any],
    queries: np.ndarray,
    credits: dict[str, dict[str, np.ndarray]],
) -> dict[str, Any]:
    """Every setting on ``queries``: A/B's best metric and, per credit (``credits[label][setting]``:
    one ``w`` or one per query), its exact figures and ratio to A/B with controls."""
    q = prep[OI][3]
    keep = np.zeros(int(q.max()) + 1, dtype=bool)
    keep[queries] = True
    res: dict[str, Any] = {}
    for model, users in SETTINGS:
        key = setting_key(model, users)
        mom, flat = per[key]
        metric, ab_n = ab_sessions(prep, keep, model, users)
        row: dict[str, Any] = {"ab_best_metric": metric, "ab_sessions": ab_n}
        for label, ws in credits.items():
            st = credit_stats(mom, flat, queries, ws[key])
            st["ratio_cv"] = ab_n / st["sessions_cv"] if st["sessions_cv"] else None
            row[label] = st
        res[key] = row
        print(
            f"    {model}/{users}: A/B {metric} {ab_n:.0f}; "
            + "; ".join(
                f"{lb} {row[lb]['sessions_cv']:.0f} ({row[lb]['ratio_cv']:.2f}x)"
                if row[lb]["sessions_cv"]
                else f"{lb} -"
                for lb in credits
            ),
            flush=True,
        )
    return res


def compare(per_pair: dict[str, dict[str, Any]], cand: str, base: str = "linear") -> dict[str, Any]:
    """Round 19's comparison over the 8 real settings (where ``cand`` needs fewer sessions with
    controls than ``base``, both totals, the relative change), its bias read per query: ``cand``'s
    largest |position-only mean| on any one query of any setting."""
    out = round19_compare(per_pair, cand, base)
    out["max_abs_position_only"] = max(
        row[cand]["position_only_max_abs_query"]
        for settings in per_pair.values()
        for row in settings.values()
    )
    return out


def choose(per_pair: dict[str, dict[str, Any]], rule_labels: dict[str, str]) -> dict[str, Any]:
    """The adoption rule (module docstring); ``rule_labels``: candidate -> the figure the rule
    reads (the cross-fitted one for ``learned`` and ``pooled``)."""
    totals = {cand: compare(per_pair, label) for cand, label in rule_labels.items()}
    ok = [
        c
        for c, t in totals.items()
        if t["total"] <= 0.97 * t["total_base"] and t["fewer_in"] >= 5 and t["max_abs_position_only"] < 1e-9
    ]
    chosen = min(ok, key=lambda c: totals[c]["total"]) if ok else "linear"
    return {"totals": totals, "passing": ok, "chosen": chosen}


RULE_LABELS = {"learned": "learned_cross", "pooled": "pooled_cross", "transfer": "transfer"}


def tune_credits(pairs: list[str], fitted: dict[str, Any], pair: str) -> dict[str, Any]:
    """The credits measured on ``pair``'s tuning half (per setting): linear, the cross-fitted
    candidates the rule reads, transfer, and the in-sample bounds."""
    other = next(p for p in pairs if p != pair)
    f = fitted[pair]
    keys = [setting_key(m, u) for m, u in SETTINGS]
    return {
        "linear": {k: PLAIN for k in keys},
        "learned_cross": {k: f["learned_cross"][k][0] for k in keys},
        "pooled_cross": {k: f["pooled_cross"][0] for k in keys},
        "transfer": {k: np.array(fitted[other]["learned"][k]["w"]) for k in keys},
        "learned_in_sample": {k: np.array(f["learned"][k]["w"]) for k in keys},
        "pooled_in_sample": {k: np.array(f["pooled"]["w"]) for k in keys},
    }


def final_credits(pairs: list[str], fitted: dict[str, Any], pair: str) -> dict[str, Any]:
    """The tune phase's ``w``s (from its JSON), nothing re-learned: linear and the 3 candidates."""
    other = next(p for p in pairs if p != pair)
    keys = [setting_key(m, u) for m, u in SETTINGS]
    return {
        "linear": {k: PLAIN for k in keys},
        "learned": {k: np.array(fitted[pair]["learned"][k]["w"]) for k in keys},
        "pooled": {k: np.array(fitted[pair]["pooled"]["w"]) for k in keys},
        "transfer": {k: np.array(fitted[other]["learned"][k]["w"]) for k in keys},
    }


def _jsonable(fitted: dict[str, Any]) -> dict[str, Any]:
    """The fitted ``w``s without the per-query cross-fitted arrays (their folds' ``w`` are kept)."""
    out = {}
    for pair, f in fitted.items():
        out[pair] = {
            "learned": f["learned"],
            "pooled": f["pooled"],
            "learned_cross_folds": {k: v[1] for k, v in f["learned_cross"].items()},
            "pooled_cross_folds": f["pooled_cross"][1],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phase", choices=("tune", "final"), required=True)
    ap.add_argument("--rankings-cache", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--tune-json", type=Path, default=TUNE_OUT, help="final phase: the tune phase's JSON")
    args = ap.parse_args(argv)
    args.synthetic_only = False
    if not cache_ok(args):
        return 2
    result: dict[str, Any] = run_header() | {
        "phase": args.phase,
        "k": K,
        "features": list(FEATURES),
        "load_start": load(),
    }
    t0 = time.perf_counter()
    pairs = real_pairs(args.rankings_cache)
    names = list(pairs)
    if args.phase == "tune":
        result["tuning"], result["lp"], data, fitted = {}, {}, {}, {}
        for pair, rp in pairs.items():
            tune, _ = halves(len(rp["grades"]), args.seed)
            print(pair, f"tuning half {len(tune)} queries", flush=True)
            prep, per, result["lp"][pair] = pair_moments(rp, tune)
            data[pair] = (prep, per, tune)
            fitted[pair] = learn(per, tune, args.seed)
        for pair, (prep, per, tune) in data.items():
            print(pair, flush=True)
            result["tuning"][pair] = measure(prep, per, tune, tune_credits(names, fitted, pair))
        result["fitted"] = _jsonable(fitted)
        result["choice"] = choose(result["tuning"], RULE_LABELS)
        print(f"choice: {json.dumps(result['choice'])}", flush=True)
    else:
        tuned = json.loads(args.tune_json.read_text())
        result["chosen"], result["fitted"] = tuned["choice"]["chosen"], tuned["fitted"]
        result["evaluation_half"], result["all_queries"], result["lp"] = {}, {}, {}
        for pair, rp in pairs.items():
            n = len(rp["grades"])
            _, ev = halves(n, args.seed)
            every = np.arange(n)
            print(pair, flush=True)
            prep, per, result["lp"][pair] = pair_moments(rp, every)
            credits = final_credits(names, tuned["fitted"], pair)
            print(f"  evaluation half ({len(ev)} queries)", flush=True)
            result["evaluation_half"][pair] = measure(prep, per, ev, credits)
            print(f"  all queries ({n})", flush=True)
            result["all_queries"][pair] = measure(prep, per, every, credits)
        result["evaluation_half_vs_linear"] = {c: compare(result["evaluation_half"], c) for c in CANDIDATES}
        result["all_queries_vs_linear"] = {c: compare(result["all_queries"], c) for c in CANDIDATES}
        print(f"evaluation halves: {json.dumps(result['evaluation_half_vs_linear'])}", flush=True)
    result["load_end"] = load()
    return write_result(result, args.out or (TUNE_OUT if args.phase == "tune" else FINAL_OUT), t0)


if __name__ == "__main__":
    raise SystemExit(main())
