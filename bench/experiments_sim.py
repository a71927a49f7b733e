"""Experiment simulator on real behaviour (issue 15): where the true effect of a variant is known.

Parts (each prints a line and lands in the JSON):

1. ``assignment``: time per request of ``Assigner.assign`` (2 layers, 3 experiments, 5 % holdout)
   beside an assigner with no experiments (the peer: what a request pays when nothing runs).
2. ``aa``: 1,000 A/A experiments on Online Retail customers. Each customer is assigned with our own
   hashing (a salt per experiment) and "exposed" on the day of their first purchase in a 28-day
   window; every day the cumulative revenue and orders per exposed customer are compared. Reported:
   false-positive rate of the always-valid mSPRT read daily (goal <= 5 %), of a fixed-horizon t-test
   read once at the end, and of that t-test peeked at daily (the error mSPRT prevents).
3. ``cuped``: revenue per customer in the window with the customer's revenue in the 9 months before
   as covariate: variance of the effect over the 1,000 A/A splits with and without CUPED (goal: cut
   >= 30 %), beside rho^2; plus agreement with tea-tasting on the first 20 splits (goal 1e-6).
4. ``power``: customers known before the window "convert" if they buy in it (Online Retail logs
   purchases, not browsing sessions, so the unit is a customer). Units per variant for 80 % power at a
   true +2 % relative conversion lift: closed form, checked by simulating 2,000 experiments at that
   size with the lift injected (known truth), tea-tasting's power solver beside it, and with CUPED.
5. ``interleaving``: Home Depot graded judgments (queries with >= 8 judged products). Two rankers
   order each query's judged products by grade + Gaussian noise (fixed per product), the noise of A
   chosen so NDCG@10 differs by ~0.02 (synthetic rankers over real graded lists: the issue asks for
   rankers from the search evaluation; noise rankers make the NDCG gap exactly 0.02). Sessions needed for 80 % power:
   A/B on clicks per session (Welch) vs team-draft interleaving (sign test), each closed form from
   simulated per-session outcome rates and checked by simulation at that size; under two click
   models, position-based (PBM) and a cascade with satisfaction (DBN). Beside the sign test, other
   per-session credit statistics (``CREDIT_STATISTICS``: click difference - the served readout's
   test -, click share, position-debiased, learned per-position weights), each with its sessions,
   simulated power and A/A false-positive rate (identical rankers); and probabilistic interleaving
   (``interleave_prob``, ``pi``: its own lists, marginalised credit, ``--pi-tau``), with team draft's
   click difference checked beside it under position-only clicks of the two different rankers.
5b. ``interleaving-real`` (only with ``--parts interleaving-real``): the same comparison with two
   rankers *from the search evaluation* (``REAL_PAIRS``: BM25F vs BM25F + LTR, bm25s vs tantivy, each
   ~0.02 apart in retrieval NDCG@10 on Home Depot), fitted and scored exactly as ``shopmind evaluate
   search`` does (LTR out of fold); the shopper sees each ranker's top 10 over the whole catalog.
6. ``ope``: the Open Bandit Dataset sample bundled in the ``obp`` 0.4.1 wheel (``--obp-wheel``; get it
   with ``pip download obp==0.4.1 --no-deps -d DIR``; we read its CSVs with zipfile because installing
   obp pulls torch 2.14 + CUDA wheels over our torch pin). Logged: uniform-random policy; evaluated:
   Bernoulli TS with the ZOZOTOWN prior (the wheel's prior_bts.yaml), whose on-policy value is the
   mean click of the BTS log. DM / IPS / SNIPS / DR relative error on the full sample and averaged
   over 100 bootstrap resamples (obp's example protocol), with 95 % intervals.

    python bench/experiments_sim.py --data ../shared/data --obp-wheel /tmp/obpdl/obp-0.4.1-py3-none-any.whl
    python bench/experiments_sim.py --data ../shared/data --parts interleaving-real
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import platform
import random
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats as sps

from shopmind.experiments import ope, stats
from shopmind.experiments.assign import Assigner, unit_uniform
from shopmind.experiments.definition import parse_experiments
from shopmind.experiments.interleave import credit, credit_counts, credit_diff_test, sign_test, team_draft
from shopmind.experiments.interleave_cv import CV_POSITIONS, adjusted_credit, credit_cv_test, position_credits
from shopmind.experiments.interleave_prob import TAU, marginal_credit, probabilistic_interleave
from shopmind.search.metrics import ndcg_at_k

#: probabilistic interleaving's rank exponent (``--pi-tau``; the paper's 3 by default)
PI_TAU = TAU
#: simulated sessions per setting (``--sessions``) and the click settings run (``--settings``)
SESSIONS = 60_000
SETTINGS = ("pbm_same", "pbm_heterogeneous", "dbn_same", "dbn_heterogeneous")
WINDOW_START = datetime(2011, 9, 1)
WINDOW_DAYS = 28
PRE_START = datetime(2010, 12, 1)


# --- 1. assignment overhead ------------------------------------------------------------------------


def bench_assignment(n: int = 100_000) -> dict[str, Any]:
    def exp(name: str, layer: str, traffic: float) -> dict[str, Any]:
        return {"name": name, "layer": layer, "traffic": traffic, "status": "running",
                "variant": [{"name": "control"}, {"name": "treatment", "overrides": {"search": {"ltr": "off"}}}]}  # fmt: skip

    full = Assigner(
        parse_experiments(
            {
                "holdout": 0.05,
                "experiment": [exp("a", "search", 0.5), exp("b", "search", 0.5), exp("r", "recs", 1.0)],
            }
        )
    )
    empty = Assigner(parse_experiments({}))
    ids = [f"user-{i}" for i in range(n)]
    out: dict[str, Any] = {"requests": n}
    # wall time on a shared box includes waiting for a core; process CPU time is what the code costs
    for name, a in (("none_running", empty), ("two_layers_three_experiments", full)):
        best, best_cpu = math.inf, math.inf
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            for u in ids:
                a.assign(u, "s")
            best, best_cpu = min(best, time.perf_counter() - t), min(best_cpu, time.process_time() - c)
        out[f"{name}_ms"] = best / n * 1e3
        out[f"{name}_cpu_ms"] = best_cpu / n * 1e3
    out["goal_ms"] = 0.05
    # exposure logging on the request path: an append to an in-memory buffer (no disk, no fsync)
    import tempfile

    from shopmind.experiments.exposure import ExposureLog

    with tempfile.TemporaryDirectory() as tmp:
        log = ExposureLog(tmp, flush_seconds=3600)
        got = [full.assign(u, "s") for u in ids[:20_000]]
        t = time.perf_counter()
        for i, g in enumerate(got):
            log.record(g, ids[i], "s", "rid", "search", 10)
        out["exposure_record_ms"] = (time.perf_counter() - t) / len(got) * 1e3
        t = time.perf_counter()
        rows = log.flush()
        out["exposure_flush_rows"] = rows
        out["exposure_flush_ms_per_row_off_path"] = (time.perf_counter() - t) / max(rows, 1) * 1e3
        log.close()
    return out


# --- Online Retail ---------------------------------------------------------------------------------


def load_retail(data: Path) -> pl.DataFrame:
    df = pl.read_csv(
        data / "online-retail" / "online_retail.csv.gz",
        schema_overrides={"InvoiceNo": pl.Utf8, "StockCode": pl.Utf8, "CustomerID": pl.Float64},
    )
    return df.filter(
        pl.col("CustomerID").is_not_null(), pl.col("Quantity") > 0, pl.col("UnitPrice") > 0,
        ~pl.col("InvoiceNo").str.starts_with("C"),
    ).select(
        pl.col("CustomerID").cast(pl.Int64).cast(pl.Utf8).alias("cid"),
        pl.col("InvoiceNo").alias("invoice"),
        pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S").alias("ts"),
        (pl.col("Quantity") * pl.col("UnitPrice")).alias("amount"),
    )  # fmt: skip


def window_panel(df: pl.DataFrame) -> dict[str, Any]:
    """Customers buying in the window: cumulative revenue/orders per day (0 before exposure), exposure
    masks, and the pre-period revenue covariate."""
    end = WINDOW_START + timedelta(days=WINDOW_DAYS)
    win = df.filter(pl.col("ts") >= WINDOW_START, pl.col("ts") < end).with_columns(
        ((pl.col("ts") - WINDOW_START).dt.total_days()).alias("day")
    )
    cids = sorted(win["cid"].unique().to_list())
    idx = {c: i for i, c in enumerate(cids)}
    rev = np.zeros((len(cids), WINDOW_DAYS))
    orders = np.zeros((len(cids), WINDOW_DAYS))
    per_day = win.group_by("cid", "day").agg(pl.col("amount").sum(), pl.col("invoice").n_unique())
    for c, d, a, o in per_day.iter_rows():
        rev[idx[c], d] += a
        orders[idx[c], d] += o
    exposed = np.cumsum(orders, axis=1) > 0
    pre = (
        df.filter(pl.col("ts") >= PRE_START, pl.col("ts") < WINDOW_START)
        .group_by("cid")
        .agg(pl.col("amount").sum())
    )
    pre_map = dict(pre.iter_rows())
    x = np.array([pre_map.get(c, 0.0) for c in cids])
    # winsorise at the 99th percentile of a pre-period quantity (the 28 days before the window), as a
    # shop would set its cap before the experiment: a few wholesale orders otherwise dominate the variance
    last28 = df.filter(
        pl.col("ts") >= WINDOW_START - timedelta(days=WINDOW_DAYS), pl.col("ts") < WINDOW_START
    )
    cap = float(np.quantile(last28.group_by("cid").agg(pl.col("amount").sum())["amount"].to_numpy(), 0.99))
    pre_cap = float(np.quantile(x[x > 0], 0.99))
    return {"cids": cids, "rev": np.minimum(np.cumsum(rev, axis=1), cap), "orders": np.cumsum(orders, axis=1),
            "exposed": exposed, "pre": np.minimum(x, pre_cap), "cap": cap}  # fmt: skip


def split(cids: list[str], n_exp: int, prefix: str) -> np.ndarray:
    """(n_exp, n_units) booleans: treatment by our own hash with a salt per experiment."""
    return np.array([[unit_uniform(f"{prefix}-{e}", c) < 0.5 for c in cids] for e in range(n_exp)])


def daily_effects(g: np.ndarray, y: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch effect and its variance per (experiment, day) of per-unit metric ``y`` among exposed units."""
    gt, gc = g.astype(float), (~g).astype(float)
    ef = e.astype(float)
    out = []
    for grp in (gc, gt):
        n = grp @ ef
        s1 = grp @ (y * ef)
        s2 = grp @ (y * y * ef)
        mean = s1 / np.maximum(n, 1)
        var = (s2 - n * mean * mean) / np.maximum(n - 1, 1)
        out.append((mean, var / np.maximum(n, 1)))
    (mc, vc), (mt, vt) = out
    return mt - mc, vc + vt


