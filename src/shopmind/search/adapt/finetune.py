"""Fine-tune the packaged MiniLM on the shop's own (query, relevant product) pairs (issue 12
item 1, second half), beside the linear adapter of ``model``.

Loss: MultipleNegativesRankingLoss written in plain torch (cosine x ``scale``, softmax over
the batch's positives and hard negatives; the same loss as sentence-transformers', here so
that a step is time-boxed and the batch's other positives of the same query are masked, not
punished). Hard negatives per pair, in this order: the query's own judged products graded
below the relevance threshold (true negatives), then BM25 misses — products ranked
``bm25_from``..``bm25_depth`` by our BM25F that the query has no judgment for. Why skip BM25's
very top: with shallow judged pools (~5 per Home Depot query) an unjudged top-3 BM25 hit is
often relevant; for the adapter, mined top-30 negatives measurably hurt (BENCHMARKS.md).

Variants: ``layers=None`` trains every weight; ``layers=2`` only the last two transformer
layers (the rest frozen). Early stopping: after every ``eval_every`` steps (and at the end of
the time box) the validation queries — ``val_share`` of the **training** queries by md5,
``model.query_split`` — are scored by exact dense retrieval over the validation corpus; the
best checkpoint is kept, and it replaces the frozen model only when its paired per-query gain
exceeds 2 standard errors (``scoring.significant_gain``, the adapter's guard). Seeded; CPU
threads capped at 2; the caller passes training queries' judgments only.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from shopmind.search.adapt.minilm import MAX_THREADS, MiniLMEncoder, fingerprint, load_minilm
from shopmind.search.adapt.model import query_split
from shopmind.search.adapt.scoring import per_query_ndcg, significant_gain


@dataclass(frozen=True)
class FineTuneParams:
    """One fine-tuning setting. ``layers``: None = all weights, n = the last n transformer
    layers only. ``minutes``: wall-clock box for the training steps (evaluations included)."""

    layers: int | None = None
    lr: float = 3e-5
    batch: int = 32
    scale: float = 20.0
    hard_negatives: int = 1
    bm25_from: int = 10
    bm25_depth: int = 30
    max_epochs: int = 4
    eval_every: int = 0  # steps between validations; 0 = once per epoch
    patience: int = 2
    minutes: float = 8.0
    seed: int = 0
    val_share: float = 0.2
    val_distractors: int = 3000
    threads: int = MAX_THREADS

    @property
    def label(self) -> str:
        return "full" if self.layers is None else f"last{self.layers}"


@dataclass
class FineTuneResult:
    """The chosen encoder (the frozen one when fine-tuning did not pass the guard) and a
    JSON-ready report (settings, data sizes, validation curve, decision, seconds)."""

    encoder: MiniLMEncoder
    kept: bool
    report: dict[str, Any] = field(default_factory=dict)
    #: the validation-best checkpoint even when the guard refused it (measurement only: its
    #: held-out figure shows what the guard cost; never a basis for choosing)
    unguarded: MiniLMEncoder | None = None


@dataclass(frozen=True)
class Example:
    query: str
    positive: str  # product id
    negatives: tuple[str, ...]


def build_examples(
    qrels: Mapping[str, Mapping[str, float]],
    relevant_from: float,
    bm25_top: Callable[[str, int], list[str]] | None,
    params: FineTuneParams,
) -> list[Example]:
    """One example per (query, product graded >= ``relevant_from``) with up to
    ``params.hard_negatives`` negatives (judged below the threshold first, then BM25 misses
    from ranks ``bm25_from``..``bm25_depth`` with no judgment). Deterministic given the seed."""
    rng = random.Random(params.seed)
    out = []
    for q in sorted(qrels):
        grades = qrels[q]
        pos = sorted(p for p, g in grades.items() if g >= relevant_from)
        if not pos:
            continue
        judged_neg = sorted((p for p, g in grades.items() if g < relevant_from), key=lambda p: (grades[p], p))
        mined: list[str] = []
        if bm25_top is not None and params.hard_negatives > len(judged_neg):
            ranked = bm25_top(q, params.bm25_depth)[params.bm25_from :]
            mined = [p for p in ranked if p not in grades]
        for p in pos:
            negs = list(judged_neg[: params.hard_negatives])
            if len(negs) < params.hard_negatives and mined:
                negs += rng.sample(mined, min(len(mined), params.hard_negatives - len(negs)))
            out.append(Example(q, p, tuple(negs)))
    return out


def _freeze(model: Any, layers: int | None) -> int:
    """Freeze all but the last ``layers`` transformer layers (None: train all); returns the
    number of trainable weights."""
    names = [n for n, _ in model.named_parameters()]
    depth = 1 + max(
        (int(m.group(1)) for n in names if (m := re.search(r"encoder\.layer\.(\d+)\.", n))), default=-1
    )
    if layers is not None and not 0 < layers <= depth:
        raise ValueError(f"layers={layers}: the model has {depth} transformer layers")
    train = {f"encoder.layer.{i}." for i in range(depth - (layers or depth), depth)}
    for n, p in model.named_parameters():
        p.requires_grad = layers is None or any(t in n for t in train)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _embed(model: Any, texts: list[str]) -> Any:
    import torch

    feats = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
    out = model(feats)["sentence_embedding"]
    return torch.nn.functional.normalize(out, dim=-1)


class _Validator:
    """Exact-retrieval NDCG@10 per validation query over a fixed validation corpus (its judged
    products plus seeded distractors from the catalogue)."""

    def __init__(
        self,
        qrels: Mapping[str, Mapping[str, float]],
        queries: Sequence[str],
        texts: Mapping[str, str],
        min_grade: float,
        distractors: int,
        seed: int,
    ) -> None:
        judged = sorted({p for q in queries for p in qrels[q] if p in texts})
        rest = sorted(set(texts) - set(judged))
        rng = random.Random(seed)
        extra = rng.sample(rest, min(distractors, len(rest)))
        self.ids = judged + sorted(extra)
        pos = {p: i for i, p in enumerate(self.ids)}
        self.queries = list(queries)
        self.texts = [texts[p] for p in self.ids]
        self.grades = {
            r: {pos[p]: float(g) - min_grade for p, g in qrels[q].items() if p in pos}
            for r, q in enumerate(self.queries)
        }

    def per_query(self, enc: MiniLMEncoder) -> np.ndarray:
        P = enc.encode_passages(self.texts)
        Q = enc.encode_passages(self.queries)
        return per_query_ndcg(Q, P, self.grades)


def finetune(
    qrels: Mapping[str, Mapping[str, float]],
    texts: Mapping[str, str],
    relevant_from: float,
    min_grade: float,
    params: FineTuneParams = FineTuneParams(),  # noqa: B008 - frozen dataclass
    bm25_top: Callable[[str, int], list[str]] | None = None,
    model: Any | None = None,
) -> FineTuneResult:
    """Fine-tune MiniLM on ``qrels`` (the **training** queries' judgments only; product id ->
    text in ``texts``) and return the validation-chosen encoder. ``bm25_top(query, k)`` gives
    product ids for BM25 hard negatives. ``model``: start from this SentenceTransformer (e.g.
    a previous release's) instead of the packaged weights. ``ValueError`` when there are too
    few queries to train and validate."""
    import torch

    t0 = time.perf_counter()
    torch.manual_seed(params.seed)
    random.seed(params.seed)
    np.random.seed(params.seed)
    torch.set_num_threads(max(1, min(params.threads, MAX_THREADS)))
    usable = {q: {p: g for p, g in qrels[q].items() if p in texts} for q in qrels}
    queries = sorted(q for q, g in usable.items() if any(v >= relevant_from for v in g.values()))
    train_q, val_q = query_split(queries, params.val_share)
    val_q = [q for q in val_q if any(v > min_grade for v in usable[q].values())]
    if len(train_q) < 10 or len(val_q) < 5:
        raise ValueError(
            f"too few judged queries to fine-tune MiniLM: {len(train_q)} training, {len(val_q)} validation "
            "(need >= 10 and >= 5 with a relevant product)"
        )
    examples = build_examples({q: usable[q] for q in train_q}, relevant_from, bm25_top, params)
    base = model if model is not None else load_minilm(threads=params.threads)
    frozen = MiniLMEncoder(base)
    validator = _Validator(usable, val_q, texts, min_grade, params.val_distractors, params.seed)
    t_val = time.perf_counter()
    frozen_per = validator.per_query(frozen)
    val_seconds = time.perf_counter() - t_val

    tuned = copy.deepcopy(base)
    trainable = _freeze(tuned, params.layers)
    opt = torch.optim.AdamW(
        [p for p in tuned.parameters() if p.requires_grad], lr=params.lr, weight_decay=0.01
    )
    positives: dict[str, set[str]] = {}
    for e in examples:
        positives.setdefault(e.query, set()).add(e.positive)
    steps_per_epoch = max(1, len(examples) // params.batch)
    eval_every = params.eval_every or steps_per_epoch
    deadline = t0 + params.minutes * 60.0
    rng = random.Random(params.seed)
    curve: list[dict[str, Any]] = [{"step": 0, "val_ndcg@10": round(float(frozen_per.mean()), 5)}]
    best_per, best_state, best_step, bad, step = frozen_per, None, 0, 0, 0
    stop = ""
    losses: list[float] = []
    for epoch in range(params.max_epochs):
        order = list(examples)
        rng.shuffle(order)
        for start in range(0, steps_per_epoch * params.batch, params.batch):
            # keep room for one more validation pass inside the box
            if time.perf_counter() + val_seconds * 1.5 > deadline:
                stop = stop or f"time box ({params.minutes} min)"
                break
            batch = order[start : start + params.batch]
            tuned.train()
            docs = [e.positive for e in batch] + [n for e in batch for n in e.negatives]
            q = _embed(tuned, [e.query for e in batch])
            d = _embed(tuned, [texts[p] for p in docs])
            scores = params.scale * (q @ d.T)
            mask = torch.zeros_like(scores, dtype=torch.bool)
            for i, e in enumerate(batch):  # another in-batch positive of the same query is no negative
                for j, p in enumerate(docs):
                    if j != i and p in positives[e.query]:
                        mask[i, j] = True
            scores = scores.masked_fill(mask, float("-inf"))
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            step += 1
            if step % eval_every == 0:
                per = validator.per_query(MiniLMEncoder(tuned))
                curve.append(
                    {
                        "step": step,
                        "epoch": epoch + (start + params.batch) / (steps_per_epoch * params.batch),
                        "val_ndcg@10": round(float(per.mean()), 5),
                        "train_loss": round(float(np.mean(losses[-eval_every:])), 4),
                        "seconds": round(time.perf_counter() - t0, 1),
                    }
                )
                if per.mean() > best_per.mean():
                    best_per, best_state, best_step, bad = per, copy.deepcopy(tuned.state_dict()), step, 0
                else:
                    bad += 1
                if bad >= params.patience:
                    stop = f"no validation gain in {params.patience} evaluations"
                    break
        if stop:
            break
    else:
        stop = f"{params.max_epochs} epochs"
    if step % eval_every != 0 and step > 0:  # the steps since the last validation
        per = validator.per_query(MiniLMEncoder(tuned))
        curve.append({"step": step, "val_ndcg@10": round(float(per.mean()), 5)})
        if per.mean() > best_per.mean():
            best_per, best_state, best_step = per, copy.deepcopy(tuned.state_dict()), step
    ok, gain, se = significant_gain(frozen_per, best_per)
    best_enc = None
    if best_state is not None:
        tuned.load_state_dict(best_state)
        for p in tuned.parameters():
            p.requires_grad = False
        best_enc = MiniLMEncoder(tuned, name=f"minilm-ft-{fingerprint(tuned)}")
    if best_enc is not None and ok:
        enc, kept = best_enc, True
        decision = f"fine-tuned (step {best_step}; validation gain {gain:+.4f} > 2 x {se:.4f})"
    else:
        enc, kept = frozen, False
        decision = (
            "frozen (no validation gain at any checkpoint)"
            if best_state is None
            else f"frozen (validation gain {gain:+.4f} not above 2 standard errors, {se:.4f})"
        )
    report = {
        "params": asdict(params),
        "variant": params.label,
        "trainable_weights": trainable,
        "training_queries": len(train_q),
        "validation_queries": len(val_q),
        "validation_corpus": len(validator.ids),
        "pairs": len(examples),
        "hard_negatives": sum(len(e.negatives) for e in examples),
        "steps": step,
        "best_step": best_step,
        "stopped": stop,
        "val_ndcg@10_frozen": round(float(frozen_per.mean()), 5),
        "val_ndcg@10_best": round(float(best_per.mean()), 5),
        "val_gain": {"mean": round(gain, 5), "se": round(se, 5), "significant": ok},
        "curve": curve,
        "kept": decision,
        "encoder": enc.name,
        "encoder_unguarded": best_enc.name if best_enc is not None else None,
        "train_seconds": round(time.perf_counter() - t0, 1),
        "split": f"validation = {params.val_share:.0%} of the training queries by md5('val' + query)",
        "data_digest": hashlib.sha1(
            repr(sorted((q, sorted(usable[q].items())) for q in queries)).encode()
        ).hexdigest()[:12],
    }
    return FineTuneResult(enc, kept, report, best_enc)
