"""A learned interleaving credit (Yue et al. 2010) beside A/B, without Monte Carlo noise (issue 15, round 10).

Why: round 9 (``experiments_exact.py``) showed probabilistic interleaving + control variates needs
5.0x - 9.2x fewer sessions than A/B's best metric on the real ranker pairs (goal 10x). This measures
``shopmind.experiments.interleave_learned``: the credit ``w . phi`` with per-click features
(rank, first / last / only click, clicks in the session, click after a skip) times each click's
assignment term, ``w ~ Sigma^-1 mu`` learned on other queries than those it is measured on.

Exact, as round 9: the click models are Markov chains over positions; here every click pattern of
the 10 positions (2^10) gets its exact probability per (shopper propensity, list), so ``E[phi]`` and
``E[phi phi']`` of the vector credit are exact per list; probabilistic interleaving's lists are
sampled (``PI_LISTS`` per query), team draft's enumerated, as ``experiments_exact.prepare`` does.

Protocol (fixed before any real pair's figure was seen):
- per ranker pair, the judged queries are split at random (seeded) into a training and a test half;
  every reported figure - A/B's best metric, team draft, probabilistic, + controls, learned - is on
  the test half (A/B through ``experiments_exact.evaluate`` on the same lists);
- ``w`` is learned on the training half under the same click model (a shop learning from its own
  earlier interleaving logs); the shrinkage towards the diagonal is chosen from ``SHRINKS`` by
  2-fold cross-validation inside the training half;
- "transfer": ``w`` learned on the synthetic pair's training half, applied to the real pairs
  (a shop without earlier logs using defaults learned elsewhere);
- "in-sample bound": ``w`` learned on the test half itself - not a result, the most any linear
  credit on these features could give;
- position-only clicks (every item alike): the learned credit's exact mean on the test half;
- the ratio's dependence on the query sample: ``BOOTSTRAP`` resamples of the test queries, each
  exact (A/B's first-click RR vs probabilistic + controls, plain and learned credit).

    python bench/experiments_learned.py --data ../shared/data --rankings-cache /tmp/t9il/rankings.json
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_exact import (  # noqa: E402
    K,
    Prepared,
    _pad,
    cache_ok,
    click_params,
    evaluate,
    first_click,
    pi_lists,
    propensity_nodes,
    real_pairs,
    run_header,
    team_draft_lists,
    write_result,
)
from experiments_sim import mean_ndcg, synthetic_rankers  # noqa: E402
from shopmind.experiments.interleave_learned import FEATURES, click_features, learn_weights  # noqa: E402
from shopmind.experiments.interleave_prob import TAU  # noqa: E402

SHRINKS = (0.0, 0.25, 0.5, 0.75, 1.0)
BOOTSTRAP = 500  # query resamples for the ratio's spread
SETTINGS = (("pbm", "same"), ("pbm", "heterogeneous"), ("dbn", "same"), ("dbn", "heterogeneous"))
Z2 = float((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) ** 2)
PI = f"pi_tau{TAU:g}"


def pattern_features(k: int = K) -> np.ndarray:
    """(2^k, k, features): ``click_features`` of every click pattern, pattern ``x`` clicking
    position ``i`` iff bit ``i`` of ``x`` is set (the order ``pattern_probs`` builds)."""
    return np.stack([click_features([(x >> i) & 1 for i in range(k)]) for x in range(2**k)])


def pattern_probs(a: np.ndarray, s: np.ndarray, cont: float) -> np.ndarray:
    """(nodes, lists, 2^K) exact probability of every click pattern under ``experiments_exact``'s
    chain (click with ``a`` when reached; after a click stop with ``s``, else read on with ``cont``;
    after no click read on with ``cont``). Built position by position, doubling the patterns in
    place: ``reading`` is the mass still reading, ``done`` the mass that stopped (clicks no more)."""
    n = a.shape[2]
    reading = np.zeros((*a.shape[:2], 2**n))
    done = np.zeros_like(reading)
    reading[:, :, 0] = 1.0
    for i in range(n):
        h = 2**i
        ai, si = a[:, :, i, None], s[None, :, i, None]
        click = reading[:, :, :h] * ai
        reading[:, :, h : 2 * h] = click * ((1 - si) * cont)
        if cont < 1.0:
            done[:, :, h : 2 * h] = click * (si + (1 - si) * (1 - cont))
            done[:, :, :h] += reading[:, :, :h] * ((1 - ai) * (1 - cont))
        reading[:, :, :h] *= (1 - ai) * cont
    return reading + done


def prepare_indexed(
    grades: list[dict[str, float]], rank_a: list[list[str]], rank_b: list[list[str]], seed: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """As ``experiments_exact.prepare`` (A/B's two lists, team draft's enumerated lists,
    ``PI_LISTS`` sampled probabilistic lists per query), with each list's query index; the weight
    is the list's probability within its query (summing to 1 per query)."""
    rng = random.Random(seed)
    rows: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[float], list[int]]] = {}
    for q, (g, ra, rb) in enumerate(zip(grades, rank_a, rank_b, strict=True)):
        groups = {
            "ab_a": [(tuple(ra[:K]), np.ones(min(K, len(ra))), 1.0)],
            "ab_b": [(tuple(rb[:K]), np.ones(min(K, len(rb))), 1.0)],
            "td_diff": team_draft_lists(ra, rb),
            PI: pi_lists(ra[:K], rb[:K], rng, TAU),
        }
        for name, lists in groups.items():
            gs, cs, ws, qs = rows.setdefault(name, ([], [], [], []))
            for items, c, w in lists:
                gs.append(_pad(np.array([g[it] for it in items])))
                cs.append(_pad(c))
                ws.append(w)
                qs.append(q)
    return {k: (np.array(g), np.array(c), np.array(w), np.array(q)) for k, (g, c, w, q) in rows.items()}


