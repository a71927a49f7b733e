"""The main job, ``shopmind demo``: generate (or read) a shop, ingest it through the gate, build
a release and serve it, with the server listening from the first seconds (issue 17 item 1).

What runs where (2 cores; the order is the point):

- Child processes are started first, before this process has a second thread (``preexec_fn``
  is not safe beside threads): the demo-shop generator (runs at once), and ``ingest`` and
  ``build`` pre-warmed (``cli/warm.py``: they import while the shop is generated).
- The server then starts in a thread of this process (uvicorn; imports, app, listen) with no
  release yet: ``/readyz`` answers 503 ``"building"`` with the stage, the storefront shows a
  "your shop is being built" banner, and the address is printed the moment it listens. Its
  release watcher (polling ``CURRENT`` every 0.2 s here) loads the first release the moment the
  build publishes it, so the first search answers then, not after a server start (~5 s before).
- The main thread drives the children (generator -> ingest -> build) and writes the stages
  before the build to ``releases/progress.json`` (the build's own record replaces it), then draws
  the build's progress. The serving process stays the one that never ingested or built (its
  heap stays small, issue 18 item 16).
"""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import (
    DEFAULT_DATA,
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    fail,
    writable_folder,
)
from shopmind.cli.demo_server import BackgroundServer, listen_socket, serve_until_stopped

#: How often the demo's server looks at ``CURRENT`` (``[serve] poll_seconds`` overrides it): the
#: first release is searchable this long after it lands, at most.
DEMO_POLL_SECONDS = 0.2


def demo(
    dataset: Annotated[
        str, typer.Option(help="'demo' (the generated bilingual shop) or a format from `shopmind formats`.")
    ] = "demo",
    data: Annotated[Path, typer.Option(help="Folder of the shared datasets (for --dataset).")] = DEFAULT_DATA,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    out_dir: Annotated[
        Path, typer.Option("--demo-dir", help="Where the demo shop files are written.")
    ] = Path("demo-shop"),
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Shop TOML file (tables: search, recs, release, serve)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the build (tests, CI).")] = False,
    products: Annotated[int, typer.Option(min=50, help="Demo shop: number of products.")] = 3000,
    users: Annotated[int, typer.Option(min=10, help="Demo shop: number of users.")] = 1500,
    days: Annotated[int, typer.Option(min=1, help="Demo shop: days of behaviour.")] = 60,
) -> None:
    """The main job: generate (or read) a shop, ingest it through the gate, build a release, serve it.

    The storefront's address is printed within seconds: the page says what is being built until
    the first release is ready, then search works. `--dataset online-retail` (or any format with
    its folder under --data) runs the same path on a real dataset instead of the generated shop.
    """
    from shopmind.cli.release import build_settings
    from shopmind.cli.serve import SERVE_WARMUP_SECONDS, serve_settings
    from shopmind.data.adapters import ADAPTERS
    from shopmind.release.progress import BuildProgress, progress_path
    from shopmind.store.identity import ShopMismatch, claim_shop

    if dataset != "demo" and dataset not in ADAPTERS:
        raise fail(f"unknown dataset {dataset!r}; use 'demo' or one of: {', '.join(sorted(ADAPTERS))}")
    source, fmt, gate_cfg = (out_dir, None, out_dir / "gate.toml") if dataset == "demo" else (data / dataset, dataset, None)  # fmt: skip
    if dataset != "demo" and not source.exists():
        raise fail(f"{source} does not exist (pass --data with the folder of the shared datasets)")
    try:
        # every input checked before the first write: a bad --config or a file given for a folder
        # used to fail only in the build, after the demo shop and the workspace were written
        writable_folder(workspace, "--workspace")
        if dataset == "demo":
            writable_folder(out_dir, "--demo-dir")
        if config is not None:  # (without one nothing to check, and no import before the generator)
            build_settings(config)
        settings = {} if no_serve else serve_settings(config)
    except UsageError as exc:
        raise fail(str(exc)) from None
    settings.setdefault("poll_seconds", DEMO_POLL_SECONDS)
    settings.setdefault("assistant_warmup_seconds", SERVE_WARMUP_SECONDS)
    sock = None if no_serve else listen_socket(host, port)  # a busy port fails now, not after the build
    try:  # a workspace holds one shop: never mix a second dataset into it (checked before any work)
        claim_shop(workspace, dataset)
    except ShopMismatch as exc:
        raise fail(str(exc)) from None
    # the stages before the build, for /readyz and the banner (the build's record replaces it)
    prelude = BuildProgress(progress_path(workspace))
    prelude.start("generating the demo shop" if dataset == "demo" else f"reading {dataset}")
    # every child before any thread: the generator at once, ingest and build importing meanwhile
    generator = _start_generator(out_dir, products, users, days) if dataset == "demo" else None
    ingest = _prewarm_ingest(source, fmt, workspace, gate_cfg, data)
    builder = _prewarm_build(workspace, config)
    server = None
    if sock is not None:
        server = BackgroundServer(
            workspace, sock, (host, port), settings, _dashboard_link(workspace, host, port)
        )
    build: subprocess.Popen[bytes] | None = None
    _terminate_as_interrupt()
    try:
        if server is not None:
            server.start()
        if generator is not None:
            code = generator.wait()
            if code != 0:
                raise fail(f"generating the demo shop failed (exit {code}); see the lines above")
            _install_assistant_knowledge(out_dir / "assistant", workspace / "assistant")
            prelude.finish("generating the demo shop")
        _check_server(server)
        prelude.start("quality gate: checking every row")
        sys.stdout.flush()
        builder.start_imports()  # ~3 s of imports beside the gate (ingest's imports are done)
        code = ingest.go().wait()
        if code == 1:
            raise fail("the quality gate held the batch: see the report above; nothing was built")
        if code != 0:
            raise typer.Exit(code=code)  # the child printed the one-line error
        prelude.finish("quality gate: checking every row")
        from shopmind.release.releases import Releases

        earlier = Releases(workspace).current_id()  # a re-run serves the last demo's release meanwhile
        prelude.start("starting the build")
        build = builder.go()
        _wait_first_release(workspace, build, earlier, server)
        # the demo shop has judgments and a time span of events: a small evaluation after the
        # build (the complete release and its warm-up) fills the evaluation dashboard (issue 18
        # item 13), never before it
        after = (lambda: _evaluate_demo(workspace, source)) if dataset == "demo" and server else None
        _follow_build(
            workspace,
            build,
            None if server is None else server.stopped,
            after,
            earlier=earlier,
            served=None if server is None else server.served,
        )
        if server is not None:
            serve_until_stopped(server, workspace)  # built: a Ctrl-C now ends the demo, loses nothing
    except BaseException:
        # children told nothing exit at once; one that was started is stopped, not waited for
        # (a Ctrl-C while serving must not wait for the vector stage to end)
        for child in (ingest, builder):
            if child.proc.stdin is not None and not child.proc.stdin.closed:
                child.cancel()
            elif child.proc.poll() is None and child is ingest:
                child.proc.terminate()
        if generator is not None and generator.poll() is None:
            generator.terminate()
        raise
    finally:
        if server is not None:
            server.stop()
        if build is not None and build.poll() is None:  # the demo stopped before the vectors were done
            build.terminate()
            build.wait(timeout=30)


