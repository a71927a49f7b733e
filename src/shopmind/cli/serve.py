"""Serving commands: serve the current release (one process or N workers) and the main job, demo."""

from __future__ import annotations

import sys
import time
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
    read_toml,
)
from shopmind.cli.data import demo_data


def serve(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Shop TOML file (table: serve).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (one per core serves the most; default: [serve] workers, else 1). "
            "They share the live log, so an event posted to one is seen by all.",
        ),
    ] = None,
) -> None:
    """Serve the current release: HTTP API (/docs), storefront (/) and dashboards.

    Follows `shopmind build` and `shopmind rollback` without a restart.
    """
    import uvicorn

    from shopmind.serve.app import DEFAULTS, create_app
    from shopmind.serve.observe import configure_logging

    settings: dict = {}
    try:
        if config is not None:
            settings = dict(read_toml(config).get("serve", {}))
            unknown = sorted(set(settings) - set(DEFAULTS))
            if unknown:
                raise UsageError(f"{config}: unknown [serve] setting(s): {', '.join(unknown)}")
            assistant = read_toml(config).get("assistant")
            if assistant:  # the shop assistant's optional phraser endpoint (issue 13)
                from shopmind.assistant.phraser import PhraserConfig

                try:
                    PhraserConfig.from_table(assistant)
                except ValueError as exc:
                    raise UsageError(f"{config}: {exc}") from None
                settings["assistant"] = dict(assistant)
        if log_level not in ("debug", "info", "warning", "error"):
            raise UsageError(f"--log-level must be debug, info, warning or error, not {log_level!r}")
        if not workspace.exists():
            raise UsageError(
                f"workspace {workspace} does not exist (run `shopmind ingest` and `shopmind build`)"
            )
    except UsageError as exc:
        raise fail(str(exc)) from None
    n_workers = workers if workers is not None else settings.get("workers", 1)
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or not 1 <= n_workers <= 64:
        raise fail(f"[serve] workers must be a whole number from 1 to 64, not {n_workers!r}")
    configure_logging(log_level)
    console.print(f"storefront: http://{host}:{port}/   API docs: http://{host}:{port}/docs", markup=False)
    common = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": 5,
    }
    if n_workers == 1:
        uvicorn.run(create_app(workspace, settings), **common)
        return
    _serve_workers(workspace, settings, log_level, n_workers, common)