def _lifted(g: np.ndarray, y: np.ndarray, e: np.ndarray, lift: float) -> tuple[np.ndarray, np.ndarray]:
    """Daily effects when every treatment unit's metric is multiplied by (1 + lift), per experiment."""
    effs, vars_ = [], []
    for row in g:
        yl = np.where(row[:, None], y * (1 + lift), y)
        ef, vf = daily_effects(row[None, :], yl, e)
        effs.append(ef[0])
        vars_.append(vf[0])
    return np.array(effs), np.array(vars_)


def bench_aa(panel: dict[str, Any], g: np.ndarray, alpha: float = 0.05) -> dict[str, Any]:
    res: dict[str, Any] = {"experiments": int(g.shape[0]), "days": WINDOW_DAYS, "units": len(panel["cids"])}
    e = panel["exposed"]
    for name, y in (("revenue_per_user", panel["rev"]), ("orders_per_user", panel["orders"])):
        eff, var = daily_effects(g, y, e)
        base = float(y[e[:, 6], 6].mean())  # the scale after the first week
        lift = 0.10  # the price of always-valid: the same splits with a known +10 % effect in treatment
        eff1, var1 = _lifted(g, y, e, lift)
        z = np.abs(eff) / np.sqrt(var)
        z1 = eff1 / np.sqrt(var1)
        crit = sps.norm.ppf(1 - alpha / 2)
        res[name] = {
            "ttest_end_fpr": float((z[:, -1] > crit).mean()),
            "ttest_daily_peek_fpr": float((z > crit).any(axis=1).mean()),
            "ttest_end_power_at_plus_10pct": float((z1[:, -1] > crit).mean()),
        }
        # tau: the readout's default (5 % of the mean), and one tuned to the planned horizon (2 se at day 28)
        for label, tau in (
            ("msprt_tau_5pct_of_mean", 0.05 * base),
            ("msprt_tau_2se_at_horizon", 2 * float(np.sqrt(var[:, -1].mean()))),
        ):
            p = stats.msprt_pvalues(eff, var, tau * tau)
            p1 = stats.msprt_pvalues(eff1, var1, tau * tau)
            res[name][label] = {
                "tau": tau,
                "daily_fpr": float((p[:, -1] < alpha).mean()),
                "power_at_plus_10pct": float(((p1[:, -1] < alpha) & (eff1[:, -1] > 0)).mean()),
            }
    res["goal_fpr"] = alpha
    return res