def _yield_to_server(builder: subprocess.Popen[bytes]) -> None:
    """The first release is out: the build goes on with the text vectors (both cores: its
    encoder and a recs child) while the server loads that release — the first search waits on
    that load, the vectors wait on nothing a shopper sees. So the build runs at a lower priority
    (nice 10, inherited by the processes and threads it starts from now on); on an idle machine
    it still gets every core the server does not use."""
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):  # gone already, or no setpriority here
        os.setpriority(os.PRIO_PROCESS, builder.pid, max(10, os.getpriority(os.PRIO_PROCESS, builder.pid)))


def _check_server(server: BackgroundServer | None) -> None:
    if server is not None and (why := server.failed()) is not None:
        raise fail(why)


def _terminate_as_interrupt() -> None:
    """SIGTERM ends the demo like Ctrl-C (children stopped, the server's logs written); uvicorn
    did this itself when it ran in the main thread."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _start_generator(out_dir: Path, products: int, users: int, days: int) -> subprocess.Popen[bytes]:
    """``shopmind demo-data``'s files written by a child process, running at once (its table goes
    to this terminal). A child, not this process: the server imports and starts here meanwhile;
    ``shopmind.demo.shopfiles``, not the CLI: ~1 s fewer imports on the path to the first search."""
    cmd = [sys.executable, "-m", "shopmind.demo.shopfiles", "--out", str(out_dir), "--seed", "42",
           "--products", str(products), "--users", str(users), "--days", str(days), "--defect-rate", "0.02"]  # fmt: skip
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)


def _install_assistant_knowledge(src: Path, dst: Path) -> None:
    """The demo's orders and policy documents where ``POST /v1/assistant`` reads them."""
    import shutil

    if not src.is_dir():
        return
    (dst / "policies").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "orders.parquet", dst / "orders.parquet")
    for doc in (src / "policies").glob("*.md"):
        shutil.copyfile(doc, dst / "policies" / doc.name)


