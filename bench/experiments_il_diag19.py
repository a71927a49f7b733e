"""Why optimized interleaving's ratio to A/B stays below 10x in 5 of the 8 real settings
(issue 15, session 19, diagnostic: it chooses nothing).

Why: rounds 11-13 (``experiments_opt.py``, ``experiments_opt_round13.py``) put the served design
(optimized interleaving, linear rank-difference credit, insensitivity LP, + controls) at 7.9x - 9.5x
of A/B's sessions on the BM25F pair and 9.0x on bm25s vs tantivy DBN-alike, on all judged queries.
The sessions for 80 % power are ``A/B = 2 z^2 (v_A + v_B) / d_AB^2`` and ``IL = z^2 v_IL / m_IL^2``,
so the ratio is ``[2 (v_A + v_B) / v_IL] x [m_IL / d_AB]^2``: a variance factor times an effect
factor. This script splits both, per real pair and click setting, exactly (round 9's machinery:
click models as Markov chains over positions, 48 propensity strata, every judged query once):

- A/B: its best metric (of any click and first-click RR; on all queries first-click RR is the best of
  round 9's three in every real setting, rounds 9 - 13), per-arm means and variances, each arm's variance split into click noise
  (``E[Var(x | query, u)]``), shopper propensity and between-query spread (``Var_q E[x | q]``);
- interleaving (the served design's lists, exactly enumerated): mean, variance (plain and with
  controls), the same three-way split, and by query group - the two top 10s identical (one list,
  every credit 0: no information), the same items in another order, different items - each
  group's share of queries, of the signal ``m_IL``, of ``E[D^2]`` and of A/B's difference ``d_AB``;
- sessions: the share with no click, one click, two or more (per arm and for the interleaved
  lists), the share of ``E[D^2]`` from sessions with >= 2 clicks, the share of clicks on positions
  whose credit is 0 (an item both rankers put at the same rank, or a query whose lists agree);
- the unit: in the bench a session is one query shown once on both sides (``experiments_exact``:
  A/B's total is both arms' sessions, interleaving's the interleaved sessions); nothing aggregates
  several queries, so the check is that both formulas count that same unit;
- each pair's NDCG@10 gap (the issue's "rankers that differ by 0.02");
- what a per-query stratified test would give *both* sides if every query had many sessions
  (between-query variance removed): a bound, to see whether stratifying one side only would be fair.

    nice -n 10 python bench/experiments_il_diag19.py --rankings-cache /tmp/t17opt/rankings.json
"""

from __future__ import annotations

import argparse
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
    propensity_nodes,
    real_pairs,
    run_header,
    write_result,
)
from experiments_opt import SETTINGS  # noqa: E402
from experiments_opt_round13 import BASELINE, groups, load, name  # noqa: E402

Z2 = float((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) ** 2)
OI = name(BASELINE)


