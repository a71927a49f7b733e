"""Optimized interleaving, session 19: the readout's credit, chosen on query tuning halves, then
measured once on the other halves and on all queries, exactly (issue 15).

Why: the served design (optimized interleaving, linear credit ``r_A - r_B``, insensitivity LP,
+ controls) is >= 10x A/B in 3 of 8 real settings. ``experiments_il_diag19.py`` (run before this
file was written) splits
the ratio on all queries: 79 % - 87 % of the credit's variance is the clicks' own noise (A/B's:
49 % - 67 %, with 20 % - 35 % between queries against interleaving's 9 % - 14 %); the 7.5 % - 17.4 %
of sessions with two or more clicks carry 25 % - 51 % of ``E[D^2]``; 27 % - 37 % of the clicks fall
on positions whose credit is already 0 (an item both rankers put at the same rank earns
``r_A - r_B = 0``: a credit that "ignores" them is the linear credit itself, so it is no candidate).
The lists, the LP and A/B stay as served; only what a session's clicks are worth changes. Every
candidate is exactly unbiased under position-only clicks on the LP's lists (the LP makes
``E_L[delta(L_i)] = 0`` at every position ``i``, and a position-only click pattern does not depend
on which list was drawn):

- ``share``: the session's credit divided by its number of clicks (0 without a click): a session
  is one vote however many items the shopper opened (Chapelle et al. 2012's click share). Any
  function of the click pattern times the per-position credit keeps ``E = 0`` under position-only
  clicks (round 10's argument), so this one does;
- ``sqrt``: per click ``sign(delta) sqrt(|delta|)``, recentred per position over the query's LP
  distribution (``g - sum_L p_L g(L_i)``, as round 12 recentres): a large rank difference weighs
  less than linearly;
- ``share_sqrt``: both.

Per-query stratified tests are not a candidate: at the sessions the goal needs (3,000 - 7,000) over
4,693 queries most queries are seen 0 - 1 times, so a stratified estimator cannot remove the
between-query variance it would remove asymptotically, and A/B could be stratified the same way
(``experiments_il_diag19.py`` reports the asymptotic bound for both sides). Session-level
aggregation of several queries does not apply: the bench's session is one query shown once, on
both sides.

Method: round 9's exact machinery (click models as Markov chains over positions, 48 propensity
strata, every query once), with ``experiments_il_diag19.count_moments`` (the forward pass split by
the number of clicks) so that ``E[D / N]`` and ``E[(D / N)^2]`` are exact too; controls (the shown
list's per-position credits, mean 0 by the LP and by the recentring) as rounds 11 - 13; A/B's best
of round 9's three metrics (clicks per session, any click, first-click RR). (The first tune run
read only the last two: on the BM25F pair's tuning half clicks per session is A/B's best under PBM,
round 13's 28,172 / 46,354; the rule compares the credits with each other, not with A/B, and the
re-run gave the same choice.)

Protocol (written and committed before any figure of these candidates was computed; seed 0; k = 10):
- queries: per real pair (rankings cache of rounds 11 - 13, not refitted), round 10's split
  (``experiments_opt_round13.halves``): tuning half, evaluation half;
- ``--phase tune`` (tuning halves only): the baseline (``linear``) and the 3 candidates in the 8
  real settings, sessions for 80 % power with controls; position-only mean credit of each.
  **Rule**: among candidates that need >= 3 % fewer sessions than the baseline in total over the 8
  settings **and** fewer in >= 5 of the 8, **and** whose |position-only mean| is < 1e-9 in every
  setting, the one with the smallest total; if none, the baseline stays and the final phase
  reports the baseline only;
- ``--phase final`` (once, after the tune phase's choice is committed): the chosen credit and the
  baseline on the evaluation halves and on all queries of both pairs, with A/B; position-only mean
  everywhere; reported as it comes. If a candidate was chosen, it is served only if on the 8
  evaluation-half settings it also needs fewer sessions than the baseline in >= 5 and in total,
  position-only < 1e-9 everywhere, and the served merge's cold CPU p99 stays <= 10 ms
  (``experiments_opt_serve13.py``).

    nice -n 10 python bench/experiments_opt_round19.py --phase tune --rankings-cache /tmp/t17opt/rankings.json
    nice -n 10 python bench/experiments_opt_round19.py --phase final --rankings-cache /tmp/t17opt/rankings.json
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

from experiments_exact import (  # noqa: E402
    K,
    _control_variates,
    cache_ok,
    click_params,
    first_click,
    moments,
    propensity_nodes,
    real_pairs,
    run_header,
    write_result,
)
from experiments_il_diag19 import count_moments  # noqa: E402
from experiments_opt import SETTINGS  # noqa: E402
from experiments_opt_round13 import BASELINE, groups, halves, load, name  # noqa: E402
from shopmind.experiments.interleave_opt import OptimizedDistribution, item_credits, optimize  # noqa: E402

Z2 = float((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) ** 2)
CANDIDATES = ("share", "sqrt", "share_sqrt")
TUNE_OUT = Path("bench/results/experiments_opt_round19_tune.json")
FINAL_OUT = Path("bench/results/experiments_opt_round19.json")


def sqrt_credits(dist: OptimizedDistribution, a: list[str], b: list[str]) -> np.ndarray:
    """Per list of ``dist`` and position: ``sign(delta) sqrt(|delta|)`` of the item's linear credit,
    recentred per position over the distribution (every position's expected credit 0 again)."""
    if not dist.lists:
        return np.zeros((0, K))
    delta = item_credits(a, b, K, "linear")
    raw = np.array([[np.sign(delta[it]) * np.sqrt(abs(delta[it])) for it in lst] for lst in dist.lists])
    return raw - np.array(dist.probs) @ raw


OI = name(BASELINE)


def stat_moments(
    g: np.ndarray, c: np.ndarray, model: str, users: str, share: bool, flat: bool, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """E[S], E[S^2] per (node, list) of ``S = D`` or ``D / N`` (``share``; 0 without a click)."""
    if flat:
        g = np.where(g > 0, 2.0, 0.0)
    u, _ = propensity_nodes(users)
    e1s, e2s = [], []
    for lo in range(0, len(g), chunk):
        a, s, cont = click_params(g[lo : lo + chunk], model, u)
        if not share:  # the plain sum: round 9's forward pass (the same numbers, cheaper)
            e1, e2 = moments(a, s, cont, c[lo : lo + chunk])
            e1s.append(e1)
            e2s.append(e2)
            continue
        _, f1, f2 = count_moments(a, s, cont, c[lo : lo + chunk])
        inv = 1.0 / np.maximum(np.arange(f1.shape[0]), 1)[:, None, None]
        e1s.append((f1 * inv).sum(0))
        e2s.append((f2 * inv * inv).sum(0))
    return np.concatenate(e1s, axis=1), np.concatenate(e2s, axis=1)


def ab_sessions(
    prep: dict[str, tuple[np.ndarray, ...]], keep: np.ndarray, model: str, users: str
) -> tuple[str, float]:
    """A/B's best of round 9's three metrics (clicks per session, any click, first-click RR) on the
    queries ``keep`` (boolean per query), as ``experiments_exact.evaluate`` computes them."""
    u, wu = propensity_nodes(users)
    n = keep.sum()
    arms = []
    for key in ("ab_a", "ab_b"):
        g, c, w, q = prep[key]
        m = keep[q]
        a, s, cont = click_params(g[m], model, u)
        ww = wu[:, None] * (w[m] / n)[None, :]
        per = dict(first_click(a, cont)) | {"clicks": moments(a, s, cont, c[m])}
        arms.append({k: (float((ww * x1).sum()), float((ww * x2).sum())) for k, (x1, x2) in per.items()})
    best = ("", float("inf"))
    for metric in ("clicks", "any_click", "first_click_rr"):
        (ma, sa), (mb, sb) = arms[0][metric], arms[1][metric]
        d = mb - ma
        if d > 0:
            total = 2 * Z2 * (sa - ma * ma + sb - mb * mb) / d**2
            if total < best[1]:
                best = (metric, total)
    return best


def measure(
    prep: dict[str, tuple[np.ndarray, ...]], sqrt_c: np.ndarray, queries: np.ndarray, credits: list[str]
) -> dict[str, Any]:
    """Every setting on ``queries``: A/B, and per credit the sessions with and without controls,
    the ratio to A/B and the exact position-only mean credit."""
    g, c, w, q = prep[OI]
    keep = np.zeros(int(q.max()) + 1, dtype=bool)
    keep[queries] = True
    m = keep[q]
    gs, ws = g[m], w[m] / len(queries)
    res: dict[str, Any] = {}
    for model, users in SETTINGS:
        _, wu = propensity_nodes(users)
        ww = wu[:, None] * ws[None, :]
        metric, ab_n = ab_sessions(prep, keep, model, users)
        row: dict[str, Any] = {"ab_best_metric": metric, "ab_sessions": ab_n}
        for cr in credits:
            cc = (sqrt_c if "sqrt" in cr else c)[m]
            share = cr.startswith("share")
            e1, e2 = stat_moments(gs, cc, model, users, share, False)
            mean = float((ww * e1).sum())
            var = float((ww * e2).sum()) - mean * mean
            var_cv = _control_variates(e1, ww, cc, mean, var)["var_cv"]
            f1, _ = stat_moments(gs, cc, model, users, share, True)
            n = Z2 * var / mean**2 if mean > 0 else None
            n_cv = Z2 * var_cv / mean**2 if mean > 0 else None
            row[cr] = {
                "mean": mean,
                "var": var,
                "var_cv": var_cv,
                "sessions": n,
                "sessions_cv": n_cv,
                "ratio_cv": ab_n / n_cv if n_cv else None,
                "position_only_mean": float((ww * f1).sum()),
            }
        res[f"{model}_{users}_users"] = row
        print(
            f"    {model}/{users}: A/B {metric} {ab_n:.0f}; "
            + "; ".join(
                f"{cr} {row[cr]['sessions_cv']:.0f} ({row[cr]['ratio_cv']:.2f}x, pos-only {row[cr]['position_only_mean']:.1e})"
                for cr in credits
            ),
            flush=True,
        )
    return res


def compare(per_pair: dict[str, dict[str, Any]], cand: str, base: str = "linear") -> dict[str, Any]:
    """Over the 8 real settings: where ``cand`` needs fewer sessions with controls than ``base``,
    both totals, the relative change and the largest |position-only mean| of ``cand``."""
    wins, tc, tb, bias = 0, 0.0, 0.0, 0.0
    for settings in per_pair.values():
        for row in settings.values():
            c, b = row[cand]["sessions_cv"] or 1e12, row[base]["sessions_cv"] or 1e12
            wins += c < b
            tc += c
            tb += b
            bias = max(bias, abs(row[cand]["position_only_mean"]))
    return {
        "fewer_in": wins,
        "total": tc,
        "total_base": tb,
        "change": tc / tb - 1,
        "max_abs_position_only": bias,
    }


def choose(per_pair: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The tune phase's rule (module docstring)."""
    totals = {cr: compare(per_pair, cr) for cr in CANDIDATES}
    ok = [
        cr
        for cr, t in totals.items()
        if t["total"] <= 0.97 * t["total_base"] and t["fewer_in"] >= 5 and t["max_abs_position_only"] < 1e-9
    ]
    chosen = min(ok, key=lambda cr: totals[cr]["total"]) if ok else "linear"
    return {"totals": totals, "passing": ok, "chosen": chosen}


def pair_prep(
    rp: dict[str, Any], queries: np.ndarray
) -> tuple[dict[str, tuple[np.ndarray, ...]], np.ndarray, dict[str, Any]]:
    """The baseline's LP lists (and A/B's) for ``queries``, and the sqrt credits on those lists
    (same rows: the LP is re-solved per query, deterministic, in ``groups``'s order)."""
    prep, lp = groups(rp["grades"], rp["rank_a"], rp["rank_b"], queries, [BASELINE], False)
    rows = []
    for qq in queries.tolist():
        ra, rb = rp["rank_a"][qq], rp["rank_b"][qq]
        sc = sqrt_credits(optimize(ra, rb, K, "linear", BASELINE[0]), ra, rb)
        rows.extend(np.pad(sc, ((0, 0), (0, K - sc.shape[1]))) if len(sc) else [])
    sq = np.array(rows)
    if sq.shape != prep[OI][1].shape:
        raise RuntimeError("the re-solved lists differ from groups()'s")
    return prep, sq, lp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phase", choices=("tune", "final"), required=True)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--rankings-cache", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    args.synthetic_only = False
    if not cache_ok(args):
        return 2
    result: dict[str, Any] = run_header() | {"phase": args.phase, "k": K, "load_start": load()}
    t0 = time.perf_counter()
    pairs = real_pairs(args.rankings_cache)
    if args.phase == "tune":
        credits = ["linear", *CANDIDATES]
        result["credits"], result["tuning"], result["lp"] = credits, {}, {}
        for pair, rp in pairs.items():
            tune, _ = halves(len(rp["grades"]), args.seed)
            print(pair, f"tuning half {len(tune)} queries", flush=True)
            prep, sq, result["lp"][pair] = pair_prep(rp, tune)
            result["tuning"][pair] = measure(prep, sq, tune, credits)
        result["choice"] = choose(result["tuning"])
        print(f"choice: {json.dumps(result['choice'])}", flush=True)
    else:
        chosen = json.loads(TUNE_OUT.read_text())["choice"]["chosen"]
        credits = ["linear"] if chosen == "linear" else ["linear", chosen]
        result["chosen"], result["credits"] = chosen, credits
        result["evaluation_half"], result["all_queries"], result["lp"] = {}, {}, {}
        for pair, rp in pairs.items():
            n = len(rp["grades"])
            _, ev = halves(n, args.seed)
            every = np.arange(n)
            print(pair, flush=True)
            prep, sq, result["lp"][pair] = pair_prep(rp, every)
            print(f"  evaluation half ({len(ev)} queries)", flush=True)
            result["evaluation_half"][pair] = measure(prep, sq, ev, credits)
            print(f"  all queries ({n})", flush=True)
            result["all_queries"][pair] = measure(prep, sq, every, credits)
        if chosen != "linear":
            result["rule_evaluation_half"] = compare(result["evaluation_half"], chosen)
            print(f"rule: {json.dumps(result['rule_evaluation_half'])}", flush=True)
    result["load_end"] = load()
    return write_result(result, args.out or (TUNE_OUT if args.phase == "tune" else FINAL_OUT), t0)


if __name__ == "__main__":
    raise SystemExit(main())
