"""Serving command: serve the current release (one process or N workers); the main job is cli/demo.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import (
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    fail,
    read_shop_toml,
    workspace_note,
)
from shopmind.cli.demo_server import listen_socket


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
            help="Worker processes (one per core serves the most; default: \\[serve] workers, else 1). "
            "They share the live log, so an event posted to one is seen by all.",
        ),
    ] = None,
) -> None:
    """Serve the current release: HTTP API (/docs), storefront (/) and dashboards.

    Follows `shopmind build` and `shopmind rollback` without a restart.
    """
    import uvicorn

    from shopmind.serve.app import create_app
    from shopmind.serve.observe import configure_logging

    try:
        settings = serve_settings(config)
        if log_level not in ("debug", "info", "warning", "error"):
            raise UsageError(f"--log-level must be debug, info, warning or error, not {log_level!r}")
        if not workspace.exists():
            raise UsageError(
                f"workspace {workspace} does not exist (run `shopmind ingest` and `shopmind build`)"
            )
        if not workspace.is_dir():  # was a FileExistsError traceback when the app opened its live log
            raise UsageError(f"workspace {workspace} is a file, not a folder")
    except UsageError as exc:
        raise fail(str(exc)) from None
    settings.setdefault("assistant_warmup_seconds", SERVE_WARMUP_SECONDS)
    n_workers = workers if workers is not None else settings.get("workers", 1)
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or not 1 <= n_workers <= MAX_WORKERS:
        raise fail(f"--workers must be a whole number from 1 to {MAX_WORKERS}, not {n_workers!r}")
    # bound before the release is loaded: a busy port is one line and exit 2 at once, not an
    # address printed, the release loaded and then uvicorn's own error (exit 3)
    sock = listen_socket(host, port)
    configure_logging(log_level)
    console.print(f"storefront: http://{host}:{port}/   API docs: http://{host}:{port}/docs", markup=False)
    if (note := workspace_note(workspace)) is not None:  # an empty storefront, the shop one folder down
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    common = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": 5,
    }
    if n_workers == 1:
        uvicorn.Server(uvicorn.Config(create_app(workspace, settings), **common)).run(sockets=[sock])
        return
    sock.close()  # uvicorn's supervisor binds the port itself and hands it to the workers
    _serve_workers(workspace, settings, log_level, n_workers, common)


def serve_settings(config: Path | None) -> dict[str, Any]:
    """The ``[serve]`` settings of a shop TOML (with its ``[storefront]`` language and its
    ``[assistant]`` phraser), checked: an unknown key, a language the storefront does not speak
    or a bad phraser table is a ``UsageError`` naming it."""
    return {} if config is None else serve_settings_of(read_shop_toml(config), config)


def serve_settings_of(data: dict[str, Any], config: Path) -> dict[str, Any]:
    """``serve_settings`` of a parsed shop TOML (also how ``cli.shop_toml`` checks these tables)."""
    from shopmind.serve.app import DEFAULTS

    table = data.get("serve", {})
    if not isinstance(table, dict):
        raise UsageError(f"{config}: [serve] must be a table, not {table!r}")
    settings: dict[str, Any] = dict(table)
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise UsageError(f"{config}: unknown [serve] setting(s): {', '.join(unknown)}")
    for key, value in settings.items():
        check_serve_setting(key, value, str(config))
    storefront = data.get("storefront", {})
    if not isinstance(storefront, dict):
        raise UsageError(f"{config}: [storefront] must be a table, not {storefront!r}")
    if extra := sorted(set(storefront) - {"language"}):
        raise UsageError(f"{config}: unknown [storefront] setting(s): {', '.join(extra)} (known: language)")
    if "language" in storefront:  # the storefront's default language (serve/i18n.py)
        from shopmind.serve.i18n import check_setting

        try:
            settings["storefront_language"] = check_setting(storefront["language"], str(config))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    assistant = data.get("assistant")
    if assistant:  # the shop assistant's optional phraser endpoint (issue 13)
        from shopmind.assistant.phraser import PHRASER_KEYS, PhraserConfig

        # a mistyped key (`phraser_ulr`) left the phraser off without a word
        if extra := sorted(set(assistant) - set(PHRASER_KEYS)):
            raise UsageError(
                f"{config}: unknown [assistant] setting(s): {', '.join(extra)} "
                f"(known: {', '.join(PHRASER_KEYS)})"
            )
        try:
            PhraserConfig.from_table(assistant)
        except ValueError as exc:
            raise UsageError(f"{config}: {exc}") from None
        settings["assistant"] = dict(assistant)
    return settings


#: What each ``[serve]`` value must be: (kind, least value). The server read them with a bare
#: truth test or ``int()``/``float()``: ``read_key_required = "false"`` (text) turned the key
#: requirement *on*, ``max_body_bytes = "1MB"`` was a traceback after the address was printed,
#: ``poll_seconds = 0`` spun a core re-reading the release pointer without a pause.
#: ``workers`` also has a most (``MAX_WORKERS``): 100 passed this check and was refused later, by
#: ``serve`` alone and without the file's name.
SERVE_KINDS: dict[str, tuple[type, float]] = {
    "max_body_bytes": (int, 1),
    "read_key_required": (bool, 0),
    "metrics_key_required": (bool, 0),
    "poll_seconds": (float, 0.01),
    "storefront_events": (bool, 0),
    "workers": (int, 1),
    "assistant_warmup_seconds": (float, 0),
}
#: ``shopmind serve`` builds the assistant this many seconds after a release loads (``[serve]
#: assistant_warmup_seconds``; 0 = on the first turn, as an embedded ``create_app`` does)
SERVE_WARMUP_SECONDS = 5.0
#: Most worker processes ``[serve] workers`` / ``--workers`` may ask for.
MAX_WORKERS = 64


def check_serve_setting(key: str, value: Any, where: str) -> None:
    """Refuse a ``[serve]`` value of the wrong kind or below its least value (``UsageError``
    naming the file, the setting and the value), before anything binds a port or loads."""
    kind, least = SERVE_KINDS[key]
    if kind is bool:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: [serve] {key} must be true or false, not {value!r}")
        return
    numeric = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, numeric) or value != value:  # NaN
        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"{where}: [serve] {key} must be {what} >= {least:g}, not {value!r}")
    if not least <= value < float("inf"):
        raise UsageError(f"{where}: [serve] {key} must be >= {least:g} (and finite), not {value!r}")
    if key == "workers" and value > MAX_WORKERS:
        raise UsageError(
            f"{where}: [serve] workers must be a whole number from 1 to {MAX_WORKERS}, not {value!r}"
        )


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


def register(app: typer.Typer) -> None:
    """Add the serving commands to ``app``."""
    app.command()(serve)