def bench_cuped(panel: dict[str, Any], g: np.ndarray) -> dict[str, Any]:
    y, x = panel["rev"][:, -1], panel["pre"]
    plain, adj = [], []
    for row in g:
        a = stats.compare(y[~row], y[row], use_t=False)
        b = stats.compare(y[~row], y[row], control_covariate=x[~row], treatment_covariate=x[row], use_t=False)
        plain.append(a.effect)
        adj.append(b.effect)
    cut = 1 - np.var(adj) / np.var(plain)
    return {
        "units": len(y),
        "variance_cut_over_splits": float(cut),
        "rho_squared": stats.cuped_variance_reduction(y, x),
        "winsor_cap": panel["cap"],
        "goal_cut": 0.30,
        "agreement_tea_tasting": agreement(y, x, panel["orders"][:, -1], g[:20]),
    }


def agreement(y: np.ndarray, x: np.ndarray, orders: np.ndarray, g: np.ndarray) -> dict[str, Any]:
    """Max |ours - tea-tasting| over estimates, intervals and p-values on the real data."""
    import pandas as pd
    import tea_tasting as tt

    fields = [("control", "control"), ("treatment", "treatment"), ("effect", "effect_size"),
              ("ci_lower", "effect_size_ci_lower"), ("ci_upper", "effect_size_ci_upper"),
              ("rel_effect", "rel_effect_size"), ("rel_ci_lower", "rel_effect_size_ci_lower"),
              ("rel_ci_upper", "rel_effect_size_ci_upper"), ("pvalue", "pvalue")]  # fmt: skip
    worst = {"mean": 0.0, "cuped_mean": 0.0, "ratio_delta_method": 0.0}
    sessions = np.ones_like(y)  # orders per exposed customer-day is not defined: use revenue per order
    for row in g:
        df = pd.DataFrame(
            {"variant": row.astype(int), "rev": y, "rev_covariate": x, "orders": orders, "n": sessions}
        )
        ref = tt.Experiment(
            mean=tt.Mean("rev"),
            cuped_mean=tt.Mean("rev", "rev_covariate"),
            ratio_delta_method=tt.RatioOfMeans("rev", "orders"),
        ).analyze(df)
        c, t = ~row, row
        ours = {
            "mean": stats.compare(y[c], y[t]),
            "cuped_mean": stats.compare(y[c], y[t], control_covariate=x[c], treatment_covariate=x[t]),
            "ratio_delta_method": stats.compare(
                y[c], y[t], control_denom=orders[c], treatment_denom=orders[t]
            ),
        }
        for k, got in ours.items():
            for a, b in fields:
                worst[k] = max(worst[k], abs(getattr(got, a) - getattr(ref[k], b)))
    return {"max_abs_diff": worst, "splits": len(g), "goal": 1e-6}


