"""Data commands: the demo shop, the input formats and checks, ingest through the gate, runs, quarantine."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shopmind.cli.common import (
    DEFAULT_DATA,
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    out,
    read_shop_toml,
    user_errors,
    writable_folder,
)
from shopmind.cli.ingest_report import batch_line, held_advice, stored_notes
from shopmind.cli.listing import Listing
from shopmind.config import load_config
from shopmind.demo.shopfiles import DEMO_GATE_TOML  # noqa: F401 - re-exported by shopmind.cli
from shopmind.quality.codes import CODES

#: the largest --limit (a 20-digit one overflowed the store query with a traceback)
MAX_LIMIT = 10**9


def demo_data(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder to write products/events/judgments/defects parquet files into."
        ),
    ] = Path("demo-shop"),
    seed: Annotated[
        int, typer.Option(min=0, max=2**32 - 1, help="Random seed; the same seed gives identical files.")
    ] = 42,  # numpy's range: -1 was a ValueError traceback
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

    from shopmind.demo.shopfiles import write_shop

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with user_errors():
        try:
            end_at = datetime.strptime(end, "%Y-%m-%d").replace(tzinfo=UTC) if end else today
        except ValueError:
            raise UsageError(f"--end must be a date like 2026-10-31, not {end!r}") from None
        writable_folder(out_dir, "--out")
    t0 = time.perf_counter()
    with console.status("generating the demo shop"):
        tables, assistant, defects = write_shop(out_dir, seed, products, users, days, defect_rate, end_at)
    for name, (rows, path) in tables.items():
        out.print(f"{name:10s} {rows:>9,} rows  {path}", markup=False, highlight=False)
    out.print(f"{'assistant':10s} orders, policies, questions  {assistant}", markup=False, highlight=False)  # fmt: skip
    # the gate settings the shop needs (its Chinese text simplified): unlisted, the README's ingest
    # went without them
    out.print(f"{'gate':10s} settings for ingest --config  {out_dir / 'gate.toml'}", markup=False, highlight=False)  # fmt: skip
    console.print(f"done in {time.perf_counter() - t0:.1f}s; {defects:,} injected defects (defects.parquet)")


def formats() -> None:
    """List the input formats (dataset adapters) that `shopmind ingest --format` accepts."""
    from shopmind.data.adapters import ADAPTERS

    table = Listing([("format", "id"), ("what", "text"), ("default path under the data folder", "text")])
    for a in ADAPTERS.values():
        table.add(a.name, a.summary, a.default_path)
    table.print(out)


def checks() -> None:
    """List the quality checks: stable code, default action, severity, threshold and min rows.

    A row check's severity applies when more than its threshold share of rows fails and at
    least min rows rows fail (so one bad row of a small batch never holds it); both can be set
    per code in the --config TOML (\\[checks.CODE] threshold = ..., min_rows = ...).
    """
    table = Listing(
        [("code", "id"), ("table", "word"), ("action", "word"), ("severity", "word"), ("threshold", "num"),
         ("min rows", "num"), ("meaning", "text")]
    )  # fmt: skip
    for c in CODES.values():
        table.add(c.code, c.table, c.action, c.severity, c.threshold, "" if c.action == "batch" else c.min_rows,
                  c.summary)  # fmt: skip
    table.print(out)
    out.print(
        "A row check holds (error) or warns when failing rows > threshold x rows AND >= min rows; "
        "override per code with [checks.CODE] threshold / min_rows / severity / action in --config.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _resolve_format(path: Path, fmt: str | None) -> str:
    """The format when --format is not given: canonical for a folder of canonical table files and
    for one file named after a table (``products.csv``, ``events.jsonl.gz``), which is what
    `shopmind demo-data` writes and what the README shows; anything else must say its format."""
    from shopmind.data.adapters.canonical import table_of as canonical_table_of
    from shopmind.data.model import TABLES

    if fmt:
        return fmt
    if path.is_dir() and any(path.glob(f"{t}.*") for t in TABLES):
        return "canonical"
    if path.is_file() and canonical_table_of(path) is not None:
        return "canonical"
    if path.is_file() and path.stat().st_size == 0:  # no format could tell it: it was "pass --format"
        raise UsageError(f"{path} is empty: nothing to ingest (expected a header line and rows)")
    raise UsageError(
        f"cannot tell the format of {path}; pass --format (see `shopmind formats`; your own export: "
        f"--format table with the mapping `shopmind mapping {path}` drafts), or name a file in canonical "
        f"columns after its table ({', '.join(f'{t}.csv' for t in TABLES)})"
    )


def _refuse_unreadable_parquet(path: Path) -> None:
    """A truncated or empty Parquet file is named in one line before anything reads or writes
    (the memory-budget estimate opens every Parquet footer and would otherwise raise)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    for f in files:
        if f.name.lower().endswith(".parquet") and not f.name.startswith("."):
            try:
                pq.read_metadata(f)
            except (pa.ArrowException, OSError) as exc:
                raise UsageError(f"{f}: not a readable Parquet file ({exc})") from None


