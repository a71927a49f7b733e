"""PopRec on Amazon Beauty (S3-Rec leave-one-out): ours vs a popularity that also counts the test items.

The published Beauty "Pop" row (NDCG@10 0.0068, HR@10 0.0152) is matched only by a popularity
that counts every interaction of the file — the held-out test items included, which leaks
the answer into the ranking. Ours (``Popularity`` in the test phase of ``shopmind evaluate
recs``) counts distinct users per item over training + validation items only. Both are
scored here with the same protocol code (gate -> leave-one-out split -> full ranking with
the user's earlier items masked), so the gap between them is the leak and nothing else.

    python bench/poprec_leak.py [--data ../shared/data/amazon-beauty/Beauty.txt]

Prints and saves ``bench/results/poprec_leak.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend.base import Interactions
from shopmind.recommend.evaluate import _metrics, prepare, ranked_lists
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.protocols import leave_one_out

ROOT = Path(__file__).resolve().parents[1]


class Counts(Popularity):
    """Popularity with fixed per-item counts (here: counted over a different event set)."""

    def __init__(self, counts: np.ndarray) -> None:
        super().__init__()
        self.item_scores = counts.astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data" / "amazon-beauty" / "Beauty.txt"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "poprec_leak.json")
    args = ap.parse_args()
    t = time.perf_counter()
    events = (
        run_gate(get_adapter("amazon-5core").load(args.data), GateConfig(), None).tables["events"].accepted
    )
    split = leave_one_out(events)
    phase = prepare(split.test, split.items, None)
    everything = Interactions.from_events(events, items=phase.data.item_ids)
    assert list(everything.item_ids) == list(phase.data.item_ids)
    variants = {
        "ours: distinct users over training + validation items": Popularity().fit(phase.data),
        "leaky: distinct users over all items, test items included": Counts(everything.item_user_counts()),
    }
    out: dict[str, object] = {
        "dataset": str(args.data),
        "protocol": split.protocol,
        "users": int(len(phase.rows)),
        "items": int(phase.data.n_items),
        "published_pop": {"ndcg@10": 0.0068, "hit@10": 0.0152, "source": "S3-Rec paper, Beauty, Pop row"},
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "results": {},
    }
    for name, gen in variants.items():
        lists, _ = ranked_lists(gen, phase, 20)
        m = _metrics(lists, phase)
        out["results"][name] = {k: round(float(v), 4) for k, v in m.items() if k.endswith("@10")}  # type: ignore[index]
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in out["results"][name].items()))  # type: ignore[index]
    out["seconds"] = round(time.perf_counter() - t, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
