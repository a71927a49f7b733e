"""``shopmind forget``: a small demo shop is ingested (with a quarantined row naming the customer),
built, served (a live event and an idempotent post), then the customer is forgotten and the shop
rebuilt — and no file under the workspace holds their id, its pseudonym or their sessions' ids:
not a table, not a Parquet file, not the SQLite log, not a JSON/HTML report, not a model pickle.
Also: confirmation, idempotence, nothing changed when preparing fails, other customers kept."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import shopmind.demo.generator as G
from shopmind.cli import app
from shopmind.privacy import ERASURE_MARKER, pseudonymise, workspace_secret
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.release.releases import Releases
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

SETTINGS = {"search": {"encoder": None, "ltr": "off"}, "recs": {"encoder": None}}


# ------------------------------------------------------------------ the scanner
def _texts_of(path: Path) -> list[bytes]:
    """The bytes to search in one file: the file itself, and its decoded content for formats
    that compress or encode strings (Parquet, DuckDB, SQLite, npz, gzip)."""
    raw = path.read_bytes()
    out = [raw]
    name = path.name
    try:
        if name.endswith(".parquet"):
            out.append(str(pl.read_parquet(path).to_dicts()).encode())
        elif name.endswith(".duckdb"):
            con = duckdb.connect(str(path), read_only=True)
            try:
                for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                    out.append(str(con.execute(f'SELECT * FROM "{t}"').fetchall()).encode())
            finally:
                con.close()
        elif name.endswith(".sqlite"):
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                out.append("\n".join(con.iterdump()).encode())
            finally:
                con.close()
        elif name.endswith(".npz") or raw[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                out += [z.read(n) for n in z.namelist()]
        elif raw[:2] == b"\x1f\x8b":
            out.append(gzip.decompress(raw))
    except Exception as exc:  # noqa: BLE001 - an unreadable file is searched as bytes only
        out.append(repr(exc).encode())
    return out


def traces(workspace: Path, tokens: set[str]) -> list[tuple[str, str]]:
    """(file, token) for every file under ``workspace`` holding a token in UTF-8, UTF-16 or
    UTF-32 (numpy string arrays), raw or decoded."""
    found = []
    needles = {t: [t.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-32-le")] for t in tokens}
    for path in sorted(p for p in workspace.rglob("*") if p.is_file()):
        blobs = _texts_of(path)
        for t, forms in needles.items():
            if any(f in b for b in blobs for f in forms):
                found.append((str(path.relative_to(workspace)), t))
    return found


# ------------------------------------------------------------------ the shop
USER = "U0015"


def _ingest(ws: Path, data: Path, toml: Path) -> None:
    r = CliRunner().invoke(
        app, ["ingest", str(data), "--format", "canonical", "-w", str(ws), "--config", str(toml), "--force"]
    )
    assert r.exit_code == 0, r.output


def make_shop(root: Path, pseudonymise_ids: bool) -> tuple[Path, set[str]]:
    ws = root / "ws"
    data = root / "data"
    shop = G.generate(seed=3, n_products=150, n_users=40, days=20, defect_rate=0.02)
    G.write(shop, data)
    toml = root / "shop.toml"
    toml.write_text(f"[privacy]\npseudonymise_ids = {str(pseudonymise_ids).lower()}\n", encoding="utf-8")
    _ingest(ws, data, toml)
    # a second batch: a row the gate quarantines (unknown event type) naming the customer, with
    # their e-mail in free text
    bad = root / "bad"
    bad.mkdir()
    pl.DataFrame(
        {"event_id": ["X1", "X2"], "type": ["teleport", "view"], "timestamp": ["2026-10-20T10:00:00Z"] * 2,
         "user_id": [USER, "U0003"], "session_id": ["S-bad-1", "S-bad-2"], "item_id": ["P00001", "P00002"],
         "query": ["contact me at u15@example.com", None]}
    ).write_csv(bad / "events.csv")  # fmt: skip
    _ingest(ws, bad, toml)
    build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")
    key = KeyStore(ws).add("t", "events")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        ev = {"event_id": "live-1", "type": "view", "user_id": USER, "session_id": "S-live-15", "item_id": "P00003",
              "timestamp": "2026-10-30T10:00:00Z"}  # fmt: skip
        r = c.post("/v1/events", json={"events": [ev]}, headers={"X-API-Key": key, "Idempotency-Key": "k-1"})
        assert r.status_code == 200, r.text
        ev2 = {**ev, "event_id": "live-2", "user_id": "U0003", "session_id": "S-live-3"}
        assert c.post("/v1/events", json={"events": [ev2]}, headers={"X-API-Key": key}).status_code == 200
    # a second build drains the live log into the store; a third event stays in the log only
    build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        ev3 = {**ev, "event_id": "live-3", "session_id": "S-live-15b"}
        assert c.post("/v1/events", json={"events": [ev3]}, headers={"X-API-Key": key}).status_code == 200
    key_bytes = workspace_secret(ws)
    handle = pseudonymise(USER, key_bytes) if pseudonymise_ids else USER
    _other_logs(ws, handle, "S-live-15")
    sessions = set(shop.batch.events.filter(pl.col("user_id") == USER)["session_id"].drop_nulls().to_list())
    sessions |= {"S-bad-1", "S-live-15", "S-live-15b"}
    tokens = {USER, pseudonymise(USER, key_bytes)} | sessions | {pseudonymise(s, key_bytes) for s in sessions}
    return ws, tokens


def _other_logs(ws: Path, handle: str, session: str) -> None:
    """What other parts of shopmind keep about customers: the experiments' exposure log, the
    assistant's hand-off log (JSON Lines) and the shop's order table for the assistant."""
    from shopmind.experiments.exposure import FILE, ExposureLog

    ExposureLog(ws).close()  # creates the table
    con = sqlite3.connect(ws / FILE)
    with con:
        con.executemany(
            "INSERT INTO exposures VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ("exp1", "B", handle, session, "r1", "search", 10, 1),
                ("exp1", "A", "U0003", "s3", "r2", "search", 10, 2),
            ],
        )
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a stable file: reads must not move rows around
    con.close()
    (ws / "assistant").mkdir(exist_ok=True)
    (ws / "assistant" / "handoffs.jsonl").write_text(
        json.dumps({"customer_id": USER, "message": "my parcel never came"})
        + "\n"
        + json.dumps({"customer_id": "U0003", "message": "wrong size"})
        + "\n",
        encoding="utf-8",
    )
    pl.DataFrame(
        {"order_id": ["O1", "O2"], "customer_id": [USER, "U0003"], "total": [10.0, 20.0]}
    ).write_parquet(ws / "assistant" / "orders.parquet")


def _store_users(ws: Path) -> dict[str, int]:
    with Store(ws, read_only=True) as s:
        rows = s.con.execute("SELECT user_id, count(*) FROM events GROUP BY 1").fetchall()
    return {str(u): int(n) for u, n in rows}


@pytest.mark.parametrize("pseudonymised", [True, False], ids=["pseudonymised-ids", "raw-ids"])
def test_forget_leaves_no_trace_after_the_next_build(tmp_path, pseudonymised):
    ws, tokens = make_shop(tmp_path, pseudonymised)
    key = workspace_secret(ws)
    handle = pseudonymise(USER, key) if pseudonymised else USER
    other = pseudonymise("U0003", key) if pseudonymised else "U0003"
    before = traces(ws, tokens)
    where = {f.split("/")[0] for f, _t in before}
    # the scanner finds the customer everywhere they are: the proof below is not vacuous
    assert {
        "shopmind.duckdb",
        "live.sqlite",
        "reports",
        "releases",
        "exposures.sqlite",
        "assistant",
    } <= where, before
    assert any(f.endswith("recs/models.pkl") or "/recs/" in f for f, _t in before)
    if pseudonymised:
        # (the assistant's files are the shop's own data, written with the shop's ids)
        raw = [f for f, t in before if t == USER and not f.startswith("assistant/")]
        assert not raw, "a pseudonymising workspace stored the raw id"
    users_before = _store_users(ws)
    assert users_before[handle] > 0 and users_before[other] > 0

    runner = CliRunner()
    r = runner.invoke(app, ["forget", USER, "-w", str(ws)], input="n\n")
    assert r.exit_code == 1 and "nothing deleted" in r.output
    assert traces(ws, tokens) == before  # declined: nothing changed

    r = runner.invoke(app, ["forget", USER, "-w", str(ws), "--yes", "--json"])
    assert r.exit_code == 0, r.output
    facts = json.loads(r.stdout[r.stdout.index("{") :])
    assert facts["applied"] and facts["store"]["events"] >= users_before[handle]
    assert facts["live_log"]["events"] >= 1 and facts["profiles"] >= 1
    assert (ws / ERASURE_MARKER).exists()
    left = traces(ws, tokens)
    assert {f.split("/")[0] for f, _t in left} == {"releases"}, left  # only the models remain

    manifest = build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")
    assert manifest["components"]["recs"]["decision"] == "trained"
    assert "forgotten" in manifest["components"]["recs"]["why"]
    assert [m["id"] for m in Releases(ws).list()] == [manifest["id"]]  # older releases deleted
    assert not (ws / ERASURE_MARKER).exists()
    assert traces(ws, tokens) == []

    # the other customer's exposure, hand-off and order are kept
    assert b"U0003" in (ws / "exposures.sqlite").read_bytes()
    assert "wrong size" in (ws / "assistant" / "handoffs.jsonl").read_text()
    assert pl.read_parquet(ws / "assistant" / "orders.parquet")["customer_id"].to_list() == ["U0003"]
    users_after = _store_users(ws)
    assert handle not in users_after
    # every other customer keeps every event (U0003 shared nothing with them but the catalog)
    assert users_after == {u: n for u, n in users_before.items() if u != handle}
    # idempotent: nothing left to find, nothing changed; exit 3 (nothing names the id), 0 with --missing-ok
    r = runner.invoke(app, ["forget", USER, "-w", str(ws), "--yes"])
    assert r.exit_code == 3 and "nothing to delete" in r.output
    assert runner.invoke(app, ["forget", USER, "-w", str(ws), "--yes", "--missing-ok"]).exit_code == 0
    assert not (ws / ERASURE_MARKER).exists()


def test_forget_changes_nothing_when_preparing_fails(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    shop = G.generate(seed=4, n_products=80, n_users=20, days=10, defect_rate=0.0)
    G.write(shop, tmp_path / "data")
    toml = tmp_path / "shop.toml"
    toml.write_text("[privacy]\npseudonymise_ids = false\n", encoding="utf-8")
    _ingest(ws, tmp_path / "data", toml)
    build_release(ws, default_components(), settings=SETTINGS, cache_dir=ws / "cache")
    snapshot = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file() and ".lock" not in p.name}

    import shopmind.forget as F

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(F, "stage_profiles", boom)
    r = CliRunner().invoke(app, ["forget", "U0002", "-w", str(ws), "--yes"])
    assert r.exit_code != 0
    after = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file() and ".lock" not in p.name}
    assert after == snapshot  # no staged file left, nothing replaced, no marker


def test_forget_refuses_a_missing_workspace_in_one_line(tmp_path):
    r = CliRunner().invoke(app, ["forget", "U1", "-w", str(tmp_path / "nope"), "--yes"])
    assert r.exit_code == 2 and "no shopmind workspace" in r.output and "Traceback" not in r.output


def test_forget_refuses_while_another_process_writes_the_store(tmp_path):
    """An ingest holds DuckDB's write lock: forget must not copy the store while it can change."""
    import subprocess
    import sys

    ws = tmp_path / "ws"
    Store(ws).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(ws / 'shopmind.duckdb')!r}); "
         "print('holding', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        r = CliRunner().invoke(app, ["forget", "U1", "-w", str(ws), "--yes"])
        assert r.exit_code == 2 and "in use by another process" in r.output, r.output
    finally:
        holder.kill()
        holder.wait()


