"""Parts 5 and 5b of ``experiments_sim.py``: sessions for 80 % power, A/B vs interleaving (team draft,
its credit statistics, probabilistic interleaving) under the simulated clicks of
``experiments_sim_clicks``, on the synthetic rankers and on rankers from the search evaluation."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from shopmind.experiments import stats
from shopmind.experiments.interleave import credit, credit_counts, credit_diff_test, sign_test, team_draft
from shopmind.experiments.interleave_cv import CV_POSITIONS, adjusted_credit, credit_cv_test, position_credits
from shopmind.experiments.interleave_prob import TAU, marginal_credit, probabilistic_interleave

sys.path.insert(0, str(Path(__file__).resolve().parent))
from experiments_sim_clicks import (  # noqa: E402
    FLAT,
    REAL_PAIRS,
    mean_ndcg,
    real_rankings,
    simulate_clicks,
    synthetic_rankers,
)

#: probabilistic interleaving's rank exponent (``--pi-tau``; the paper's 3 by default)
PI_TAU = TAU
#: simulated sessions per setting (``--sessions``) and the click settings run (``--settings``)
SESSIONS = 60_000
SETTINGS = ("pbm_same", "pbm_heterogeneous", "dbn_same", "dbn_heterogeneous")


# --- 5. interleaving vs A/B on the synthetic rankers ---------------------------------------------


def bench_interleaving(data: Path, alpha: float = 0.05, seed: int = 0) -> dict[str, Any]:
    queries, rank_a, rank_b = synthetic_rankers(data, seed=seed)
    out: dict[str, Any] = {
        "queries": len(queries),
        "ndcg10_a": mean_ndcg(queries, rank_a),
        "ndcg10_b": mean_ndcg(queries, rank_b),
        "goal_ratio": 10,
    }
    out["ndcg10_diff"] = out["ndcg10_b"] - out["ndcg10_a"]
    for model, users in (st.split("_") for st in SETTINGS):
        out[f"{model}_{users}_users"] = _sessions_needed(queries, rank_a, rank_b, model, users, alpha, seed)
    return out


def _sessions_needed(
    queries, rank_a, rank_b, model: str, users: str, alpha: float, seed: int, m: int | None = None
) -> dict[str, Any]:
    """Per-session outcome rates by Monte Carlo over the click model, the closed-form sizes for 80 %
    power, and a simulation check of both sizes (known truth: B is better).

    ``users='heterogeneous'``: each session's shopper has a click propensity ~ Gamma(1, 1) (mean 1,
    sd 1) multiplying every click probability - the between-user variance an A/B test pays for and a
    paired comparison (interleaving) does not."""
    m = m or SESSIONS
    prng = random.Random(seed)
    # A/B gets its most sensitive session metric that points the right way (fair to A/B):
    # clicks per session, any click, or the reciprocal rank of the first click
    ab_metrics = ("clicks", "any_click", "first_click_rr")
    per = {k: (np.zeros(m), np.zeros(m)) for k in ab_metrics}
    outcome = np.zeros(m, dtype=int)
    il_stat = {k: np.zeros(m) for k in CREDIT_STATISTICS if k != "learned"} | {"_pos": np.zeros((m, 10))}
    aa_stat = {k: np.zeros(m) for k in CREDIT_STATISTICS if k != "learned"} | {"_pos": np.zeros((m, 10))}
    # probabilistic lists' per-position credits 2 p_B - 1: the controls of pi_cv (0 for identical rankers)
    il_stat["_pi_ctrl"], aa_stat["_pi_ctrl"] = np.zeros((m, CV_POSITIONS)), np.zeros((m, CV_POSITIONS))
    aa_rng = random.Random(seed + 7)
    # probabilistic interleaving and the random-click sessions draw from streams of their own, so the
    # team-draft and A/B figures replay unchanged
    pi_rng, pi_aa_rng, null_rng = random.Random(seed + 11), random.Random(seed + 13), random.Random(seed + 17)
    null = {"diff": np.zeros(m), "pi": np.zeros(m)}  # credit under clicks that ignore the items (H0)
    for s in range(m):
        q = prng.randrange(len(queries))
        g = queries[q]
        for j, ranking in enumerate((rank_a[q][:10], rank_b[q][:10])):
            u = prng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
            c = simulate_clicks(ranking, g, model, prng, u)
            per["clicks"][j][s] = len(c)
            per["any_click"][j][s] = bool(c)
            per["first_click_rr"][j][s] = 1 / (c[0] + 1) if c else 0.0
        shown = team_draft(rank_a[q], rank_b[q], 10, prng)
        u = prng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        clicked = simulate_clicks(list(shown.items), g, model, prng, u)
        outcome[s] = credit(shown, clicked)
        _session_credits(il_stat, s, shown, clicked)
        # A/A beside it (its own random stream, so the figures above replay unchanged): both teams
        # draft from the same ranking, so no credit statistic may find a difference
        same = team_draft(rank_b[q], rank_b[q], 10, aa_rng)
        u = aa_rng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        _session_credits(aa_stat, s, same, simulate_clicks(list(same.items), g, model, aa_rng, u))
        # probabilistic interleaving (marginalised credit) of the same query
        pshown = probabilistic_interleave(rank_a[q][:10], rank_b[q][:10], 10, pi_rng, PI_TAU)
        u = pi_rng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        pa_, pb_ = marginal_credit(pshown, simulate_clicks(list(pshown.items), g, model, pi_rng, u))
        il_stat["pi"][s] = pb_ - pa_
        il_stat["_pi_ctrl"][s] = position_credits([pshown.p_b])[0]
        psame = probabilistic_interleave(rank_b[q][:10], rank_b[q][:10], 10, pi_aa_rng, PI_TAU)
        u = pi_aa_rng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        pa_, pb_ = marginal_credit(psame, simulate_clicks(list(psame.items), g, model, pi_aa_rng, u))
        aa_stat["pi"][s] = pb_ - pa_
        # the fidelity condition: different rankers, clicks by position only (every item alike)
        u = null_rng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        ca_, cb_ = credit_counts(shown, simulate_clicks(list(shown.items), FLAT, model, null_rng, u))
        null["diff"][s] = cb_ - ca_
        u = null_rng.gammavariate(1.0, 1.0) if users == "heterogeneous" else 1.0
        pa_, pb_ = marginal_credit(pshown, simulate_clicks(list(pshown.items), FLAT, model, null_rng, u))
        null["pi"][s] = pb_ - pa_
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(0.8)
    ab_sizes: dict[str, float | None] = {}
    for k, (xa, xb) in per.items():
        diff = xb.mean() - xa.mean()
        ab_sizes[k] = 2 * math.ceil(z * z * (xa.var(ddof=1) + xb.var(ddof=1)) / diff**2) if diff > 0 else None
    valid = {k: v for k, v in ab_sizes.items() if v is not None}
    best = min(valid, key=valid.__getitem__) if valid else None
    clicks_a, clicks_b = per[best] if best else per["clicks"]
    ab_per_arm = int(valid[best] // 2) if best else 0
    pa, pb = (outcome == 0).mean(), (outcome == 1).mean()
    # per session the score is +1 (B wins), -1 (A wins), 0 (tie): a one-sample z on its mean
    il_sessions = math.ceil(z * z * (pa + pb - (pb - pa) ** 2) / (pb - pa) ** 2)
    # the random-click sessions show the same probabilistic lists (pshown): the same controls
    null |= {"pi_cv": null["pi"], "_pi_ctrl": il_stat["_pi_ctrl"]}
    credits = _credit_statistics(il_stat, aa_stat, ab_per_arm * 2 if best else None, z, alpha, seed, null)
    sims, hits_ab, hits_il = 400, 0, 0
    srng = np.random.default_rng(seed + 1)
    for _ in range(sims):
        if best:
            e = stats.compare(
                srng.choice(clicks_a, ab_per_arm), srng.choice(clicks_b, ab_per_arm), use_t=False
            )
            hits_ab += e.effect > 0 and e.pvalue < alpha
        o = srng.choice(outcome, il_sessions)
        res = sign_test(int((o == 0).sum()), int((o == 1).sum()), int((o == -1).sum()))
        hits_il += res.winner == "B" and res.pvalue < alpha
    return {
        "ab_metric_means": {k: {"a": float(xa.mean()), "b": float(xb.mean())} for k, (xa, xb) in per.items()},
        "ab_sessions_total_80pct_by_metric": ab_sizes,  # None: the metric favours the worse ranker
        "ab_best_metric": best,
        "interleave_outcomes": {"a_wins": float(pa), "b_wins": float(pb), "ties": float(1 - pa - pb)},
        "ab_sessions_total_80pct": 2 * ab_per_arm if best else None,
        "interleaving_sessions_80pct": il_sessions,
        "ratio": 2 * ab_per_arm / il_sessions if best else None,
        "simulated_power": {"ab": hits_ab / sims if best else None, "interleaving": hits_il / sims},
        "interleaving_by_credit": credits,
        "interleaving_chosen": CHOSEN_CREDIT,
        "ratio_chosen": credits[CHOSEN_CREDIT]["ratio"],
        "ratio_probabilistic": credits["pi"]["ratio"],
        "ratio_probabilistic_cv": credits["pi_cv"]["ratio"],
    }


#: Per-session interleaving statistics tried (each read by a one-sample t-test on its mean):
#: ``sign``: +1 B won the session, -1 A won, 0 tie (the sign test's information);
#: ``diff``: clicks on B's items - clicks on A's (Chapelle et al. 2012's linear credit);
#: ``share``: that difference over the session's clicks (in [-1, 1]; 0 without a click);
#: ``position``: each click weighted by the inverse of the DCG discount of its position,
#: log2(rank + 1) (position-debiased credit: a click far down, where few look, counts more). NB: the
#: simulator's PBM examines with exactly that discount, so this one is favoured under PBM.
#: ``learned``: a weight per position, w = Sigma^-1 mu of the team-signed clicks per position, fitted on
#: the first half of the simulated sessions and tested on the second (Yue et al. 2010, "Learning more
#: powerful test statistics for click-based retrieval evaluation"): what the best linear credit of
#: this click model could give, with weights a shop would have to learn from an earlier experiment.
#: ``pi``: probabilistic interleaving (``interleave_prob``, tau 3) - a different merge, not only a
#: different credit: its own lists and clicks, the per-list marginalised difference sum(2 p_B - 1).
#: ``pi_cv``: the same lists and clicks, the credit adjusted by the shown list's per-position credits
#: (``interleave_cv``: control variates with known mean 0; slopes refitted in every experiment).
CREDIT_STATISTICS = ("sign", "diff", "share", "position", "learned", "pi", "pi_cv")
#: Statistics also checked under clicks that ignore the items, with the two *different* rankers:
#: the condition the unbiasedness argument of each merge is about (identical rankers are the easy case).
RANDOM_CLICK_CHECKED = ("diff", "pi", "pi_cv")
#: The statistic the served readout uses (``interleave.credit_diff_test``), chosen on the synthetic rankers.
CHOSEN_CREDIT = "diff"


def _session_credits(into: dict[str, np.ndarray], s: int, shown: Any, clicked: list[int]) -> None:
    ca, cb = credit_counts(shown, clicked)
    into["sign"][s] = np.sign(cb - ca)
    into["diff"][s] = cb - ca
    into["share"][s] = (cb - ca) / (ca + cb) if ca + cb else 0.0
    into["position"][s] = sum(
        (1 if shown.teams[p] == 1 else -1) * math.log2(p + 2) for p in clicked if p < len(shown.teams)
    )
    for p in clicked:
        if p < min(10, len(shown.teams)):
            into["_pos"][s, p] += 1 if shown.teams[p] == 1 else -1


def _credit_statistics(
    il: dict[str, np.ndarray],
    aa: dict[str, np.ndarray],
    ab_total: int | None,
    z: float,
    alpha: float,
    seed: int,
    null: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Per statistic: sessions for 80 % power (closed form, one-sample z on the per-session mean),
    the ratio to A/B's best, simulated power at that size (400 experiments resampled from the
    simulated sessions, t-test) and the A/A false-positive rate at that size (1,000 experiments
    resampled from the identical-rankers sessions; must stay <= alpha)."""
    rng = np.random.default_rng(seed + 2)
    half = len(il["diff"]) // 2
    fit = il["_pos"][:half]
    w = np.linalg.lstsq(np.cov(fit, rowvar=False) + 1e-9 * np.eye(10), fit.mean(axis=0), rcond=None)[0]
    il = il | {"learned": il["_pos"][half:] @ w, "pi_cv": il["pi"]}
    aa = aa | {"learned": aa["_pos"][half:] @ w, "pi_cv": aa["pi"]}
    out: dict[str, Any] = {}
    for k in CREDIT_STATISTICS:
        # rows: the statistic, then (pi_cv) the list's controls; a test reads a resample of rows
        x, x0 = _rows(il, k), _rows(aa, k)
        pooled = adjusted_credit(x[:, 0], x[:, 1:]) if k == "pi_cv" else x[:, 0]
        mean, var = float(pooled.mean()), float(pooled.var(ddof=1))
        n = math.ceil(z * z * var / mean**2) if mean > 0 else None
        res: dict[str, Any] = {"mean": mean, "sd": math.sqrt(var), "sessions_80pct": n}
        if n:
            res["ratio"] = ab_total / n if ab_total else None
            hits = 0
            for _ in range(400):
                t = _test(x[rng.integers(0, len(x), n)])
                hits += t.mean_diff > 0 and t.pvalue < alpha
            res["simulated_power"] = hits / 400
            # identical rankers show the same list whatever the coin flips, so swapping the teams of a
            # session (d -> -d) is equally likely: resampled sessions with a random sign are exact A/A
            # draws (plain resampling would inherit the pool's chance mean and inflate the rate)
            res["aa_false_positive_rate"] = float(
                np.mean(
                    [
                        _test(x0[rng.integers(0, len(x0), n)] * rng.choice((-1.0, 1.0), (n, 1))).pvalue
                        < alpha
                        for _ in range(1000)
                    ]
                )
            )
            if null is not None and k in null:
                res |= _random_click_check(_rows(null, k), n, alpha, rng)
        else:
            res["ratio"] = None
        out[k] = res
    return out


