"""The ``shopmind`` command line.

Exit codes are part of the contract for schedulers and CI: 0 = clean or warnings only,
1 = an error threshold was crossed and the batch is held (nothing published), 2 = usage or
input error (bad flag, missing file, bad config). User errors print one clear message, never
a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopmind.config import ConfigError, load_config
from shopmind.quality.codes import CODES

app = typer.Typer(
    name="shopmind",
    help="Self-hosted search and recommendations for online shops, behind a data-quality gate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

WORKSPACE = typer.Option("--workspace", "-w", help="Folder holding the store (DuckDB file) and reports.")
DEFAULT_WORKSPACE = Path("shopmind-data")
DEFAULT_DATA = Path("../shared/data")


DEMO_GATE_TOML = """# Gate settings for the demo shop: its Chinese text is simplified Chinese, so traditional
# characters that slip in are converted (OpenCC t2s). Pass with `shopmind ingest --config`.
[gate]
traditional_to_simplified = true
"""


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, exit code 2."""


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code=2)


@contextmanager
def _user_errors() -> Iterator[None]:
    from shopmind.data.readers import InputError

    try:
        yield
    except (UsageError, InputError, ConfigError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder to write products/events/judgments/defects parquet files into."
        ),
    ] = Path("demo-shop"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = 42,
    products: Annotated[int, typer.Option(min=50, help="Number of products.")] = 3000,
    users: Annotated[int, typer.Option(min=10, help="Number of users.")] = 1500,
    days: Annotated[int, typer.Option(min=1, help="Days of behaviour.")] = 60,
    defect_rate: Annotated[
        float,
        typer.Option(min=0.0, max=0.5, help="Share of rows given an injected defect (with ground truth)."),
    ] = 0.02,
    end: Annotated[
        str | None,
        typer.Option(help="Last day of behaviour, YYYY-MM-DD (default: today, UTC), so the shop looks live."),
    ] = None,
) -> None:
    """Generate the bilingual (Chinese + English) demo shop, with injected defects and their ground truth.

    Also writes gate.toml, the gate settings for this shop (its Chinese text is simplified,
    so traditional characters are converted); pass it to `shopmind ingest --config`.
    """
    from datetime import UTC, datetime

    from shopmind.demo.generator import generate, write

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with _user_errors():
        try:
            end_at = datetime.strptime(end, "%Y-%m-%d").replace(tzinfo=UTC) if end else today
        except ValueError:
            raise UsageError(f"--end must be a date like 2026-10-31, not {end!r}") from None
    t0 = time.perf_counter()
    with console.status("generating the demo shop"):
        shop = generate(
            seed=seed, n_products=products, n_users=users, days=days, defect_rate=defect_rate, end=end_at
        )
        paths = write(shop, out_dir)
        (out_dir / "gate.toml").write_text(DEMO_GATE_TOML, encoding="utf-8")
    for name, path in paths.items():
        frame = getattr(shop.batch, name, None)
        rows = frame.height if frame is not None else shop.defects.height
        out.print(f"{name:10s} {rows:>9,} rows  {path}")
    console.print(
        f"done in {time.perf_counter() - t0:.1f}s; {shop.defects.height:,} injected defects (defects.parquet)"
    )


@app.command()
def formats() -> None:
    """List the input formats (dataset adapters) that `shopmind ingest --format` accepts."""
    from shopmind.data.adapters import ADAPTERS

    table = Table("format", "what", "default path under the data folder")
    for a in ADAPTERS.values():
        table.add_row(a.name, a.summary, a.default_path or "")
    out.print(table)


@app.command()
def checks() -> None:
    """List the quality checks: stable code, default action, severity and threshold."""
    table = Table("code", "table", "action", "severity", "threshold", "meaning")
    for c in CODES.values():
        table.add_row(c.code, c.table, c.action, c.severity, str(c.threshold), c.summary)
    out.print(table)


def _resolve_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path.is_dir() and any(path.glob(f"{t}.*") for t in ("products", "events", "judgments")):
        return "canonical"
    raise UsageError(f"cannot tell the format of {path}; pass --format (see `shopmind formats`)")