def bench_power(
    df: pl.DataFrame, rel_lift: float = 0.02, alpha: float = 0.05, sims: int = 2000
) -> dict[str, Any]:
    end = WINDOW_START + timedelta(days=WINDOW_DAYS)
    known = (
        df.filter(pl.col("ts") < WINDOW_START)
        .group_by("cid")
        .agg(pl.col("invoice").n_unique().alias("pre_orders"))
    )
    buyers = set(df.filter(pl.col("ts") >= WINDOW_START, pl.col("ts") < end)["cid"].unique().to_list())
    conv = np.array([c in buyers for c in known["cid"].to_list()], dtype=float)
    pre = known["pre_orders"].to_numpy().astype(float)
    p0 = float(conv.mean())
    n = stats.sessions_for_power(p0, rel_lift, alpha, 0.8)
    rng = np.random.default_rng(0)
    # known truth: treatment converts a non-converter with the probability that lifts p0 by rel_lift
    flip = p0 * rel_lift / (1 - p0)
    hits = 0
    for _ in range(sims):
        c = rng.binomial(n, p0)
        t_base = rng.binomial(n, p0)
        t = t_base + rng.binomial(n - t_base, flip)
        pc, pt = c / n, t / n
        se = math.sqrt(pc * (1 - pc) / n + pt * (1 - pt) / n)
        hits += (pt - pc) / se > sps.norm.ppf(1 - alpha / 2)
    rho2 = stats.cuped_variance_reduction(conv, pre)
    import pandas as pd
    import tea_tasting as tt

    ref = tt.Mean(
        "conv", rel_effect_size=rel_lift, use_t=False, equal_var=False, power=0.8, alpha=alpha
    ).solve_power(pd.DataFrame({"conv": conv}), "n_obs")
    return {
        "customers_known_before_window": len(conv),
        "baseline_conversion": p0,
        "relative_lift": rel_lift,
        "units_per_variant_80pct": n,
        "simulated_power_at_that_size": hits / sims,
        "tea_tasting_units_per_variant": float(ref[0].n_obs) / 2,
        "cuped_rho_squared_pre_orders": rho2,
        "units_per_variant_with_cuped": math.ceil(n * (1 - rho2)),
    }


