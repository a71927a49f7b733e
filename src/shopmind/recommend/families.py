"""The generator families ``shopmind evaluate recs`` compares, and their validation grids.

Split from ``evaluate.py`` (which re-exports these names): what is compared is a list a reader
looks up; how it is compared is the evaluation's flow."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shopmind.recommend.als import ALS, BPR
from shopmind.recommend.base import Generator
from shopmind.recommend.covisit import CoVisitation
from shopmind.recommend.itemknn import ItemKNN
from shopmind.recommend.markov import Markov
from shopmind.recommend.popularity import CategoryPopularity, Popularity
from shopmind.recommend.sasrec import SASRec, torch_available

__all__ = ["FAMILY_NAMES", "SASREC_GRID", "Family", "families"]


@dataclass
class Family:
    """A baseline family: a constructor and the validation grid of its hyperparameters."""

    name: str
    make: Callable[..., Generator]
    grid: list[dict[str, Any]]
    #: ``fit`` takes a ``monitor`` (validation value per epoch) and reports ``best_epoch``:
    #: the epoch count becomes a chosen hyperparameter (``epochs``) for the test refit.
    early_stopping: bool = False


def _grid(**axes: list[Any]) -> list[dict[str, Any]]:
    keys = list(axes)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*axes.values())]


#: SASRec settings (Klenitskiy & Vasilev's CE recipe at SASRec's usual size); only the epoch
#: count is searched (early stopping on validation): each fit costs minutes on 2 cores. CE over
#: 1024 sampled items instead of all: on Beauty's validation phase (bench/sasrec_curve.py,
#: 2026-12-04, both runs side by side) an epoch took ~6x less time (52 s vs 308 s mean) for a
#: similar per-epoch curve, and within 15 minutes only the sampled run gets past a few epochs.
#: The bound is a budget of 5M trained positions, not wall time (it was ``max_seconds`` 900: on a
#: busy box that stopped after fewer epochs, so the row depended on the load). Beauty's validation
#: phase has 131,413 positions per epoch: the 30-epoch cap binds first (the quiet run stopped at
#: 26 by patience), the same model as before; a Sports-sized file (209k) gets at most 23 epochs.
SASREC_GRID: list[dict[str, Any]] = [
    {"max_len": 50, "hidden": 64, "blocks": 2, "dropout": 0.3, "learning_rate": 2e-3, "batch_size": 256,
     "epochs": 30, "max_positions": 5_000_000, "negatives": 1024}
]  # fmt: skip


FAMILY_NAMES = ("popularity", "item-knn", "als", "bpr", "covisit", "markov", "sasrec", "trending",
                "category-popularity")  # fmt: skip


def families(real_time: bool, has_categories: bool, with_torch: bool | None = None) -> list[Family]:
    """The generator families and their (small) validation grids.

    SASRec is included only when torch is importable (``with_torch`` None = detect).
    """
    out = [
        Family("popularity", Popularity, [{}]),
        Family("item-knn", ItemKNN, _grid(neighbours=[50, 200], shrink=[0.0, 10.0])),
        Family(
            "als", ALS, _grid(factors=[32, 64, 128], regularization=[0.1, 1.0, 10.0], iterations=[15, 30])
        ),
        Family(
            "bpr",
            BPR,
            _grid(
                factors=[32, 64, 128], regularization=[0.01, 0.05], iterations=[50, 100], learning_rate=[0.01]
            ),
        ),
        Family(
            "covisit",
            CoVisitation,
            _grid(
                window=[3, 10],
                recency_decay=[0.5, 0.9],
                backward_weight=[0.5, 1.0],
                gap_half_life_s=[7 * 86400.0 if real_time else None],
            ),
        ),
    ]
    out.append(
        Family(
            "markov",
            Markov,
            _grid(window=[1, 3], recent=[3, 10], recency_decay=[0.5], second_order_weight=[0.0, 1.0]),
        )
    )
    if torch_available() if with_torch is None else with_torch:
        out.append(Family("sasrec", SASRec, SASREC_GRID, early_stopping=True))
    if real_time:
        out.append(Family("trending", Popularity, _grid(half_life_days=[7.0, 30.0])))
    if has_categories:
        out.append(Family("category-popularity", CategoryPopularity, [{}]))
    return out
