"""Search relevance adapters (home-depot, crowdflower, qbqtc): exact values on tiny fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters_util import _col, _load, _write
from shopmind.data.model import SOURCE_LINE
from shopmind.data.readers import InputError

# --- home-depot -------------------------------------------------------------------------------


def test_home_depot(tmp_path: Path) -> None:
    _write(
        tmp_path / "products.csv", 'product_uid,product_title\n100001,Angle Bracket\n100002,"Deck, Coating"\n'
    )
    _write(tmp_path / "judgments_dev.csv", "id,search_term,product_uid,relevance\n2,angle bracket,100001,3\n")
    _write(
        tmp_path / "judgments_test.csv", "id,search_term,product_uid,relevance\n9,deck stain,100002,2.33\n"
    )
    for path in (
        tmp_path,
        tmp_path / "products.csv",
    ):  # two judgment files in the folder: refused, never a mix
        with pytest.raises(InputError, match="2 judgment files"):
            _load("home-depot", path)
    batch = _load("home-depot", tmp_path / "judgments_dev.csv")  # the development set, by its path
    assert _col(batch.products, "title") == ["Angle Bracket", "Deck, Coating"]
    assert _col(batch.products, "language") == ["en", "en"]
    assert _col(batch.judgments, "query") == ["angle bracket"]
    assert _col(batch.judgments, "product_id") == ["100001"]
    assert _col(batch.judgments, "relevance") == ["3"]
    assert batch.meta["relevance_scale"] == (1.0, 3.0)
    assert "judgments_not_read" not in batch.meta
    held = _load("home-depot", tmp_path / "judgments_test.csv")  # the other set, by its path
    assert _col(held.judgments, "query") == ["deck stain"] and "judgments_not_read" not in held.meta
    with pytest.raises(InputError, match="products file not found"):
        _load("home-depot", tmp_path / "judgments")


# --- crowdflower ------------------------------------------------------------------------------

CROWDFLOWER = """"id","query","product_title","product_description","median_relevance","relevance_variance"
1,"led lights","Set of 10 LED Lights","<b>Bright</b>
two lines",4,0
2,"christmas lights","Set of 10 LED Lights","<b>Bright</b>
two lines",3,0.471
4,"projector","ViewSonic Pro8200","",4,0
"""


def test_crowdflower(tmp_path: Path) -> None:
    batch = _load("crowdflower", _write(tmp_path / "train.csv", CROWDFLOWER))
    products = batch.products
    ids = _col(products, "product_id")
    assert ids[0] == ids[1] != ids[2]
    assert _col(products, "description") == ["<b>Bright</b>\ntwo lines", "<b>Bright</b>\ntwo lines", None]
    assert _col(products, SOURCE_LINE) == [2, 4, 6]
    assert _col(batch.judgments, "relevance") == ["4", "3", "4"]
    assert _col(batch.judgments, "query") == ["led lights", "christmas lights", "projector"]
    assert _col(batch.judgments, "product_id") == ids
    assert batch.meta["relevance_scale"] == (1.0, 4.0)


# --- qbqtc ------------------------------------------------------------------------------------


def test_qbqtc(tmp_path: Path) -> None:
    rows = [
        {"id": 0, "query": "小孩咳嗽", "title": "小孩咳嗽吃什么药", "label": "1"},
        {"id": 1, "query": "咳嗽", "title": "小孩咳嗽吃什么药", "label": "2"},
        {"id": 2, "query": "感冒", "title": "感冒怎么办", "label": "0"},
    ]
    path = _write(
        tmp_path / "dev.json", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{oops\n"
    )
    batch = _load("qbqtc", path)
    ids = _col(batch.products, "product_id")
    assert ids[0] == ids[1] != ids[2]
    assert _col(batch.products, "language") == ["zh"] * 3
    assert _col(batch.judgments, "relevance") == ["1", "2", "0"]
    assert _col(batch.judgments, SOURCE_LINE) == [1, 2, 3]
    assert [m["line"] for m in batch.meta["malformed"]] == [4]  # type: ignore[union-attr]
    assert batch.meta["relevance_scale"] == (0.0, 2.0)
