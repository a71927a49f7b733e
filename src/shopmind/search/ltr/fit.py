"""Training a re-ranker for an engine at build time, and deciding whether to attach it.

``fit_engine_reranker`` records the engine's own re-rank inputs (``probe``), trains on
judgments or click logs, and attaches the model only if it does not lose NDCG@10 on a
held-out ``fold_of`` fold.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shopmind.search.ltr.clicks import CLICK_COLUMNS, CLICK_GRADES, click_labels, train_from_clicks
from shopmind.search.ltr.evaluate import _neutral
from shopmind.search.ltr.features import FeatureExtractor, fold_of
from shopmind.search.ltr.model import DEFAULT_ROUNDS, LTRModel, LTRReranker, grade_labels
from shopmind.search.ltr.title_terms import TitleTerms
from shopmind.search.metrics import ndcg_at_k

if TYPE_CHECKING:
    from shopmind.search.engine import SearchEngine
    from shopmind.search.query import Understood

#: Queries needed (judged, or searched with a click) before a build trains a re-ranker.
MIN_QUERIES = 30
#: Share of queries held out (one of ``HOLDOUT_FOLDS`` ``fold_of`` folds) to accept a model.
HOLDOUT_FOLDS = 5


@dataclass
class Probe:
    """What a ``SearchEngine`` hands its re-ranker for one query: the cleaned query, its
    ``Understood``, the fused head (best first) and the query vector. Recording these from a
    real ``search`` call makes training see exactly the serving inputs."""

    query: str
    understood: Understood | None
    ids: list[str]
    qvec: np.ndarray | None


class _Recorded(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by ``_Recorder`` once it has the re-ranker's input: ``probe`` needs nothing the
    search does after the re-rank stage (ordering, hits, the response: ~6 % of a probe)."""


class _Recorder:
    """A stand-in re-ranker that records its input and ends the search there."""

    def __init__(self) -> None:
        self.got: Probe | None = None

    def rerank(
        self,
        query: str,
        understood: Understood | None,
        candidate_ids: Sequence[str],
        qvec: np.ndarray | None = None,
    ) -> np.ndarray:
        self.got = Probe(query, understood, list(candidate_ids), qvec)
        raise _Recorded


def probe(engine: SearchEngine, query: str) -> Probe | None:
    """The re-ranker input of ``query`` on ``engine`` (None when the query reaches no
    re-rank stage: nothing searchable in it, or no candidates)."""
    from shopmind.search.engine import SearchError

    rec, saved = _Recorder(), engine.reranker
    engine.reranker = rec
    try:
        engine.search(query, size=1, facets=(), highlight=False)
    except _Recorded:
        pass
    except SearchError:
        return None
    finally:
        engine.reranker = saved
    return rec.got


class QueryVectors:
    """The query vectors a training pass needs, encoded up front in batches through the
    engine's vector cache (as ``warm_queries`` does for past queries), and handed to the
    engine's LRU just before each of its searches (``prime``).

    Why: ``probe`` runs a real search per judged query, and a search encodes a query it has
    no vector for *one at a time* — on Home Depot 4,708 single-query encoder calls; batched
    and cached they cost a fraction of that, and a later build reads them from the cache.
    Searching with the primed vector is the same search: the vector is the one the engine
    would have computed (same encoder, same match text, same normalisation)."""

    def __init__(self, engine: SearchEngine, queries: Sequence[str], chunk: int = 256) -> None:
        self.engine = engine
        self.match: dict[str, str] = {}
        self.vecs: dict[str, np.ndarray] = {}
        if engine.vectors is None or engine.encoder is None:
            return
        from shopmind.search.dense import l2_normalise
        from shopmind.search.engine_query import clean_query

        cfg = engine.config
        for q in queries:
            text, _ = clean_query(q, cfg.max_query_chars, cfg.max_query_terms)
            if text:
                text = engine._simplified(text)
                self.match[q] = engine._understand(text, []).text if cfg.understand else text
        texts = list(dict.fromkeys(t for t in self.match.values() if t))
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            got = np.asarray(engine.cache.queries(engine.encoder, part, save=False), dtype=np.float32)
            self.vecs.update(zip(part, l2_normalise(got), strict=True))
        engine.cache.flush()

    def prime(self, query: str) -> None:
        """Put ``query``'s vector in the engine's LRU (its next search then reads it)."""
        m = self.match.get(query)
        v = None if m is None else self.vecs.get(m)
        if v is not None:
            self.engine._store_query_vector(m, v)


