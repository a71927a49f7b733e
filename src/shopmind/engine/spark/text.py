"""BM25 statistics of a catalog computed on Spark (issue 11, item 2).

The analysis is the search index's own: each Arrow batch of products goes through
``search.lexical.product_fields`` and ``text.analysis.Analyzer.pairs`` on an executor (the
analyzer, with its jieba dictionary, is made once per Python worker), and Spark adds up what
BM25F needs globally: the number of documents, each term's document frequency (documents with
the term in any field) and the field lengths. These are the numbers ``LexicalIndex`` keeps
exact under upserts and deletes; computed here they equal those of an index built on the same
catalog (``tests/test_spark_train.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa

from shopmind.search.lexical import FIELDS, product_fields

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from shopmind.search.lexical import LexicalIndex
    from shopmind.text.analysis import Analyzer

_ANALYZER: Analyzer | None = None


def _analyzer() -> Analyzer:
    """One analyzer per Python worker (jieba's dictionary loads once, not per batch)."""
    global _ANALYZER
    if _ANALYZER is None:
        from shopmind.text.analysis import Analyzer

        _ANALYZER = Analyzer()
    return _ANALYZER


_DOC_SCHEMA = pa.schema(
    [("product_id", pa.string()), ("terms", pa.list_(pa.string()))]
    + [(f"len_{f}", pa.int64()) for f in FIELDS]
)


def _analyse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Per product: its distinct terms over all fields and each field's length in terms."""
    analyzer = _analyzer()
    for rb in batches:
        frame = pl.from_arrow(rb)
        assert isinstance(frame, pl.DataFrame)
        out: dict[str, list] = {name: [] for name in _DOC_SCHEMA.names}
        for row in frame.iter_rows(named=True):
            texts = product_fields(row)
            terms: set[str] = set()
            for f in FIELDS:
                pairs = analyzer.pairs(texts[f])
                out[f"len_{f}"].append(len(pairs))
                terms.update(t for _, t in pairs)
            out["product_id"].append(str(row["product_id"]))
            out["terms"].append(sorted(terms))
        yield pa.RecordBatch.from_pydict(out, schema=_DOC_SCHEMA)


@dataclass
class Bm25Stats:
    """The global statistics of BM25F: documents, document frequency per term, field lengths."""

    n_docs: int
    df: dict[str, int]
    total_len: dict[str, int]
    lengths: pl.DataFrame  # product_id, len_<field> per field

    @classmethod
    def of_index(cls, index: LexicalIndex) -> Bm25Stats:
        """The same numbers read from a built ``LexicalIndex`` (terms with df 0 left out)."""
        df = {t: int(n) for t, n in zip(index.terms, index.df, strict=False) if n > 0}
        rows = []
        for seg in index.segments:
            for r in range(len(seg)):
                if seg.live[r]:
                    rows.append(
                        {
                            "product_id": str(seg.ids[r]),
                            **{f"len_{f}": int(seg.lengths[f][r]) for f in FIELDS},
                        }
                    )
        lengths = pl.DataFrame(rows, schema={"product_id": pl.Utf8, **{f"len_{f}": pl.Int64 for f in FIELDS}})
        return cls(index.n_live, df, dict(index.total_len), lengths.sort("product_id"))


def bm25_stats(products: DataFrame, order: str | None = None) -> Bm25Stats:
    """BM25F statistics of ``products`` (canonical columns) on Spark. When an id occurs more than
    once the row with the largest ``order`` wins, as the last version does in ``LexicalIndex.upsert``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    from shopmind.engine.spark.gate import _from_spark

    cols = ["product_id", *[f for f in FIELDS if f in products.columns]]
    frame = products.where(F.col("product_id").isNotNull() & (F.col("product_id").cast("string") != ""))
    if order is not None:
        last = Window.partitionBy("product_id").orderBy(F.col(order).desc())
        frame = frame.withColumn("_k", F.row_number().over(last)).where(F.col("_k") == 1)
    else:
        frame = frame.dropDuplicates(["product_id"])
    docs = frame.select(*cols).mapInArrow(_analyse, from_arrow_schema(_DOC_SCHEMA)).persist()
    try:
        df_rows = docs.select(F.explode("terms").alias("term")).groupBy("term").count().collect()
        lengths = _from_spark(
            docs.drop("terms"), {"product_id": pl.Utf8, **{f"len_{f}": pl.Int64 for f in FIELDS}}
        ).sort("product_id")
    finally:
        docs.unpersist()
    totals = {f: int(lengths[f"len_{f}"].sum()) for f in FIELDS}
    return Bm25Stats(lengths.height, {r["term"]: int(r["count"]) for r in df_rows}, totals, lengths)


__all__ = ["Bm25Stats", "bm25_stats"]
