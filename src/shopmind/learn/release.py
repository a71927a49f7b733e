"""Continual learning in ``shopmind build`` (opt-in: ``[recs] learn = 1``).

With it on, the recommendation component keeps a ``learn/`` state in the release's ``recs/``
folder (the behaviour models, the held-out data of the forgetting check, and the newest event
time they were fitted on). The next build that refits recommendations:

- loads the previous release's state and updates it with the events newer than that time
  (``BehaviourModels.update``: warm-started, see ``recs.py``), then runs the forgetting check;
  a refused update keeps the previous models (and their fitted-until time, so the same events
  are tried again next time) and the manifest says why;
- without a previous state, with other model settings, or after ``shopmind forget`` (the
  state holds the forgotten customer's events), fits from scratch;
- hands the resulting ALS factors and co-visitation neighbours to ``RecommendationService.fit``
  through its ``trained`` hook (re-indexed to the service's rows and columns), which fits
  everything else (popularity, trending, category popularity, bought-together) as usual.

Not with the LightGBM ranker (``[recs] ranker = true``): it refits its generators on inner
time splits, so there is nothing to warm-start.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.learn.recs import BehaviourModels, HeldOut, LearnConfig, hold_out, learn
from shopmind.recommend.als import ALS, FittedFactors
from shopmind.recommend.base import Generator, Interactions
from shopmind.recommend.covisit import CoVisitation

STATE = "learn"  # folder inside a release's recs/ folder
STATE_FILE = "state.pkl"
FORMAT_VERSION = 1


@dataclass
class LearnState:
    """What a release keeps for the next build's warm update."""

    models: BehaviourModels
    held: HeldOut
    fitted_until: Any  # newest event timestamp the models were fitted on
    config: dict[str, Any]
    version: int = FORMAT_VERSION

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / STATE_FILE, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def load(folder: Path) -> LearnState | None:
        """The state saved by a previous build (None when absent or of another format)."""
        try:
            with open(folder / STATE_FILE, "rb") as f:
                state = pickle.load(f)  # noqa: S301 - our own release folder, written by save()
        except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ModuleNotFoundError):
            return None
        return state if isinstance(state, LearnState) and state.version == FORMAT_VERSION else None


def learn_config(cfg: Any) -> LearnConfig:
    """The models' settings from the service's ``RecsConfig``."""
    gens = cfg.generators
    return LearnConfig(
        als=dict(gens.get("als", {})),
        covisit=dict(gens.get("covisit", {})),
        trending_half_life_days=float(gens.get("trending", {}).get("half_life_days", 7.0)),
        weights={k: v for k, v in cfg.weights.items() if k in ("als", "covisit", "trending", "popularity")},
        rrf_c=float(cfg.rrf_c),
        event_weights=dict(cfg.event_weights),
        seed=int(cfg.seed),
    )


def aligned(models: BehaviourModels, data: Interactions, cfg: LearnConfig) -> dict[str, Generator]:
    """``models``' ALS and co-visitation re-indexed to ``data``'s rows and columns (users or
    items the models never saw get zero factors / no neighbours)."""
    item_pos = {str(i): k for k, i in enumerate(models.data.item_ids)}
    user_pos = {str(u): k for k, u in enumerate(models.data.user_ids)}
    mi = np.array([item_pos.get(str(i), -1) for i in data.item_ids], dtype=np.int64)
    mu = np.array([user_pos.get(str(u), -1) for u in data.user_ids], dtype=np.int64)

    def take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        out = np.zeros((len(idx), a.shape[1]), dtype=np.float32)
        out[idx >= 0] = a[idx[idx >= 0]]
        return out

    src = models.generators["als"].model  # type: ignore[attr-defined]
    als = ALS(**cfg.als, seed=42 + cfg.seed)
    als.model = FittedFactors(take(np.asarray(src.user_factors), mu), take(np.asarray(src.item_factors), mi))
    als.data = data
    known = np.flatnonzero(mi >= 0)
    select = sp.csr_matrix(
        (np.ones(len(known), dtype=np.float32), (known, mi[known])), shape=(len(mi), models.data.n_items)
    )
    old_cv: CoVisitation = models.generators["covisit"]  # type: ignore[assignment]
    cv = CoVisitation(**cfg.covisit)
    cv.neighbours_matrix = (select @ old_cv.neighbours_matrix @ select.T).tocsr().astype(np.float32)
    cv.data = data
    return {"als": als, "covisit": cv}


def _newest(events: pl.DataFrame) -> Any:
    return events["timestamp"].drop_nulls().max() if events.height else None


def prepare(
    previous: Path | None, events: pl.DataFrame, cfg: Any, out: Path, forgetting: bool = False
) -> tuple[Callable[[Interactions], Mapping[str, Any]] | None, dict[str, Any]]:
    """(the ``trained`` hook for ``RecommendationService.fit`` or None, manifest facts); the
    new state is written to ``out`` (the new release's ``recs/learn``)."""
    if cfg.ranker:
        return None, {"learn": "off", "reason": "[recs] ranker = true refits its generators on inner splits"}
    if not {"als", "covisit"} <= set(cfg.generators):
        return None, {"learn": "off", "reason": "needs the als and covisit generators in [recs] generators"}
    lcfg = learn_config(cfg)
    events = events.filter(pl.col("timestamp").is_not_null())
    state = LearnState.load(previous / STATE) if previous is not None else None
    why = None
    if state is None:
        why = "no learning state in the previous release"
    elif forgetting:
        why = "a customer was forgotten (shopmind forget): fitted from scratch without their events"
    elif state.config != asdict(lcfg):
        why = "[recs] model settings changed"
    if why is not None:
        newest = _newest(events)
        if newest is None:
            return None, {"learn": "off", "reason": "no events with a timestamp"}
        train, held = hold_out(events, newest + timedelta(seconds=1), seed=lcfg.seed)
        models = BehaviourModels.fit(train, lcfg)
        new_state = LearnState(models, held, newest, asdict(lcfg))
        facts: dict[str, Any] = {
            "learn": "full fit",
            "reason": why,
            "seconds": round(models.timings["total_s"], 3),
        }
    else:
        assert state is not None
        fresh = events.filter(pl.col("timestamp") > state.fitted_until)
        if fresh.is_empty():
            new_state = state
            facts = {"learn": "unchanged", "reason": f"no events after {state.fitted_until}"}
        else:
            kept, decision = learn(state.models, fresh, state.held)
            until = _newest(fresh) if decision.accepted else state.fitted_until
            new_state = LearnState(kept, state.held, until, state.config)
            facts = {"learn": "warm update" if decision.accepted else "refused", "events": fresh.height,
                     **decision.as_dict()}  # fmt: skip
    new_state.save(out / STATE)
    models = new_state.models
    return (lambda data: aligned(models, data, lcfg)), facts