def test_forget_reaches_a_customer_known_only_to_the_interleaving_log(tmp_path):
    """The interleaved lists share the exposures' file: a customer with lists but no exposure
    row was not counted, so forget never cleared their lists."""
    from shopmind.experiments.exposure import FILE, ExposureLog
    from shopmind.experiments.interleave_log import TABLE, InterleaveLog
    from shopmind.forget import forget_user

    ws = tmp_path / "ws"
    Store(ws).close()
    ExposureLog(ws).close()  # both tables, as a server running both kinds of experiment has
    InterleaveLog(ws).close()
    con = sqlite3.connect(ws / FILE)
    with con:
        con.executemany(
            f"INSERT INTO {TABLE} (experiment, unit_id, session_id, request_id, kind, items, teams, ts_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [("il", "cust-i", "s-i", "r1", "search", '["P1"]', "A", 1),
             ("il", "cust-o", "s-o", "r2", "search", '["P2"]', "B", 2)],
        )  # fmt: skip
    con.close()
    assert forget_user(ws, "cust-i", apply=False).live_log == {"exposures": 1}
    assert forget_user(ws, "cust-i").applied
    con = sqlite3.connect(ws / FILE)
    try:
        assert [r[0] for r in con.execute(f"SELECT unit_id FROM {TABLE}")] == ["cust-o"]
    finally:
        con.close()
