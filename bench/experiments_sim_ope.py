"""Part 6 of ``experiments_sim.py``: off-policy estimators (DM, IPS, SNIPS, DR) on the Open Bandit
Dataset sample in the ``obp`` 0.4.1 wheel, against the evaluated policy's on-policy value."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.experiments import ope

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