# --- 5. interleaving vs A/B ------------------------------------------------------------------------


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
    from shopmind.search.evaluate import RECALL_K, load_dataset, make_methods, select_queries

    ev = load_dataset("home-depot", data / "home-depot")
    queries = select_queries(ev.qrels, None)
    out: dict[str, dict[str, list[str]]] = {}
    for name, m in zip(names, make_methods(names), strict=True):
        t0 = time.perf_counter()
        m.fit(ev.products)
        prep = getattr(m, "prepare_queries", None)
        if prep is not None:
            prep(queries)
        tune = getattr(m, "tune", None)
        if tune is not None:
            tune(ev, queries)
        # the evaluation's retrieval view asks for RECALL_K (100); a re-ranker's top k is read from that
        out[name] = {q: list(m.search(q, RECALL_K))[:k] for q in queries}  # keyed by the --methods name
        print(f"  {name} ({m.name}): {time.perf_counter() - t0:.0f} s", flush=True)
    return {q: ev.qrels[q] for q in queries}, out, ev.min_grade


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


# --- 6. off-policy evaluation on the Open Bandit Dataset sample -------------------------------------


def read_obd(wheel: Path, policy: str) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(wheel) as z:
        text = z.read(f"obp/dataset/obd/{policy}/all/all.csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    return {
        "item": np.array([int(r["item_id"]) for r in rows]),
        "position": np.array([int(r["position"]) for r in rows]) - 1,
        "click": np.array([float(r["click"]) for r in rows]),
        "pscore": np.array([float(r["propensity_score"]) for r in rows]),
    }


