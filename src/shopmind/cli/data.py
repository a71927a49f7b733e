"""Data commands: the demo shop, the input formats and checks, ingest through the gate, runs, quarantine."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopmind.cli.common import (
    DEFAULT_DATA,
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    out,
    user_errors,
)
from shopmind.config import load_config
from shopmind.quality.codes import CODES

DEMO_GATE_TOML = """# Gate settings for the demo shop: its Chinese text is simplified Chinese, so traditional
# characters that slip in are converted (OpenCC t2s). Pass with `shopmind ingest --config`.
[gate]
traditional_to_simplified = true
"""


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
    with user_errors():
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


def formats() -> None:
    """List the input formats (dataset adapters) that `shopmind ingest --format` accepts."""
    from shopmind.data.adapters import ADAPTERS

    table = Table("format", "what", "default path under the data folder")
    for a in ADAPTERS.values():
        table.add_row(a.name, a.summary, a.default_path or "")
    out.print(table)


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

    with user_errors():
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


def runs(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    source: Annotated[str | None, typer.Option(help="Only runs of this feed.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List past quality runs with their account and report path."""
    from shopmind.store.store import Store

    with user_errors(), Store(workspace, read_only=True) as store:
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


def quarantine(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest run).")] = None,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    code: Annotated[str | None, typer.Option(help="Only rows with this reason code.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Show quarantined rows of a run: row, source line, reasons and the original data."""
    from shopmind.store.store import Store

    with user_errors():
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


def register(app: typer.Typer) -> None:
    """Add the data commands to ``app`` (in the order ``shopmind --help`` lists them)."""
    app.command("demo-data")(demo_data)
    app.command()(formats)
    app.command()(checks)
    app.command()(ingest)
    app.command()(runs)
    app.command()(quarantine)