@app.command()
def ingest(
    path: Annotated[
        Path,
        typer.Argument(help="File or folder to ingest (relative paths under --data-root are tried too)."),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Input format (see `shopmind formats`); a folder of canonical files is detected.",
        ),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML column mapping for --format table.")] = None,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    config: Annotated[
        Path | None, typer.Option(help="Gate configuration (TOML) overriding the embedded defaults.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Name of the feed, so runs of the same feed are compared (default: the format)."),
    ] = None,
    data_root: Annotated[
        Path, typer.Option(help="Folder of the shared datasets, for relative paths.")
    ] = DEFAULT_DATA,
    force: Annotated[bool, typer.Option(help="Publish even when an error threshold is crossed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON summary on stdout.")] = False,
) -> None:
    """Ingest a batch through the quality gate: coerce, repair, check, quarantine, publish.

    Exit code 0: published (clean or warnings). 1: an error threshold was crossed, the batch
    is held and nothing is published (the run and its quarantine are recorded). 2: usage error.
    """
    from shopmind.data.adapters import get_adapter
    from shopmind.quality.gate import publish, run_gate
    from shopmind.quality.report import write_report
    from shopmind.store.store import Store

    with _user_errors():
        if not path.exists() and (data_root / path).exists():
            path = data_root / path
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        name = _resolve_format(path, fmt)
        adapter = get_adapter(name)
        cfg = load_config(config)
        options = {"mapping": mapping} if mapping is not None else {}
        if mapping is not None and name != "table":
            raise UsageError("--mapping only applies to --format table")
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        with progress:
            task = progress.add_task(f"reading {path.name} ({name})", total=5)
            batch = adapter.load(path, **options)
            if source:
                batch.source = source
            progress.update(task, advance=1, description="opening the store")
            with Store(workspace) as store:
                progress.update(task, advance=1, description="checking rows")
                result = run_gate(batch, cfg, store)
                progress.update(task, advance=1, description="writing the report")
                json_path, html_path = write_report(result, workspace / "reports", store)
                progress.update(
                    task,
                    advance=1,
                    description="publishing" if not result.held or force else "recording the held run",
                )
                written = publish(result, store, cfg, str(html_path), force=force)
                progress.update(task, advance=1, description="done")
    summary = result.summary()
    if as_json:
        out.print_json(json.dumps(summary, default=str, ensure_ascii=False))
    else:
        table = Table(
            "table",
            "input",
            "accepted",
            "quarantined",
            "written to store",
            title=f"run {result.run_id} ({result.source})",
        )
        for tname, a in summary["account"].items():
            table.add_row(
                tname,
                f"{a['input']:,}",
                f"{a['accepted']:,}",
                f"{a['quarantined']:,}",
                f"{written.get(tname, 0):,}",
            )
        out.print(table)
        top = sorted(
            (c for c in result.checks if c["failed"] and c["action"] != "batch"), key=lambda c: -c["failed"]
        )[:12]
        for c in top:
            mark = "[red]![/]" if c["crossed"] else " "
            out.print(f" {mark} {c['table']:9s} {c['code']:24s} {c['failed']:>9,}  {c['action']}")
        for c in result.checks:
            if c["action"] == "batch" and c["crossed"]:
                out.print(f" [yellow]~[/] {c['code']}: {c['detail']}")
    status = "[red]HELD[/] (nothing published)" if result.held and not force else "[green]published[/]"
    console.print(f"{status}; report: {html_path}")
    console.print(f"summary: {json_path}")
    raise typer.Exit(code=0 if force else result.exit_code)