class _ParseMemo:
    """The engine's query parser with each text's ``Understood`` kept: ``QueryVectors`` parses
    every judged query for its match text and each probe's search parses it again (on Home
    Depot ~5 % of the probes' time). The parser is a pure function of the text over a fixed
    catalog, so the kept answer is the one it would give again; anything else is the parser's own."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser
        self._got: dict[str, Any] = {}

    def parse(self, text: str) -> Any:
        got = self._got.get(text)
        if got is None:
            got = self._got[text] = self._parser.parse(text)
        return got

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


@contextlib.contextmanager
def _parses_once(engine: SearchEngine) -> Iterator[None]:
    """Within the block, ``engine`` parses each query text once (``_ParseMemo``)."""
    parser = engine.parser
    if parser is None:
        yield
        return
    engine.parser = _ParseMemo(parser)
    try:
        yield
    finally:
        engine.parser = parser


def ranking_from_probe(p: Probe, reranker: Any, k: int = 10) -> list[str]:
    """The first ``k`` ids the engine returns for the probed query with ``reranker`` attached
    (None: the fused order), computed from the recorded head instead of searching again:
    ``SearchEngine._rerank`` orders the head by the re-ranker's scores (non-finite last, ties
    by head position) and the head is the fused order. Exact when the head holds the first
    ``k`` (``rerank_depth >= k``) and nothing reorders after it (no stock-out re-ranking):
    ``_can_rank_from_probe``; ``engine_ranking`` is the general path."""
    if reranker is None:
        return p.ids[:k]
    raw = reranker.rerank(p.query, p.understood, p.ids, qvec=p.qvec)
    scores = np.asarray(raw, dtype=np.float64).reshape(-1)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return [p.ids[i] for i in order.tolist()]


def _can_rank_from_probe(engine: SearchEngine, k: int = 10) -> bool:
    return engine.config.rerank_depth >= k and getattr(engine, "stockout", None) is None


def engine_ranking(engine: SearchEngine, query: str, reranker: Any, k: int = 10) -> list[str]:
    """The first ``k`` product ids ``engine`` returns for ``query`` with ``reranker`` attached."""
    saved = engine.reranker
    engine.reranker = reranker
    try:
        return engine.search(query, size=k, facets=(), highlight=False).ids
    finally:
        engine.reranker = saved


def judgment_grades(judgments: pl.DataFrame, known: Callable[[str], bool]) -> tuple[dict[str, dict[str, float]], float, float]:  # fmt: skip
    """``qrels[query][product_id] = grade`` (mean of repeated judgments) for products
    ``known`` to the engine, and the grade scale (min, max) seen."""
    if not {"query", "product_id", "relevance"} <= set(judgments.columns) or judgments.is_empty():
        return {}, 0.0, 0.0
    j = (
        judgments.select(
            pl.col("query").cast(pl.Utf8),
            pl.col("product_id").cast(pl.Utf8),
            pl.col("relevance").cast(pl.Float64, strict=False),
        )
        .drop_nulls()
        .filter(pl.col("query").str.strip_chars() != "")
        .group_by("query", "product_id", maintain_order=True)
        .agg(pl.col("relevance").mean())
    )
    qrels: dict[str, dict[str, float]] = {}
    for q, p, r in j.iter_rows():
        if known(p):
            qrels.setdefault(q, {})[p] = float(r)
    if not qrels:
        return {}, 0.0, 0.0
    grades = [g for per in qrels.values() for g in per.values()]
    return qrels, float(min(grades)), float(max(grades))


#: Training queries needed before some are set aside to stop boosting early (``_valid_queries``).
EARLY_STOP_MIN_QUERIES = 500
#: One in this many training queries validates the early stop (salted ``fold_of``).
EARLY_STOP_FOLDS = 8


def _valid_queries(train: Sequence[str]) -> set[str]:
    """Training queries set aside to choose the number of boosting rounds (never the held-out
    fold, which decides attachment): none for a small shop, whose every query trains."""
    if len(train) < EARLY_STOP_MIN_QUERIES:
        return set()
    return {q for q in train if fold_of(q + "\x00early-stop", EARLY_STOP_FOLDS) == 0}


def _mean_ndcg(
    engine: SearchEngine,
    queries: Sequence[str],
    qrels: Mapping[str, Mapping[str, float]],
    lo: float,
    reranker: Any,
    probes: Mapping[str, Probe | None] | None = None,
    qv: QueryVectors | None = None,
) -> float:
    """Mean NDCG@10 of the engine's rankings of ``queries``; from the recorded ``probes``
    when that is exact (``ranking_from_probe``), else by searching."""
    vals = []
    for q in queries:
        p = None if probes is None else probes.get(q)
        if p is not None and _can_rank_from_probe(engine):
            ranked = ranking_from_probe(p, reranker)
        else:
            if qv is not None:
                qv.prime(q)
            ranked = engine_ranking(engine, q, reranker)
        vals.append(ndcg_at_k(ranked, qrels[q], 10, lo))
    got = [v for v in vals if v is not None]
    return float(np.mean(got)) if got else 0.0


def fit_engine_reranker(
    engine: SearchEngine,
    judgments: pl.DataFrame | None,
    events: pl.DataFrame | None,
    min_queries: int = MIN_QUERIES,
    num_rounds: int = DEFAULT_ROUNDS,
    early_stop: bool = False,
) -> tuple[LTRReranker | None, dict[str, Any]]:
    """Train a re-ranker for ``engine`` at build time and decide whether to attach it.

    Source: graded ``judgments`` when they cover at least ``min_queries`` queries, else
    click logs in ``events`` (``click_labels``) when as many searched queries got a click,
    else none. Candidates per query are the engine's own re-rank head (recorded from a real
    search, ``probe``) plus the labelled products; features come from the engine's parts
    (``FeatureExtractor.from_engine``). One ``fold_of`` fold (20 % of queries) is held out:
    the model trained on the rest is to be attached only if the engine's NDCG@10 on the
    held-out queries with it is at least the NDCG@10 without it. Returns ``(reranker,
    facts)``: the trained re-ranker (None when none could be trained) and facts saying which
    source, how many queries, both held-out NDCG@10 values, and ``facts["ltr"]``:
    ``"attached"`` (attach it), ``"rejected"`` (it lost on the held-out queries: serve
    without it) or ``"skipped"``, with a ``reason`` whenever it is not ``"attached"``.
    """
    t0 = time.perf_counter()
    extractor = FeatureExtractor.from_engine(engine, events=events)
    known = extractor.pos.__contains__
    qrels, lo, hi = judgment_grades(judgments, known) if judgments is not None else ({}, 0.0, 0.0)
    facts: dict[str, Any] = {"min_queries": min_queries, "judged_queries": len(qrels)}
    labels = None
    if len(qrels) >= min_queries and hi > lo:
        source = "judgments"
    else:
        if events is not None and set(events.columns) >= CLICK_COLUMNS:
            labels = click_labels(events)
            positive = labels.filter(pl.col("label") > 0)
            labels = labels.filter(pl.col("query").is_in(positive["query"].unique().implode()))
            labels = labels.filter(pl.col("product_id").map_elements(known, return_dtype=pl.Boolean))
        n_click = 0 if labels is None else labels.filter(pl.col("label") > 0)["query"].n_unique()
        facts["clicked_queries"] = n_click
        if labels is None or n_click < min_queries:
            facts.update(ltr="skipped", reason=(
                f"too little to learn from: {len(qrels)} judged queries and {n_click} searched queries "
                f"with clicks (need {min_queries})"
            ))  # fmt: skip
            return None, facts
        source = "clicks"
        qrels = {}
        for (q,), frame in labels.group_by("query", maintain_order=True):
            qrels[str(q)] = {p: float(v) for p, v in zip(frame["product_id"], frame["label"], strict=True)}
        lo, hi = 0.0, float(max(CLICK_GRADES.values()))
    queries = sorted(qrels)
    # the titles' terms are analysed on the other core while the searches run on this one
    titles = TitleTerms(extractor.index.analyzer, extractor.raw_titles())
    try:
        with _parses_once(engine):
            qv = QueryVectors(engine, queries)
            probes = {}
            for q in queries:
                qv.prime(q)
                probes[q] = probe(engine, q)
    except BaseException:
        titles.close()
        raise
    terms = titles.result()
    if terms is not None:
        extractor.give_title_terms(terms)
    queries = [q for q in queries if probes[q] is not None]
    test = [q for q in queries if fold_of(q, HOLDOUT_FOLDS) == 0]
    train = [q for q in queries if fold_of(q, HOLDOUT_FOLDS) != 0]
    facts.update(source=source, queries=len(queries), train_queries=len(train), heldout_queries=len(test))
    if not test or not train:
        facts.update(ltr="skipped", reason="no query left to hold out or to train on")
        return None, facts

    def pr(q: str) -> Probe:
        got = probes[q]
        assert got is not None
        return got

    try:
        if source == "judgments":
            X_parts, y_parts, groups = [], [], []
            # off by default: on all of Home Depot it cut boosting to 89 rounds but lost 0.005
            # held-out NDCG@10 (0.3987 -> 0.3934, BENCHMARKS session 9); a build keeps every round
            valid = _valid_queries(train) if early_stop else set()
            vX, vy, vg = [], [], []
            for q in train:
                p, grades = pr(q), qrels[q]
                cands = list(dict.fromkeys([*p.ids, *sorted(grades, key=_neutral)]))
                cands = [c for c, k in zip(cands, extractor.known(cands), strict=True) if k]
                y = grade_labels(np.array([grades.get(c, np.nan) for c in cands]), lo, hi)
                if len(cands) < 2 or y.max() == 0:
                    continue
                x = extractor.features(p.query, cands, p.qvec, p.understood)
                for into, value in zip((vX, vy, vg) if q in valid else (X_parts, y_parts, groups), (x, y, len(cands)), strict=True):  # fmt: skip
                    into.append(value)
            if not groups:
                raise ValueError("no training query has a product graded above the minimum")
            stop = (np.vstack(vX), np.concatenate(vy), vg) if vg else None
            model = LTRModel(num_rounds=num_rounds).fit(
                np.vstack(X_parts), np.concatenate(y_parts), groups, stop
            )
        else:
            assert labels is not None
            model = train_from_clicks(
                extractor,
                events if events is not None else pl.DataFrame(),
                retrieve=lambda q: pr(q).ids,
                qvec=lambda q: pr(q).qvec,
                num_rounds=num_rounds,
                understand=lambda q: pr(q).understood,
                labels=labels.filter(pl.col("query").is_in(train)),
            )
    except ValueError as exc:
        facts.update(ltr="skipped", reason=f"training failed: {exc}")
        return None, facts
    reranker = LTRReranker(extractor, model)
    without = _mean_ndcg(engine, test, qrels, lo, None, probes, qv)
    with_ltr = _mean_ndcg(engine, test, qrels, lo, reranker, probes, qv)
    extractor.drop_given_terms()  # terms training did not read are not kept with the model
    attach = with_ltr >= without - 1e-12
    facts.update(
        ltr="attached" if attach else "rejected",
        heldout_ndcg10={"without_ltr": round(without, 4), "with_ltr": round(with_ltr, 4)},
        train_rows=model.train_info.get("rows"),
        rounds=model.train_info.get("rounds", num_rounds),
        early_stop_queries=model.train_info.get("valid_queries", 0),
        top_features=model.importance(5),
        seconds=round(time.perf_counter() - t0, 2),
    )
    if not attach:
        facts["reason"] = "the re-ranker lost NDCG@10 on the held-out queries"
    reranker.info = dict(facts)
    return reranker, facts


# ---------------------------------------------------------------------- retraining decisions
def parts_key(engine: SearchEngine) -> str:
    """Which retrieval parts a re-ranker is trained over: ``"lexical"`` or
    ``"lexical+dense:<encoder>"``. A model learns how much each feature is worth, so one trained
    with dense cosines must not serve a lexical-only engine, nor one from another encoder."""
    if engine.vectors is None or engine.encoder is None:
        return "lexical"
    return f"lexical+dense:{engine.encoder.name}"


def label_digest(judgments: pl.DataFrame | None, events: pl.DataFrame | None) -> dict[str, str]:
    """Per labelled query, a hash of what a re-ranker learns from it: its judged grades
    (``j:`` + query) and its click labels (``c:`` + query). Comparing two digests says how many
    queries' labels changed, without keeping the labels."""
    out: dict[str, str] = {}
    if judgments is not None and {"query", "product_id", "relevance"} <= set(judgments.columns):
        j = judgments.select(
            pl.col("query").cast(pl.Utf8),
            pl.concat_str(
                [pl.col("product_id").cast(pl.Utf8), pl.col("relevance").cast(pl.Utf8)], separator="="
            ).alias("pair"),
        ).drop_nulls()
        for q, pairs in j.group_by("query").agg(pl.col("pair").sort()).iter_rows():
            out["j:" + q] = _sha("\x1f".join(pairs))
    if events is not None and not events.is_empty() and set(events.columns) >= CLICK_COLUMNS:
        labels = click_labels(events)
        if labels.height:
            c = labels.select(
                pl.col("query").cast(pl.Utf8),
                pl.concat_str(
                    [pl.col("product_id").cast(pl.Utf8), pl.col("label").cast(pl.Utf8)], separator="="
                ).alias("pair"),  # fmt: skip
            )
            for q, pairs in c.group_by("query").agg(pl.col("pair").sort()).iter_rows():
                out["c:" + q] = _sha("\x1f".join(pairs))
    return out


def digest_fingerprint(digest: Mapping[str, str]) -> str:
    """One hash of a whole ``label_digest`` (recorded in the release manifest)."""
    return _sha("\n".join(f"{k}\t{v}" for k, v in sorted(digest.items())))


def changed_share(previous: Mapping[str, str] | None, current: Mapping[str, str]) -> float:
    """Share of labelled queries (union of both digests) added, removed or relabelled."""
    if previous is None:
        return 1.0
    keys = set(previous) | set(current)
    if not keys:
        return 0.0
    return sum(previous.get(k) != current.get(k) for k in keys) / len(keys)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()
