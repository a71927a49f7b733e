"""Cheaper ours-ranker settings for ``evaluate recs``, judged on validation only (issue 12 item 2).

Reads the ``inner`` and ``valid`` caches that ``bench/sasrec_ranker.py features`` writes (depth-100
candidates and features of the generators ``evaluate recs`` fuses; the test phase is not read).
Each variant trains LightGBM with ``ranker_loo.GRID[0]`` (the setting ``evaluate recs`` uses) on
the inner set, its rounds early-stopped on the validation curve as ``leave_one_out_ranker`` does,
and reports validation NDCG@10 over every validation user, the pairs and the CPU seconds:

* ``depth``: 100, or 50 derived exactly from the depth-100 features — a pair stays when some
  generator ranks it within 50, ranks beyond become ``MISSING_RANK`` and the list count and
  reciprocal-rank score are recomputed; every other column reads only the user, the item and the
  generator's dense score, so it is unchanged (same as selecting 50 except for ties at the 50th
  score);
* ``inner_share``: the share of inner (training) users kept, a seeded sample.

    python bench/sasrec_ranker.py features --phase inner ../shared/data/amazon-beauty/Beauty.txt \
        --cache /tmp/t11_cheaper     # and --phase valid
    python bench/sasrec_ranker_cheaper.py --cache /tmp/t11_cheaper
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.recommend import ranker_loo as rl

RESULTS = Path(__file__).parent / "results"
GENERATORS = ("item-knn", "covisit", "markov", "sasrec")
VARIANTS = [(100, 1.0), (50, 1.0), (100, 0.5)]


def at_depth(pc: rl.PhaseCandidates, depth: int) -> rl.PhaseCandidates:
    """The candidates and features ``phase_candidates`` gives at a smaller ``depth``."""
    g = len(GENERATORS)
    ranks = pc.X[:, 1 : 2 * g : 2]
    keep = (ranks <= depth).any(axis=1)
    X = pc.X[keep].copy()
    r = X[:, 1 : 2 * g : 2]
    r[r > depth] = rl.MISSING_RANK
    X[:, 1 : 2 * g : 2] = r
    n_lists = np.zeros(len(X), dtype=np.float32)
    rrf = np.zeros(len(X), dtype=np.float32)
    for j in range(g):  # the order and dtypes of ranker_loo.candidate_features
        n_lists += r[:, j] < rl.MISSING_RANK
        rrf += np.where(r[:, j] < rl.MISSING_RANK, 1.0 / (rl.RRF_C + r[:, j]), 0.0).astype(np.float32)
    X[:, 2 * g], X[:, 2 * g + 1] = n_lists, rrf
    lists = {n: v[:, :depth] for n, v in pc.lists.items()}
    return rl.PhaseCandidates(rows=pc.rows, pos=pc.pos[keep], items=pc.items[keep], X=X, lists=lists)


def users_sample(pc: rl.PhaseCandidates, share: float, seed: int = 0) -> np.ndarray:
    """Boolean per pair: its user is in a seeded ``share`` of ``pc``'s users."""
    chosen = np.random.default_rng(seed).random(len(pc.rows)) < share
    return chosen[pc.pos]


def read(cache: Path, phase: str) -> tuple[rl.PhaseCandidates, np.ndarray]:
    z = np.load(cache / f"{phase}.npz")
    lists = {n: z[f"list_{n}"] for n in GENERATORS}
    return rl.PhaseCandidates(rows=z["rows"], pos=z["pos"], items=z["items"], X=z["X"], lists=lists), z[
        "target"
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/t11_cheaper"))
    ap.add_argument("--rounds", type=int, default=600)
    args = ap.parse_args()
    inner, inner_target = read(args.cache, "inner")
    valid, valid_target = read(args.cache, "valid")
    same = at_depth(valid, 100)
    assert np.array_equal(same.X, valid.X) and np.array_equal(same.items, valid.items), "derivation"
    names, params = rl.feature_names(GENERATORS), rl.GRID[0]
    rows: list[dict[str, Any]] = []
    for depth, share in VARIANTS:
        inner_d, valid_d = at_depth(inner, depth), at_depth(valid, depth)
        keep = users_sample(inner_d, share)
        sub = rl.PhaseCandidates(inner_d.rows, inner_d.pos[keep], inner_d.items[keep], inner_d.X[keep], {})
        train, check = rl.labelled(sub, inner_target), rl.labelled(valid_d, valid_target)
        recall = len(check[2]) / len(valid.rows)
        t, c = time.perf_counter(), time.process_time()
        model = rl.LooRanker(names, params=params, rounds=args.rounds).fit(train, check)
        row = {
            "depth": depth, "inner_share": share, "inner_pairs": int(keep.sum()), "valid_pairs": len(valid_d.pos),
            "train_groups": len(train[2]), "valid_candidate_recall": recall, "rounds": model.rounds,
            "valid_ndcg@10": max(model.curve) * recall,
            "train_with_curve_cpu_s": time.process_time() - c, "train_with_curve_wall_s": time.perf_counter() - t,
        }  # fmt: skip
        rows.append(row)
        print(json.dumps(row), flush=True)
    meta = {p: json.loads((args.cache / f"{p}.json").read_text()) for p in ("inner", "valid")}
    doc = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "params": params, "variants": rows,
           "cache_meta": meta}  # fmt: skip
    (RESULTS / "sasrec_ranker_cheaper.json").write_text(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
