import json
import os
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from shopmind.search.cli import register
from shopmind.search.evaluate import (
    BM25sDefault,
    Method,
    NeutralOrder,
    OursBM25,
    TantivyBM25,
    evaluate,
    load_dataset,
    prepare,
    select_queries,
    write_report,
)

DATA = Path(os.environ.get("SHOPMIND_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")

PRODUCTS = pl.DataFrame(
    {
        "product_id": ["1", "2", "3", "4", "5", "6"],
        "title": [
            "Red running shoes",
            "Blue running shorts",
            "Oak desk lamp",
            "Steel kitchen faucet",
            "Kitchen sink with faucet",
            "<b>Cotton</b> shirt",
        ],
        "description": ["light", "for summer runs", "warm light", None, "steel sink", "soft &amp; light"],
    }
)
JUDGMENTS = pl.DataFrame(
    {
        "query": [
            "running shoes",
            "running shoes",
            "running shoes",
            "kitchen faucet",
            "kitchen faucet",
            "lamp",
        ],
        "product_id": ["1", "2", "3", "4", "5", "3"],
        "relevance": ["3", "2", "0", "3", "1", "3"],
    }
)


class Oracle:
    """Orders by the true grades: must score 1.0 everywhere (checks the plumbing)."""

    name = "oracle"

    def __init__(self, qrels):
        self.qrels = qrels

    def fit(self, products: pl.DataFrame) -> None:
        self.n = products.height

    def search(self, query: str, k: int) -> list[str]:
        g = self.qrels[query]
        return sorted(g, key=lambda p: -g[p])[:k]

    def rerank(self, query: str, candidates: Sequence[str]) -> list[str]:
        g = self.qrels[query]
        return sorted(candidates, key=lambda p: -g[p])


def test_prepare_cleans_and_averages():
    dup = pl.concat([JUDGMENTS, pl.DataFrame({"query": ["lamp"], "product_id": ["3"], "relevance": ["2"]})])
    data = prepare(PRODUCTS, dup, "demo", scale=(0.0, 3.0))
    assert data.qrels["lamp"] == {"3": 2.5}
    assert data.threshold == pytest.approx(2.0)  # generic rule: min + 2/3 of the scale
    assert data.products.filter(pl.col("product_id") == "6")["title"][0] == "Cotton shirt"


def test_evaluate_methods_side_by_side(tmp_path):
    data = prepare(PRODUCTS, JUDGMENTS, "demo", scale=(0.0, 3.0))
    methods: list[Method] = [OursBM25(), TantivyBM25(), BM25sDefault(), Oracle(data.qrels), NeutralOrder()]
    assert all(isinstance(m, Method) for m in methods)
    s = evaluate(data, methods, progress=False)
    oracle = s["methods"]["oracle"]["views"]
    for view in ("retrieval", "rerank"):
        assert oracle[view]["ndcg@10"] == 1.0 and oracle[view]["mrr@10"] == 1.0
        assert oracle[view]["ndcg@10_queries"] == 3
    for name in ("ours-bm25", "tantivy", "bm25s"):
        r = s["methods"][name]["views"]["retrieval"]
        assert 0.5 <= r["ndcg@10"] <= 1.0, name
    neutral = s["methods"]["neutral"]["views"]
    assert neutral["retrieval"]["ndcg@10"] == 0.0 and 0 < neutral["rerank"]["ndcg@10"] <= 1.0
    json_path, html_path = write_report(s, tmp_path, "x")
    assert json.loads(json_path.read_text())["n_queries"] == 3
    html = html_path.read_text()
    assert html.count("<svg") >= 4 and "ours-bm25" in html and "<script" not in html


def test_select_queries_is_fixed():
    qs = [f"q{i}" for i in range(50)]
    assert select_queries(qs, 10) == select_queries(list(reversed(qs)), 10)
    assert len(select_queries(qs, None)) == 50


def test_cli_canonical_folder(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    PRODUCTS.write_csv(folder / "products.csv")
    JUDGMENTS.write_csv(folder / "judgments.csv")
    app = typer.Typer()
    sub = typer.Typer()
    register(sub)
    app.add_typer(sub, name="evaluate")
    out = tmp_path / "reports"
    res = CliRunner().invoke(
        app, ["evaluate", "search", str(folder), "--format", "canonical", "--out", str(out), "--no-progress"]
    )
    assert res.exit_code == 0, res.output
    assert "ours-bm25" in res.output and len(list(out.glob("*.html"))) == 1
    bad = CliRunner().invoke(app, ["evaluate", "search", str(folder), "--format", "movielens"])
    assert bad.exit_code == 2
    bad = CliRunner().invoke(app, ["evaluate", "search", str(folder), "--view", "nope"])
    assert bad.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "crowdflower" / "train.csv").exists(), reason="shared data not available")
def test_crowdflower_real_data_smoke():
    data = load_dataset("crowdflower", DATA / "crowdflower" / "train.csv")
    assert len(data.qrels) == 261 and data.threshold == 3.0
    s = evaluate(data, [OursBM25(), TantivyBM25()], views=("retrieval",), progress=False)
    ours = s["methods"]["ours-bm25"]["views"]["retrieval"]
    peer = s["methods"]["tantivy"]["views"]["retrieval"]
    # measured 0.79 (tantivy 0.73); the floor is a sanity bound, and ours must not fall behind the peer
    assert ours["ndcg@10"] > 0.6
    assert ours["ndcg@10"] >= peer["ndcg@10"]
