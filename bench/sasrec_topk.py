"""How much ``base.top_k``'s compact path saves on Beauty's real score matrices (issue 12 item 2).

On a seeded sample of validation users, each torch-free generator used by the fusion (settings
the 2026-12-04 evaluate run chose) scores the users, the phase's history is masked, and the
top-100 is selected by the old full-row ``argpartition`` (``base._select_partition``) and by
``top_k``'s current path, both in one thread, side by side; the lists must be identical. The
fused matrix of ``fuse_lists`` (top 20, weights 1, c 20) is timed the same way. Reports CPU
seconds and the share of rows the compact path decided.

    python bench/sasrec_topk.py ../shared/data/amazon-beauty/Beauty.txt --users 2048
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.data.adapters import get_adapter
from shopmind.recommend import base
from shopmind.recommend.base import mask_seen
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.evaluate import prepare, sample_users
from shopmind.recommend.fusion import candidates
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.markov import Markov
from shopmind.recommend.protocols import make_split

CHOSEN = {  # recs-amazon-5core-2026-12-04T064755Z.json
    "item-knn": (ItemKNN, {"neighbours": 200, "shrink": 10.0}),
    "covisit": (
        CoVisitation,
        {"window": 10, "recency_decay": 0.5, "backward_weight": 0.5, "gap_half_life_s": None},
    ),
    "markov": (Markov, {"window": 3, "recent": 10, "recency_decay": 0.5, "second_order_weight": 0.0}),
}


def _time(fn, *args):  # noqa: ANN001, ANN202 - a bench helper
    c = time.process_time()
    out = fn(*args)
    return out, time.process_time() - c


def _decided_compactly(scores: np.ndarray, k: int) -> float:
    """Share of rows ``_select_compact`` settles without the full-row fallback."""
    calls = {"rows": 0}
    ref = base._select_partition

    def counting(block: np.ndarray, kk: int) -> np.ndarray:
        calls["rows"] += block.shape[0]
        return ref(block, kk)

    base._select_partition = counting
    try:
        base._select_compact(scores, k)
    finally:
        base._select_partition = ref
    return 1.0 - calls["rows"] / scores.shape[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--users", type=int, default=2048)
    ap.add_argument("--out", type=Path, default=Path("bench/results/sasrec_topk.json"))
    args = ap.parse_args()
    base.TOP_K_THREADS = 1
    events = get_adapter("amazon-5core").load(args.path).events
    split = make_split("loo", events)
    valid = sample_users(prepare(split.valid, split.items, None), args.users)
    rows: dict[str, dict[str, float]] = {}
    fusable = {}
    for name, (make, params) in CHOSEN.items():
        gen = make(**params).fit(valid.data)
        scores = gen.score(valid.rows)
        mask_seen(scores, valid.mask)
        (old, _), t_old = _time(lambda s: (base._select_partition(s, 100), None), scores)
        (new, vals), t_new = _time(base.top_k, scores, 100)
        assert np.array_equal(old, new), name
        fusable[name] = candidates(gen, new, vals)
        rows[name] = {
            "old_cpu_s": t_old,
            "new_cpu_s": t_new,
            "compact_share": _decided_compactly(scores, 100),
        }
        print(name, rows[name], flush=True)
    fused = np.zeros((len(valid.rows), valid.data.n_items + 1), dtype=np.float32)
    r = np.arange(len(valid.rows))[:, None]
    for idx in fusable.values():
        fused[r, idx] += (1.0 / (20.0 + np.arange(1, idx.shape[1] + 1))).astype(np.float32)
    fused = np.ascontiguousarray(fused[:, :-1])
    old, t_old = _time(base._select_partition, fused, 20)
    (new, _), t_new = _time(base.top_k, fused, 20)
    assert np.array_equal(old, new), "fused"
    rows["fused top 20"] = {
        "old_cpu_s": t_old,
        "new_cpu_s": t_new,
        "compact_share": _decided_compactly(fused, 20),
    }
    print("fused top 20", rows["fused top 20"], flush=True)
    result = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "users": len(valid.rows),
              "command": f"python bench/sasrec_topk.py {args.path} --users {args.users}", "rows": rows}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
