"""Learned ranker vs weighted rank fusion on a leave-one-out dataset (issue 12 item 2).

Three ``features`` stages (separate processes, so two can run side by side; each writes an
.npz to ``--cache``) fit item-KNN, co-visitation, Markov and SASRec with the settings an
earlier ``shopmind evaluate recs`` run chose on validation (``--chosen``; SASRec with its
validation-best epoch count) and build ``ranker_loo`` candidates and features:

* ``inner``: the validation fit events without each user's last one; target = that item
  (the third-to-last of the file) — the ranker's training set for validation;
* ``valid``: the validation phase (target = second-to-last item);
* ``test``: the test phase; its stage stores no target (the test item is not read there).

``search --config i`` (one process per setting of ``ranker_loo.GRID``, side by side) trains
LightGBM lambdarank on ``inner`` with its rounds early-stopped on the validation curve and ranks
the validation candidates; retrained on the validation targets with the same rounds it ranks
the test candidates (lists saved; the test truth is not read). ``compare`` picks the setting
by validation NDCG@10 and compares it on every validation user with the rank fusion of the
same generator lists under the weights the evaluate run chose on validation (paired
difference and its standard error). Only when the ranker wins by more than 2 s.e. does it read
the test item, for the chosen setting's test lists and the fusion's.

    python bench/sasrec_ranker.py features --phase inner ../shared/data/amazon-beauty/Beauty.txt \
        --chosen bench/results/recs-amazon-5core-2026-12-04T064755Z.json
    python bench/sasrec_ranker.py search --config 0 ../shared/data/amazon-beauty/Beauty.txt
    python bench/sasrec_ranker.py compare ../shared/data/amazon-beauty/Beauty.txt
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend import evaluate as ev
from shopmind.recommend import ranker_loo as rl
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.metrics import all_metrics, hit_matrix
from shopmind.recommend.protocols import make_split

GENERATORS = ("item-knn", "covisit", "markov", "sasrec")
RESULTS = Path(__file__).parent / "results"


def load(path: Path, fmt: str) -> tuple[ev.PhaseData, ev.PhaseData, np.ndarray | None]:
    """Validation and test phases of the leave-one-out split, and the item attribute table."""
    gate = run_gate(get_adapter(fmt).load(path), GateConfig(), None)
    split = make_split("loo", gate.tables["events"].accepted)
    valid = ev.prepare(split.valid, split.items, None)
    test = ev.prepare(split.test, split.items, None)
    products = gate.tables["products"].accepted if "products" in gate.tables else None
    return valid, test, rl.attribute_table(products, valid.data.item_ids)


def features(args: argparse.Namespace) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    valid, test, attrs = load(args.path, args.format)
    chosen = json.loads(args.chosen.read_text())["chosen"]
    if args.phase == "inner":
        data, target_all = rl.drop_last(valid.data)
        rows, target = valid.rows, target_all[valid.rows]
    elif args.phase == "valid":
        data, rows, target = valid.data, valid.rows, rl.one_target(valid.truth)
    else:
        data, rows, target = test.data, test.rows, None
    makers = {f.name: f.make for f in ev.families(real_time=False, has_categories=False)}
    gens, fit_s = {}, {}
    for name in GENERATORS:
        params = dict(chosen[name]["params"])
        if name == "sasrec":
            params["max_seconds"] = None  # exactly the chosen epoch count, however busy the box
        t, c = time.perf_counter(), time.process_time()
        gens[name] = makers[name](**params).fit(data)
        fit_s[name] = {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c}
        print(f"{args.phase}: {name} fitted {fit_s[name]}", flush=True)
    t, c = time.perf_counter(), time.process_time()
    pc = rl.phase_candidates(data, rl.sequence_stats(data, attrs), gens, rows)
    feat_s = {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c}
    print(f"{args.phase}: {len(pc.pos)} candidate pairs, features {feat_s}", flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    extra = {"target": target} if target is not None else {}
    np.savez(args.cache / f"{args.phase}.npz", rows=pc.rows, pos=pc.pos, items=pc.items, X=pc.X,
             **{f"list_{n}": v for n, v in pc.lists.items()}, **extra)  # fmt: skip
    meta = {"phase": args.phase, "fit": fit_s, "features": feat_s, "pairs": len(pc.pos), "users": len(rows),
            "sasrec_epochs": len(gens["sasrec"].history), "attributes": attrs is not None,
            "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}  # fmt: skip
    (args.cache / f"{args.phase}.json").write_text(json.dumps(meta, indent=2))


def read(cache: Path, phase: str) -> tuple[rl.PhaseCandidates, np.ndarray | None]:
    z = np.load(cache / f"{phase}.npz")
    lists = {n: z[f"list_{n}"] for n in GENERATORS}
    pc = rl.PhaseCandidates(rows=z["rows"], pos=z["pos"], items=z["items"], X=z["X"], lists=lists)
    return pc, z.get("target")


def per_user_ndcg(top: np.ndarray, truth: sp.csr_matrix, k: int = 10) -> np.ndarray:
    """NDCG@k per user for one relevant item (ideal DCG = 1)."""
    hits = hit_matrix(top[:, :k], truth)
    return (hits / np.log2(np.arange(2, hits.shape[1] + 2))).sum(axis=1)


def brief(m: dict[str, float]) -> dict[str, float]:
    return {k: m[k] for k in ("ndcg@10", "hit@10", "ndcg@20", "hit@20")}


def training_sets(cache: Path) -> tuple[Any, Any, float, rl.PhaseCandidates, np.ndarray]:
    """(inner training set, validation set, share of validation users whose target is a
    candidate, validation candidates, validation targets)."""
    inner_pc, inner_target = read(cache, "inner")
    valid_pc, valid_target = read(cache, "valid")
    assert inner_target is not None and valid_target is not None
    train, check = rl.labelled(inner_pc, inner_target), rl.labelled(valid_pc, valid_target)
    return train, check, len(check[2]) / len(valid_pc.rows), valid_pc, valid_target


def search(args: argparse.Namespace) -> None:
    """One setting of ``ranker_loo.GRID`` (settings run as parallel processes): trained on
    ``inner`` with rounds early-stopped on the validation curve, it ranks the validation
    candidates; retrained on the validation targets with the same rounds, it ranks the test
    candidates. Both top-20 lists go to the cache; the test truth is not read here."""
    t0, c0 = time.perf_counter(), time.process_time()
    train, check, share, valid_pc, valid_target = training_sets(args.cache)
    names, params = rl.feature_names(GENERATORS), rl.GRID[args.config]
    model = rl.LooRanker(names, params=params, rounds=args.rounds).fit(train, check)
    del train
    valid_top = model.top(valid_pc, args.n_items, 20)
    value = max(model.curve) * share  # = NDCG@10 over all validation users
    doc: dict[str, Any] = {
        "params": params, "rounds": model.rounds, "valid_ndcg@10_curve": value, "curve": model.curve,
        "importance_gain": dict(list(model.importance().items())[:20]), "valid_candidate_recall": share,
        "train_valid_wall_s": time.perf_counter() - t0, "train_valid_cpu_s": time.process_time() - c0,
    }  # fmt: skip
    print(f"ranker {params}: best round {model.rounds}, valid ndcg@10 {value:.4f}", flush=True)
    np.save(args.cache / f"valid-top-{args.config}.npy", valid_top)
    (args.cache / f"search-{args.config}.json").write_text(json.dumps(doc, indent=2))
    del valid_pc
    t, c = time.perf_counter(), time.process_time()
    final = rl.LooRanker(names, params=params, rounds=model.rounds).fit(check)
    test_pc, _ = read(args.cache, "test")
    np.save(args.cache / f"test-top-{args.config}.npy", final.top(test_pc, args.n_items, 20))
    doc.update(final_wall_s=time.perf_counter() - t, final_cpu_s=time.process_time() - c)
    (args.cache / f"search-{args.config}.json").write_text(json.dumps(doc, indent=2))


def compare(args: argparse.Namespace) -> None:
    """Pick the setting by validation NDCG@10, compare it with the rank fusion on validation
    (paired per user), and read the test truth only when the ranker wins by > 2 s.e."""
    t0, c0 = time.perf_counter(), time.process_time()
    valid, test, _ = load(args.path, args.format)
    n_items = valid.data.n_items
    valid_pc, valid_target = read(args.cache, "valid")
    assert np.array_equal(valid_target, rl.one_target(valid.truth)), "cache is from another split"
    found = {i: json.loads((args.cache / f"search-{i}.json").read_text()) for i in range(len(rl.GRID))
             if (args.cache / f"valid-top-{i}.npy").exists()}  # fmt: skip
    tops = {i: np.load(args.cache / f"valid-top-{i}.npy") for i in found}
    for i, top in tops.items():
        found[i]["valid"] = brief(all_metrics(top, valid.truth, ev.KS))
    best_i = max(found, key=lambda i: found[i]["valid"]["ndcg@10"])
    top = tops[best_i]
    # the fusion weights the evaluate run chose on validation with evaluate.tune_fusion (same
    # generators and settings, so the same lists: its 0.0716 must be reproduced here)
    fusion = json.loads(args.chosen.read_text())["fusion"]
    weights, c = {n: fusion["weights"][n] for n in GENERATORS}, fusion["c"]
    fused = fuse_lists(valid_pc.lists, weights, c, n_items, 20)
    fusion_valid = brief(all_metrics(fused, valid.truth, ev.KS))
    diff = per_user_ndcg(top, valid.truth) - per_user_ndcg(fused, valid.truth)
    se = float(diff.std(ddof=1) / np.sqrt(len(diff)))
    wins = float(diff.mean()) > 2 * se
    print(f"valid: ranker {found[best_i]['valid']} fusion {fusion_valid} diff {diff.mean():.4f} se {se:.4f}")
    result: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": str(args.path),
        "cache_meta": {
            p: json.loads((args.cache / f"{p}.json").read_text()) for p in ("inner", "valid", "test")
        },
        "features": rl.feature_names(GENERATORS),
        "search": [{k: v for k, v in d.items() if k != "curve"} for d in found.values()],
        "chosen": found[best_i]["params"],
        "valid": {
            "ranker": found[best_i]["valid"],
            "fusion": fusion_valid,
            "fusion_weights": weights,
            "fusion_c": c,
            "paired_ndcg@10_diff": float(diff.mean()),
            "paired_se": se,
            "ranker_wins_by_2se": wins,
        },  # fmt: skip
    }
    if wins and not (args.cache / f"test-top-{best_i}.npy").exists():
        result["test"] = "not read: the chosen setting's test lists are not in the cache yet"
    elif wins:
        test_pc, _ = read(args.cache, "test")
        top = np.load(args.cache / f"test-top-{best_i}.npy")
        fused = fuse_lists(test_pc.lists, weights, c, n_items, 20)
        tdiff = per_user_ndcg(top, test.truth) - per_user_ndcg(fused, test.truth)
        result["test"] = {"ranker": brief(all_metrics(top, test.truth, ev.KS)),
                          "fusion": brief(all_metrics(fused, test.truth, ev.KS)),
                          "paired_ndcg@10_diff": float(tdiff.mean()),
                          "paired_se": float(tdiff.std(ddof=1) / np.sqrt(len(tdiff)))}  # fmt: skip
        print(f"test: {result['test']}", flush=True)
    result["wall_s"], result["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sasrec_ranker.json").write_text(json.dumps(result, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stage", choices=("features", "search", "compare"))
    ap.add_argument("--config", type=int, default=0, help="search: index into ranker_loo.GRID")
    ap.add_argument("path", type=Path)
    ap.add_argument("--format", default="amazon-5core")
    ap.add_argument("--phase", choices=("inner", "valid", "test"))
    ap.add_argument("--chosen", type=Path, default=RESULTS / "recs-amazon-5core-2026-12-04T064755Z.json")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/sasrec_ranker"))
    ap.add_argument("--rounds", type=int, default=600)
    ap.add_argument("--n-items", type=int, default=12101, help="search: catalogue size (Beauty 12,101)")
    args = ap.parse_args()
    if args.stage == "features":
        if args.phase is None:
            ap.error("features needs --phase")
        features(args)
    elif args.stage == "search":
        search(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