def _prewarm_ingest(source: Path, fmt: str | None, workspace: Path, config: Path | None, data: Path) -> Any:
    """``shopmind ingest`` in a child process (started early, see ``cli/warm.py``), printing to
    this terminal.

    Why a child: the gate over ~150k demo events (DuckDB, scipy.stats, the batch itself) leaves
    a few hundred MB in a process's allocator after it is done; the demo process then serves
    for hours, so it must not be the one that ingested (issue 18 item 16)."""
    from shopmind.cli.warm import INGEST_MODULES, Prewarmed

    args = ["ingest", str(source), "--workspace", str(workspace), "--data-root", str(data)]
    if fmt is not None:
        args += ["--format", fmt]
    if config is not None:
        args += ["--config", str(config)]
    return Prewarmed(args, INGEST_MODULES, preexec_fn=_die_with_parent)


def _dashboard_link(workspace: Path, host: str, port: int) -> Callable[[], None]:
    """The dashboards need a read key (issue 10.3): the demo makes a fresh one (replacing the
    last demo's) now, before the server reads its keys, and returns what prints the storefront's
    address and a sign-in link carrying the key in the #fragment (which the browser never sends
    to the server, so it is in no log) — called the moment the server listens."""
    from shopmind.serve.auth import KeyStore

    key = KeyStore(workspace).replace("demo dashboard", "read")

    def say() -> None:
        # plain print: rich would wrap the long link at the terminal width and break it
        print(f"storefront: http://{host}:{port}/   API docs: http://{host}:{port}/docs", flush=True)
        print(
            f"dashboards (sign-in link with a read key): http://{host}:{port}/dashboard/login#key={key}",
            flush=True,
        )

    return say


def _prewarm_build(workspace: Path, config: Path | None) -> Any:
    """``shopmind build`` (progressive) in a child process, started early (``cli/warm.py``): its
    first release is served while it computes the text vectors, on the other core. Its output
    goes to ``build.log``; its progress to ``releases/progress.json``, which this process draws."""
    from shopmind.cli.warm import BUILD_MODULES, Prewarmed

    args = ["build", "--workspace", str(workspace)]
    if config is not None:
        args += ["--config", str(config)]
    # held: its imports start with the ingest, not beside the generation everything waits on
    return Prewarmed(args, BUILD_MODULES, log=workspace / "build.log", preexec_fn=_die_with_parent, hold=True)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the demo process dies, however it dies (a killed demo
    must not leave a build running; its staging folder is removed by the next build)."""
    import contextlib
    import ctypes
    import signal

    # another OS: no prctl; the demo's finally block still terminates the build
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def _build_failed(workspace: Path, code: int) -> typer.Exit:
    tail = (workspace / "build.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
    return fail(
        f"the build failed (exit {code}); last lines of {workspace / 'build.log'}:\n" + "\n".join(tail)
    )


#: The build stages this process has printed: the demo draws the build twice (to the first
#: release, then the rest), and each display printed every finished stage it had not itself printed.
_PRINTED: set[tuple[Any, int]] = set()


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


#: The demo's small evaluation: `shopmind evaluate search` (the served engine and plain BM25F on
#: the demo's judgments; relevant = grade >= 2 of the generator's 0-3, so the planted -2/10
#: defects do not stretch the scale) and `evaluate recs` (a time split of its own events, every
#: family but the slow SASRec and the learned ranker). Seconds of CPU on the demo shop.
DEMO_EVALUATIONS = (
    ("search", "--format", "canonical", "--methods", "engine,ours", "--view", "retrieval",
     "--threshold", "2", "--no-progress"),
    ("recs", "--format", "canonical", "--protocol", "time", "--skip", "sasrec,ours-ranker"),
)  # fmt: skip


def _evaluate_demo(workspace: Path, shop: Path) -> None:
    """Run DEMO_EVALUATIONS on the demo shop's files, writing JSON where `/v1/evaluation` reads
    it (``<workspace>/evaluation/``). Child processes at low priority (the server keeps the
    CPU) that die with the demo; output in ``evaluation.log``."""
    import os

    def child() -> None:
        _die_with_parent()
        os.nice(10)

    out = workspace / "evaluation"
    with open(workspace / "evaluation.log", "w", encoding="utf-8") as log:
        for args in DEMO_EVALUATIONS:
            cmd = [sys.executable, "-m", "shopmind.cli", "evaluate", args[0], str(shop), *args[1:]]
            code = subprocess.call(
                [*cmd, "--out", str(out)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=child,
            )  # fmt: skip
            if code != 0:
                console.print(f"[red]the demo's {args[0]} evaluation failed (exit {code}); see {log.name}[/]")
                return
    console.print(f"evaluation figures ready: /dashboard/evaluation (files in {out})")


def register(app: typer.Typer) -> None:
    """Add ``shopmind demo`` to ``app``."""
    app.command()(demo)