def _serve_workers(workspace: Path, settings: dict, log_level: str, n: int, common: dict) -> None:
    """Run ``n`` uvicorn worker processes, each building its app with ``app_from_env``."""
    import json
    import os
    import shutil
    import tempfile

    import uvicorn

    from shopmind.serve.app import SERVE_ENV
    from shopmind.serve.auth import new_key

    # one storefront key for all workers; Prometheus values summed over the workers' files
    shared = {**settings, "storefront_key": new_key()}
    # a worker per core: OpenMP pools (the e5 encoder) of one thread, else N workers x cores
    # threads spin against each other (LightGBM ran ~10x slower that way here)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # glibc gives each thread-pool thread its own malloc arena; two per process keep RSS flat
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    metrics_dir = tempfile.mkdtemp(prefix="shopmind-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ[SERVE_ENV] = json.dumps(
        {"workspace": str(workspace.resolve()), "settings": shared, "log_level": log_level}
    )
    try:
        uvicorn.run("shopmind.serve.app:app_from_env", factory=True, workers=n, **common)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


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

    `--dataset online-retail` (or any format with its folder under --data) runs the same path on a
    real dataset instead of the generated demo shop.
    """
    from shopmind.data.adapters import ADAPTERS

    if dataset != "demo" and dataset not in ADAPTERS:
        raise fail(f"unknown dataset {dataset!r}; use 'demo' or one of: {', '.join(sorted(ADAPTERS))}")
    source, fmt, gate_cfg = (out_dir, None, out_dir / "gate.toml") if dataset == "demo" else (data / dataset, dataset, None)  # fmt: skip
    if dataset != "demo" and not source.exists():
        raise fail(f"{source} does not exist (pass --data with the folder of the shared datasets)")
    # both children import while this process generates the shop (issue 17: seconds, not minutes)
    ingest = _prewarm_ingest(source, fmt, workspace, gate_cfg, data)
    builder = _prewarm_build(workspace, config)
    try:
        if dataset == "demo":
            demo_data(
                out_dir=out_dir,
                seed=42,
                products=products,
                users=users,
                days=days,
                defect_rate=0.02,
                end=None,
            )
            _install_assistant_knowledge(out_dir / "assistant", workspace / "assistant")
        from shopmind.store.identity import ShopMismatch, claim_shop

        try:  # a workspace holds one shop: never mix a second dataset into it
            claim_shop(workspace, dataset)
        except ShopMismatch as exc:
            raise fail(str(exc)) from None
        sys.stdout.flush()
        code = ingest.go().wait()
        if code == 1:
            raise fail("the quality gate held the batch: see the report above; nothing was built")
        if code != 0:
            raise typer.Exit(code=code)  # the child printed the one-line error
        from shopmind.release.progress import progress_path
        from shopmind.release.releases import Releases

        earlier = Releases(workspace).current_id()  # a re-run serves the last demo's release meanwhile
        progress_path(workspace).unlink(missing_ok=True)
        build = builder.go()
    except BaseException:
        ingest.cancel()
        builder.cancel()
        raise
    try:
        _wait_first_release(workspace, build, earlier)
        if no_serve:
            _follow_build(workspace, build, stop=None)
            return
        import threading

        stop = threading.Event()
        # the demo shop has judgments and a time span of events: a small evaluation after the
        # complete release fills the evaluation dashboard (issue 18 item 13), never before it
        after = (lambda: _evaluate_demo(workspace, source)) if dataset == "demo" else None
        threading.Thread(target=_follow_build, args=(workspace, build, stop, after), daemon=True).start()
        _print_dashboard_link(workspace, host, port)
        try:
            serve(workspace=workspace, host=host, port=port, config=config, log_level="warning")
        finally:
            stop.set()
    finally:
        if build.poll() is None:  # the demo stopped before the vectors were done
            build.terminate()
            build.wait(timeout=30)


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


def _print_dashboard_link(workspace: Path, host: str, port: int) -> None:
    """The dashboards need a read key (issue 10.3): the demo makes a fresh one (replacing the
    last demo's) and prints a sign-in link carrying it in the #fragment, which the browser never
    sends to the server, so it is in no log."""
    from shopmind.serve.auth import KeyStore

    key = KeyStore(workspace).replace("demo dashboard", "read")
    # plain print: rich would wrap the long link at the terminal width and break it
    print(
        f"dashboards (sign-in link with a read key): http://{host}:{port}/dashboard/login#key={key}",
        flush=True,
    )


def _prewarm_build(workspace: Path, config: Path | None) -> Any:
    """``shopmind build`` (progressive) in a child process, started early (``cli/warm.py``): its
    first release is served while it computes the text vectors, on the other core. Its output
    goes to ``build.log``; its progress to ``releases/progress.json``, which this process draws."""
    from shopmind.cli.warm import BUILD_MODULES, Prewarmed

    args = ["build", "--workspace", str(workspace)]
    if config is not None:
        args += ["--config", str(config)]
    return Prewarmed(args, BUILD_MODULES, log=workspace / "build.log", preexec_fn=_die_with_parent)


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


def _wait_first_release(workspace: Path, builder: Any, earlier: str | None) -> None:
    """Draw the build's progress until its first release is current (or it fails). The server
    modules are imported meanwhile, so serving starts right after."""
    import threading

    from shopmind.cli.progress import BuildDisplay, follow
    from shopmind.release.progress import read_progress
    from shopmind.release.releases import Releases

    releases = Releases(workspace)
    stop = threading.Event()
    with BuildDisplay(console) as display:
        t = threading.Thread(
            target=follow, args=(lambda: read_progress(workspace), display, stop), daemon=True
        )
        t.start()
        import jieba  # noqa: F401 - ~0.3 s of its own imports at the release's warm-up
        import uvicorn  # noqa: F401 - warm the imports while the child builds

        import shopmind.recommend.service  # noqa: F401 - what loading the release imports
        import shopmind.search.engine  # noqa: F401
        import shopmind.serve.app  # noqa: F401

        while releases.current_id() is None:
            code = builder.poll()
            if code is not None and releases.current_id() is None:
                stop.set()
                raise _build_failed(workspace, code)
            time.sleep(0.1)
        stop.set()
        t.join()
    m = releases.manifest(releases.current_id() or "")
    if m["id"] == earlier:
        console.print(f"serving the earlier release {m['id']} while the new build runs")
        return
    pending = [k for k, v in m.get("parts", {}).items() if v == "pending"]
    note = f"; still building: {', '.join(pending)} (the storefront says when done)" if pending else ""
    console.print(f"[green]release {m['id']}[/] ready after {m['seconds']:.1f}s of building{note}")


def _follow_build(workspace: Path, builder: Any, stop: Any, after: Any = None) -> None:
    """Draw the rest of the build; say when the complete release is current, then run ``after``."""
    import threading

    from shopmind.cli.progress import BuildDisplay, follow
    from shopmind.release.progress import read_progress

    halt = stop or threading.Event()
    with BuildDisplay(console) as display:
        t = threading.Thread(
            target=follow, args=(lambda: read_progress(workspace), display, halt), daemon=True
        )
        t.start()
        while builder.poll() is None and not halt.is_set():
            time.sleep(0.2)
        halt.set()
        t.join()
    code = builder.poll()
    if code not in (0, None):
        if stop is None:
            raise _build_failed(workspace, code)
        console.print(
            f"[red]the vector stage of the build failed (exit {code}); see {workspace / 'build.log'}[/]"
        )
    elif code == 0:
        snap = read_progress(workspace) or {}
        console.print(
            f"[green]release {snap.get('release')}[/] complete (all parts) after {snap.get('elapsed_s', 0):.1f}s"
        )
        if after is not None:  # a daemon thread: a stopped demo ends it, its children die with it
            after()


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
    import subprocess
    import sys

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
    """Add the serving commands to ``app``."""
    app.command()(serve)
    app.command()(demo)