def ingest(
    location: Annotated[
        str,
        typer.Argument(
            metavar="PATH",
            help="File or folder to ingest (relative paths under --data-root are tried too); with "
            "--engine spark also a URI Spark reads (hdfs://, s3a://, file://) of canonical Parquet tables.",
        ),
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
        typer.Option(
            help="Name of the feed, so runs of the same feed are compared (default: the dataset format; "
            "--format table: the file's name, a canonical folder: its name, without a date stamp)."
        ),
    ] = None,
    data_root: Annotated[
        Path, typer.Option(help="Folder of the shared datasets, for relative paths.")
    ] = DEFAULT_DATA,
    force: Annotated[bool, typer.Option(help="Publish even when an error threshold is crossed.")] = False,
    full_catalog: Annotated[
        bool,
        typer.Option(
            "--full-catalog",
            help="The file is the whole catalog: stored products it does not list are removed once it is "
            "published (more than half: refused without --force).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON summary on stdout.")] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            help="Engine running the gate: polars (one machine) or spark (docs/SCALE.md); "
            "default: \\[engine] kind in --config, else polars."
        ),
    ] = None,
) -> None:
    """Ingest a batch through the quality gate: coerce, repair, check, quarantine, publish.

    Exit code 0: published (clean or warnings). 1: an error threshold was crossed, the batch
    is held and nothing is published (the run and its quarantine are recorded). 2: usage error.
    """
    from shopmind.cli.full_catalog import missing_products, removed_note
    from shopmind.cli.users import check_ingest_privacy, ingest_privacy, ingest_privacy_key
    from shopmind.data.adapters import get_adapter
    from shopmind.engine import KINDS, load_engine
    from shopmind.engine.run import gate_spark_uri, gate_with
    from shopmind.engine.spark.read import is_uri, local_parquet_folder
    from shopmind.quality.gate import publish
    from shopmind.quality.quarantine import first_reason
    from shopmind.quality.report import pending_report
    from shopmind.store.store import Store

    with user_errors():
        if config is not None:
            read_shop_toml(config)  # the whole file checked, not only the tables ingest reads
        cfg = load_config(config)
        engine_cfg = load_engine(config)
        check_ingest_privacy(workspace, config)  # a bad [privacy] fails before the batch is read
        kind = engine or engine_cfg.kind
        if kind not in KINDS:
            raise UsageError(f"--engine must be one of {', '.join(KINDS)}, not {kind!r}")
        if is_uri(location):
            if kind != "spark":
                raise UsageError(f"{location}: a URI is read by Spark; add --engine spark (docs/SCALE.md)")
            if fmt not in (None, "canonical"):
                raise UsageError(
                    f"{location}: Spark reads canonical Parquet tables; --format {fmt} needs a local path"
                )
        path = Path(location)
        if not is_uri(location) and not path.exists() and (data_root / path).exists():
            path = data_root / path
        if not is_uri(location) and not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        name = "canonical" if is_uri(location) else _resolve_format(path, fmt)
        adapter = get_adapter(name)
        options = {"mapping": mapping} if mapping is not None else {}
        if mapping is not None and name != "table":
            raise UsageError("--mapping only applies to --format table")
        if mapping is None and name == "table":  # before the progress line, not under it
            raise UsageError(
                f"--format table needs --mapping: `shopmind mapping {path}` drafts one from its header"
            )
        writable_folder(workspace, "--workspace")
        if not is_uri(location):
            _refuse_unreadable_parquet(path)
        # Spark reads the input itself when it can: a URI, or a local folder of canonical Parquet
        spark_reads = (
            kind == "spark" and name == "canonical" and (is_uri(location) or local_parquet_folder(path))
        )
        spark_uri = location if is_uri(location) else str(path.resolve())
        if kind == "polars":  # refuse a batch over the single-node memory budget before reading it
            from shopmind.engine.budget import check_single_node

            check_single_node(path, engine_cfg.memory_budget)
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),  # file names are not markup
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        with progress:
            task = progress.add_task(f"reading {path.name} ({name})", total=5)
            if spark_reads:  # read on the executors; ids pseudonymised there ([privacy])
                key = ingest_privacy_key(workspace, config)
                batch = None
            else:
                batch = adapter.load(path, **options)
                if source:
                    batch.source = source
                ingest_privacy(batch, workspace, config)  # ids pseudonymised before the gate ([privacy])
            progress.update(task, advance=1, description="opening the store")
            with Store(workspace) as store:
                missing = missing_products(batch, store, force, path.name) if full_catalog else []
                progress.update(task, advance=1, description="checking rows")
                if batch is None:
                    result = gate_spark_uri(spark_uri, cfg, store, engine_cfg, workspace, key, source)
                else:
                    result = gate_with(
                        kind, batch, cfg, store, engine_cfg, workspace,
                        step=lambda what: progress.update(task, description=f"checking rows: {what}"),
                    )  # fmt: skip
                result.forced = force and result.held  # the report says what publish will do
                progress.update(task, advance=1, description="writing the report")
                # the report joins reports/ only once the run is recorded: a Ctrl-C, a failed
                # write or a kill -9 must not leave a report standing for an unrecorded run
                # (/v1/quality/runs and the dashboard list runs by their report files)
                with pending_report(result, workspace / "reports", store) as (json_path, html_path):
                    progress.update(
                        task,
                        advance=1,
                        description="publishing" if not result.held or force else "recording the held run",
                    )
                    written = publish(result, store, cfg, str(html_path), force=force)
                if full_catalog and (force or not result.held):
                    removed = store.delete_products(missing)
                # the bar stays on screen: it says what was done, not a bare "done"
                outcome = "published" if not result.held or force else "held (see the report)"
                progress.update(task, advance=1, description=f"{path.name} ({name}): checked, {outcome}")
    from shopmind.gate_settings import remember

    remember(workspace, config)  # the gate this shop's data went through: `evaluate` uses it too
    summary = result.summary()
    if as_json:
        out.print_json(json.dumps(summary, default=str, ensure_ascii=False))
    else:
        table = Listing(
            [("table", "word"), ("input", "num"), ("accepted", "num"), ("quarantined", "num"),
             ("written to store", "num")],
            title=f"run {result.run_id} ({result.source})",
        )  # fmt: skip
        for tname, a in summary["account"].items():
            table.add(tname, f"{a['input']:,}", f"{a['accepted']:,}", f"{a['quarantined']:,}",
                      f"{written.get(tname, 0):,}")  # fmt: skip
        table.print(out)
        for tname, how in (summary["meta"].get("read_as") or {}).items():  # a header row found, a JSON key
            out.print(f"{tname}: read as {how}", markup=False, highlight=False, soft_wrap=True)
        if full_catalog and (force or not result.held):
            out.print(
                removed_note(removed, missing, path.name), markup=False, highlight=False, soft_wrap=True
            )
        for note in stored_notes(summary["account"], written):
            out.print(note, markup=False, highlight=False, soft_wrap=True)
        failing = sorted(
            (c for c in result.checks if c["failed"] and c["action"] != "batch"), key=lambda c: -c["failed"]
        )
        # the 12 largest, then every code that crossed its threshold (the reason a batch is held)
        top = failing[:12] + [c for c in failing[12:] if c["crossed"]]
        for c in top:
            mark = "[red]![/]" if c["crossed"] else " "
            out.print(f" {mark} {c['table']:9s} {c['code']:24s} {c['failed']:>9,}  {escape(c['action'])}")
            if c["code"] == "TYPE_ERROR" and (
                first := first_reason(result.tables[c["table"]].quarantine, "TYPE_ERROR")
            ):
                out.print(
                    f"     e.g. {first}", markup=False, highlight=False, soft_wrap=True
                )  # which setting reads it
        if rest := [c for c in failing if c not in top]:
            # the list was cut at 12 without a word: a shop read 12 codes as every failing one
            tables = ", ".join(sorted({c["table"] for c in rest}))
            out.print(f"   ... {len(rest)} more codes failing ({tables}): see the report", highlight=False)
        for c in result.checks:
            if c["action"] == "batch" and c["crossed"]:
                out.print(f" [yellow]~[/] {c['code']}: {escape(batch_line(c))}")
    held = result.held and not force
    status = "[red]HELD[/] (nothing published)" if held else "[green]published[/]"
    console.print(f"{status}; report: {escape(str(html_path))}", highlight=False)
    console.print(f"summary: {escape(str(json_path))}", highlight=False)
    if held:
        advice = held_advice(result.checks, result.run_id, workspace)
        console.print(advice, markup=False, highlight=False, soft_wrap=True)  # the TOML stays copyable
    raise typer.Exit(code=0 if force else result.exit_code)


