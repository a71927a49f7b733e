"""The learned re-ranker's training queries go through the build's pool of one-thread encoder
workers, not the build process's own encoder (issue 17, session 15's patch, reviewed in session 16).

Why it matters: with the past-query warm-up after the complete release, the re-ranker's training
(``ltr.fit.QueryVectors``) was left to encode its queries in process, two OpenMP threads — on a busy
machine that stage took 125.6 s in one run (BENCHMARKS, session 15). With the pool forced
(``encode_workers = 2``; a 240-product shop is below the pool's own threshold), the build process's
encoder must not encode a single query on the way to the complete release (or after it: the warm-up
uses the pool too), and the complete release still carries the training queries' vectors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from build_script_util import ingest_forced
from shopmind.demo.generator import generate
from shopmind.release.build import build_release
from shopmind.release.components import default_components, default_vector_parts
from shopmind.release.progress import read_progress
from shopmind.release.releases import Releases
from shopmind.search.dense_encoders import USEEncoder
from shopmind.serve.state import load_release
from shopmind.store.store import Store

SEARCH = {"encoder": "use", "query_encoding": "inline", "encode_workers": 2}
SETTINGS = {"search": SEARCH, "recs": {"encoder": "use"}}
STAGE = "search: encoding the re-ranker's queries"


@pytest.fixture(scope="module")
def shop():
    return generate(seed=11, n_products=240, n_users=150, days=20)


def test_the_reranker_s_queries_are_encoded_by_the_pool_not_in_process(
    tmp_path: Path, shop, monkeypatch
) -> None:
    ws = ingest_forced(tmp_path / "ws", shop.batch)
    in_process: list[int] = []  # queries the build process's own encoder encoded for the build
    loading = [False]  # (this test loading a release warms its engine up: not the build's)
    batch, one = USEEncoder.encode_queries, USEEncoder.encode_query

    def counted_batch(self, texts):
        in_process.append(0 if loading[0] else len(texts))
        return batch(self, texts)

    def counted_one(self, text):
        in_process.append(0 if loading[0] else 1)
        return one(self, text)

    monkeypatch.setattr(USEEncoder, "encode_queries", counted_batch)  # (spawned workers: unpatched)
    monkeypatch.setattr(USEEncoder, "encode_query", counted_one)
    with Store(ws, read_only=True) as store:  # the judgments the re-ranker trains on
        judged = store.table("judgments")["query"].drop_nulls().unique().to_list()
    published: list[dict] = []
    missing: dict[str, list[str]] = {}  # per complete release: training queries without a vector
    cached: dict[str, int] = {}

    def on_publish(m: dict) -> None:  # (the complete release is pruned once its warm-up lands)
        published.append(m)
        if m["complete"]:
            loading[0] = True
            engine = load_release(Releases(ws).root / m["id"]).engine
            loading[0] = False
            missing[m["id"]], cached[m["id"]] = engine.match_texts(judged), len(engine._qvecs)

    build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=tmp_path / "cache",
                  vector_parts=default_vector_parts(), on_publish=on_publish)  # fmt: skip
    complete = next(m for m in published if m["complete"])
    sv = complete["components"]["search"]["search_vectors"]
    assert sv["encode_workers"] == 2 and sv["warm_up"] == "pending"
    ltr = sv["ltr"]
    assert ltr["ltr"] == "attached" and ltr["source"] == "judgments" and ltr["decision"] == "trained", ltr
    assert sum(in_process) == 0, f"{sum(in_process)} queries encoded in the build process"
    # every training query's vector came through the pool and ships with the complete release
    assert len(judged) >= ltr["queries"] > 0 and missing[complete["id"]] == []
    assert cached[complete["id"]] == sv["ltr_query_vectors"] > 0
    assert STAGE in {s["name"] for s in (read_progress(ws) or {})["finished"]}
