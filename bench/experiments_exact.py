"""Interleaving vs A/B without Monte Carlo noise in the clicks (issue 15, round 9).

Why: ``experiments_sim.py`` estimates every per-session rate from 60,000 simulated sessions. The
interleaving credit's mean is ~0.02 with a standard deviation ~0.5, so its standard error is ~10 %
of the mean and the sessions needed (~ 1 / mean^2) carry ~20 % noise per standard error; A/B's
difference (~0.006 - 0.02 in first-click RR) is noisier still, and picking A/B's best of three
noisy metrics biases its size down. A 10x goal read from such figures is read through noise.

Here the simulator's two click models are integrated exactly instead of sampled. Given a list and
a shopper's click propensity ``u``, both models are Markov chains over positions (PBM: every
position examined independently; DBN: read on with probability 0.9 unless a click satisfied), so
one forward pass gives, for any per-click linear credit ``D = sum_i c_i X_i``, ``E[D]`` and
``E[D^2]`` exactly, and the first-click metrics A/B reads (any click, reciprocal rank of the first
click). Then:

- every judged query is visited once (the simulator draws them uniformly: this is its expectation);
- team draft's lists are enumerated exactly (at most 5 coin flips for 10 positions: 32 patterns);
- probabilistic interleaving's lists are sampled (``PI_LISTS`` per query: the only sampling left);
- heterogeneous shoppers (``u ~ Gamma(1, 1)``) are integrated on ``U_NODES`` equal-probability
  strata of the exponential, each at its conditional mean.

Per statistic the per-session mean and variance follow, and the sessions for 80 % power use the
same closed forms as ``experiments_sim.py`` (A/B: two independent arms; interleaving: one-sample
test of the mean credit). The variance is split into click noise (``E[Var(D | query, list, u)]``)
and between-session spread (``Var(E[D | query, list, u])``), which says what a better test on the
same clicks could still remove.

    python bench/experiments_exact.py --data ../shared/data --rankings-cache /tmp/t9il/rankings.json
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments_sim import REAL_PAIRS, mean_ndcg, synthetic_rankers  # noqa: E402
from shopmind.experiments.interleave import team_draft  # noqa: E402
from shopmind.experiments.interleave_prob import TAU, probabilistic_interleave  # noqa: E402

K = 10
PI_LISTS = 16
U_NODES = 48
CONTINUE = 0.9  # the DBN's persistence, as experiments_sim.simulate_clicks


def propensity_nodes(users: str, n: int = U_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for the shopper's click propensity: 1 for alike shoppers; for
    heterogeneous ones ``n`` equal-probability strata of Exp(1) (= Gamma(1, 1)), each at its
    conditional mean (so E[u] = 1 exactly)."""
    if users == "same":
        return np.ones(1), np.ones(1)
    edges = -np.log1p(-np.linspace(0.0, 1.0, n + 1)[:-1])
    edges = np.append(edges, np.inf)
    x0, x1 = edges[:-1], edges[1:]
    e0, e1 = np.exp(-x0), np.exp(-x1)
    x1e1 = np.where(np.isinf(x1), 0.0, x1) * e1  # x e^-x -> 0 at infinity
    return (x0 * e0 - x1e1) / (e0 - e1) + 1.0, np.full(n, 1.0 / n)


