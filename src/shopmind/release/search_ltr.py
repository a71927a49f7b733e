"""The learned search re-ranker of a release: reused from the previous release when at most
``[search] ltr_retrain_share`` of the labelled queries (judgments, click labels) changed since
it was trained for the same retrieval parts (``ltr.parts_key``), else trained; the state per
parts (labels digest, facts, model folder) is kept in ``ltr_state.json`` beside the engine.

Split out of ``release/components.py``: the search component calls ``attach_ltr`` after the
engine is built and ``write_ltr_state`` after it is saved.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, _link_or_copy

LTR_STATE = "ltr_state.json"  # per retrieval parts: labels digest, decision facts, model folder
LTR_MODELS = "ltr_models"


def attach_ltr(
    ctx: BuildContext,
    engine: Any,
    cfg: Any,
    policy: Mapping[str, float],
    folder: Path,
    previous: Path | None,
    carry_from: Path | None = None,
) -> dict[str, Any]:
    """Attach the re-ranker for the engine's parts: reuse the previous release's when its
    labels changed by at most ``ltr_retrain_share``, else train. Leaves the state to save
    (this parts' entry plus the entries carried from ``carry_from``/``previous``) in
    ``ctx.memo["ltr_state"]``."""
    from shopmind.search.ltr.fit import (
        changed_share,
        digest_fingerprint,
        fit_engine_reranker,
        label_digest,
        parts_key,
    )

    state: dict[str, Any] = {}
    for src in (previous, carry_from):  # later sources win: the first release of this build
        for key, entry in _read_ltr_state(src).items():
            if entry.get("model") and src is not None:
                _copy_model(src / entry["model"], folder / entry["model"])
            state[key] = entry
    ctx.memo["ltr_state"] = state
    if cfg.ltr == "off":
        engine.reranker = None
        return {"ltr": "off", "reason": '[search] ltr = "off"'}
    key = parts_key(engine)
    digest = ctx.memo.get("ltr_digest")
    if digest is None:
        digest = ctx.memo["ltr_digest"] = label_digest(ctx.judgments, ctx.events)
    fp = digest_fingerprint(digest)
    prev = _read_ltr_state(previous).get(key) if previous is not None else None
    share = changed_share(prev["digest"] if prev else None, digest)
    limit = policy["ltr_retrain_share"]
    stage = f"search: learned re-ranker ({key.split(':')[0]})"
    ctx.progress.start(stage, None)
    reranker = None
    facts: dict[str, Any] | None = None
    if prev is not None and share <= limit:
        alpha0 = engine.config.alpha
        try:
            _reuse_alpha(engine, prev["facts"])
            reranker = _load_reranker(engine, ctx, previous / prev["model"]) if prev.get("model") else None
            facts = {
                **prev["facts"],
                "decision": "reused",
                "why": f"{share:.1%} of labelled queries changed (<= {limit:.0%})",
            }
        except Exception as exc:  # noqa: BLE001 - a model that cannot be read is retrained
            facts = None
            engine.config.alpha = alpha0
            ctx.log(f"previous re-ranker unusable ({exc}); training")
    if facts is None:
        if _judged_enough(engine, ctx.judgments, cfg.ltr_min_queries):
            reranker, facts = fit_engine_reranker(engine, ctx.judgments, ctx.events, cfg.ltr_min_queries)
        else:  # no (or too few) judgments: alpha and the re-ranker chosen on held-out clicks
            from shopmind.search.adapt.click_tuning import tune_from_clicks

            reranker, facts = tune_from_clicks(engine, ctx.events, cfg.ltr_min_queries)
        why = "no earlier model for these parts" if prev is None else f"{share:.1%} of labelled queries changed (> {limit:.0%})"  # fmt: skip
        facts = {**facts, "decision": "trained", "why": why}
    ctx.progress.finish(stage)
    facts.update(parts=key, fingerprint=fp, changed_share=round(share, 4), labelled_queries=len(digest))
    attached = facts.get("ltr") == "attached" and reranker is not None
    engine.reranker = reranker if attached else None
    entry: dict[str, Any] = {
        "digest": digest,
        "facts": {k: v for k, v in facts.items() if k not in ("decision", "why")},
    }
    if reranker is not None:
        entry["model"] = f"{LTR_MODELS}/{_safe(key)}"
        target = folder / entry["model"]
        if target.exists():
            shutil.rmtree(target)
        reranker.save(target)
    state[key] = entry
    return facts


def _judged_enough(engine: Any, judgments: Any, min_queries: int) -> bool:
    """Whether the re-ranker trains on judgments (``fit_engine_reranker``'s own rule: at
    least ``min_queries`` judged queries on known products, more than one grade); else the
    shop-tuned click path (``search.adapt.click_tuning``), which never reads judgments."""
    from shopmind.search.ltr.fit import judgment_grades

    if judgments is None:
        return False
    qrels, lo, hi = judgment_grades(judgments, engine.catalog.pos.__contains__)
    return len(qrels) >= min_queries and hi > lo


def _reuse_alpha(engine: Any, facts: Mapping[str, Any]) -> None:
    """A reused click-tuned re-ranker comes with the fusion weight it was chosen at (set
    before its features are built: the ``fusion`` feature reads the engine's ``alpha``)."""
    alpha = facts.get("alpha")
    if isinstance(alpha, Mapping) and alpha.get("kept") is not None:
        engine.config.alpha = float(alpha["kept"])


def _load_reranker(engine: Any, ctx: BuildContext, model_dir: Path) -> Any:
    """A saved model over this engine's parts, popularity features from this build's events.
    The model is read lazily: the build only carries it into the release (a server parses it)."""
    from shopmind.search.ltr import FeatureExtractor, LTRModel, LTRReranker

    info_path = model_dir / "reranker.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    return LTRReranker(
        FeatureExtractor.from_engine(engine, events=ctx.events), LTRModel.load(model_dir, lazy=True), info
    )


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


def _read_ltr_state(folder: Path | None) -> dict[str, Any]:
    if folder is None:
        return {}
    try:
        return json.loads((folder / LTR_STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_ltr_state(folder: Path, state: Mapping[str, Any]) -> None:
    """Save the re-ranker state ``attach_ltr`` left in ``ctx.memo["ltr_state"]`` beside the engine."""
    (folder / LTR_STATE).write_text(json.dumps(state), encoding="utf-8")


def _copy_model(src: Path, dst: Path) -> None:
    if src.exists() and not dst.exists():
        shutil.copytree(src, dst, copy_function=_link_or_copy)
