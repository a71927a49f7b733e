"""The ``recs`` evaluation command, registered on a typer sub-app (``shopmind evaluate recs``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopmind.data.adapters import ADAPTERS
from shopmind.data.readers import InputError
from shopmind.eval_folder import (
    DEFAULT_WORKSPACE,
    GATE_CONFIG,
    OUT,
    WORKSPACE,
    evaluation_folder,
    say_where_the_shop_is,
)

PROTOCOLS = ("loo", "recbole", "time")


def register(app: typer.Typer) -> None:
    """Add ``recs`` to ``app``."""

    @app.command("recs")
    def recs(
        path: Annotated[
            Path,
            typer.Argument(help="Dataset file or folder (e.g. ../shared/data/amazon-beauty/Beauty.txt)."),
        ],
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                "-f",
                help="Dataset format (amazon-5core, movielens, online-retail, ...; a shop's own export: "
                "table, with --mapping).",
            ),
        ],
        mapping: Annotated[
            Path | None,
            typer.Option(help="TOML column mapping for --format table (`shopmind mapping FILE` drafts one)."),
        ] = None,
        out: Annotated[Path | None, OUT] = None,
        workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
        protocol: Annotated[
            str | None, typer.Option(help="loo | recbole | time (default: the format's published protocol).")
        ] = None,
        skip: Annotated[
            str,
            typer.Option(
                help="Comma-separated methods to leave out, e.g. 'sasrec' (SASRec trains for minutes; "
                "it is skipped anyway when torch is not installed)."
            ),
        ] = "",
        config: Annotated[Path | None, GATE_CONFIG] = None,
    ) -> None:
        """Baselines and ours-v1 side by side under the dataset's published protocol (full ranking)."""
        from shopmind.config import ConfigError
        from shopmind.gate_settings import resolve as resolve_gate
        from shopmind.recommend import evaluate

        console = Console(stderr=True)
        if fmt not in ADAPTERS:
            console.print(f"[bold red]error:[/] unknown format {fmt!r}; valid: {', '.join(ADAPTERS)}")
            raise typer.Exit(2)
        if mapping is not None and fmt != "table":  # as `shopmind ingest` says it
            console.print("[bold red]error:[/] --mapping only applies to --format table")
            raise typer.Exit(2)
        if protocol is not None and protocol not in PROTOCOLS:
            console.print(f"[bold red]error:[/] unknown protocol {protocol!r}; valid: {', '.join(PROTOCOLS)}")
            raise typer.Exit(2)
        skipped = tuple(m.strip() for m in skip.split(",") if m.strip())
        known = (*evaluate.FAMILY_NAMES, evaluate.RANKER_NAME)
        unknown = [m for m in skipped if m not in known]
        if unknown:
            console.print(
                f"[bold red]error:[/] unknown method(s) {', '.join(unknown)}; valid: {', '.join(known)}"
            )
            raise typer.Exit(2)
        if not path.exists():
            console.print(f"[bold red]error:[/] {escape(str(path))} does not exist")
            raise typer.Exit(2)
        from shopmind.cli.common import (  # here: shopmind.cli imports this module as it loads (circular at the top)
            UsageError,
            writable_folder,
        )

        try:
            out_given = out is not None
            # the folder /v1/evaluation reads (--workspace: its shop's)
            out = out or evaluation_folder(workspace)
            writable_folder(out, "--out")  # before minutes of training, not a traceback after them
            gate_cfg, gate_from = resolve_gate(workspace, config)
        except (UsageError, ConfigError) as exc:
            console.print(f"[bold red]error:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None
        console.print(f"quality gate settings: {escape(gate_from)}", soft_wrap=True, highlight=False)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as bar:  # fmt: skip

            def progress(label: str, total: int) -> Iterator[Any]:
                task = bar.add_task(label, total=total)
                for _ in range(total):
                    yield None
                    bar.advance(task)

            def log(msg: str) -> None:
                bar.console.print(msg, highlight=False, markup=False)  # '[torch]' is not markup

            try:
                result = evaluate.run(
                    fmt, path, protocol, progress=_advancing(progress), log=log, skip=skipped, mapping=mapping,
                    gate_config=gate_cfg,
                )  # fmt: skip
                result["gate_settings"] = gate_from
            except InputError as exc:  # unreadable or malformed input: a user error, not a bug
                console.print(f"[bold red]error:[/] {escape(str(exc))}")
                raise typer.Exit(2) from None
        json_path, html_path = evaluate.write_report(result, out)
        table = Table(title=f"{fmt}: {result['protocol']} (test, full ranking)")
        cols = ("hit@10", "ndcg@10", "recall@20", "ndcg@20", "mrr@10", "coverage@20", "novelty@10")
        table.add_column("model")
        for c in cols:
            table.add_column(c, justify="right")
        guard = result.get("ranker", {}).get("guard", {})
        for name, m in result["test"].items():
            refused = (
                name == "ours-ranker" and guard.get("served") is False
            )  # ranker_guard: the fallback's row
            table.add_row(
                f"{name} (serves {guard['against']})" if refused else name, *(f"{m[c]:.4f}" for c in cols)
            )
        from shopmind.cli.listing import table_console  # here: shopmind.cli imports this module

        table_console().print(table)
        Console().print(f"json: {json_path}\nhtml: {html_path}")
        say_where_the_shop_is(workspace, out_given, lambda line: Console().print(line, markup=False))


def _advancing(progress: Any) -> Any:
    """Make each progress generator advance on ``next``: the first step is primed here."""

    def start(label: str, total: int) -> Iterator[Any]:
        gen = progress(label, total)
        next(gen, None)
        return gen

    return start
