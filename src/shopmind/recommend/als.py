"""Matrix factorisation for implicit feedback: ``implicit``'s ALS and BPR behind our API.

ALS (Hu, Koren & Volinsky 2008) and BPR (Rendle et al. 2009) are the baselines every
recommendation paper reports. ``implicit`` is fast on CPU (FIELD.md: ~2.35 s/iteration on
ML-20M) and can fold a new user into a trained ALS model (``recalculate_user``) without
retraining — what a shop needs when a user acts between two scheduled trainings.

Threads: ``implicit`` runs its own thread pool (we use 2, the machine's cores) and warns
when OpenBLAS also multi-threads, which oversubscribes the cores; BLAS is limited to 1 thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # effective only if numpy is not loaded yet

from contextlib import AbstractContextManager  # noqa: E402
from typing import Self  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from threadpoolctl import ThreadpoolController  # noqa: E402

from shopmind.recommend.base import Interactions, Recommends  # noqa: E402

THREADS = 2

_CONTROLLER: ThreadpoolController | None = None


def one_blas_thread() -> AbstractContextManager[object]:
    """A context limiting BLAS to 1 thread (``threadpool_limits(1, "blas")``) through one
    controller made at the first call and kept.

    Why: ``threadpool_limits`` scans every loaded shared library on each call, ~6-7 ms of CPU
    in a process with polars, scipy and implicit loaded (~250 libraries; profiled 2026-12-06),
    and an ALS fit or warm update makes two such calls: ~10 % of a warm update's CPU on Online
    Retail. The first call comes after numpy, scipy and implicit are imported (this module and
    the callers import them first), so their BLAS libraries are the ones it finds."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


class FittedFactors:
    """What a trained factor model keeps after pickling: its user and item factors (numpy).

    A saved release used to pickle ``implicit``'s model object, so loading it imported
    ``implicit`` (~16 MB RSS in a serving process that never trains) for two arrays.
    """

    def __init__(self, user_factors: np.ndarray, item_factors: np.ndarray) -> None:
        self.user_factors = user_factors
        self.item_factors = item_factors


class _Factors(Recommends):
    """Shared scoring for factor models: dense user x item dot products."""

    name = "mf"
    model: object
    data: Interactions | None

    def __getstate__(self) -> dict[str, object]:
        """Pickle the trained factors, not ``implicit``'s model (see ``FittedFactors``)."""
        state = dict(self.__dict__)
        m = state.get("model")
        if (
            m is not None
            and not isinstance(m, FittedFactors)
            and getattr(m, "item_factors", None) is not None
        ):
            state["model"] = FittedFactors(np.asarray(m.user_factors), np.asarray(m.item_factors))
        return state

    def _user_items(self, data: Interactions) -> sp.csr_matrix:
        return data.matrix.astype(np.float32).tocsr()

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        assert self.data is not None, "fit first"
        rows = np.asarray(user_rows)
        users = np.asarray(self.model.user_factors)  # type: ignore[attr-defined]
        items = np.asarray(self.model.item_factors)  # type: ignore[attr-defined]
        vecs = users[np.where(rows >= 0, rows, 0)]
        out = (vecs @ items.T).astype(np.float32)
        out[rows < 0] = 0.0
        return out


class ALS(_Factors):
    """Implicit ALS; confidence = 1 + alpha * (event-type weighted count)."""

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        iterations: int = 15,
        alpha: float = 1.0,
        seed: int = 42,
    ) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        self.params = {
            "factors": factors,
            "regularization": regularization,
            "iterations": iterations,
            "alpha": alpha,
        }
        with one_blas_thread():  # implicit checks the BLAS pool when constructed
            self.model = AlternatingLeastSquares(
                factors=factors,
                regularization=regularization,
                iterations=iterations,
                alpha=alpha,
                random_state=seed,
                num_threads=THREADS,
                calculate_training_loss=False,
            )
        self.data: Interactions | None = None

    def fit(self, data: Interactions) -> Self:
        self.data = data
        with one_blas_thread():
            self.model.fit(self._user_items(data), show_progress=False)
        return self

    def fold_in(self, item_rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Scores over all items for a user known only by the items given (not in training).

        Uses ``recalculate_user``: one least-squares solve against the fixed item factors.
        """
        assert self.data is not None, "fit first"
        n = self.data.n_items
        w = np.ones(len(item_rows), dtype=np.float32) if weights is None else weights.astype(np.float32)
        items = np.asarray(self.model.item_factors)  # type: ignore[attr-defined]
        if isinstance(self.model, FittedFactors):  # loaded from a pickle: solve the normal equations
            y = items[np.asarray(item_rows)].astype(np.float64)
            c = 1.0 + self.params["alpha"] * w.astype(np.float64)
            a = items.T.astype(np.float64) @ items + y.T @ ((c - 1.0)[:, None] * y)
            a += self.params["regularization"] * np.eye(a.shape[0])
            vec = np.linalg.solve(a, y.T @ c)
        else:
            row = sp.csr_matrix((w, (np.zeros(len(item_rows), dtype=np.int64), item_rows)), shape=(1, n))
            with one_blas_thread():
                vec = np.asarray(self.model.recalculate_user(0, row)).ravel()  # type: ignore[attr-defined]
        return (items @ vec).astype(np.float32)


class BPR(_Factors):
    """Implicit BPR (binary interactions). ``implicit`` cannot fold users into BPR."""

    name = "bpr"

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        seed: int = 42,
    ) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        self.params = {
            "factors": factors,
            "learning_rate": learning_rate,
            "regularization": regularization,
            "iterations": iterations,
        }
        self.model = BayesianPersonalizedRanking(
            factors=factors,
            learning_rate=learning_rate,
            regularization=regularization,
            iterations=iterations,
            random_state=seed,
            num_threads=THREADS,
        )
        self.data: Interactions | None = None

    def fit(self, data: Interactions) -> Self:
        self.data = data
        binary = (data.matrix > 0).astype(np.float32).tocsr()
        with one_blas_thread():
            self.model.fit(binary, show_progress=False)
        return self
