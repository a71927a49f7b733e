"""`shopmind demo`'s build progress: each finished stage printed once, in order. The demo's own
progress record (generating, gate) is replaced by the build's, whose first stages sit at the same
places; stages were told apart by place alone, so "reading the store" and "search: lexical index"
were never printed by the first display, and the second display (the rest of the build) printed
every stage again - four lines twice, after "ready"."""

from __future__ import annotations

import io

from rich.console import Console

from shopmind.cli.progress import BuildDisplay


def _snap(started: float, names: list[str]) -> dict:
    return {
        "started_at": started,
        "active": [],
        "finished": [{"name": n, "seconds": 0.5, "items": None} for n in names],
    }


def _lines(out: io.StringIO) -> list[str]:
    return [line.split(" in ")[0].strip() for line in out.getvalue().splitlines() if "done " in line]


def test_each_stage_once_across_records_and_displays() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    printed: set = set()
    with BuildDisplay(console, printed) as first:
        first.update(_snap(1.0, ["generating the demo shop", "quality gate"]))
        first.update(_snap(2.0, ["reading the store", "search: lexical index"]))
    with BuildDisplay(console, printed) as second:
        second.update(_snap(2.0, ["reading the store", "search: lexical index", "recs (child process)"]))
    assert _lines(out) == [
        "done generating the demo shop",
        "done quality gate",
        "done reading the store",
        "done search: lexical index",
        "done recs (child process)",
    ]