def runs(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    source: Annotated[str | None, typer.Option(help="Only runs of this feed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="How many runs, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List past quality runs with their account and report path."""
    from shopmind.store.store import Store

    with user_errors(), Store(workspace, read_only=True) as store:
        frame = store.runs(limit=limit, source=source)
        if source and frame.is_empty():  # a mistyped feed listed an empty table, exit 0
            feeds = sorted(set(store.runs(limit=MAX_LIMIT)["source"].to_list()))
            raise UsageError(
                f"no runs of feed {source!r} in {workspace} "
                + (f"(its feeds: {', '.join(feeds)})" if feeds else "(it has no runs yet)")
            )
    if as_json:
        for r in frame.iter_rows(named=True):
            print(json.dumps(r, default=str))
        return
    table = Listing(
        [("run", "id"), ("source", "word"), ("status", "word"), ("input", "num"), ("accepted", "num"),
         ("quarantined", "num"), ("repaired", "num"), ("report", "text")]
    )  # fmt: skip
    for r in frame.iter_rows(named=True):
        table.add(
            r["run_id"], r["source"], r["status"], f"{r['input_rows']:,}", f"{r['accepted']:,}",
            f"{r['quarantined']:,}", f"{r['repaired_cells']:,}", r["report_path"],
        )  # fmt: skip
    table.print(out)


def quarantine(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest run).")] = None,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    code: Annotated[str | None, typer.Option(help="Only rows with this reason code.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Rows to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    show_pii: Annotated[
        bool,
        typer.Option(
            "--show-pii", help="Show customer ids, e-mails and phone numbers as stored (masked by default)."
        ),
    ] = False,
) -> None:
    """Show quarantined rows of a run: row, source line, reasons and the original data.

    Customer ids are pseudonymised (the same keyed hash as in the reports) and e-mail addresses
    and phone numbers masked unless --show-pii (shopmind.privacy).
    """
    from shopmind.privacy import mask_payload, mask_pii, workspace_secret
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
    rows = list(frame.head(limit).iter_rows(named=True))
    if not show_pii:
        key = workspace_secret(workspace)
        rows = [
            {**r, "payload": mask_payload(r["payload"], key), "detail": mask_pii(r["detail"] or "")}
            for r in rows
        ]
    if as_json:
        for r in rows:
            print(json.dumps(r, default=str, ensure_ascii=False))
        return
    table = Listing(
        [("table", "word"), ("row", "num"), ("line", "num"), ("reasons", "text"), ("data", "text")],
        title=f"{frame.height:,} quarantined rows in run {run_id}",
    )
    for r in rows:
        table.add(r["table_name"], r["row_no"], r["line"], r["detail"], (r["payload"] or "")[:160])
    table.print(out)


def register(app: typer.Typer) -> None:
    """Add the data commands to ``app`` (in the order ``shopmind --help`` lists them)."""
    app.command("demo-data")(demo_data)
    app.command()(formats)
    app.command()(checks)
    app.command()(ingest)
    app.command()(runs)
    app.command()(quarantine)
