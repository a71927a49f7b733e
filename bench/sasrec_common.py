"""Shared by the SASRec bench scripts (issue 12 item 2): one leave-one-out phase of a dataset
through the gate, and the torch-free generators' ranked lists on it with the settings an earlier
``shopmind evaluate recs`` run chose on validation (its JSON's ``chosen``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend import evaluate as ev
from shopmind.recommend.protocols import make_split

#: the torch-free families with weight > 0 in the chosen fusion
FUSED = ("item-knn", "covisit", "markov")


def load_phase(path: Path, fmt: str, phase: str) -> ev.PhaseData:
    """The ``valid`` or ``test`` phase of ``path``'s leave-one-out split (gate-accepted events)."""
    batch = get_adapter(fmt).load(path)
    split = make_split("loo", run_gate(batch, GateConfig(), None).tables["events"].accepted)
    return ev.prepare(getattr(split, phase), split.items, None)


def fused_lists(
    pd_: ev.PhaseData, chosen: dict[str, Any], log: bool = False
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]]]:
    """Fusion input lists and the metrics alone of each ``FUSED`` family, fitted on ``pd_``."""
    makers = {f.name: f.make for f in ev.families(real_time=False, has_categories=False, with_torch=False)}
    lists, alone = {}, {}
    for name in FUSED:
        gen = makers[name](**chosen[name]["params"]).fit(pd_.data)
        shown, lists[name] = ev.ranked_lists(gen, pd_, ev.DEPTH)
        alone[name] = ev._metrics(shown, pd_)
        if log:
            print(f"{name}: ndcg@10 {alone[name]['ndcg@10']:.4f}", flush=True)
    return lists, alone