def subset(prep: dict[str, tuple[np.ndarray, ...]], queries: np.ndarray) -> Prepared:
    """``experiments_exact``'s ``Prepared`` for the given queries only (each drawn uniformly)."""
    keep = np.zeros(max(int(v[3].max()) for v in prep.values()) + 1, dtype=bool)
    keep[queries] = True
    out: Prepared = {}
    for name, (g, c, w, q) in prep.items():
        m = keep[q]
        out[name] = (g[m], c[m], w[m] / len(queries))
    return out


def query_moments(
    grp: tuple[np.ndarray, ...], model: str, users: str, flat: bool, feats: np.ndarray, chunk: int = 512
) -> dict[str, np.ndarray]:
    """Per query, exact over its lists and the shoppers: ``m1`` = E[phi], ``m2`` = E[phi phi'],
    ``mc`` = E[phi c'], ``cc`` = E[c c'], ``c1`` = E[c] (``c``: the list's per-position credits, the
    controls of ``interleave_cv``). ``flat``: every shown item grade 2 (position-only clicks), and
    ``m1`` only."""
    g, c, w, q = grp
    if flat:
        g = np.where(g > 0, 2.0, 0.0)
    u, wu = propensity_nodes(users)
    # the pattern probabilities depend on the list's grades only: once per distinct grade row
    rows, inv = np.unique(g, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    step = max(1, 4096 // len(u))
    pbar = np.zeros((len(rows), feats.shape[0]))
    for lo in range(0, len(rows), step):
        a, s, cont = click_params(rows[lo : lo + step], model, u)
        pbar[lo : lo + step] = np.tensordot(wu, pattern_probs(a, s, cont), axes=1)
    nq, d = int(q.max()) + 1, feats.shape[2]
    fr = feats.transpose(1, 0, 2).reshape(K, -1)  # phi of a list = its credits @ fr, per pattern
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("m1", "m2", "mc", "cc", "c1")}
    for lo in range(0, len(g), chunk):
        sl = slice(lo, lo + chunk)
        p = pbar[inv[sl]]  # (lists, patterns)
        cl, wl = c[sl], w[sl]
        phi = (cl @ fr).reshape(len(cl), -1, d)  # the credit vector of every (list, pattern)
        e1 = np.einsum("lx,lxd->ld", p, phi)
        parts["m1"].append(wl[:, None] * e1)
        if flat:  # position-only clicks: only the mean is read
            continue
        e2 = np.matmul((p[:, :, None] * phi).transpose(0, 2, 1), phi)
        parts["m2"].append(wl[:, None, None] * e2)
        parts["mc"].append(wl[:, None, None] * e1[:, :, None] * cl[:, None, :])
        parts["cc"].append(wl[:, None, None] * cl[:, :, None] * cl[:, None, :])
        parts["c1"].append(wl[:, None] * cl)
    # lists come grouped by query (prepare_indexed): per-query sums by segment
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    out = {}
    for k, v in parts.items():
        if v:
            out[k] = np.zeros((nq, *v[0].shape[1:]))
            out[k][q[starts]] = np.add.reduceat(np.concatenate(v), starts, axis=0)
    return out


def stats_on(mom: dict[str, np.ndarray], queries: np.ndarray) -> dict[str, np.ndarray]:
    """Mean ``mu`` and covariance ``sigma`` of phi over sessions drawn uniformly from ``queries``,
    and ``sigma_cv``: the covariance left after regressing phi on the controls (exact least squares,
    as ``experiments_exact._control_variates`` does for the plain credit)."""
    m1 = mom["m1"][queries].mean(0)
    if "m2" not in mom:  # position-only clicks: the mean alone
        return {"mu": m1}
    m2, ec = mom["m2"][queries].mean(0), mom["c1"][queries].mean(0)
    sigma = m2 - np.outer(m1, m1)
    s_dc = mom["mc"][queries].mean(0) - np.outer(m1, ec)
    s_cc = mom["cc"][queries].mean(0) - np.outer(ec, ec)
    sigma_cv = sigma - s_dc @ np.linalg.pinv(s_cc) @ s_dc.T
    return {"mu": m1, "sigma": sigma, "sigma_cv": sigma_cv}


def sessions(st: dict[str, np.ndarray], w: np.ndarray, cv: bool) -> float | None:
    """Sessions for 80 % power (alpha 0.05, two-sided) of the credit ``w . phi`` (after controls)."""
    m = float(w @ st["mu"])
    cov = st["sigma_cv"] if cv else st["sigma"]
    return Z2 * float(w @ cov @ w) / m**2 if m != 0 else None


def choose_shrink(mom: dict[str, np.ndarray], train: np.ndarray, cv: bool, seed: int) -> dict[str, Any]:
    """The shrinkage from ``SHRINKS`` with the fewest sessions summed over a 2-fold split of the
    training queries (learn on one fold, measure on the other), then ``w`` on all of them."""
    perm = np.random.default_rng(seed).permutation(train)
    folds = (perm[: len(perm) // 2], perm[len(perm) // 2 :])
    fst = [stats_on(mom, f) for f in folds]
    key = "sigma_cv" if cv else "sigma"
    scores = {}
    for lam in SHRINKS:
        tot = 0.0
        for i in (0, 1):
            w = learn_weights(fst[i]["mu"], fst[i][key], lam)
            n = sessions(fst[1 - i], w, cv)
            tot += n if n and n > 0 and float(w @ fst[1 - i]["mu"]) > 0 else float("inf")
        scores[lam] = tot
    lam = min(scores, key=scores.__getitem__)
    st = stats_on(mom, train)
    return {"shrink": lam, "cv_scores": scores, "w": learn_weights(st["mu"], st[key], lam)}


def ab_query_moments(
    prep: dict[str, tuple[np.ndarray, ...]], model: str, users: str
) -> dict[str, np.ndarray]:
    """Per query and A/B arm, exact E[x] and E[x^2] of the reciprocal rank of the first click (A/B's
    best metric in every setting of round 9), over the shoppers: what a query resample needs."""
    u, wu = propensity_nodes(users)
    out = {}
    for arm in ("ab_a", "ab_b"):
        g, _c, _w, q = prep[arm]
        assert np.array_equal(q, np.arange(len(q)))  # one list per query
        a, _s, cont = click_params(g, model, u)
        e1, e2 = first_click(a, cont)["first_click_rr"]
        out[arm] = np.stack([wu @ e1, wu @ e2], axis=1)
    return out


def ratio_spread(
    ab: dict[str, np.ndarray],
    mom: dict[str, np.ndarray],
    queries: np.ndarray,
    weights: dict[str, np.ndarray],
    seed: int,
    n_boot: int = BOOTSTRAP,
) -> dict[str, Any]:
    """How much the sessions ratio (A/B's first-click RR vs interleaving + controls with each of
    ``weights``) depends on which queries the shop has: ``n_boot`` resamples of ``queries`` with
    replacement, exact per resample; the point figure on ``queries`` itself beside the 2.5 / 50 /
    97.5 % points and the share of resamples at 10x or more."""

    def ratios(idx: np.ndarray) -> dict[str, float]:
        (a1, a2), (b1, b2) = (ab[arm][idx].mean(axis=0) for arm in ("ab_a", "ab_b"))
        diff = b1 - a1
        n_ab = 2 * Z2 * (a2 - a1 * a1 + b2 - b1 * b1) / diff**2 if diff > 0 else float("inf")
        st = stats_on(mom, idx)
        out = {}
        for label, w in weights.items():
            n_il = sessions(st, w, cv=True)
            out[label] = n_ab / n_il if n_il and float(w @ st["mu"]) > 0 else 0.0
        return out

    rng = np.random.default_rng(seed)
    boot = [ratios(rng.choice(queries, len(queries))) for _ in range(n_boot)]
    res: dict[str, Any] = {"resamples": n_boot, "on_the_queries": ratios(queries)}
    for label in weights:
        r = np.array([b[label] for b in boot])
        res[label] = {
            "p2.5": float(np.percentile(r, 2.5)),
            "median": float(np.median(r)),
            "p97.5": float(np.percentile(r, 97.5)),
            "share_at_10x": float((r >= 10).mean()),
        }
    return res


def run_pair(
    name: str,
    grades: list[dict[str, float]],
    ra: list[list[str]],
    rb: list[list[str]],
    args: Any,
    transfer: dict,
) -> dict[str, Any]:
    """Every setting of one ranker pair on its test half (module docstring)."""
    feats = pattern_features()
    prep = prepare_indexed(grades, ra, rb, args.seed)
    perm = np.random.default_rng(args.seed).permutation(len(grades))
    train, test = np.sort(perm[: len(perm) // 2]), np.sort(perm[len(perm) // 2 :])
    ab_prep = subset({k: prep[k] for k in ("ab_a", "ab_b")}, test)  # A/B only: evaluate's own code
    res: dict[str, Any] = {"queries_train": len(train), "queries_test": len(test), "settings": {}}
    for model, users in SETTINGS:
        t0 = time.perf_counter()
        setting = f"{model}_{users}_users"
        base = evaluate(ab_prep, model, users)
        ab_q = ab_query_moments(prep, model, users)
        row: dict[str, Any] = {
            "ab_best_metric": base["ab_best_metric"],
            "ab_sessions_total_80pct": base["ab_sessions_total_80pct"],
            "ab": {m: v["sessions_total_80pct"] for m, v in base["ab"].items()},
        }
        ab = base["ab_sessions_total_80pct"]
        for group, cvs in (("td_diff", (False,)), (PI, (False, True))):
            mom = query_moments(prep[group], model, users, False, feats)
            flat = query_moments(prep[group], model, users, True, feats)
            st, st_flat = stats_on(mom, test), stats_on(flat, test)
            out: dict[str, Any] = {
                "position_only_mu": st_flat["mu"].tolist(),
            }
            for cv in cvs:
                tag = "cv" if cv else "raw"
                fit = choose_shrink(mom, train, cv, args.seed)
                bound = learn_weights(st["mu"], st["sigma_cv" if cv else "sigma"], 0.0)
                cand = {"learned": fit["w"], "in_sample_bound": bound}
                if group == PI and cv and setting in transfer:
                    cand["transfer_synthetic"] = transfer[setting]
                if group == PI and cv and name == "synthetic":
                    transfer[setting] = fit["w"]
                plain = np.eye(len(FEATURES))[0]
                out[tag] = {"shrink": fit["shrink"], "cv_scores": fit["cv_scores"]}
                for label, w in (("plain", plain), *cand.items()):
                    n = sessions(st, w, cv)
                    out[tag][label] = {
                        "w": w.tolist(),
                        "mean": float(w @ st["mu"]),
                        "sessions_80pct": n,
                        "ratio": ab / n if ab and n and float(w @ st["mu"]) > 0 else None,
                        "position_only_mean": float(w @ st_flat["mu"]),
                    }
            row[group] = out
            if group == PI:
                ws = {k: np.array(v["w"]) for k, v in out["cv"].items() if isinstance(v, dict) and "w" in v}
                row["query_bootstrap"] = ratio_spread(ab_q, mom, test, ws, args.seed)
        row["seconds"] = time.perf_counter() - t0
        res["settings"][setting] = row
        print(f"  {name} {setting}: {_line(row)}", flush=True)
    return res


def _line(row: dict[str, Any]) -> str:
    parts = [f"A/B {row['ab_best_metric']} {row['ab_sessions_total_80pct']}"]
    for group, tag in (("td_diff", "raw"), (PI, "raw"), (PI, "cv")):
        for label in ("plain", "learned", "transfer_synthetic", "in_sample_bound"):
            v = row[group][tag].get(label)
            if v:
                r = f"{v['ratio']:.1f}x" if v["ratio"] else "-"
                n = f"{v['sessions_80pct']:.0f}" if v["sessions_80pct"] else "-"
                parts.append(f"{group}/{tag}/{label} {n} ({r})")
    b = row["query_bootstrap"]["plain"]
    parts.append(
        f"PI+cv ratio over query resamples {b['p2.5']:.1f}-{b['p97.5']:.1f}x ({b['share_at_10x']:.0%} >= 10x)"
    )
    return "; ".join(parts) + f"; {row['seconds']:.0f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument(
        "--rankings-cache", type=Path, default=None, help="as experiments_exact.py (unless --synthetic-only)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_learned.json"))
    ap.add_argument("--synthetic-only", action="store_true")
    args = ap.parse_args(argv)
    if not cache_ok(args):
        return 2
    result: dict[str, Any] = run_header() | {
        "features": list(FEATURES),
        "shrinks": list(SHRINKS),
        "pairs": {},
    }
    t0 = time.perf_counter()
    transfer: dict[str, np.ndarray] = {}
    queries, rank_a, rank_b = synthetic_rankers(args.data)
    result["pairs"]["synthetic"] = run_pair("synthetic", queries, rank_a, rank_b, args, transfer)
    result["pairs"]["synthetic"] |= {
        "ndcg10_a": mean_ndcg(queries, rank_a),
        "ndcg10_b": mean_ndcg(queries, rank_b),
    }
    if not args.synthetic_only:
        for pair, rp in real_pairs(args.rankings_cache).items():
            r = run_pair(pair, rp["grades"], rp["rank_a"], rp["rank_b"], args, transfer)
            result["pairs"][pair] = r | {k: rp[k] for k in ("a", "b", "ndcg10_a", "ndcg10_b")}
    return write_result(result, args.out, t0)


if __name__ == "__main__":
    raise SystemExit(main())
