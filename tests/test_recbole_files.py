"""RecBole atomic files on the generic path (data.recbole): `shopmind mapping` drafts them and
`--format table` ingests them through the gate like any export. A shop leaving a RecBole notebook
has ``X.inter`` / ``X.item`` files whose extension the reader refused."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.mapping_draft import draft_for_file
from shopmind.data.readers import InputError, read_head, read_table
from shopmind.quality.gate import publish, run_gate
from shopmind.store.store import Store

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
ML100K = (DATA / "movielens-100k").resolve()  # absolute: the CLI runs with cwd = tmp_path

INTER = (
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
    "196\t242\t3\t881250949\n"
    "186\t302\t3\t891717742\n"
    "22\t377\t1\t878887116\n"
    "244\t51\t2\t880606923\n"
    "166\t346\tx\t886397596\n"  # a rating that is no number: quarantined, not dropped
)
ITEM = (
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
    "242\tKolya\t1996\tComedy\n"
    "302\tL.A. Confidential\t1997\tCrime Film-Noir Mystery Thriller\n"
    "377\tHeavyweights\t1994\tChildren's Comedy\n"
    "51\tLegends of the Fall\t1994\tDrama Romance War Western\n"
)


@pytest.fixture
def atomic(tmp_path: Path) -> Path:
    (tmp_path / "shop.inter").write_text(INTER, encoding="utf-8")
    (tmp_path / "shop.item").write_text(ITEM, encoding="utf-8")
    (tmp_path / "shop.user").write_text("user_id:token\tage:token\n196\t49\n", encoding="utf-8")
    return tmp_path


def test_atomic_files_are_read_as_tab_separated_with_the_types_taken_off(atomic: Path) -> None:
    inter = read_table(atomic / "shop.inter")
    assert inter.frame.columns[:4] == ["user_id", "item_id", "rating", "timestamp"]
    assert inter.frame.height == 5 and inter.frame["rating"].to_list() == ["3", "3", "1", "2", "x"]
    item = read_head(atomic / "shop.item")
    assert item.frame.columns[:4] == ["item_id", "movie_title", "release_year", "class"]
    assert item.frame["movie_title"].to_list()[1] == "L.A. Confidential"


def test_two_columns_that_would_share_a_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.inter").write_text("id:token\tid:float\n1\t2\n", encoding="utf-8")
    with pytest.raises(InputError, match="'id:token' and 'id:float' are both 'id'"):
        read_table(tmp_path / "x.inter")


def test_the_drafts_map_ratings_to_rate_events_and_items_to_products(atomic: Path) -> None:
    events = draft_for_file(atomic / "shop.inter")
    assert events.table == "events" and events.missing == []
    assert events.columns == {"user_id": "user_id", "item_id": "item_id", "rating": "rating",
                              "timestamp": "timestamp"}  # fmt: skip
    assert events.constants == {"type": "rate"}  # an explicit rating is a rate event (docs/DATA_MODEL.md)
    products = draft_for_file(atomic / "shop.item")
    assert products.table == "products" and products.missing == []
    assert products.columns == {"item_id": "product_id", "movie_title": "title"}
    # the genre list is not one category: left out, and the draft says why
    assert "class" in products.unplaced
    assert any("class is a RecBole token_seq" in n for n in products.notes)
    with pytest.raises(InputError, match=r"\.user file holds no table.*\.inter file \(events\)"):
        draft_for_file(atomic / "shop.user")


def test_a_drafted_ingest_goes_through_the_gate(atomic: Path, tmp_path: Path) -> None:
    """The drafts, written and read back as mappings, ingest: ratings as floats of rate events,
    timestamps as unix seconds, the row whose rating is not a number quarantined with its reason."""
    for name in ("inter", "item"):
        (tmp_path / f"{name}.toml").write_text(draft_for_file(atomic / f"shop.{name}").toml(f"shop.{name}"))
    table = get_adapter("table")
    ws = tmp_path / "ws"
    gate = GateConfig()
    with Store(ws) as store:
        for name in ("item", "inter"):
            batch = table.load(atomic / f"shop.{name}", mapping=tmp_path / f"{name}.toml")
            result = run_gate(batch, gate, store)
            publish(result, store, gate, None, force=True)
        events = store.table("events").sort("timestamp")
        products = store.table("products").sort("product_id")
        quarantine = store.quarantine()
    assert events["type"].unique().to_list() == ["rate"]
    assert events["rating"].to_list() == [1.0, 2.0, 3.0, 3.0]
    first = events["timestamp"][0]
    assert first == dt.datetime(1997, 11, 7, 7, 18, 36, tzinfo=first.tzinfo)  # 878887116 s
    assert products["title"].to_list() == [
        "Kolya",
        "L.A. Confidential",
        "Heavyweights",
        "Legends of the Fall",
    ]
    assert quarantine.height == 1 and quarantine["line"][0] == 6
    assert "TYPE_ERROR" in quarantine["codes"][0]


@pytest.mark.skipif(not ML100K.is_dir(), reason="movielens-100k not in the shared data folder")
def test_ml100k_end_to_end_mapping_ingest_build_recommendations(tmp_path: Path) -> None:
    """The real RecBole files: drafted, ingested, built, and a user's recommendations answered."""
    from fastapi.testclient import TestClient

    from shopmind.serve.app import create_app

    def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "shopmind.cli", *map(str, args)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done

    ws = tmp_path / "ws"
    for name in ("item", "inter"):
        cli("mapping", ML100K / f"ml-100k.{name}", "--out", f"{name}.toml")
        cli("ingest", ML100K / f"ml-100k.{name}", "--format", "table", "--mapping", f"{name}.toml", "-w", ws)
    with Store(ws, read_only=True) as store:
        assert store.count("events") == 100_000 and store.count("products") == 1_682
        assert store.quarantine().height == 0
    (tmp_path / "shop.toml").write_text('[search]\nencoder = "none"\n[recs]\nencoder = "none"\n')
    cli("build", "-w", ws, "--config", "shop.toml")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as client:
        answer = client.get("/v1/users/196/recommendations", params={"k": 10})
        assert answer.status_code == 200, answer.text
        items = [r["item_id"] for r in answer.json()["items"]]
    assert len(items) == 10 and len(set(items)) == 10
    with Store(ws, read_only=True) as store:
        seen = set(store.table("events", where="WHERE user_id = '196'")["item_id"].to_list())
    assert not seen & set(items)  # recommendations for a known user, not the films they rated


def test_a_feed_of_two_files_compares_each_run_with_the_last_run_of_the_same_tables(
    atomic: Path, tmp_path: Path
) -> None:
    """``shop.item`` and ``shop.inter`` are one feed (``shop``): the events run's BATCH_VOLUME was
    measured against the products run (4 -> 5 rows here, 1,682 -> 100,000 on ml-100k) and warned."""
    for name in ("inter", "item"):
        (tmp_path / f"{name}.toml").write_text(draft_for_file(atomic / f"shop.{name}").toml(f"shop.{name}"))
    table = get_adapter("table")
    gate = GateConfig(volume_change=0.1)
    volumes = []
    with Store(tmp_path / "ws") as store:
        for name in ("item", "inter", "item", "inter"):
            result = run_gate(
                table.load(atomic / f"shop.{name}", mapping=tmp_path / f"{name}.toml"), gate, store
            )
            publish(result, store, gate, None, force=True)
            volumes.append([c["detail"] for c in result.checks if c["code"] == "BATCH_VOLUME"])
    assert volumes[:2] == [[], []]  # nothing before of the same tables: no comparison
    assert volumes[2] == [{"previous": 4, "current": 4}] and volumes[3] == [{"previous": 5, "current": 5}]