@app.command()
def runs(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    source: Annotated[str | None, typer.Option(help="Only runs of this feed.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List past quality runs with their account and report path."""
    from shopmind.store.store import Store

    with _user_errors(), Store(workspace, read_only=True) as store:
        frame = store.runs(limit=limit, source=source)
    if as_json:
        for r in frame.iter_rows(named=True):
            print(json.dumps(r, default=str))
        return
    table = Table("run", "source", "status", "input", "accepted", "quarantined", "repaired", "report")
    for r in frame.iter_rows(named=True):
        table.add_row(
            r["run_id"], r["source"], r["status"], f"{r['input_rows']:,}", f"{r['accepted']:,}",
            f"{r['quarantined']:,}", f"{r['repaired_cells']:,}", r["report_path"] or "",
        )  # fmt: skip
    out.print(table)


@app.command()
def quarantine(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest run).")] = None,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    code: Annotated[str | None, typer.Option(help="Only rows with this reason code.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Show quarantined rows of a run: row, source line, reasons and the original data."""
    from shopmind.store.store import Store

    with _user_errors():
        if code is not None and code not in CODES:
            raise UsageError(f"unknown code {code!r} (see `shopmind checks`)")
        with Store(workspace, read_only=True) as store:
            if run_id is None:
                latest = store.runs(limit=1)
                if latest.is_empty():
                    raise UsageError(f"no runs in {workspace}")
                run_id = latest["run_id"][0]
            elif store.run(run_id) is None:
                raise UsageError(f"no run {run_id!r} in {workspace} (see `shopmind runs`)")
            frame = store.quarantine(run_id)
    if code:
        frame = frame.filter(frame["codes"].list.contains(code))
    if as_json:
        for r in frame.head(limit).iter_rows(named=True):
            print(json.dumps(r, default=str, ensure_ascii=False))
        return
    table = Table(
        "table", "row", "line", "reasons", "data", title=f"{frame.height:,} quarantined rows in run {run_id}"
    )
    for r in frame.head(limit).iter_rows(named=True):
        table.add_row(
            r["table_name"], str(r["row_no"]), str(r["line"] or ""), r["detail"], (r["payload"] or "")[:160]
        )
    out.print(table)


def _settings(config: Path | None) -> dict:
    """The ``[search]``, ``[recs]`` and ``[release]`` tables of a shop TOML file (all optional)."""
    import tomllib

    if config is None:
        return {}
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file {config} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{config}: not valid TOML: {exc}") from None
    return {k: data[k] for k in ("search", "recs", "release") if k in data}


@app.command()
def build(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Shop TOML file (tables: search, recs, release).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Build even if the latest quality run was held.")] = False,
    keep: Annotated[int | None, typer.Option(min=1, help="Finished releases to keep (default 5).")] = None,
    cache: Annotated[
        Path | None, typer.Option(help="Vector cache folder (default: <workspace>/cache).")
    ] = None,
) -> None:
    """Build a new release from the store and switch the server to it atomically.

    A failed or killed build leaves the current release serving. Refuses when the latest
    quality run was held by the gate, unless --force.
    """
    from shopmind.release.build import build_release
    from shopmind.release.components import default_components
    from shopmind.release.releases import ReleaseError

    try:
        settings = _settings(config)
        keep_n = keep or int(settings.get("release", {}).get("keep", 5))
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("reading the store", total=None)
            manifest = build_release(
                workspace,
                default_components(),
                settings=settings,
                force=force,
                keep=keep_n,
                cache_dir=cache or workspace / "cache",
                log=lambda msg: bar.update(task, description=msg),
            )
    except (ReleaseError, UsageError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None
    parts = ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in manifest["components"].items())
    console.print(
        f"[green]release {manifest['id']}[/] is current ({parts}; total {manifest['seconds']:.1f}s)"
    )
    if manifest.get("pruned"):
        console.print(f"removed old releases: {', '.join(manifest['pruned'])}")
    print(manifest["id"])


@app.command()
def releases(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List finished releases, newest first; the current one is marked."""
    from shopmind.release.releases import Releases

    found = Releases(workspace).list()
    if as_json:
        for m in found:
            print(json.dumps(m, default=str))
        return
    table = Table("", "release", "created", "products", "events", "latest run", "seconds")
    for m in found:
        table.add_row(
            "*" if m["current"] else "", m["id"], m["created_at"][:19], f"{m['rows']['products']:,}",
            f"{m['rows']['events']:,}", f"{m['latest_run']['run_id']} ({m['latest_run']['status']})",
            f"{m['seconds']:.1f}",
        )  # fmt: skip
    out.print(table)


@app.command()
def rollback(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    to: Annotated[str | None, typer.Option(help="Release id (default: the one before the current).")] = None,
) -> None:
    """Switch the current release back (a running server follows without a restart)."""
    from shopmind.release.releases import ReleaseError, Releases

    try:
        rid = Releases(workspace).rollback(to)
    except ReleaseError as exc:
        raise _fail(str(exc)) from None
    console.print(f"current release is now {rid}")


@app.command()
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
    import tomllib

    import uvicorn

    from shopmind.serve.app import DEFAULTS, create_app
    from shopmind.serve.observe import configure_logging

    settings: dict = {}
    try:
        if config is not None:
            try:
                settings = dict(tomllib.loads(config.read_text(encoding="utf-8")).get("serve", {}))
            except FileNotFoundError:
                raise UsageError(f"config file {config} does not exist") from None
            except tomllib.TOMLDecodeError as exc:
                raise UsageError(f"{config}: not valid TOML: {exc}") from None
            unknown = sorted(set(settings) - set(DEFAULTS))
            if unknown:
                raise UsageError(f"{config}: unknown [serve] setting(s): {', '.join(unknown)}")
        if log_level not in ("debug", "info", "warning", "error"):
            raise UsageError(f"--log-level must be debug, info, warning or error, not {log_level!r}")
        if not workspace.exists():
            raise UsageError(
                f"workspace {workspace} does not exist (run `shopmind ingest` and `shopmind build`)"
            )
    except UsageError as exc:
        raise _fail(str(exc)) from None
    n_workers = workers if workers is not None else settings.get("workers", 1)
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or not 1 <= n_workers <= 64:
        raise _fail(f"[serve] workers must be a whole number from 1 to 64, not {n_workers!r}")
    configure_logging(log_level)
    console.print(f"storefront: http://{host}:{port}/   API docs: http://{host}:{port}/docs")
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


@app.command()
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
        raise _fail(f"unknown dataset {dataset!r}; use 'demo' or one of: {', '.join(sorted(ADAPTERS))}")
    if dataset == "demo":
        demo_data(
            out_dir=out_dir, seed=42, products=products, users=users, days=days, defect_rate=0.02, end=None
        )
        source, fmt, gate_cfg = out_dir, None, out_dir / "gate.toml"
    else:
        source, fmt, gate_cfg = data / dataset, dataset, None
        if not source.exists():
            raise _fail(f"{source} does not exist (pass --data with the folder of the shared datasets)")
    try:
        ingest(path=source, fmt=fmt, mapping=None, workspace=workspace, config=gate_cfg, source=None,
               data_root=data, force=False, as_json=False)  # fmt: skip
    except typer.Exit as exc:
        if exc.exit_code not in (0, None):
            raise _fail("the quality gate held the batch: see the report above; nothing was built") from None
    build(workspace=workspace, config=config, force=False, keep=None, cache=None)
    if no_serve:
        return
    serve(workspace=workspace, host=host, port=port, config=config, log_level="warning")


keys_app = typer.Typer(help="API keys for write and admin routes (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="A label, e.g. the client's name.")],
    scope: Annotated[str, typer.Option(help="read, events, write or admin.")] = "write",
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Create a key and print it once (only its scrypt hash is kept)."""
    from shopmind.serve.auth import SCOPES, KeyStore

    if scope not in SCOPES:
        raise _fail(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    if not workspace.exists():
        raise _fail(f"workspace {workspace} does not exist")
    print(KeyStore(workspace).add(name, scope))
    console.print("store this key now: it cannot be shown again (a running server picks it up on reload)")


@keys_app.command("list")
def keys_list(workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """List keys (id, name, scope, created) — never the keys themselves."""
    from shopmind.serve.auth import KeyStore

    for r in KeyStore(workspace).list():
        print(f"{r.key_id}\t{r.name}\t{r.scope}\t{r.created_at}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id shown by `shopmind keys list`.")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Revoke a key."""
    from shopmind.serve.auth import KeyStore

    if not KeyStore(workspace).revoke(key_id):
        raise _fail(f"no key {key_id!r}")
    console.print(f"revoked {key_id}")


evaluate_app = typer.Typer(
    help="Measure search and recommendation quality on judged or held-out data.", no_args_is_help=True
)
app.add_typer(evaluate_app, name="evaluate")


def _register_evaluators() -> None:
    from shopmind.recommend.cli import register as register_recs
    from shopmind.search.cli import register as register_search

    register_search(evaluate_app)
    register_recs(evaluate_app)


_register_evaluators()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        console.print("interrupted; nothing was published by the interrupted step")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
