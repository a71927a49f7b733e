"""The shop the API sweeps of test_api_bad_input*.py run against: the live-log test shop ingested
and built, a key of every scope, one experiment, served by a real ``shopmind serve`` process; and
what their cases read back (the live log's stored events, the error of an answer)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from experiments_util import AB_LTR_OFF
from serve_process_util import Server, serving
from shopmind.cli import app as cli_app
from shopmind.serve.auth import KeyStore
from shopmind.store.livelog import EventLog
from test_live_log import _build, _ingest


def bad_input_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Server]:
    """The served shop, for a module-scoped fixture; after it stops, its whole log must hold no
    traceback (a case's own request is checked as it is answered)."""
    ws: Path = tmp_path_factory.mktemp(name) / "ws"
    ws.mkdir()
    _ingest(ws)
    _build(ws)
    ks = KeyStore(ws)
    keys = {s: ks.add(f"bad-{s}", s) for s in ("read", "events", "write", "admin")}
    toml = ws.parent / "exp.toml"
    toml.write_text(AB_LTR_OFF)
    done = CliRunner().invoke(cli_app, ["experiments", "add", str(toml), "--workspace", str(ws)])
    assert done.exit_code == 0, done.output
    with serving(ws, keys) as srv:
        yield srv
    assert "Traceback" not in srv.log.read_text(encoding="utf-8", errors="replace")


def ev(eid: str, **kw: Any) -> dict[str, Any]:
    """A valid view event, ``kw`` replacing or adding fields."""
    return {"event_id": eid, "type": "view", "user_id": "u1", "item_id": "P1", **kw}


def stored_ids(ws: Path) -> set[str]:
    """The event ids the workspace's live log holds."""
    log = EventLog(ws)
    try:
        return {p["event_id"] for _, p in log.events_after(0)}
    finally:
        log.close()


def seqs(ws: Path) -> dict[str, int]:
    """The live log's last sequence number per table (to show that nothing was written)."""
    log = EventLog(ws)
    try:
        return log.last_seq()
    finally:
        log.close()


def error_of(body: Any) -> dict[str, Any]:
    """The ``error`` object of an error answer (failing when the body is not one)."""
    assert isinstance(body, dict) and "error" in body, body
    return body["error"]