def click_params(grades: np.ndarray, model: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Per (node, list, position): click probability when the position is reached, stop probability
    after a click, and the probability of reading on (``simulate_clicks``'s two models).
    ``grades``: (lists, K), 0 where a list is shorter than K (no item: never clicked)."""
    att = np.where(grades > 0, 0.05 + 0.6 * ((np.maximum(grades, 1.0) - 1) / 2) ** 2, 0.0)
    a = np.minimum(1.0, u[:, None, None] * att[None])
    if model == "pbm":
        return a / np.log2(np.arange(K) + 2.0), np.zeros_like(grades), 1.0
    return a, np.where(grades > 0, (np.maximum(grades, 1.0) - 1) / 2, 0.0), CONTINUE


def moments(a: np.ndarray, s: np.ndarray, cont: float, credits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[D] and E[D^2] of ``D = sum_i credits_i X_i`` (X_i: click at position i), per (node, list).

    Forward over positions with the mass still reading and its first two credit moments; a
    position either gets no click (read on with ``cont``) or a click (credit added; stop with
    ``s``, else read on with ``cont``); mass that stops is finished."""
    m0 = np.ones(a.shape[:2])
    m1 = np.zeros_like(m0)
    m2 = np.zeros_like(m0)
    f1 = np.zeros_like(m0)
    f2 = np.zeros_like(m0)
    for i in range(a.shape[2]):
        ai, si, ci = a[:, :, i], s[None, :, i], credits[None, :, i]
        s1, s2 = m1 + ci * m0, m2 + 2 * ci * m1 + ci * ci * m0
        on = [(1 - ai) * m + ai * (1 - si) * sm for m, sm in ((m0, m0), (m1, s1), (m2, s2))]
        f1 += (1 - cont) * on[1] + ai * si * s1
        f2 += (1 - cont) * on[2] + ai * si * s2
        m0, m1, m2 = (cont * x for x in on)
    return f1 + m1, f2 + m2


def first_click(a: np.ndarray, cont: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A/B's first-click metrics per (node, list): (E[x], E[x^2]) of any click and of 1/rank of
    the first click (both models read on after a position without a click with ``cont``)."""
    none = np.ones(a.shape[:2])
    anyc = np.zeros_like(none)
    rr1 = np.zeros_like(none)
    rr2 = np.zeros_like(none)
    for i in range(a.shape[2]):
        first = none * a[:, :, i]
        anyc += first
        rr1 += first / (i + 1)
        rr2 += first / (i + 1) ** 2
        none = none * (1 - a[:, :, i]) * cont
    return {"any_click": (anyc, anyc), "first_click_rr": (rr1, rr2)}


class _Scripted(random.Random):
    """An rng whose ``random()`` replays given bits (0 -> below 0.5): enumerates team draft's coins."""

    def __init__(self, bits: Sequence[int]) -> None:
        super().__init__(0)
        self.bits, self.used = list(bits), 0

    def random(self) -> float:  # type: ignore[override]
        b = self.bits[self.used]
        self.used += 1
        return 0.25 if b == 0 else 0.75


def team_draft_lists(
    a: Sequence[str], b: Sequence[str], k: int = K
) -> list[tuple[tuple[str, ...], np.ndarray, float]]:
    """Every list team draft can show for ``a`` vs ``b`` with its probability and credit per
    position (+1 B's item, -1 A's): all 2^(k/2) coin patterns through the module's own merge."""
    flips = (k + 1) // 2
    out: dict[tuple[tuple[str, ...], tuple[int, ...]], float] = {}
    for pattern in range(2**flips):
        shown = team_draft(a, b, k, _Scripted([(pattern >> j) & 1 for j in range(flips)]))
        key = (shown.items, shown.teams)
        out[key] = out.get(key, 0.0) + 2.0**-flips
    return [(items, np.array([1.0 if t else -1.0 for t in teams]), w) for (items, teams), w in out.items()]


def pi_lists(
    a: Sequence[str], b: Sequence[str], rng: random.Random, tau: float, n: int = PI_LISTS
) -> list[tuple[tuple[str, ...], np.ndarray, float]]:
    """``n`` sampled probabilistic-interleaving lists, each with its marginalised credit per position
    (2 p_B - 1) and weight 1/n."""
    out = []
    for _ in range(n):
        shown = probabilistic_interleave(a, b, K, rng, tau)
        out.append((shown.items, 2 * np.array(shown.p_b) - 1, 1.0 / n))
    return out


def _pad(c: np.ndarray) -> np.ndarray:
    return np.pad(c, (0, K - len(c)))


def _summary(e1: np.ndarray, e2: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Per-session mean and variance from per (node, list) moments, ``w`` the weight of each (node,
    list) (summing to 1), and the click-noise part of the variance, E[Var(D | query, list, u)]."""
    mean = float((w * e1).sum())
    second = float((w * e2).sum())
    return {"mean": mean, "var": second - mean * mean, "click_noise_var": second - float((w * e1 * e1).sum())}


Prepared = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def prepare(
    grades: list[dict[str, float]],
    rank_a: list[list[str]],
    rank_b: list[list[str]],
    taus: Sequence[float] = (TAU,),
    seed: int = 0,
) -> Prepared:
    """Every list a session can show, once for all click models: per group (``ab_a``, ``ab_b``,
    ``td_diff``, ``pi_tau<t>``) the grades (lists, K), the credit per position and each list's
    probability over the sessions (query drawn uniformly x the merge's probability of the list)."""
    rng = random.Random(seed)
    rows: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[float]]] = {}
    n = len(grades)
    for g, ra, rb in zip(grades, rank_a, rank_b, strict=True):
        groups = {
            "ab_a": [(tuple(ra[:K]), np.ones(min(K, len(ra))), 1.0)],
            "ab_b": [(tuple(rb[:K]), np.ones(min(K, len(rb))), 1.0)],
            "td_diff": team_draft_lists(ra, rb),
        } | {f"pi_tau{t:g}": pi_lists(ra[:K], rb[:K], rng, t) for t in taus}
        for name, lists in groups.items():
            gs, cs, ws = rows.setdefault(name, ([], [], []))
            for items, c, w in lists:
                gs.append(_pad(np.array([g[it] for it in items])))
                cs.append(_pad(c))
                ws.append(w / n)
    return {k: (np.array(gs), np.array(cs), np.array(ws)) for k, (gs, cs, ws) in rows.items()}


def _group_moments(
    grp: tuple[np.ndarray, np.ndarray, np.ndarray], model: str, users: str, flat: bool, chunk: int = 8192
) -> tuple[np.ndarray, ...]:
    """Moments of the credit and of the first-click metrics for every (node, list) of one group,
    in chunks of lists (memory), and the (node, list) weights."""
    g, c, w = grp
    if flat:  # every shown item grade 2: clicks that depend on the position only
        g = np.where(g > 0, 2.0, 0.0)
    u, wu = propensity_nodes(users)
    parts = []
    for lo in range(0, len(g), chunk):
        a, s, cont = click_params(g[lo : lo + chunk], model, u)
        e1, e2 = moments(a, s, cont, c[lo : lo + chunk])
        fc = first_click(a, cont)
        parts.append((e1, e2, *fc["any_click"], *fc["first_click_rr"]))
    stacked = tuple(np.concatenate([p[i] for p in parts], axis=1) for i in range(6))
    return (*stacked, wu[:, None] * w[None, :])


def evaluate(
    prep: Prepared, model: str, users: str, alpha: float = 0.05, flat: bool = False
) -> dict[str, Any]:
    """Exact per-session means and variances, and the sessions for 80 % power, of A/B's three
    metrics and of each interleaving group's credit (team draft's click difference, probabilistic
    interleaving's marginalised credit per ``tau``), for one pair of rankers under one click model.
    ``flat``: every item grade 2 (clicks that ignore the items: every credit must have mean 0)."""
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(0.8)
    out: dict[str, Any] = {"ab": {}, "interleaving": {}}
    arms = [_group_moments(prep[k], model, users, flat) for k in ("ab_a", "ab_b")]
    for m, (i1, i2) in (("clicks", (0, 1)), ("any_click", (2, 3)), ("first_click_rr", (4, 5))):
        sa, sb = (_summary(x[i1], x[i2], x[6]) for x in arms)
        diff = sb["mean"] - sa["mean"]
        total = 2 * math.ceil(z * z * (sa["var"] + sb["var"]) / diff**2) if diff > 0 else None
        out["ab"][m] = {"a": sa, "b": sb, "diff": diff, "sessions_total_80pct": total}
    valid = {m: v["sessions_total_80pct"] for m, v in out["ab"].items() if v["sessions_total_80pct"]}
    best = min(valid, key=valid.__getitem__) if valid else None
    out["ab_best_metric"] = best
    out["ab_sessions_total_80pct"] = valid.get(best) if best else None
    for name in (k for k in prep if not k.startswith("ab_")):
        e1, e2, *_fc, w = _group_moments(prep[name], model, users, flat)
        r: dict[str, Any] = _summary(e1, e2, w)
        r |= _control_variates(e1, w, prep[name][1], r["mean"], r["var"])
        ab_total = out["ab_sessions_total_80pct"]
        for key, var in (("", r["var"]), ("_cv", r["var_cv"])):
            n = math.ceil(z * z * var / r["mean"] ** 2) if r["mean"] > 0 else None
            r[f"sessions_80pct{key}"] = n
            r[f"ratio{key}"] = ab_total / n if n and ab_total else None
        out["interleaving"][name] = r
    return out


def _control_variates(
    e1: np.ndarray, w: np.ndarray, c: np.ndarray, mean: float, var: float
) -> dict[str, Any]:
    """The credit's variance after regression on the shown list's per-position credits ``c``
    (``interleave_stats.credit_cv_test``): ``Var(D) - S_Dc S_cc^-1 S_cD``, exact over the lists.
    Valid as a control only where ``E[c_i] = 0`` whatever the clicks (the merge's randomisation):
    ``max_abs_mean_position_credit`` reports it (probabilistic interleaving: 0 up to the sampled
    lists; team draft: 0 only while neither ranker runs out of items)."""
    wl = w.sum(axis=0)  # each list's probability (the nodes' weights sum to 1)
    ec = wl @ c
    s_dc = ((w * e1).sum(axis=0)) @ c - mean * ec
    s_cc = (c * wl[:, None]).T @ c - np.outer(ec, ec)
    beta = np.linalg.pinv(s_cc) @ s_dc
    return {"var_cv": var - float(s_dc @ beta), "max_abs_mean_position_credit": float(np.abs(ec).max())}


def run_settings(
    grades: list[dict[str, float]],
    rank_a: list[list[str]],
    rank_b: list[list[str]],
    taus: Sequence[float],
    seed: int,
) -> dict[str, Any]:
    prep = prepare(grades, rank_a, rank_b, taus, seed)
    res: dict[str, Any] = {}
    for model in ("pbm", "dbn"):
        for users in ("same", "heterogeneous"):
            t0 = time.perf_counter()
            r = evaluate(prep, model, users)
            flat = evaluate(prep, model, users, flat=True)
            r["random_clicks_mean_credit"] = {k: v["mean"] for k, v in flat["interleaving"].items()}
            r["seconds"] = time.perf_counter() - t0
            res[f"{model}_{users}_users"] = r
            print(f"  {model}/{users}: {_line(r)}", flush=True)
    return res


def _line(r: dict[str, Any]) -> str:
    parts = [f"A/B {r['ab_best_metric']} {r['ab_sessions_total_80pct']}"]
    for k, v in r["interleaving"].items():
        for key in ("", "_cv"):
            ratio = f"{v['ratio' + key]:.1f}x" if v["ratio" + key] else "-"
            parts.append(f"{k}{key} {v['sessions_80pct' + key]} ({ratio})")
    return "; ".join(parts)


def real_pairs(cache: Path) -> dict[str, dict[str, Any]]:
    """Per ``REAL_PAIRS`` pair from the rankings cache ``experiments_sim.py`` writes: the judged
    queries with a product above the lowest grade, each query's grades (an unjudged product in
    either top 10 at the lowest grade, as NDCG@10 counts it), both rankings and their NDCG@10."""
    saved = json.loads(cache.read_text())
    qrels, ranked, min_grade = saved["qrels"], saved["ranked"], saved["min_grade"]
    keep = [q for q, g in qrels.items() if max(g.values()) > min_grade]
    out = {}
    for pair, (worse, better) in REAL_PAIRS.items():
        grades = []
        for q in keep:
            g = dict(qrels[q])
            for p in (*ranked[worse][q], *ranked[better][q]):
                g.setdefault(p, min_grade)
            grades.append(g)
        ra, rb = [ranked[worse][q] for q in keep], [ranked[better][q] for q in keep]
        judged = [qrels[q] for q in keep]
        out[pair] = {"a": worse, "b": better, "grades": grades, "rank_a": ra, "rank_b": rb}
        out[pair] |= {"ndcg10_a": mean_ndcg(judged, ra), "ndcg10_b": mean_ndcg(judged, rb)}
    return out


def cache_ok(args: argparse.Namespace) -> bool:
    """Whether the rankings cache the real pairs need is there (or not needed); says so if not."""
    if args.synthetic_only or (args.rankings_cache is not None and args.rankings_cache.exists()):
        return True
    print(f"error: {args.rankings_cache} not found (write it with experiments_sim.py)", file=sys.stderr)
    return False


def run_header() -> dict[str, Any]:
    """When, how and on which Python a result was made."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python " + " ".join(sys.argv),
        "python": platform.python_version(),
    }


def write_result(result: dict[str, Any], out: Path, t0: float) -> int:
    """Stamp the run's seconds since ``t0``, write ``result`` as JSON to ``out``; exit status 0."""
    result["seconds"] = time.perf_counter() - t0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out} ({result['seconds']:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument(
        "--rankings-cache",
        type=Path,
        default=None,
        help="required unless --synthetic-only: the fitted rankers' top 10s written by experiments_sim.py --parts interleaving-real --rankings-cache",
    )
    ap.add_argument("--taus", default=f"{TAU:g}", help="probabilistic interleaving's rank exponents")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/experiments_exact.json"))
    ap.add_argument(
        "--synthetic-only",
        action="store_true",
        help="only the synthetic rankers (the validation case a setting such as --taus is chosen on)",
    )
    args = ap.parse_args(argv)
    if not cache_ok(args):
        return 2
    try:
        taus = [float(t) for t in args.taus.split(",")]
    except ValueError:
        print(f"error: --taus must be comma-separated numbers, got {args.taus!r}", file=sys.stderr)
        return 2
    result: dict[str, Any] = run_header() | {
        "pi_lists_per_query": PI_LISTS,
        "propensity_nodes": U_NODES,
    }
    t0 = time.perf_counter()
    queries, rank_a, rank_b = synthetic_rankers(args.data)
    print("synthetic", flush=True)
    result["synthetic"] = {
        "ndcg10_a": mean_ndcg(queries, rank_a),
        "ndcg10_b": mean_ndcg(queries, rank_b),
        "settings": run_settings(queries, rank_a, rank_b, taus, args.seed),
    }
    result["real"] = {}
    for pair, rp in ({} if args.synthetic_only else real_pairs(args.rankings_cache)).items():
        print(pair, flush=True)
        result["real"][pair] = {
            "a": rp["a"],
            "b": rp["b"],
            "queries": len(rp["grades"]),
            "ndcg10_a": rp["ndcg10_a"],
            "ndcg10_b": rp["ndcg10_b"],
            "settings": run_settings(rp["grades"], rp["rank_a"], rp["rank_b"], taus, args.seed),
        }
    return write_result(result, args.out, t0)


if __name__ == "__main__":
    raise SystemExit(main())