def bts_action_dist(
    wheel: Path, n_items: int, len_list: int, n_sim: int = 100_000, seed: int = 12345
) -> np.ndarray:
    """P(item at position) of Bernoulli TS with the ZOZOTOWN prior: sample Beta(alpha, beta) per item,
    show the top ``len_list`` (obp's BernoulliTS.compute_batch_action_dist, vectorised)."""
    import yaml  # PyYAML ships with our deps' deps; only the bench reads the prior file

    with zipfile.ZipFile(wheel) as z:
        prior = yaml.safe_load(z.read("obp/policy/conf/prior_bts.yaml"))["all"]
    a, b = np.array(prior["alpha"], dtype=float), np.array(prior["beta"], dtype=float)
    assert len(a) == n_items
    rng = np.random.default_rng(seed)
    theta = rng.beta(a, b, size=(n_sim, n_items))
    top = np.argsort(-theta, axis=1)[:, :len_list]
    dist = np.zeros((n_items, len_list))
    for pos in range(len_list):
        dist[:, pos] = np.bincount(top[:, pos], minlength=n_items) / n_sim
    return dist


def ope_estimates(log: dict[str, np.ndarray], dist: np.ndarray, folds: np.ndarray) -> list[ope.Estimate]:
    item, pos, r, mu = log["item"], log["position"], log["click"], log["pscore"]
    pi = dist[item, pos]
    # reward model q(item, position): click rate, cross-fitted over 2 folds, shrunk to the position's rate
    q_logged = np.zeros(len(r))
    q_pi = np.zeros(len(r))
    n_items, len_list = dist.shape
    for f in (0, 1):
        train, test = folds != f, folds == f
        clicks = np.zeros((n_items, len_list))
        shows = np.zeros((n_items, len_list))
        np.add.at(clicks, (item[train], pos[train]), r[train])
        np.add.at(shows, (item[train], pos[train]), 1)
        pos_rate = clicks.sum(axis=0) / np.maximum(shows.sum(axis=0), 1)
        m = 50.0
        q = (clicks + m * pos_rate) / (shows + m)
        q_logged[test] = q[item[test], pos[test]]
        q_pi[test] = (dist * q).sum(axis=0)[pos[test]]
    return [
        ope.direct(q_pi),
        ope.ips(r, mu, pi),
        ope.snips(r, mu, pi),
        ope.doubly_robust(r, mu, pi, q_logged, q_pi),
    ]


def bench_ope(wheel: Path, boots: int = 100, seed: int = 0) -> dict[str, Any]:
    logged, onpolicy = read_obd(wheel, "random"), read_obd(wheel, "bts")
    truth = float(onpolicy["click"].mean())
    n_items = int(logged["item"].max()) + 1
    dist = bts_action_dist(wheel, n_items, int(logged["position"].max()) + 1)
    rng = np.random.default_rng(seed)
    n = len(logged["click"])
    full = ope_estimates(logged, dist, rng.integers(0, 2, n))
    errors: dict[str, list[float]] = {e.name: [] for e in full}
    for _ in range(boots):
        idx = rng.integers(0, n, n)
        sample = {k: v[idx] for k, v in logged.items()}
        for e in ope_estimates(sample, dist, rng.integers(0, 2, n)):
            errors[e.name].append(abs(e.value - truth) / truth)
    return {
        "rounds_logged": n,
        "rounds_on_policy": len(onpolicy["click"]),
        "on_policy_truth": truth,
        "estimates": {
            e.name: {
                "value": e.value,
                "ci95": [e.ci_lower, e.ci_upper],
                "relative_error": abs(e.value - truth) / truth,
                "ci_covers_truth": e.ci_lower <= truth <= e.ci_upper,
            }
            for e in full
        },  # fmt: skip
        "bootstrap_mean_relative_error": {k: float(np.mean(v)) for k, v in errors.items()},
        "bootstraps": boots,
        "obp_example_relative_error": {"DM": 0.218, "IPW": 1.159, "DR": 0.993},
    }


