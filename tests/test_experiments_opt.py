"""bench/experiments_opt.py: the optimized-interleaving group is the LP's distribution, exactly
enumerated, earns nothing under position-only clicks in ``experiments_exact.evaluate`` and prefers
the better ranker; the credit choice and the serving rule read the figures they are meant to."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from experiments_exact import prepare  # noqa: E402
from experiments_opt import PI, choose_credit, decide, opt_group  # noqa: E402
from shopmind.experiments.interleave_opt import optimize  # noqa: E402


def _queries(n: int, seed: int) -> tuple[list[dict[str, float]], list[list[str]], list[list[str]]]:
    """Queries of 14 graded items: B ranks by grade (ties at random), A shuffles B's top 12."""
    rng = random.Random(seed)
    grades, ra, rb = [], [], []
    for q in range(n):
        items = [f"q{q}d{i}" for i in range(14)]
        g = {it: float(rng.choice([1, 1, 1.67, 2.33, 3])) for it in items}
        b = sorted(items, key=lambda it: (-g[it], rng.random()))
        a = b[:12]
        rng.shuffle(a)
        grades.append(g)
        ra.append(a[: rng.choice([10, 10, 7])])  # some shorter lists, as real rankers return
        rb.append(b[:10])
    return grades, ra, rb


def test_group_is_the_lp_distribution_and_unbiased() -> None:
    grades, ra, rb = _queries(12, 0)
    (g, c, w), stats = opt_group(grades, ra, rb, "inverse")
    assert abs(w.sum() - 1) < 1e-12
    assert len(w) == sum(len(optimize(a, b, 10, "inverse").lists) for a, b in zip(ra, rb, strict=True))
    assert stats["queries_infeasible"] == 0 and stats["max_per_query_position_bias"] < 1e-12
    assert np.abs(w @ c).max() < 1e-12  # every position's credit averages to 0

    from experiments_exact import evaluate

    prep = prepare(grades, ra, rb)
    prep["opt_inverse"] = (g, c, w)
    for model in ("pbm", "dbn"):
        for users in ("same", "heterogeneous"):
            flat = evaluate(prep, model, users, flat=True)["interleaving"]["opt_inverse"]
            assert abs(flat["mean"]) < 1e-12
            real = evaluate(prep, model, users)["interleaving"]["opt_inverse"]
            assert real["mean"] > 0  # B ranks by grade: B wins in expectation
            assert real["var_cv"] <= real["var"] + 1e-12


def test_choice_and_decision_rules() -> None:
    def setting(opt: int, pi: int, bias: float = 0.0) -> dict:  # type: ignore[type-arg]
        return {
            "interleaving": {"opt_linear": {"sessions_80pct_cv": opt}, PI: {"sessions_80pct_cv": pi}},
            "random_clicks_mean_credit": {"opt_linear": bias},
        }

    synth = {
        "settings": {
            "a": {
                "interleaving": {
                    "opt_linear": {"sessions_80pct_cv": 5},
                    "opt_inverse": {"sessions_80pct_cv": 4},
                }
            },
            "b": {
                "interleaving": {
                    "opt_linear": {"sessions_80pct_cv": 5},
                    "opt_inverse": {"sessions_80pct_cv": 7},
                }
            },
        }
    }
    assert choose_credit(synth, ["inverse", "linear"]) == ("linear", {"inverse": 11, "linear": 10})
    wins = {
        "p": {
            "settings": {str(i): setting(90, 100) for i in range(5)}
            | {str(i): setting(101, 100) for i in range(5, 8)}
        }
    }
    assert decide(wins, "linear")["serve"] is True
    few = {
        "p": {
            "settings": {str(i): setting(90, 100) for i in range(4)}
            | {str(i): setting(101, 100) for i in range(4, 8)}
        }
    }
    assert decide(few, "linear")["serve"] is False  # 4 of 8
    biased = {"p": {"settings": {str(i): setting(50, 100, 1e-6) for i in range(8)}}}
    assert decide(biased, "linear")["serve"] is False


def test_resample_groups_are_the_runs_lists() -> None:
    """The diagnostic's per-query groups hold the same lists as the run's: the LP's (probabilities
    summing to 1 per query) and ``prepare``'s sampled probabilistic lists (same random stream)."""
    from experiments_opt_resample import CREDIT, indexed_groups

    grades, ra, rb = _queries(6, 1)
    idx = indexed_groups(grades, ra, rb, seed=0)
    prep = prepare(grades, ra, rb, seed=0)
    g, c, w, q = idx[PI]
    assert np.array_equal(g, prep[PI][0]) and np.array_equal(c, prep[PI][1])
    g, c, w, q = idx[f"opt_{CREDIT}"]
    assert np.allclose(np.bincount(q, weights=w), 1.0)
    (og, oc, ow), _ = opt_group(grades, ra, rb, CREDIT)
    assert np.array_equal(g, og) and np.array_equal(c, oc) and np.allclose(w / len(grades), ow)