def count_moments(
    a: np.ndarray, s: np.ndarray, cont: float, credits: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per number of clicks ``c`` (0..positions) and (node, list): ``P(N = c)``, ``E[D; N = c]`` and
    ``E[D^2; N = c]`` of ``D = sum_i credits_i X_i``. The same forward pass as
    ``experiments_exact.moments`` (summing over ``c`` gives its E[D], E[D^2]) with the mass still
    reading split by how many clicks it has made; a click moves mass from ``c`` to ``c + 1``."""
    npos = a.shape[2]
    shape = (npos + 1, *a.shape[:2])
    m = [np.zeros(shape) for _ in range(3)]
    m[0][0] = 1.0
    f = [np.zeros(shape) for _ in range(3)]
    for i in range(npos):  # before position i at most i clicks: states 0..i, after it 0..i+1
        ai, si, ci = a[None, :, :, i], s[None, None, :, i], credits[None, None, :, i]
        m0, m1, m2 = (x[: i + 1] for x in m)
        clicked = (m0, m1 + ci * m0, m2 + 2 * ci * m1 + ci * ci * m0)  # moved to count + 1
        new = [np.zeros((i + 2, *shape[1:])) for _ in range(3)]
        for j in range(3):
            stay = (1 - ai) * m[j][: i + 1]
            moved = ai * clicked[j]
            new[j][: i + 1] += (1 - cont) * stay
            new[j][1 : i + 2] += (1 - cont) * (1 - si) * moved + si * moved
            f[j][: i + 2] += new[j]
            m[j][: i + 1] = cont * stay
            m[j][1 : i + 2] += cont * (1 - si) * moved
        del new
    return f[0] + m[0], f[1] + m[1], f[2] + m[2]


def group_stats(
    grp: tuple[np.ndarray, ...], nq: int, model: str, users: str, chunk: int = 2048
) -> dict[str, np.ndarray]:
    """Per (node, list): E[D], E[D^2], E[D / N] and E[(D / N)^2] (0 without a click), P(N = 0),
    P(N = 1), E[D^2; N >= 2], E[clicks], E[clicks on zero-credit positions]; and the weights."""
    g, c, w, q = grp
    u, wu = propensity_nodes(users)
    cols: dict[str, list[np.ndarray]] = {}
    for lo in range(0, len(g), chunk):
        a, s, cont = click_params(g[lo : lo + chunk], model, u)
        cc = c[lo : lo + chunk]
        p0, e1, e2 = count_moments(a, s, cont, cc)
        _, n1, _ = count_moments(a, s, cont, (g[lo : lo + chunk] > 0).astype(float))
        zero = ((g[lo : lo + chunk] > 0) & (np.abs(cc) < 1e-12)).astype(float)
        _, z1, _ = count_moments(a, s, cont, zero)
        inv = 1.0 / np.maximum(np.arange(p0.shape[0]), 1)[:, None, None]
        part = {
            "e1": e1.sum(0),
            "e2": e2.sum(0),
            "share1": (e1 * inv).sum(0),
            "share2": (e2 * inv * inv).sum(0),
            "p_none": p0[0],
            "p_one": p0[1],
            "e2_multi": e2[2:].sum(0),
            "clicks": n1.sum(0),
            "zero_clicks": z1.sum(0),
        }
        for k, v in part.items():
            cols.setdefault(k, []).append(v)
    out = {k: np.concatenate(v, axis=1) for k, v in cols.items()}
    out["w"] = wu[:, None] * (w / nq)[None, :]
    out["q"] = q
    out["wu"] = wu
    return out


def split(st: dict[str, np.ndarray], key1: str, key2: str, nq: int) -> dict[str, float]:
    """Mean, variance and its three parts: click noise ``E[Var(D | q, list, u)]``, between-query
    ``Var_q(E[D | q])``, and the rest (shopper propensity and which list was drawn)."""
    w, e1, e2 = st["w"], st[key1], st[key2]
    mean = float((w * e1).sum())
    var = float((w * e2).sum()) - mean * mean
    noise = float((w * (e2 - e1 * e1)).sum())
    per_q = np.bincount(st["q"], weights=(w * e1).sum(0), minlength=nq) * nq  # E[D | q]
    between = float(np.mean(per_q**2) - np.mean(per_q) ** 2)
    return {"mean": mean, "var": var, "click_noise": noise, "between_query": between}


def sessions(mean: float, var: float) -> float | None:
    return Z2 * var / mean**2 if mean > 0 else None


def query_kinds(rank_a: list[list[str]], rank_b: list[list[str]]) -> np.ndarray:
    """0: the two top 10s are identical (no information); 1: the same items in another order;
    2: different items."""
    kinds = []
    for ra, rb in zip(rank_a, rank_b, strict=True):
        ta, tb = list(ra[:K]), list(rb[:K])
        kinds.append(0 if ta == tb else 1 if set(ta) == set(tb) else 2)
    return np.array(kinds)


KIND_NAMES = ("identical", "same_items_reordered", "different_items")


def diagnose_setting(
    prep: dict[str, tuple[np.ndarray, ...]], nq: int, kinds: np.ndarray, model: str, users: str
) -> dict[str, Any]:
    """Every figure of the module docstring for one pair and click setting."""
    arms = {k: group_stats(prep[k], nq, model, users) for k in ("ab_a", "ab_b")}
    il = group_stats(prep[OI], nq, model, users)
    out: dict[str, Any] = {"ab": {}, "interleaving": {}}
    ab_best, ab_n = None, None
    # A/B reads first-click RR in every setting of rounds 9-13 (any click is the other candidate)
    rr = {}
    for arm, grp in (("a", prep["ab_a"]), ("b", prep["ab_b"])):
        g, _, w, q = grp
        u, wu = propensity_nodes(users)
        a, _s, cont = click_params(g, model, u)
        fc = first_click(a, cont)
        st = {"w": wu[:, None] * (w / nq)[None, :], "q": q}
        parts = {}
        for m, (x1, x2) in fc.items():
            parts[m] = split(st | {"x1": x1, "x2": x2}, "x1", "x2", nq)
        rr[arm] = parts
    for m in ("any_click", "first_click_rr"):
        sa, sb = rr["a"][m], rr["b"][m]
        d = sb["mean"] - sa["mean"]
        n = 2 * Z2 * (sa["var"] + sb["var"]) / d**2 if d > 0 else None
        n_strat = (
            2 * Z2 * (sa["var"] - sa["between_query"] + sb["var"] - sb["between_query"]) / d**2
            if d > 0
            else None
        )
        out["ab"][m] = {"a": sa, "b": sb, "diff": d, "sessions": n, "sessions_stratified_bound": n_strat}
        if n is not None and (ab_n is None or n < ab_n):
            ab_best, ab_n = m, n
    out["ab_best_metric"], out["ab_sessions"] = ab_best, ab_n
    for arm in ("a", "b"):
        st = arms[f"ab_{arm}"]
        out["ab"][f"clicks_{arm}"] = {
            "p_no_click": float((st["w"] * st["p_none"]).sum()),
            "p_one_click": float((st["w"] * st["p_one"]).sum()),
        }
    # interleaving, the served design
    plain = split(il, "e1", "e2", nq)
    wl = il["w"].sum(axis=0)
    cv = _control_variates(il["e1"], il["w"], prep[OI][1], plain["mean"], plain["var"])
    r: dict[str, Any] = plain | {"var_cv": cv["var_cv"]}
    r["sessions"] = sessions(plain["mean"], plain["var"])
    r["sessions_cv"] = sessions(plain["mean"], cv["var_cv"])
    r["sessions_stratified_bound"] = sessions(plain["mean"], plain["var"] - plain["between_query"])
    e2_total = float((il["w"] * il["e2"]).sum())
    r["p_no_click"] = float((il["w"] * il["p_none"]).sum())
    r["p_one_click"] = float((il["w"] * il["p_one"]).sum())
    r["p_multi_click"] = 1 - r["p_no_click"] - r["p_one_click"]
    r["e2_share_multi_click"] = float((il["w"] * il["e2_multi"]).sum()) / e2_total
    r["clicks_per_session"] = float((il["w"] * il["clicks"]).sum())
    r["share_of_clicks_on_zero_credit"] = float((il["w"] * il["zero_clicks"]).sum()) / r["clicks_per_session"]
    kind_of_list = kinds[il["q"]]
    ab_d = out["ab"]["first_click_rr"]["diff"]
    per_kind = {}
    for kd, kname in enumerate(KIND_NAMES):
        mk = kind_of_list == kd
        qs = kinds == kd
        rows_a = kinds[prep["ab_a"][3]] == kd
        rows_b = kinds[prep["ab_b"][3]] == kd
        # A/B's difference from this group's queries (first-click RR, per-list means over the nodes)
        u, wu = propensity_nodes(users)
        contrib = 0.0
        for sign, grp, rows in ((-1, prep["ab_a"], rows_a), (1, prep["ab_b"], rows_b)):
            g, _, w, _q = grp
            if rows.any():
                a, _s, cont = click_params(g[rows], model, u)
                x1 = first_click(a, cont)["first_click_rr"][0]
                contrib += sign * float((wu[:, None] * (w[rows] / nq)[None, :] * x1).sum())
        per_kind[kname] = {
            "query_share": float(qs.mean()),
            "signal_share": float((il["w"][:, mk] * il["e1"][:, mk]).sum()) / plain["mean"],
            "e2_share": float((il["w"][:, mk] * il["e2"][:, mk]).sum()) / e2_total,
            "ab_diff_share": contrib / ab_d if ab_d else None,
            "lists_per_query": float(mk.sum() / max(qs.sum(), 1)),
        }
    r["by_query_kind"] = per_kind
    r["list_weight_check"] = float(wl.sum())
    out["interleaving"] = r
    # the ratio's two factors (A/B best metric)
    sa, sb = rr["a"][ab_best], rr["b"][ab_best]
    out["ratio_cv"] = ab_n / r["sessions_cv"] if ab_n and r["sessions_cv"] else None
    out["variance_factor"] = 2 * (sa["var"] + sb["var"]) / cv["var_cv"]
    out["effect_factor"] = (plain["mean"] / out["ab"][ab_best]["diff"]) ** 2
    out["ratio_stratified_both_bound"] = (
        out["ab"][ab_best]["sessions_stratified_bound"] / r["sessions_stratified_bound"]
    )
    out["ratio_stratified_il_only_bound"] = ab_n / r["sessions_stratified_bound"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--rankings-cache", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_il_diag19.json"))
    args = ap.parse_args(argv)
    args.synthetic_only = False
    if not cache_ok(args):
        return 2
    result: dict[str, Any] = run_header() | {"design": list(BASELINE), "k": K, "load_start": load()}
    t0 = time.perf_counter()
    result["pairs"] = {}
    for pair, rp in real_pairs(args.rankings_cache).items():
        nq = len(rp["grades"])
        kinds = query_kinds(rp["rank_a"], rp["rank_b"])
        prep, lp = groups(rp["grades"], rp["rank_a"], rp["rank_b"], np.arange(nq), [BASELINE], False)
        same_rank = np.mean(
            [
                np.mean([i < len(rb) and ra[i] == rb[i] for i in range(min(K, len(ra)))]) if ra else 1.0
                for ra, rb in zip(rp["rank_a"], rp["rank_b"], strict=True)
            ]
        )
        res: dict[str, Any] = {
            "queries": nq,
            "ndcg10_a": rp["ndcg10_a"],
            "ndcg10_b": rp["ndcg10_b"],
            "ndcg10_gap": rp["ndcg10_b"] - rp["ndcg10_a"],
            "query_kinds": {n: int((kinds == i).sum()) for i, n in enumerate(KIND_NAMES)},
            "share_of_positions_same_item_same_rank": float(same_rank),
            "lp": lp,
            "settings": {},
        }
        print(pair, {k: res[k] for k in ("ndcg10_gap", "query_kinds")}, flush=True)
        for model, users in SETTINGS:
            d = diagnose_setting(prep, nq, kinds, model, users)
            res["settings"][f"{model}_{users}_users"] = d
            il = d["interleaving"]
            print(
                f"  {model}/{users}: A/B {d['ab_best_metric']} {d['ab_sessions']:.0f}, OI+cv "
                f"{il['sessions_cv']:.0f} ({d['ratio_cv']:.2f}x = var {d['variance_factor']:.2f} x effect "
                f"{d['effect_factor']:.3f}); no click {il['p_no_click']:.3f}, multi {il['p_multi_click']:.3f}, "
                f"E[D^2] multi {il['e2_share_multi_click']:.2f}, zero-credit clicks "
                f"{il['share_of_clicks_on_zero_credit']:.3f}; strat both {d['ratio_stratified_both_bound']:.2f}x",
                flush=True,
            )
        result["pairs"][pair] = res
    result["load_end"] = load()
    return write_result(result, args.out, t0)


if __name__ == "__main__":
    raise SystemExit(main())