def _rows(pool: dict[str, np.ndarray], k: str) -> np.ndarray:
    """(sessions, 1 + controls): statistic ``k`` per session, then the controls ``pi_cv`` reads."""
    return np.column_stack([pool[k], pool["_pi_ctrl"]]) if k == "pi_cv" else pool[k][:, None]


def _test(rows: np.ndarray) -> Any:
    """The served test on resampled rows: the paired t-test, control-adjusted when rows carry controls."""
    return credit_cv_test(rows[:, 0], rows[:, 1:]) if rows.shape[1] > 1 else credit_ttest(rows[:, 0])


def _random_click_check(rows: np.ndarray, n: int, alpha: float, rng: np.random.Generator) -> dict[str, Any]:
    """Sessions of the two different rankers whose clicks ignore the items (H0 of the fidelity
    argument): the pool's mean credit with its z-score - the unbiasedness check: 0 expected, a biased
    merge shows |z| >> 2 over 60,000 sessions - and the t-test's level at ``n`` sessions over 1,000
    experiments resampled with a random sign per session. The sign makes the resampled credit
    symmetric, so this rate checks the test's calibration on this merge's tie-heavy, discrete
    credits under H0, not the mean (the z does that); plain resampling would inherit the pool's
    chance mean and inflate the rate (see the identical-rankers A/A). ``rows``: as ``_rows`` (a
    sign flips a session's controls with its credit); the mean is of the control-adjusted credit."""
    x0 = adjusted_credit(rows[:, 0], rows[:, 1:]) if rows.shape[1] > 1 else rows[:, 0]
    se = float(x0.std(ddof=1) / math.sqrt(len(x0)))
    fpr = np.mean(
        [
            _test(rows[rng.integers(0, len(rows), n)] * rng.choice((-1.0, 1.0), (n, 1))).pvalue < alpha
            for _ in range(1000)
        ]
    )
    return {
        "random_clicks_mean": float(x0.mean()),
        "random_clicks_z": float(x0.mean()) / se if se > 0 else 0.0,
        "random_clicks_fpr": float(fpr),
    }


