"""The progressive build's banner ("search is running on words only while product vectors are
still being built") on every page, not only the storefront, and only while it is true.

Found on a new user's walk (session 28): the banner stayed on a product page after the vectors
were done (its script, which hides it, was loaded by the storefront only), and while forecasts
still built it named "(forecast)" as the stage of the vectors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.serve.app import create_app
from shopmind.store.store import Store


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    products = pl.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(6)],
            "title": [f"Green linen shirt {i}" for i in range(6)],
            "category_path": ["Men > Shirts"] * 6,
            "price": [20.0 + i for i in range(6)],
            "currency": ["EUR"] * 6,
        }
    )
    cfg = GateConfig()
    with Store(tmp_path) as store:
        publish(run_gate(Batch("feed", products=products), cfg, store), store, cfg, None, force=True)
    return tmp_path


def _as_stage(ws: Path, search_vectors: str) -> None:
    """The served release's manifest as a progressive build's stage writes it."""
    rid = build_release(ws, [("catalog", build_catalog)], force=True)["id"]
    path = ws / "releases" / rid / "release.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(
        complete=False, parts={"catalog": "complete", "search_vectors": search_vectors, "forecast": "pending"}
    )
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("search_vectors,shown", [("pending", True), ("complete", False)])
def test_the_vectors_banner_is_on_a_product_page_with_its_script_only_while_vectors_are_pending(
    ws: Path, search_vectors: str, shown: bool
) -> None:
    _as_stage(ws, search_vectors)
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        for url in ("/product/P1", "/"):
            page = c.get(url).text
            assert ('id="build-banner"' in page) is shown, url
            assert ("/static/vectors_banner.js" in page) is shown, url  # it hides the banner when done
        assert c.get("/readyz").json()["parts"]["search_vectors"] == search_vectors
