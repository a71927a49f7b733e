"""The progressive build's banner ("search is running on words only while product vectors are
still being built") on every page, not only the storefront, and only while it is true.

Found on a new user's walk (session 28): the banner stayed on a product page after the vectors
were done (its script, which hides it, was loaded by the storefront only), and while forecasts
still built it named "(forecast)" as the stage of the vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.release.build import build_release
from shopmind.release.components import build_catalog
from shopmind.serve.app import create_app
from store_util import publish_catalog


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    publish_catalog(tmp_path, 6, "Green linen shirt", "Men > Shirts", 20.0, "EUR")
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
