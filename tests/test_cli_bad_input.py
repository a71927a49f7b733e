"""The first hour's mistakes on every command: one clear line, exit 2, no traceback, nothing written.

Each case gives a command the input a new user gets wrong (a file where a folder is expected, a
mistyped workspace, a truncated Parquet file, a bad value in a shop TOML, a second command while
a build holds the lock) and checks the whole scratch folder is byte-for-byte as before: the
input is refused before the first write, not cleaned up after.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from shopmind.release.releases import Releases


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its md5 (folders as "dir"): what "nothing written" compares."""
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small ingested store (``ws``) and the bad inputs the cases use."""
    root = tmp_path_factory.mktemp("bad_input")
    feed = root / "feed"
    feed.mkdir()
    n = 6
    pl.DataFrame({"event_id": [f"e{i}" for i in range(n)], "type": ["view"] * n, "user_id": ["u1"] * n,
                  "timestamp": [f"2026-01-01T00:{i:02d}:00Z" for i in range(n)],
                  "item_id": [f"P{i}" for i in range(n)]}).write_csv(feed / "events.csv")  # fmt: skip
    run = shopmind("ingest", "feed", "--workspace", "ws", cwd=root)
    assert run.returncode == 0, run.stderr
    (root / "afile").write_text("not a folder\n")
    (root / "empty.csv").write_text("")
    (root / "bad.toml").write_text("[gate\n")
    (root / "recs_bad.toml").write_text('[recs]\nencoder = "static"\n')  # a search encoder, not a recs one
    (root / "search_bad.toml").write_text('[search]\nencoder = "bert"\n')
    (root / "keep_bad.toml").write_text('[release]\nkeep = "x"\n')
    (root / "gen_bad.toml").write_text("[recs]\ngenerators = { nope = {} }\n")
    (root / "ads_bad.toml").write_text("[ads]\nmax_slots = -4\n")
    (root / "camp_bad.json").write_text('[{"id": "c1", "budget": -5}]')
    (root / "exp.toml").write_text('[[experiment]]\nname = "x"\nvariant = [{name = "a"}, {name = "b"}]\n')
    trunc = root / "trunc"
    trunc.mkdir()
    whole = root / "whole.parquet"
    pl.DataFrame({"product_id": ["P1", "P2"], "title": ["a", "b"]}).write_parquet(whole)
    (trunc / "products.parquet").write_bytes(whole.read_bytes()[:40])
    whole.unlink()
    return root


CASES = [
    # (args, what the one line says); "nowhere", "out" and "demo" must stay uncreated
    (["ingest", "feed", "-w", "afile"], "--workspace afile: not a folder"),
    (["ingest", "feed", "-w", "afile/ws"], "afile is a file"),
    (["ingest", "trunc", "-w", "nowhere"], "trunc/products.parquet: not a readable Parquet file"),
    # was: "cannot tell the format of empty.csv; pass --format ..." (t1n, session 31)
    (["ingest", "empty.csv", "-w", "nowhere"], "empty.csv is empty: nothing to ingest"),
    (["demo-data", "--out", "afile", "--products", "50", "--users", "10", "--days", "1"], "--out afile: not a folder"),
    (["demo-data", "--out", "out", "--seed", "-1"], "--seed"),
    (["quarantine", "-w", "ws", "--limit", "99999999999999999999"], "--limit"),
    (["runs", "-w", "ws", "--limit", "99999999999999999999"], "--limit"),
    # was: an empty table and exit 0 (t1n, session 31)
    (["runs", "-w", "ws", "--source", "fed"], "no runs of feed 'fed' in ws (its feeds: feed)"),
    (["build", "-w", "ws", "--config", "recs_bad.toml"], "recs_bad.toml: [recs] encoder: unknown 'static'"),
    (["build", "-w", "ws", "--config", "search_bad.toml"], "[search]: unknown encoder 'bert'"),
    (["build", "-w", "ws", "--config", "keep_bad.toml"], "[release] keep must be a whole number >= 1"),
    (["build", "-w", "ws", "--config", "gen_bad.toml"], "[recs] generators: unknown nope"),
    (["build", "-w", "ws", "--cache", "afile"], "--cache afile: not a folder"),
    (["build", "-w", "afile"], "workspace afile is a file, not a folder"),
    (["releases", "-w", "nowhere"], "no shopmind store in nowhere"),
    (["releases", "-w", "afile"], "no shopmind store in afile"),
    (["demo", "-w", "afile", "--no-serve", "--demo-dir", "demo"], "--workspace afile: not a folder"),
    (["demo", "-w", "nowhere", "--no-serve", "--demo-dir", "demo", "--config", "bad.toml"], "bad.toml: not valid TOML"),
    (["demo", "-w", "nowhere", "--no-serve", "--demo-dir", "demo", "--config", "recs_bad.toml"], "[recs] encoder"),
    (["serve", "-w", "afile", "--port", "18791"], "workspace afile is a file, not a folder"),
    (["keys", "list", "-w", "nowhere"], "workspace nowhere does not exist"),
    (["keys", "add", " ", "-w", "ws"], "the key's name is empty"),
    (["forecast", "-w", "afile"], "workspace afile is a file, not a folder"),
    (["evaluate", "forecast", "feed/events.csv", "--max-series", "-3"], "--max-series must be >= 0"),
    (["evaluate", "forecast", "feed/events.csv", "--global-pool", "all"], "--global-pool must be one of auto, sample, eligible"),
    (["keys", "revoke", "abc", "-w", "nowhere"], "workspace nowhere does not exist"),
    (["keys", "add", "k", "-w", "afile"], "workspace afile is a file, not a folder"),
    (["experiments", "validate", "feed"], "feed is a folder, not a TOML file"),
    (["experiments", "add", "exp.toml", "-w", "afile"], "--workspace afile: not a folder"),
    (["experiments", "list", "-w", "nowhere"], "workspace nowhere does not exist"),
    (["experiments", "start", "x", "-w", "nowhere"], "workspace nowhere does not exist"),
    (["ads", "create", "camp_bad.json", "-w", "ws"], "camp_bad.json: campaign[0].budget: unknown field"),
    (["ads", "pause", "nope", "-w", "ws"], "no campaign 'nope'"),
    # was: a traceback (IsADirectoryError), and "empty.csv: not valid JSON: Expecting value" (t1n, session 31)
    (["ads", "create", "feed", "-w", "ws"], "feed is a folder, not a campaigns file (JSON"),
    (["ads", "create", "empty.csv", "-w", "ws"], "empty.csv is empty: expected campaigns, JSON"),
    (["ads", "settings", "-w", "ws", "--config", "ads_bad.toml"], "max_slots"),
    (["ads", "list", "-w", "afile"], "workspace afile is a file, not a folder"),
    (["pricing", "suggest", "feed/events.csv", "--out", "afile"], "--out afile: not a folder"),
    (["pricing", "suggest", "empty.csv", "--out", "out"], "empty.csv is empty"),
    # was: "feed: no such file" for a folder that exists (t1n, session 31)
    (["pricing", "suggest", "feed", "--out", "out"], "feed is a folder: --format events reads one events file"),
    (["evaluate", "assistant", "--questions", "feed", "-w", "ws"], "feed: is a folder, not a file"),
    (["evaluate", "forecast", "feed/events.csv", "--out", "afile/f.json"], "afile is a file"),
    (["evaluate", "search", "feed", "-f", "canonical", "--out", "afile"], "--out afile: not a folder"),
    (["evaluate", "recs", "feed/events.csv", "-f", "amazon-5core", "--out", "afile/r"], "afile is a file"),
    (["tune", "search", "feed", "-f", "canonical", "--reports", "afile"], "--reports afile: not a folder"),
    (["tune", "recs", "feed", "-f", "canonical", "--out", "afile/t.toml"], "afile is a file"),
    (["tune", "search", "feed", "-f", "canonical", "--max-trials", "-1"], "--max-trials must be >= 1, not -1"),
    (["tune", "search", "feed", "-f", "canonical", "--limit-queries", "0"], "--limit-queries must be >= 1, not 0"),
    # the shop TOML a study starts from is checked before the study runs for minutes
    (["tune", "search", "feed", "-f", "canonical", "--config", "search_bad.toml"], "[search]: unknown encoder 'bert'"),
    (["tune", "search", "feed", "-f", "canonical", "--config", "nowhere.toml"], "config file nowhere.toml does not exist"),
    (["tune", "recs", "feed", "-f", "canonical", "--config", "bad.toml"], "bad.toml: not valid TOML"),
    (["tune", "recs", "feed", "-f", "canonical", "--config", "gen_bad.toml"], "[recs] generators: unknown nope"),
    (["mapping", "nowhere.csv"], "file not found: nowhere.csv"),
    (["mapping", "feed/events.csv", "--table", "orders"], "--table 'orders': one of products, events, judgments"),
    (["mapping", "feed/events.csv", "--out", "afile"], "--out afile: exists"),
    (["mapping", "feed/events.csv", "--out", "nowhere/m.toml"], "folder nowhere does not exist"),
    (["ingest", "feed/events.csv", "-f", "table", "-w", "nowhere"], "`shopmind mapping feed/events.csv` drafts one"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"), CASES, ids=[" ".join(a[:2]) + f" #{i}" for i, (a, _) in enumerate(CASES)]
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    scratch: Path, args: list[str], message: str
) -> None:
    before = snapshot(scratch)
    run = shopmind(*args, cwd=scratch)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message.lower() in " ".join(run.stderr.split()).lower(), run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(scratch) == before  # nothing created, changed or removed
    for never in ("nowhere", "out", "demo"):
        assert not (scratch / never).exists()


def test_forget_while_a_build_holds_the_lock_is_one_line(scratch: Path, tmp_path: Path) -> None:
    """`forget` during a build: exit 2 and the lock's message (it was a ReleaseError traceback)."""
    ws = tmp_path / "ws"
    shutil.copytree(scratch / "ws", ws)
    releases = Releases(ws)
    with releases.lock():  # what a running build holds
        before = snapshot(ws)
        run = shopmind("forget", "u1", "-w", "ws", "--yes", cwd=tmp_path)
        assert snapshot(ws) == before
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "another build or rollback is running" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_gbk_category_column_is_read_as_chinese_not_korean(tmp_path: Path) -> None:
    """A GBK export whose only Chinese is one repeated word was decoded as Johab (chaos 0.0) and
    ingested garbled; gb18030 now wins within the margin, and EUC-KR, Big5, Shift-JIS and cp1252
    files keep their codec."""
    from shopmind.data.encoding import decode_text

    cases = {
        "gbk": ["连衣裙"] * 3 + ["大衣"],
        "euc_kr": ["빨간 원피스 여름", "파란 청바지", "이어폰", "울 코트"],
        "big5": ["紅色連衣裙 夏季", "藍色牛仔褲", "耳機", "羊毛大衣"],
        "shift_jis": ["赤いワンピース 夏", "青いジーンズ", "イヤホン", "ウールのコート"],
        "cp1252": ["Café crème", "Größe XL", "Crème brûlée", "Ærø"],
    }
    for codec, words in cases.items():
        text = "id,title\n" + "".join(f"P{i},{w}\n" for i, w in enumerate(words * 15))
        decoded = decode_text(text.encode(codec))
        assert decoded.text == text, (codec, decoded.encoding)
    # end to end: the CSV's title column is stored as written
    (tmp_path / "shop").mkdir()
    rows = "".join(f"P{i},连衣裙,10.0,CNY\n" for i in range(60))
    (tmp_path / "shop" / "products.csv").write_bytes(
        ("product_id,title,price,currency\n" + rows).encode("gbk")
    )
    run = shopmind("ingest", "shop", "-w", "ws", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    assert {t for (t,) in con.execute("SELECT title FROM products").fetchall()} == {"连衣裙"}
    con.close()


def test_pricing_reads_a_gbk_or_utf16_events_csv_as_ingest_does(tmp_path: Path) -> None:
    """`pricing suggest` on the same purchases saved as UTF-8, GBK and UTF-16: the same suggestions
    (polars alone refused the last two with "invalid utf-8 sequence")."""
    rows = [
        {"event_id": f"{item}-{w}-{k}", "type": "purchase", "user_id": f"u{k}", "item_id": item,
         "timestamp": f"2026-{1 + w // 4:02d}-{1 + (w % 4) * 7 + k:02d}T10:00:00Z",
         "quantity": 30 - 2 * (10 + w % 4) + (k * 7 + w) % 5 - 2, "price": float(10 + w % 4), "category": "连衣裙"}
        for item in ("P1", "P2") for w in range(30) for k in range(3)
    ]  # fmt: skip
    pl.DataFrame(rows).write_csv(tmp_path / "utf8.csv")
    text = (tmp_path / "utf8.csv").read_text(encoding="utf-8")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "utf16.csv").write_bytes(text.encode("utf-16"))
    reports = {}
    for name in ("utf8", "gbk", "utf16"):
        run = shopmind("pricing", "suggest", f"{name}.csv", "--out", name, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        reports[name] = [
            (tmp_path / name / f).read_text(encoding="utf-8") for f in ("suggestions.csv", "report.json")
        ]
    assert (
        "P1" in reports["utf8"][0] and "\\u8fde\\u8863\\u88d9" in reports["utf8"][1]
    )  # 连衣裙 in the report
    assert reports["gbk"] == reports["utf8"] == reports["utf16"]


@pytest.mark.parametrize("to", ["CURRENT", ".lock", "progress.json", "../other/releases/r1", ""])
def test_rollback_to_a_name_that_is_no_release_is_one_line(tmp_path: Path, to: str) -> None:
    """`rollback --to CURRENT` (or .lock, or a path out of the releases folder) was a
    NotADirectoryError traceback, or pointed CURRENT outside the workspace; now exit 2."""
    root = tmp_path / "ws" / "releases"
    (root / "r1").mkdir(parents=True)
    (root / "r1" / "release.json").write_text('{"id": "r1"}')
    (root / "CURRENT").write_text("r1\n")
    (root / ".lock").write_text("")
    (root / "progress.json").write_text("{}")
    other = tmp_path / "other" / "releases" / "r1"
    other.mkdir(parents=True)
    (other / "release.json").write_text('{"id": "r1"}')
    before = snapshot(tmp_path)
    run = shopmind("rollback", "-w", "ws", "--to", to, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert f"no finished release {to!r}" in run.stderr and "Traceback" not in run.stderr
    assert snapshot(tmp_path) == before


def test_build_refusing_a_held_run_writes_nothing(tmp_path: Path) -> None:
    """The gate held the only batch: `build` says so (exit 2) and creates no releases folder
    (it left releases/.lock and a failed progress.json)."""
    feed = tmp_path / "feed"
    feed.mkdir()
    n = 10  # an unknown event type on every row: the batch is held
    pl.DataFrame({"event_id": [f"e{i}" for i in range(n)], "type": ["pageview"] * n, "user_id": ["u"] * n,
                  "timestamp": ["2026-01-01T00:00:00Z"] * n, "item_id": ["P1"] * n}).write_csv(feed / "events.csv")  # fmt: skip
    assert shopmind("ingest", "feed", "-w", "ws", cwd=tmp_path).returncode == 1
    before = snapshot(tmp_path)
    run = shopmind("build", "-w", "ws", cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "was held by the gate" in run.stderr and "Traceback" not in run.stderr
    assert snapshot(tmp_path) == before and not (tmp_path / "ws" / "releases").exists()


def test_a_second_build_leaves_the_running_builds_progress_alone(scratch: Path, tmp_path: Path) -> None:
    """`build` while a build holds the lock: exit 2 and progress.json untouched (the refused build
    wrote "failed" over the running build's progress, which /readyz and the dashboard read)."""
    ws = tmp_path / "ws"
    shutil.copytree(scratch / "ws", ws)
    (ws / "releases").mkdir()
    (ws / "releases" / "progress.json").write_text('{"status": "running"}')
    with Releases(ws).lock():  # what the running build holds
        before = snapshot(ws)
        run = shopmind("build", "-w", "ws", cwd=tmp_path)
        assert snapshot(ws) == before
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "another build or rollback is running" in run.stderr and "Traceback" not in run.stderr


def test_encoder_none_in_a_shop_toml_is_lexical_only_search():
    # the README's `encoder = "none"`: TOML has no null, so the word is the setting
    from shopmind.release.component_base import config_from
    from shopmind.search.engine import SearchConfig

    assert config_from(SearchConfig, "search", {"encoder": "none"}).encoder is None
    assert config_from(SearchConfig, "search", {"encoder": "None"}).encoder is None
    assert config_from(SearchConfig, "search", {"encoder": "e5"}).encoder == "e5"


def test_a_build_refused_by_the_lock_itself_leaves_the_progress_alone(scratch: Path, tmp_path: Path) -> None:
    """The CLI's pre-check can pass and another build take the lock before this one does: the
    build's own refusal must not write "failed" over the running build's progress either."""
    from shopmind.release.build import build_release
    from shopmind.release.releases import ReleaseError

    ws = tmp_path / "ws"
    shutil.copytree(scratch / "ws", ws)
    (ws / "releases").mkdir()
    (ws / "releases" / "progress.json").write_text('{"status": "running"}')
    with Releases(ws).lock():
        before = snapshot(ws)
        with pytest.raises(ReleaseError, match="another build or rollback is running"):
            build_release(ws, ())
        assert snapshot(ws) == before


def test_one_file_named_after_its_table_is_ingested_without_format(tmp_path: Path) -> None:
    """`shopmind ingest products.csv` (canonical columns, named after its table) asked for --format
    although the folder holding it was detected; a file named otherwise still says how to fix it."""
    (tmp_path / "products.csv").write_text("product_id,title,price,currency\nP1,Mug,12.5,EUR\nP2,Pot,3,EUR\n")
    (tmp_path / "export.csv").write_text("product_id,title\nP1,Mug\n")
    run = shopmind("ingest", "products.csv", "-w", "ws", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "shopmind.duckdb"), read_only=True)
    assert sorted(con.execute("SELECT product_id, price FROM products").fetchall()) == [
        ("P1", 12.5),
        ("P2", 3.0),
    ]
    con.close()
    bad = shopmind("ingest", "export.csv", "-w", "ws2", cwd=tmp_path)
    assert bad.returncode == 2
    assert "name a file in canonical columns after its table (products.csv" in bad.stderr + bad.stdout
    assert not (tmp_path / "ws2").exists()


def test_serve_on_a_busy_port_is_one_line_before_anything_loads(scratch: Path) -> None:
    """It printed the storefront's address, loaded the release, then uvicorn's own error (exit 3)."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = shopmind("serve", "-w", "ws", "--port", str(port), cwd=scratch)
    assert run.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr + run.stdout
    assert "storefront:" not in run.stdout + run.stderr and "Traceback" not in run.stderr
