"""One progress display for a whole build (stage, items, rate, ETA), drawn with rich.

``BuildDisplay.update`` takes a ``release.progress`` snapshot, so the same display serves a
build running in this process (``shopmind build``: the snapshot comes from the listener) and
one running in a child process (``shopmind demo``: ``follow`` polls ``progress.json``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


def _rate_eta(task: Any) -> str:
    """Items/s and time left from the build's own figures (kept in the task's fields)."""
    rate, eta = task.fields.get("rate"), task.fields.get("eta")
    parts = []
    if rate:
        parts.append(f"{rate:,.0f}/s")
    if eta is not None:
        parts.append(f"ETA {int(eta) // 60}:{int(eta) % 60:02d}")
    return "  ".join(parts)


class _RateColumn(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Any) -> Any:  # noqa: D102 - rich column protocol
        from rich.text import Text

        return Text(_rate_eta(task), style="cyan")


class BuildDisplay:
    """A rich live display with one row per active stage; finished stages print one line."""

    def __init__(self, console: Console, printed: set[tuple[Any, int]] | None = None) -> None:
        """``printed``: the finished stages already printed, shared by the displays one command
        draws in turn (``shopmind demo`` draws the first release, then the rest of the build)."""
        self.console = console
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}
        self.printed: set[tuple[Any, int]] = printed if printed is not None else set()
        self.lock = threading.Lock()

    def __enter__(self) -> BuildDisplay:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def log(self, message: str) -> None:
        """A line above the live rows (what the drain did, alerts, stage changes)."""
        with self.lock:
            self.bar.console.print(f"  {message}", markup=False, highlight=False)

    def update(self, snap: dict[str, Any]) -> None:
        with self.lock:
            active = {a["name"]: a for a in snap.get("active", [])}
            for name, tid in list(self.tasks.items()):
                if name not in active:
                    self.bar.remove_task(tid)
                    del self.tasks[name]
            for name, a in active.items():
                total = a["total"]
                if name not in self.tasks:
                    self.tasks[name] = self.bar.add_task(name, total=total)
                self.bar.update(
                    self.tasks[name], completed=a["done"], total=total, rate=a["rate"], eta=a["eta_s"]
                )
            print_finished(self.bar.console, snap, self.printed)


def print_finished(console: Console, snap: dict[str, Any], printed: set[tuple[Any, int]]) -> None:
    """One line per finished stage of ``snap`` not printed yet (``printed`` is updated).

    A stage is known by its record (started_at) and place in it: the demo's own record
    (generating, gate) is replaced by the build's, whose first stages have the same places -
    by place alone "reading the store" was taken as printed and the next display printed
    every stage again, out of order. The demo also prints its own record's stages the moment
    they end (no live display beside its children's output), with the same ``printed``."""
    for i, f in enumerate(snap.get("finished", [])):
        key = (snap.get("started_at"), i)
        if key not in printed:
            printed.add(key)
            items = f" ({f['items']:,} items)" if f.get("items") else ""
            console.print(f"  [green]done[/] {f['name']}{items} in {f['seconds']:.1f}s")


def follow(
    read: Callable[[], dict[str, Any] | None],
    display: BuildDisplay,
    stop: threading.Event,
    on_snapshot: Callable[[dict[str, Any]], None] | None = None,
    poll: float = 0.3,
) -> None:
    """Poll ``read()`` (a progress file) into ``display`` until ``stop`` is set."""
    seen = None
    while not stop.is_set():
        snap = read()
        if snap is not None and snap.get("updated_at") != seen:
            seen = snap.get("updated_at")
            display.update(snap)
            if on_snapshot is not None:
                on_snapshot(snap)
        stop.wait(poll)