def credit_ttest(d: np.ndarray) -> Any:
    """The served readout's test (``credit_diff_test``) on per-session statistics ``d``."""
    return credit_diff_test(np.zeros(len(d)), d)


# --- 5b. interleaving vs A/B with rankers from the search evaluation ----------------------------------


def bench_interleaving_real(
    data: Path, pairs: list[str], alpha: float = 0.05, seed: int = 0, cache: Path | None = None
) -> dict[str, Any]:
    """Sessions for 80 % power, A/B vs team-draft interleaving, for two real rankers per pair, under
    the same click models and the same code as the synthetic part (``_sessions_needed``).

    A session is a judged query drawn uniformly (queries whose judged products all have the lowest
    grade are left out, as NDCG@10 leaves them out); the shopper sees the ranker's top 10 over the
    whole catalog; an unjudged product counts as grade 1 (irrelevant: a 5 % click chance when
    examined), as NDCG@10 counts it as gain 0."""
    names = sorted({n for p in pairs for n in REAL_PAIRS[p]})
    saved = json.loads(cache.read_text()) if cache is not None and cache.exists() else None
    if saved is not None and set(names) <= set(saved["ranked"]):  # fitting is 16 of the 20 minutes
        qrels, ranked, min_grade = saved["qrels"], saved["ranked"], saved["min_grade"]
        print(f"  rankings read from {cache}", flush=True)
    else:
        qrels, ranked, min_grade = real_rankings(data, names)
        if cache is not None:
            cache.write_text(json.dumps({"qrels": qrels, "ranked": ranked, "min_grade": min_grade}))
    keep = [q for q, g in qrels.items() if max(g.values()) > min_grade]
    out: dict[str, Any] = {"queries": len(keep), "unjudged_grade": min_grade, "pairs": {}}
    for pair in pairs:
        worse, better = REAL_PAIRS[pair]
        a_name, b_name = worse, better
        grades = []
        rank_a, rank_b = [], []
        for q in keep:
            g = dict(qrels[q])
            ra, rb = ranked[a_name][q], ranked[b_name][q]
            for p in (*ra, *rb):
                g.setdefault(p, min_grade)
            grades.append(g)
            rank_a.append(ra)
            rank_b.append(rb)
        res: dict[str, Any] = {
            "a": a_name,
            "b": b_name,
            "ndcg10_a": mean_ndcg([qrels[q] for q in keep], rank_a),
            "ndcg10_b": mean_ndcg([qrels[q] for q in keep], rank_b),
            "identical_top10_share": float(
                np.mean([ra[:10] == rb[:10] for ra, rb in zip(rank_a, rank_b, strict=True)])
            ),
        }
        res["ndcg10_diff"] = res["ndcg10_b"] - res["ndcg10_a"]
        for model, users in (st.split("_") for st in SETTINGS):
            res[f"{model}_{users}_users"] = _sessions_needed(
                grades, rank_a, rank_b, model, users, alpha, seed
            )
        print(
            f"  {pair}: {json.dumps({k: v for k, v in res.items() if not isinstance(v, dict)})}", flush=True
        )
        out["pairs"][pair] = res
    return out
