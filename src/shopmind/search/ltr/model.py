"""The LightGBM lambdarank model and the re-ranker the engine calls.

- ``LTRModel``: LightGBM lambdarank (one thread, fixed seed, deterministic), labels as integer
  grade levels with a *linear* gain (the evaluator's NDCG uses gain = grade - min).
  ``save``/``load`` write the model text plus feature names and a format version, so a model
  persists next to the index and refuses to load against a different feature set.
- ``LTRReranker.rerank(query, understood, candidate_ids)``: the engine's entry point.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shopmind.search.ltr.features import FEATURES, FeatureExtractor

if TYPE_CHECKING:
    from shopmind.search.engine import SearchEngine
    from shopmind.search.query import Understood

#: Hyperparameters fixed a priori (not tuned on any judgments): textbook lambdarank settings.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "seed": 0,
    "num_threads": 1,  # 2 OpenMP threads ran ~10x slower than 1 on the shared 2-core box
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
DEFAULT_ROUNDS = 150
#: Rounds without a better validation NDCG@10 before ``LTRModel.fit`` stops (with ``valid``).
EARLY_STOPPING_ROUNDS = 20
#: Integer label levels a grade scale is mapped onto (linear gain).
LABEL_LEVELS = 12
#: Version of the saved model's files (``LTRModel.load`` refuses any other).
LTR_FORMAT_VERSION = 1


def grade_labels(grades: np.ndarray, lo: float, hi: float, levels: int = LABEL_LEVELS) -> np.ndarray:
    """Grades on ``[lo, hi]`` as integer levels ``0..levels`` (NaN = unjudged -> 0)."""
    g = np.nan_to_num(np.asarray(grades, dtype=np.float64), nan=lo)
    span = hi - lo if hi > lo else 1.0
    return np.clip(np.rint((g - lo) / span * levels), 0, levels).astype(np.int32)


class LTRModel:
    """LightGBM lambdarank over ``FEATURES``; groups are queries, labels integer levels."""

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        num_rounds: int = DEFAULT_ROUNDS,
        feature_names: Sequence[str] = FEATURES,
        levels: int = LABEL_LEVELS,
    ) -> None:
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.params.setdefault("label_gain", [float(i) for i in range(levels + 1)])
        self.num_rounds = num_rounds
        self.feature_names = tuple(feature_names)
        self.levels = levels
        self._booster: Any = None
        self._model_text: str | None = None  # a saved model read lazily (``load(lazy=True)``)
        self.train_info: dict[str, Any] = {}

    @property
    def booster(self) -> Any:
        """The LightGBM booster; one loaded with ``lazy=True`` is parsed on first use."""
        if self._booster is None and self._model_text is not None:
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self._model_text)
        return self._booster

    @booster.setter
    def booster(self, value: Any) -> None:
        self._booster, self._model_text = value, None

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        groups: Sequence[int],
        valid: tuple[np.ndarray, np.ndarray, Sequence[int]] | None = None,
        patience: int = EARLY_STOPPING_ROUNDS,
    ) -> LTRModel:
        """Train on rows ``X`` with integer labels ``y``; ``groups`` = rows per query, in order.
        ``valid`` (rows, labels, groups of other queries): stop when its NDCG@10 has not
        improved for ``patience`` rounds and keep the best round (at most ``num_rounds``) —
        a build then does not pay for rounds that no longer help (issue 17)."""
        import lightgbm as lgb

        X = np.asarray(X, dtype=np.float32)
        if X.shape[1] != len(self.feature_names):
            raise ValueError(f"{X.shape[1]} feature columns for {len(self.feature_names)} names")
        t0 = time.perf_counter()
        names = list(self.feature_names)
        data = lgb.Dataset(X, label=np.asarray(y), group=list(groups), feature_name=names, free_raw_data=True)
        if valid is None:
            self.booster = lgb.train(self.params, data, num_boost_round=self.num_rounds)
        else:
            vX, vy, vg = valid
            vdata = lgb.Dataset(np.asarray(vX, dtype=np.float32), label=np.asarray(vy), group=list(vg),
                                feature_name=names, reference=data, free_raw_data=True)  # fmt: skip
            params = {**self.params, "metric": "ndcg", "eval_at": [10]}
            self.booster = lgb.train(
                params,
                data,
                num_boost_round=self.num_rounds,
                valid_sets=[vdata],
                callbacks=[lgb.early_stopping(patience, first_metric_only=True, verbose=False)],
            )
        best = int(self.booster.best_iteration or 0)
        self.train_info = {
            "rows": int(X.shape[0]),
            "queries": len(groups),
            "rounds": best if best > 0 else self.num_rounds,
            "max_rounds": self.num_rounds,
            "valid_queries": 0 if valid is None else len(valid[2]),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("the LTR model is not trained")
        X = np.asarray(X, dtype=np.float32)
        if not len(X):
            return np.zeros(0)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def importance(self, top: int = 10) -> list[tuple[str, float]]:
        """Features by total gain, largest first."""
        gains = self.booster.feature_importance(importance_type="gain")
        order = np.argsort(-gains, kind="stable")[:top]
        return [(self.feature_names[i], round(float(gains[i]), 1)) for i in order]

    def save(self, folder: Path | str) -> Path:
        """``ltr-model.txt`` (LightGBM text) + ``ltr.json`` (version, feature names, params)."""
        if self._booster is None and self._model_text is None:
            raise RuntimeError("the LTR model is not trained")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # a lazily loaded model is written back as it was read (never parsed: no LightGBM import)
        text = self._model_text if self._booster is None else self._booster.model_to_string()
        (folder / "ltr-model.txt").write_text(text, encoding="utf-8")
        meta = {
            "format_version": LTR_FORMAT_VERSION,
            "features": list(self.feature_names),
            "params": self.params,
            "num_rounds": self.num_rounds,
            "levels": self.levels,
            "train_info": self.train_info,
        }
        (folder / "ltr.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(
        cls, folder: Path | str, expect: Sequence[str] | None = FEATURES, lazy: bool = False
    ) -> LTRModel:
        """Load a saved model; refuse one built for another feature set (``expect``).

        ``lazy``: keep the model's text and parse it on first use. A rebuild that reuses the
        previous release's re-ranker only carries it into the new release (nothing predicts
        in the build); parsing it imported LightGBM, which imports scikit-learn and
        scipy.stats: ~0.8 CPU-s of Home Depot's 1 % rebuild (issue 17). A server loads eagerly."""
        folder = Path(folder)
        meta = json.loads((folder / "ltr.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != LTR_FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported LTR format {meta.get('format_version')!r}")
        if expect is not None and list(meta["features"]) != list(expect):
            raise ValueError(f"{folder}: the LTR model was trained on other features; retrain it")
        m = cls(meta["params"], int(meta["num_rounds"]), meta["features"], int(meta["levels"]))
        text = (folder / "ltr-model.txt").read_text(encoding="utf-8")
        if lazy:
            if not text.startswith("tree"):
                raise ValueError(f"{folder}: ltr-model.txt is not a LightGBM model")
            m._model_text = text
        else:
            import lightgbm as lgb

            m.booster = lgb.Booster(model_str=text)
        m.train_info = dict(meta.get("train_info", {}))
        return m


@dataclass
class LTRReranker:
    """Feature extractor + model: what the engine calls on its fused candidates."""

    extractor: FeatureExtractor
    model: LTRModel
    #: facts about how the model was trained and validated (saved with it)
    info: dict[str, Any] = field(default_factory=dict)

    def rerank(
        self,
        query: str,
        understood: Understood | None,
        candidate_ids: Sequence[str],
        qvec: np.ndarray | None = None,
    ) -> np.ndarray:
        """Scores aligned with ``candidate_ids`` (higher is better; unknown ids get -inf)."""
        ok = self.extractor.known(candidate_ids)
        out = np.full(len(candidate_ids), -np.inf)
        if ok.any():
            known = [c for c, k in zip(candidate_ids, ok, strict=True) if k]
            out[ok] = self.model.predict(self.extractor.features(query, known, qvec, understood))
        return out

    def catalog_changed(self, engine: SearchEngine, products: pl.DataFrame | None) -> None:
        """Keep the extractor in step with ``engine``'s catalog: ``products`` were upserted
        (appended), or ``None`` after rows were renumbered (compaction): rebuild from the
        engine, keeping the popularity counts."""
        ex = self.extractor
        if products is None or (ex.dense is None) != (engine.vectors is None):
            self.extractor = FeatureExtractor.from_engine(engine, counts=ex.event_counts)
        else:
            ex.add(products)

    def save(self, folder: Path | str) -> Path:
        """The model (``LTRModel.save``) plus the popularity counts the features need
        (``event_counts.json``, per catalog product, not the event log) and ``info``."""
        folder = self.model.save(folder)
        (folder / "event_counts.json").write_text(json.dumps(self.extractor.event_counts), encoding="utf-8")
        (folder / "reranker.json").write_text(json.dumps(self.info, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str, engine: SearchEngine) -> LTRReranker:
        """A reranker saved by ``save``, its features rebuilt over ``engine``'s parts."""
        folder = Path(folder)
        model = LTRModel.load(folder)
        counts = json.loads((folder / "event_counts.json").read_text(encoding="utf-8"))
        info_path = folder / "reranker.json"
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
        return cls(FeatureExtractor.from_engine(engine, counts=counts), model, info)