def main(argv: list[str] | None = None) -> int:
    global PI_TAU, SESSIONS, SETTINGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--obp-wheel", type=Path, default=Path("/tmp/obpdl/obp-0.4.1-py3-none-any.whl"))
    ap.add_argument("--experiments", type=int, default=1000)
    ap.add_argument(
        "--out", type=Path, default=None, help="default: bench/results/experiments_sim[_PARTS].json"
    )
    ap.add_argument(
        "--parts",
        default="assignment,aa,cuped,power,interleaving,ope",
        help="comma-separated parts; 'interleaving-real' (the rankers of the search evaluation) runs only when named",
    )
    ap.add_argument("--pi-tau", type=float, default=TAU, help="probabilistic interleaving's rank exponent")
    ap.add_argument(
        "--sessions", type=int, default=SESSIONS, help="simulated sessions per interleaving setting"
    )
    ap.add_argument(
        "--settings", default=",".join(SETTINGS), help="click settings: model_users, comma-separated"
    )
    ap.add_argument(
        "--rankings-cache",
        type=Path,
        default=None,
        help="for interleaving-real: a JSON file holding the fitted rankers' top 10s (written when absent)",
    )
    ap.add_argument(
        "--pairs", default=",".join(REAL_PAIRS), help=f"for interleaving-real: {', '.join(REAL_PAIRS)}"
    )
    args = ap.parse_args(argv)
    PI_TAU, SESSIONS = args.pi_tau, args.sessions
    SETTINGS = tuple(args.settings.split(","))
    bad = set(SETTINGS) - {"pbm_same", "pbm_heterogeneous", "dbn_same", "dbn_heterogeneous"}
    if bad or SESSIONS < 100:
        print(
            f"error: unknown click setting(s) {', '.join(sorted(bad))} or --sessions < 100", file=sys.stderr
        )
        return 2
    parts = set(args.parts.split(","))
    unknown = parts - {"assignment", "aa", "cuped", "power", "interleaving", "ope", "interleaving-real"}
    pairs = args.pairs.split(",")
    if unknown or set(pairs) - set(REAL_PAIRS):
        print(
            f"error: unknown part or pair: {', '.join(sorted(unknown | (set(pairs) - set(REAL_PAIRS))))}",
            file=sys.stderr,
        )
        return 2
    full = parts == {"assignment", "aa", "cuped", "power", "interleaving", "ope"}
    out_path = args.out or Path(
        "bench/results/experiments_sim.json"
        if full
        else f"bench/results/experiments_sim_{'_'.join(sorted(parts))}.json"
    )
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python " + " ".join(sys.argv),
        "python": platform.python_version(),
        "pi_tau": PI_TAU,
    }
    t0 = time.perf_counter()
    if "assignment" in parts:
        result["assignment"] = bench_assignment()
        print("assignment", json.dumps(result["assignment"]), flush=True)
    if parts & {"aa", "cuped", "power"}:
        df = load_retail(args.data)
        panel = window_panel(df)
        g = split(panel["cids"], args.experiments, "aa")
        if "aa" in parts:
            result["aa"] = bench_aa(panel, g)
            print("aa", json.dumps(result["aa"]), flush=True)
        if "cuped" in parts:
            result["cuped"] = bench_cuped(panel, g)
            print("cuped", json.dumps(result["cuped"]), flush=True)
        if "power" in parts:
            result["power"] = bench_power(df)
            print("power", json.dumps(result["power"]), flush=True)
    if "interleaving" in parts:
        result["interleaving"] = bench_interleaving(args.data)
        print("interleaving", json.dumps(result["interleaving"]), flush=True)
    if "interleaving-real" in parts:
        result["interleaving_real"] = bench_interleaving_real(args.data, pairs, cache=args.rankings_cache)
    if "ope" in parts:
        if args.obp_wheel.exists():
            result["ope"] = bench_ope(args.obp_wheel)
        else:
            result["ope"] = {
                "skipped": f"{args.obp_wheel} not found; pip download obp==0.4.1 --no-deps -d DIR"
            }
        print("ope", json.dumps(result["ope"]), flush=True)
    result["seconds"] = time.perf_counter() - t0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
