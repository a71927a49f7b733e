"""What ``shopmind demo`` (cli/demo.py) draws while its build runs: the build's progress to its first
release, then to the complete release and the past-query warm-up after it, said when the server has them.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from shopmind.cli.common import console, fail
from shopmind.cli.demo_children import _yield_to_server
from shopmind.cli.demo_server import BackgroundServer


def _check_server(server: BackgroundServer | None) -> None:
    if server is not None and (why := server.failed()) is not None:
        raise fail(why)


def _build_failed(workspace: Path, code: int) -> typer.Exit:
    tail = (workspace / "build.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    return fail(
        f"the build failed (exit {code}); last lines of {workspace / 'build.log'}:\n" + "\n".join(tail)
    )


#: The build stages this process has printed: the demo draws the build twice (to the first
#: release, then the rest), and each display printed every finished stage it had not itself printed.
_PRINTED: set[tuple[Any, int]] = set()


def _prelude_printer() -> Callable[[dict[str, Any]], None]:
    """The listener of the demo's own progress record (generating the shop, the quality gate):
    each stage said the moment it ends, between its children's output (the generator's table,
    the gate's), not drawn later by the build's display after the gate table, out of order."""
    from shopmind.cli.progress import print_finished

    return lambda snap: print_finished(console, snap, _PRINTED)


@contextmanager
def _drawing_progress(workspace: Path) -> Iterator[None]:
    """The build's progress (``releases/progress.json``, written by the child) drawn in this
    terminal by a thread, for as long as the ``with`` block runs."""
    from shopmind.cli.progress import BuildDisplay, follow
    from shopmind.release.progress import read_progress

    stop = threading.Event()
    with BuildDisplay(console, _PRINTED) as display:
        t = threading.Thread(
            target=follow, args=(lambda: read_progress(workspace), display, stop), daemon=True
        )
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join()


def _wait_first_release(
    workspace: Path, builder: Any, earlier: str | None, server: BackgroundServer | None
) -> None:
    """Draw the build's progress until its first release is current (or the build fails, or the
    server could not start). The server's watcher loads the release meanwhile."""
    from shopmind.release.releases import Releases

    releases = Releases(workspace)
    with _drawing_progress(workspace):
        while releases.current_id() is None:
            code = builder.poll()
            if code is not None and releases.current_id() is None:
                raise _build_failed(workspace, code)
            _check_server(server)
            time.sleep(0.1)
    if server is not None:
        _yield_to_server(builder)
    m = releases.manifest(releases.current_id() or "")
    if m["id"] == earlier:
        console.print(f"serving the earlier release {m['id']} while the new build runs")
        return
    pending = [k for k, v in m.get("parts", {}).items() if v == "pending"]
    note = f"; still building: {', '.join(pending)} (the storefront says when done)" if pending else ""
    console.print(f"[green]release {m['id']}[/] ready after {m['seconds']:.1f}s of building{note}")


def _follow_build(
    workspace: Path,
    builder: Any,
    server_stopped: threading.Event | None,
    after: Callable[[], None] | None = None,
    earlier: str | None = None,
    served: Callable[[], Mapping[str, Any] | None] | None = None,
) -> None:
    """Draw the rest of the build; say "complete" the moment the complete release is served —
    what ``/readyz`` says, not when the build process ends: a build goes on after it with the
    past-query warm-up (``release/search_warmup.py``), which is said to run in the background
    and, when it lands, done — then run ``after`` once the build has ended.

    ``served()``: the manifest of the release being served (the demo's server), default the one
    ``CURRENT`` names (``--no-serve``); ``earlier``: the release current before this build (a
    re-run's, itself complete: not this build's). ``server_stopped``: serving ended (the build is
    then left to the caller to stop); None: no server, and a failed build is this command's error.

    Why ``after`` (the demo's evaluations) waits for the end of the build and not for "complete":
    both would share the two cores with the warm-up, and the warm-up is what shoppers feel (a past
    query it has not reached is answered without its dense part until then)."""
    served = served or functools.partial(_current_manifest, workspace)
    said: dict[str, Any] | None = None  # the complete release announced

    def look() -> None:
        nonlocal said
        m = served() if said is None else None
        if m is not None and _complete_of_this_build(m, earlier):
            said = dict(m)
            _say_complete(said)

    with _drawing_progress(workspace):
        while builder.poll() is None and not (server_stopped is not None and server_stopped.is_set()):
            look()
            time.sleep(0.2)
    code = builder.poll()
    if code not in (0, None):
        if server_stopped is None:
            raise _build_failed(workspace, code)
        stage = "warm-up after the complete release" if said is not None else "vector stage of the build"
        still = "; the complete release keeps serving" if said is not None else ""
        console.print(f"[red]the {stage} failed (exit {code}){still}; see {workspace / 'build.log'}[/]")
    elif code == 0:
        look()
        if said is None:  # (the server has not loaded it yet, or could not: say what CURRENT holds)
            said = _current_manifest(workspace) or {}
            _say_complete(said)
        _say_warm_up_end(said, _current_manifest(workspace) or {})
        _say_kept(workspace)
        if after is not None:  # its children die with the demo
            after()


