"""A clean stop writes the request-path logs' last rows (``BufferedTable`` on ``app.state``)."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from shopmind.serve.app import create_app
from shopmind.store.buffered import BufferedTable


def test_stopping_the_app_flushes_buffered_logs(tmp_path):
    app = create_app(tmp_path / "ws", {"poll_seconds": 60})
    path = tmp_path / "log.sqlite"
    with TestClient(app):
        # an hour between flushes: only the shutdown can have written these rows
        log = BufferedTable(
            path, "t", ("x",), ["CREATE TABLE IF NOT EXISTS t (x INTEGER)"], flush_seconds=3600
        )
        app.state.some_log = log
        log.append([(1,), (2,), (3,)])
        assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert sqlite3.connect(path).execute("SELECT sum(x) FROM t").fetchone()[0] == 6
