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


def test_the_demos_own_stages_are_said_when_they_end_then_never_again(monkeypatch) -> None:
    """Session 32 (t1f): "done generating the demo shop" and "done quality gate" were drawn by the
    build's display, after the gate's table; now each is said the moment it ends (between the
    generator's table and the gate's), and the build's display does not repeat them."""
    import shopmind.cli.demo_follow as follow
    from shopmind.release.progress import BuildProgress

    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    monkeypatch.setattr(follow, "console", console)
    monkeypatch.setattr(follow, "_PRINTED", set())
    prelude = BuildProgress(None, follow._prelude_printer())
    prelude.start("generating the demo shop")
    assert _lines(out) == []
    prelude.finish("generating the demo shop")
    assert _lines(out) == ["done generating the demo shop"]
    console.print("run r1 (the gate's table)")
    prelude.start("quality gate: checking every row")
    prelude.finish("quality gate: checking every row")
    with BuildDisplay(console, follow._PRINTED) as display:
        display.update(prelude.snapshot())  # the build's display reads the same record first
        display.update(_snap(prelude.started_at + 1, ["reading the store"]))
    text = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
    assert [t.split(" in ")[0] for t in text] == [
        "done generating the demo shop",
        "run r1 (the gate's table)",
        "done quality gate: checking every row",
        "done reading the store",
    ]


def test_ingest_leaves_a_labelled_bar(tmp_path) -> None:
    """The ingest bar stayed on screen as "done ━━━━ 0:00:06" (no label): it says what it did."""
    import subprocess
    import sys

    import polars as pl

    feed = tmp_path / "feed"
    feed.mkdir()
    pl.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "title": ["red dress", "blue shirt"],
            "price": [10.0, 12.0],
            "currency": ["USD", "USD"],
        }
    ).write_csv(feed / "products.csv")
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", "ingest", "feed", "--workspace", "ws"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    bar = [line for line in (run.stdout + run.stderr).splitlines() if "━" in line]
    assert bar and all(" done " not in f" {line.strip()} " for line in bar), bar
    assert any("feed (canonical): checked, published" in line for line in bar), bar