def _complete_of_this_build(manifest: Mapping[str, Any], earlier: str | None) -> bool:
    """Whether ``manifest`` is a complete release of the running build (ids sort by time: a
    re-run serves the earlier demo's complete release until this build publishes its own)."""
    rid = str(manifest.get("id", ""))
    return bool(manifest.get("complete")) and (earlier is None or rid > earlier)


def _current_manifest(workspace: Path) -> dict[str, Any] | None:
    """The manifest of the release ``CURRENT`` names, None before the first one."""
    from shopmind.release.releases import ReleaseError, Releases

    releases = Releases(workspace)
    rid = releases.current_id()
    try:
        return None if rid is None else releases.manifest(rid)
    except ReleaseError:
        return None


def _say_complete(m: Mapping[str, Any]) -> None:
    """Say the complete release once, with its pending warm-up in the same print: a reader of the
    output (a person, or the follow test) never sees "complete" without what still goes on."""
    pending = [k for k, v in (m.get("warm_up") or {}).items() if v == "pending"]
    lines = [
        f"[green]release {m.get('id')}[/] complete (all parts) after {float(m.get('seconds') or 0):.1f}s of building"
    ]
    if pending:
        lines.append(
            "  the past queries' vectors are still being encoded in the background (a latency warm-up: "
            "search answers meanwhile; a past query not reached yet is answered without its dense part once)"
        )
    console.print("\n".join(lines))
    from shopmind.cli.release import say_skipped

    say_skipped(dict(m))


def _say_warm_up_end(complete: Mapping[str, Any], last: Mapping[str, Any]) -> None:
    """After the build: whether the warm-up the complete release left pending landed."""
    if not any(v == "pending" for v in (complete.get("warm_up") or {}).values()):
        return
    if last.get("warm_up_of") == complete.get("id") and all(
        v == "complete" for v in last["warm_up"].values()
    ):
        sv = (last.get("components", {}).get("search") or {}).get("search_vectors") or {}
        n = sv.get("warm_up_queries")
        what = f" ({n:,} past queries)" if isinstance(n, int) else ""
        console.print(
            f"[green]warm-up done[/]{what}: release {last.get('id')} after {float(last.get('seconds') or 0):.1f}s of building"
        )
    else:
        console.print(
            "the past-query warm-up did not land (see the build log); the complete release serves without it"
        )


def _say_kept(workspace: Path) -> None:
    """The releases the build kept, the serving one first: the ids printed while it ran were its
    stages, folded into its last release (``Releases.folded_into``; `rollback --to` any of them
    reaches it), and a person copying an id for `shopmind rollback` wants one that exists."""
    from shopmind.release.releases import Releases

    found = Releases(workspace).list()
    cur = next((m for m in found if m.get("current")), None)
    if cur is None:
        return
    stages = [s for s in cur.get("earlier_stages", ()) if s != cur["id"]]
    folded = f" (its stages {', '.join(stages)} are folded into it)" if stages else ""
    older = [m["id"] for m in found if m["id"] < cur["id"] and m.get("complete", True)]
    back = f"; `shopmind rollback` goes back to {older[0]}" if older else ""
    console.print(f"serving release {cur['id']}{folded}{back}", highlight=False, soft_wrap=True)
