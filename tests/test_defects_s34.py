"""Defects from the lead's "noticed, left alone" lists (sessions 32-33), each fixed in session 34 (t1g).

Each test fails before its fix; the data are small files built in tmp_path. (1, `forget` of an id nothing
names: tests/test_forget_output.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest


# ------------------------------------------------------------------ 2. progress bars stay out of logs
class _Terminal:
    """A stderr that says it is a terminal (tqdm's ``disable=None`` asks ``isatty``)."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def _search_once(progress: bool) -> None:
    import polars as pl

    from shopmind.search.evaluate import OursBM25, evaluate, prepare

    products = pl.DataFrame(
        {"product_id": ["1", "2", "3"], "title": ["red shoes", "blue shorts", "oak lamp"]}
    )
    judgments = pl.DataFrame(
        {"query": ["red shoes", "oak lamp"], "product_id": ["1", "3"], "relevance": ["3", "3"]}
    )
    evaluate(prepare(products, judgments, "demo", scale=(0.0, 3.0)), [OursBM25()], progress=progress)


def test_evaluate_search_bars_show_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Was: `disable=not progress` - every refresh of every bar went into a log (`2>&1 | tee`) unless --no-progress."""
    _search_once(progress=True)  # stderr captured: not a terminal
    assert "\r" not in capsys.readouterr().err
    tty = _Terminal()
    monkeypatch.setattr("sys.stderr", tty)
    _search_once(progress=True)
    assert "ours-bm25 retrieval" in tty.text  # on a terminal the bar is drawn
    tty.text = ""
    _search_once(progress=False)  # --no-progress still silences it there
    assert tty.text == ""


def test_a_first_encoding_bar_stays_out_of_a_build_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import numpy as np

    from shopmind.search.dense_cache import VectorCache

    texts = [f"title {i}" for i in range(2500)]  # over the 2,000 texts a bar is shown for
    encode = lambda batch: np.ones((len(batch), 4), dtype=np.float32)  # noqa: E731
    VectorCache(tmp_path / "a").get_or_encode("m", 4, texts, encode)
    assert "encoding (m)" not in capsys.readouterr().err
    tty = _Terminal()
    monkeypatch.setattr("sys.stderr", tty)
    VectorCache(tmp_path / "b").get_or_encode("m", 4, texts, encode)
    assert "encoding (m)" in tty.text


# ------------------------------------------------------------------ 3. a QBQTC folder's splits are never mixed
def _qbqtc_line(i: int, label: str | None) -> str:
    import json

    row = {"id": i, "query": f"查询{i}", "title": f"标题{i} 连衣裙"} | (
        {} if label is None else {"label": label}
    )
    return json.dumps(row, ensure_ascii=False)


def test_a_qbqtc_folder_of_several_splits_is_refused_with_their_names(tmp_path: Path) -> None:
    """Was: every *.json read as one set - CLUE's train/dev/test (test has no labels) mixed into one figure."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.data.adapters import qbqtc
    from shopmind.data.readers import InputError

    folder = tmp_path / "qbqtc"
    folder.mkdir()
    (folder / "dev.json").write_text("\n".join(_qbqtc_line(i, str(i % 3)) for i in range(20)) + "\n", "utf-8")
    (folder / "train.json").write_text("\n".join(_qbqtc_line(i, "1") for i in range(20, 60)) + "\n", "utf-8")
    (folder / "test.json").write_text("\n".join(_qbqtc_line(i, None) for i in range(60, 70)) + "\n", "utf-8")
    with pytest.raises(InputError, match=r"holds 3 QBQTC files \(dev.json, test.json, train.json\)") as err:
        qbqtc.load(folder)
    assert f"e.g. {folder / 'dev.json'}" in str(err.value)
    r = CliRunner().invoke(
        app, ["evaluate", "search", str(folder), "--format", "qbqtc", "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 2 and "splits are never mixed" in " ".join(r.output.split()), r.output
    # one file by its path, or a folder holding one: read as before
    assert qbqtc.load(folder / "dev.json").judgments.height == 20
    (folder / "train.json").unlink()
    (folder / "test.json").unlink()
    assert qbqtc.load(folder).judgments.height == 20


# ------------------------------------------------------------------ 4. one codec for a latin-1 file
def test_a_latin1_file_with_mojibake_titles_is_read_in_one_codec(tmp_path: Path) -> None:
    """Was: a latin-1 Home Depot file whose titles already held mojibake ("16å¡", "360è_") had 7 of its 12
    non-ASCII lines read as gb18030 ("16濉", one lone hanzi in an English title) and said as
    "mixed (gb18030 7, cp1252 5)"; a real GBK line of a mixed export (two hanzi in a row) still reads as Chinese."""
    from shopmind.data.readers import read_table

    titles = [f"Superstrut {d}è_ Angle Bracket" for d in (90, 180, 360)]  # è_ reads as 鑏 in gb18030
    titles += [f"Paslode F350-{d}å¡ Framing Nailer" for d in (21, 33, 16, 18)]  # å¡ reads as 濉
    rows = [f"{100 + i},{t}" for i, t in enumerate(titles)] + [
        f"{200 + i},Plain title {i}" for i in range(40)
    ]
    path = tmp_path / "products.csv"
    path.write_bytes(("product_uid,product_title\n" + "\n".join(rows) + "\n").encode("latin-1"))
    result = read_table(path)
    assert result.encoding == "cp1252" and result.redecoded == [] and result.malformed == []
    assert result.frame["product_title"].to_list()[: len(titles)] == titles
    # a mixed export keeps its Chinese lines (the issue 10 case): a GBK word among latin-1 lines
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(path.read_bytes() + "300,耳机 headphones\n".encode("gbk"))
    read = read_table(mixed)
    assert read.frame["product_title"].to_list()[-1] == "耳机 headphones"
    assert [r.encoding for r in read.redecoded] == ["gb18030"] and read.frame["product_title"][0] == titles[0]


def test_evaluate_search_says_the_codec_a_file_was_read_in(tmp_path: Path) -> None:
    from shopmind.search.eval_data import load_dataset

    rows = [f"{100 + i},Superstrut {d}è_ Angle Bracket" for i, d in enumerate((90, 180))] + ["102,Oak lamp"]
    (tmp_path / "products.csv").write_bytes(
        ("product_uid,product_title\n" + "\n".join(rows) + "\n").encode("latin-1")
    )
    judged = "search_term,product_uid,relevance\nangle bracket,100,3\nangle bracket,101,2\noak lamp,102,3\n"
    (tmp_path / "judgments_dev.csv").write_text(judged, encoding="utf-8")
    data = load_dataset("home-depot", tmp_path)
    assert data.notes[0] == f"read {tmp_path / 'products.csv'} (cp1252), {tmp_path / 'judgments_dev.csv'}"


# ------------------------------------------------------------------ the second held-out rehearsal (session 34)
def test_womens_reviews_read_from_kaggles_csv_as_from_the_parquet(tmp_path: Path) -> None:
    """Was: 'no reviews Parquet file (*.parquet*) in folder' for the dataset as Kaggle publishes it (a CSV with
    the pandas index as a first unnamed column)."""
    import polars as pl

    from shopmind.data.adapters import womens_reviews

    table = pl.DataFrame(
        {"Clothing ID": [767, 1080, 767], "Age": [33, 34, 60], "Title": [None, "Nice", "Ok"],
         "Review Text": ["Silky, soft\nlovely", "Love it", None], "Rating": [4, 5, 3], "Recommended IND": [1, 1, 0],
         "Positive Feedback Count": [0, 4, 0], "Division Name": ["Initmates", "General", "Initmates"],
         "Department Name": ["Intimate", "Dresses", "Intimate"], "Class Name": ["Intimates", "Dresses", "Intimates"]}
    )  # fmt: skip
    (tmp_path / "pq").mkdir()
    table.write_parquet(tmp_path / "pq" / "reviews.parquet")
    (tmp_path / "csv").mkdir()
    table.with_row_index("").write_csv(tmp_path / "csv" / "Womens Clothing E-Commerce Reviews.csv")
    from_csv, from_pq = womens_reviews.load(tmp_path / "csv"), womens_reviews.load(tmp_path / "pq")
    cols = ["product_id", "title", "category_path"]
    assert from_csv.products.select(cols).equals(from_pq.products.select(cols))
    assert from_csv.events["rating"].to_list() == from_pq.events["rating"].to_list() == [4.0, 5.0, 3.0]


def test_movielens_reads_the_folders_only_item_file_under_another_name(tmp_path: Path) -> None:
    """Was: `ratings.inter` beside `movies.item` read without its movies, nothing said (RecBole names both alike)."""
    from shopmind.data.adapters import movielens

    (tmp_path / "ratings.inter").write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t10\t4\t881250949\n2\t11\t3\t891717742\n",
        encoding="utf-8",
    )
    (tmp_path / "movies.item").write_text(
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n10\tToy Story\t1995\tAnimation\n"
        "11\tGoldenEye\t1995\tAction\n",
        encoding="utf-8",
    )
    batch = movielens.load(tmp_path)
    assert batch.products is not None and batch.products["title"].to_list() == ["Toy Story", "GoldenEye"]
    assert batch.meta["files"][-1] == str(tmp_path / "movies.item")
    assert (
        "movies.item read as the movies of ratings.inter (the folder's only .item file)"
        in batch.meta["notes"]
    )


def test_evaluate_recs_on_sessions_without_user_ids_says_so(tmp_path: Path) -> None:
    """Was: YOOCHOOSE's 81,846 session clicks got "too few users ... evaluate a longer log (more users or days)"."""
    from typer.testing import CliRunner

    from shopmind.cli import app

    lines = ["SessionId\tItemId\tTime"]
    lines += [
        f"{s}\t{100 + (s * 7 + j) % 40}\t{1396860000 + s * 600 + j * 30}.5"
        for s in range(1, 200)
        for j in range(4)
    ]
    (tmp_path / "clicks.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = CliRunner().invoke(
        app,
        [
            "evaluate",
            "recs",
            str(tmp_path / "clicks.txt"),
            "--format",
            "yoochoose",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    said = " ".join(r.output.split())
    assert r.exit_code == 2 and "none of the 796 accepted events has a user id" in said, r.output
    assert "a longer log would not help" in said and "evaluate a longer log (more users" not in said


def test_demo_finds_a_dataset_in_the_shared_datas_own_folder(tmp_path: Path) -> None:
    """Was: `shopmind demo --dataset movielens` (or diginetica, yoochoose, amazon-5core, qbqtc) said
    '../shared/data/movielens does not exist' beside movielens-100k: only folders named like the format ran."""
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.cli.demo import _dataset_path
    from shopmind.data.adapters import ADAPTERS

    (tmp_path / "movielens-100k").mkdir()
    (tmp_path / "diginetica-sample").mkdir()
    (tmp_path / "diginetica-sample" / "sample_train-item-views.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "online-retail").mkdir()
    assert _dataset_path(tmp_path, ADAPTERS["movielens"]) == tmp_path / "movielens-100k"
    assert (
        _dataset_path(tmp_path, ADAPTERS["diginetica"])
        == tmp_path / "diginetica-sample" / "sample_train-item-views.csv"
    )
    assert (
        _dataset_path(tmp_path, ADAPTERS["online-retail"]) == tmp_path / "online-retail"
    )  # named like the format
    r = CliRunner().invoke(
        app,
        ["demo", "--dataset", "yoochoose", "--data", str(tmp_path), "--no-serve", "-w", str(tmp_path / "ws")],
    )
    said = " ".join(r.output.split())
    assert (
        r.exit_code == 2
        and f"neither {tmp_path / 'yoochoose'} nor {tmp_path / 'yoochoose-sample'} exists" in said
    )
