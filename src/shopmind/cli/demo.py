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

Here the command itself; the children it starts are ``demo_children.py``, what it draws while the build
runs ``demo_follow.py``, the server thread ``demo_server.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import (
    DEFAULT_DATA,
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    fail,
    writable_folder,
)
from shopmind.cli.demo_children import (
    _evaluate_demo,
    _install_assistant_knowledge,
    _prewarm_build,
    _prewarm_ingest,
    _start_generator,
    _terminate_as_interrupt,
)
from shopmind.cli.demo_follow import _check_server, _follow_build, _prelude_printer, _wait_first_release
from shopmind.cli.demo_server import BackgroundServer, listen_socket, serve_until_stopped

#: How often the demo's server looks at ``CURRENT`` (``[serve] poll_seconds`` overrides it): the
#: first release is searchable this long after it lands, at most.
DEMO_POLL_SECONDS = 0.2


def _dataset_path(data: Path, adapter: Any) -> Path:
    """``<data>/<format>``, else the shared data's own place for the format (``movielens-100k``,
    ``diginetica-sample/...``: ``Adapter.default_path``). Why: only formats whose folder is named like
    the format (online-retail, groceries, home-depot, crowdflower) ran; ``--dataset movielens`` said
    ``../shared/data/movielens does not exist`` beside ``movielens-100k`` (t1g, session 34)."""
    named = data / adapter.name
    if named.exists():
        return named
    shared = data / adapter.default_path if adapter.default_path else None
    if shared is not None and shared.exists():
        return shared
    tried = f"neither {named} nor {shared} exists" if shared is not None else f"{named} does not exist"
    raise fail(f"{tried} (pass --data with the folder of the shared datasets)")


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
    source, fmt, gate_cfg = (out_dir, None, out_dir / "gate.toml") if dataset == "demo" else (_dataset_path(data, ADAPTERS[dataset]), dataset, None)  # fmt: skip
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
    prelude = BuildProgress(progress_path(workspace), _prelude_printer())
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
            from shopmind.demo.category_names import write_category_names

            write_category_names(workspace)  # the Chinese pages show the demo's categories in Chinese
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


def register(app: typer.Typer) -> None:
    """Add ``shopmind demo`` to ``app``."""
    app.command()(demo)
