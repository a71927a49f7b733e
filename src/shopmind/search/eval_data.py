"""The protocol of ``shopmind evaluate search``: the views and cut-offs, the relevance
thresholds per format, a dataset read through the adapters and cleaned (``EvalData``,
``prepare``, ``load_dataset``), the fixed query order and the tuning/held-out split.

Split out of ``search/evaluate.py`` so that methods that tune on queries (fusion, LTR, the
query adapter, ``shopmind tune search``) import the data and the split without the
evaluator; ``search.evaluate`` re-exports every name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.data.adapters import get_adapter
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError
from shopmind.quality.repair import strip_html
from shopmind.search.eval_gate import gate_catalog, gate_notes, judged_losses
from shopmind.search.lexical_types import FIELDS

VIEWS = ("retrieval", "rerank")
NDCG_K, RECALL_K, MRR_K = 10, 100, 10
#: Grade from which a product counts as relevant (Recall, MRR), per format.
THRESHOLDS = {"home-depot": 2.33, "crowdflower": 3.0, "qbqtc": 1.0}
FORMULAS = {
    "ndcg@10": "sum_{r<=10} (grade - min_grade) / log2(r + 1); ideal DCG from the query's judged products; "
    "unjudged = 0; queries with ideal DCG 0 are left out",
    "recall@100": "share of the query's products with grade >= threshold in the top 100; queries with none left out",
    "mrr@10": "1/rank of the first product with grade >= threshold in the top 10 (0 if none); "
    "queries with none left out",
}


def tuning_half(query: str) -> bool:
    """Fixed split of queries into halves by the md5 of their text (the evaluator's query
    order also comes from md5): True for the half fusion parameters are chosen on."""
    return int(hashlib.md5(query.encode()).hexdigest()[-1], 16) % 2 == 0


# ---------------------------------------------------------------------- data
@dataclass
class EvalData:
    """A search corpus and graded judgments: ``qrels[query][product_id] = grade``."""

    name: str
    products: pl.DataFrame
    qrels: dict[str, dict[str, float]]
    min_grade: float
    max_grade: float
    threshold: float
    notes: list[str] = field(default_factory=list)
    #: the quality gate's account of the catalog (eval_gate: accepted / quarantined by code, the judged
    #: queries whose products it quarantined); empty when the products did not pass the gate
    gate: dict[str, object] = field(default_factory=dict)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(pl.Utf8)
    return pl.lit(None, dtype=pl.Utf8).alias(column)


def prepare(
    products: pl.DataFrame,
    judgments: pl.DataFrame,
    name: str,
    scale: tuple[float, float] | None = None,
    threshold: float | None = None,
) -> EvalData:
    """Clean products (one row per id, HTML stripped) and judgments (mean grade per pair)."""
    notes: list[str] = []
    cols = [_text(products, "product_id"), _text(products, "title")]
    cols += [_text(products, c) for c in FIELDS if c not in ("title", "attributes")]
    if "attributes" in products.columns:
        cols.append(pl.col("attributes"))
    for extra in ("language", "currency"):  # the cross-language split; the engine's currency
        if extra in products.columns:
            cols.append(_text(products, extra))
    if "price" in products.columns:
        cols.append(pl.col("price").cast(pl.Float64, strict=False))
    prods = products.select(cols).filter(pl.col("product_id").is_not_null())
    n = prods.height
    prods = prods.unique("product_id", keep="first", maintain_order=True)
    if prods.height < n:
        notes.append(f"{n - prods.height} duplicate product rows dropped (first kept)")
    prods = prods.with_columns(
        pl.col("description").map_elements(strip_html, return_dtype=pl.Utf8),
        pl.col("title").map_elements(strip_html, return_dtype=pl.Utf8),
    )
    j, dropped = usable_judgments(judgments, scale)
    notes += dropped
    j = j.group_by("query", "product_id", maintain_order=True).agg(pl.col("relevance").mean())
    known = set(prods["product_id"].to_list())
    missing = j.filter(~pl.col("product_id").is_in(list(known))).height
    if missing:
        notes.append(f"{missing} judgments of products not in the corpus dropped")
        j = j.filter(pl.col("product_id").is_in(list(known)))
    if j.height == 0:
        raise InputError("no usable judgments (query, product_id, relevance) in the dataset")
    lo, hi = scale if scale is not None else (float(j["relevance"].min()), float(j["relevance"].max()))
    if threshold is None:
        threshold = THRESHOLDS.get(name, lo + (hi - lo) * 2 / 3)
    qrels: dict[str, dict[str, float]] = {}
    for q, p, r in j.iter_rows():
        qrels.setdefault(q, {})[p] = float(r)
    return EvalData(name, prods, qrels, float(lo), float(hi), float(threshold), notes)


def usable_judgments(
    judgments: pl.DataFrame, scale: tuple[float, float] | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """(query, product_id, relevance) rows that can be scored, and a note per kind of row left out.

    Why: a held-out file's row with an empty query, a grade that is not a number ('high') or a grade
    outside the format's scale was dropped without a word (``drop_nulls``), so a figure could rest
    on fewer judgments than the file holds and nobody would know. Each kind is counted with the
    first file lines it names (``_line``, where the adapter kept it)."""
    line = pl.col(SOURCE_LINE) if SOURCE_LINE in judgments.columns else pl.lit(None, dtype=pl.Int64)
    j = judgments.select(
        pl.col("query").cast(pl.Utf8).str.strip_chars().alias("_q"),
        pl.col("query").cast(pl.Utf8),
        pl.col("product_id").cast(pl.Utf8),
        pl.col("relevance").cast(pl.Utf8).str.strip_chars().alias("_raw"),
        pl.col("relevance").cast(pl.Float64, strict=False),
        line.alias("_at"),
    )
    empty = (
        pl.col("_q").fill_null("").eq("")
        | pl.col("product_id").is_null()
        | pl.col("_raw").fill_null("").eq("")
    )
    not_number = ~empty & pl.col("relevance").is_null()
    kinds = [(empty, "an empty query, product id or grade"), (not_number, "a grade that is not a number")]
    if scale is not None:
        lo, hi = scale
        outside = ~empty & ~not_number & ((pl.col("relevance") < lo) | (pl.col("relevance") > hi))
        kinds.append((outside, f"a grade outside the scale {lo:g}-{hi:g}"))
    notes = []
    keep = pl.lit(True)
    for rule, what in kinds:
        bad = j.filter(keep & rule)
        if bad.height:
            at = [str(v) for v in bad["_at"].drop_nulls().head(3).to_list()]
            where = f" (file line {', '.join(at)}{', ...' if bad.height > len(at) else ''})" if at else ""
            example = f"; e.g. {bad['_raw'][0]!r}" if what.startswith("a grade") else ""
            notes.append(f"{bad.height:,} judgment row(s) with {what} left out{where}{example}")
        keep = keep & ~rule
    return j.filter(keep).select("query", "product_id", "relevance"), notes


def load_dataset(
    fmt: str, path: Path | str, threshold: float | None = None, gate: bool = True, gate_config: Any = None
) -> EvalData:
    """Products and judgments of ``path`` read by the adapter ``fmt``; the products pass the quality gate
    (``eval_gate``: what a build would publish is what is searched), unless ``gate`` is False (the
    before arm of bench/search_eval_gate.py)."""
    if fmt not in ("home-depot", "crowdflower", "qbqtc", "canonical"):
        raise InputError(
            f"format {fmt!r} has no search judgments; valid: home-depot, crowdflower, qbqtc, canonical"
        )
    batch = get_adapter(fmt).load(Path(path))
    if batch.products is None or batch.judgments is None:
        why = batch.meta.get("judgments_missing")
        raise InputError(
            f"{path}: the {fmt} data needs both products and judgments" + (f": {why}" if why else "")
        )
    scale = batch.meta.get("relevance_scale")
    products, judgments, gated, gate_said = batch.products, batch.judgments, {}, []
    if gate:
        checked = gate_catalog(batch, gate_config)  # None: the default settings
        losses = judged_losses(judgments, checked.lost)
        products, gated = checked.products, {**checked.summary, "judged_queries_quarantined": losses}
        gate_said = gate_notes(checked.summary, losses)
        # their judgments are accounted for by the gate's note, not as "products not in the corpus"
        judgments = judgments.filter(~pl.col("product_id").cast(pl.Utf8).is_in(list(checked.lost)))
    data = prepare(products, judgments, fmt, tuple(scale) if scale else None, threshold)  # type: ignore[arg-type]
    data.gate = gated
    files = [str(f) for f in batch.meta.get("files", [])]  # type: ignore[union-attr]
    codecs: dict[str, str] = batch.meta.get("encodings", {})  # type: ignore[assignment]  # files not in UTF-8
    named = [f"{f} ({codecs[f]})" if f in codecs else f for f in files]
    read = [f"read {', '.join(named)}"] if files else []  # which judgment file was read, in what: said
    unread = list(batch.meta.get("malformed", []))  # type: ignore[call-overload]
    if unread:
        first = unread[0]
        read.append(
            f"{len(unread):,} line(s) could not be read and were left out ({first.get('table')} line {first.get('line')}: "
            f"{first.get('reason')})"
        )
    data.notes[:0] = read + gate_said
    return data


def select_queries(queries: Iterable[str], limit: int | None) -> list[str]:
    """Queries in a fixed pseudo-random order (md5 of the text); the first ``limit`` of them."""
    ordered = sorted(queries, key=lambda q: (hashlib.md5(q.encode()).hexdigest(), q))
    return ordered if limit is None else ordered[:limit]
