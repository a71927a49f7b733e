"""``search`` command for an evaluation sub-app (wired as ``shopmind evaluate search``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from shopmind import eval_folder
from shopmind.data.readers import InputError
from shopmind.eval_folder import DEFAULT_WORKSPACE, OUT, WORKSPACE, evaluation_folder, say_where_the_shop_is

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the ``search`` command to ``app``."""

    @app.command("search")
    def search(
        path: Annotated[Path, typer.Argument(help="Dataset file or folder (read by the --format adapter).")],
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="home-depot, crowdflower, qbqtc or canonical.")
        ] = "canonical",
        view: Annotated[str, typer.Option(help="retrieval, rerank or both.")] = "both",
        limit_queries: Annotated[
            int | None, typer.Option(min=1, help="Evaluate a fixed subset of N queries (md5 order).")
        ] = None,
        out: Annotated[Path | None, OUT] = None,
        workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
        methods: Annotated[
            str,
            typer.Option(
                help="Comma-separated: ours, tantivy, bm25s, neutral (baseline), dense-use, dense-e5, "
                "hybrid (ours + dense-use, fusion tuned on half the queries), hybrid-e5, "
                "fusion+ltr / fusion-e5+ltr / bm25+ltr (LightGBM re-ranker of the top 100, scored out of "
                "fold: query-level 5-fold), dense-static / hybrid-static / fusion-static+ltr (static "
                "encoder distilled from e5), dense-static+use / fusion-static+use+ltr; "
                "dense-e5+adapt / hybrid-e5+adapt / fusion-e5+adapt+ltr (a query adapter trained on the "
                "tuning half's judgments: quote the held-out half); "
                "'all' = every method but neutral (e5 over a large corpus "
                "takes a while the first time; vectors are cached)."
            ),
        ] = "ours,tantivy,bm25s",
        vectors: Annotated[
            Path | None,
            typer.Option(
                help="Vector cache folder of the dense and hybrid methods (default: <workspace>/vectors)."
            ),
        ] = None,
        threshold: Annotated[
            float | None,
            typer.Option(
                help="Grade from which a product is relevant (default per format: HD 2.33, CF 3, qbqtc 1)."
            ),
        ] = None,
        progress: Annotated[
            bool,
            typer.Option(
                help="Show a progress bar over queries (on a terminal only: never in a log or a pipe)."
            ),
        ] = True,
        config: Annotated[Path | None, eval_folder.GATE_CONFIG] = None,
    ) -> None:
        """Evaluate search methods side by side on graded judgments (NDCG@10, Recall@100, MRR@10)."""
        from shopmind.cli.common import (  # here: shopmind.cli imports this module as it loads (circular at the top)
            UsageError,
            writable_folder,
        )
        from shopmind.config import ConfigError
        from shopmind.gate_settings import resolve as resolve_gate
        from shopmind.search.evaluate import (
            METHODS,
            VIEWS,
            evaluate,
            load_dataset,
            make_methods,
            write_report,
        )

        views = VIEWS if view == "both" else (view,)
        try:
            if view != "both" and view not in VIEWS:
                raise InputError(f"unknown view {view!r}; valid: retrieval, rerank, both")
            out_given = out is not None
            # the folder /v1/evaluation reads (--workspace: its shop's)
            out = out or evaluation_folder(workspace)
            vectors = vectors or workspace / "vectors"
            writable_folder(out, "--out")  # before the evaluation, not a traceback after it
            gate_cfg, gate_from = resolve_gate(workspace, config)
            data = load_dataset(fmt, path, threshold, gate_config=gate_cfg)
            names = [m.strip() for m in methods.split(",") if m.strip()]
            if names == ["all"]:
                names = [m for m in METHODS if m != "neutral"]
            chosen = make_methods(names, vectors)
        except (InputError, UsageError, ConfigError) as e:
            console.print(f"[bold red]error:[/] {escape(str(e))}", soft_wrap=True, highlight=False)
            raise typer.Exit(code=2) from None
        console.print(f"quality gate settings: {escape(gate_from)}", soft_wrap=True, highlight=False)
        # rows left out, files read: said before minutes of fitting, not only in the JSON
        for note in data.notes:
            console.print(f"note: {escape(note)}", soft_wrap=True, highlight=False)
        summary = evaluate(data, chosen, views, limit_queries, progress=progress)
        summary["path"] = str(path)
        summary["format"] = fmt
        summary["gate_settings"] = gate_from
        stem = f"search-{fmt}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
        json_path, html_path = write_report(summary, out, stem)
        for name, m in summary["methods"].items():  # type: ignore[union-attr]
            for v, r in m["views"].items():  # all queries, then the held-out half
                typer.echo(
                    f"{name:10s} {v:9s} NDCG@10 {_f(r['ndcg@10'])}  Recall@100 {_f(r['recall@100'])}"
                    f"  MRR@10 {_f(r['mrr@10'])}  ({r['queries_per_second']} q/s)"
                )
                h = r.get("heldout")
                if h:
                    typer.echo(
                        f"{'':10s} {'held-out':9s} NDCG@10 {_f(h['ndcg@10'])}  Recall@100 {_f(h['recall@100'])}"
                        f"  MRR@10 {_f(h['mrr@10'])}  ({h['ndcg@10_queries']} queries)"
                    )
            if "tuning" in m and "protocol" in m["tuning"]:
                typer.echo(f"{name}: {m['tuning']['protocol']}; {m['tuning']['chosen']}")
            elif "tuning" in m:
                typer.echo(f"{name}: fusion chosen on the tuning half: {m['tuning']['chosen']}")
            if "fit_info" in m:
                typer.echo(f"{name}: {m['fit_info']}")
            lang = m.get("languages")
            if lang:  # a bilingual catalog: how much quality survives across languages
                typer.echo(
                    f"{name:10s} languages NDCG@10 same {_f(lang['same_language_ndcg@10'])}  cross "
                    f"{_f(lang['cross_language_ndcg@10'])}  cross/same {_f(lang['cross_over_same'])}"
                )
        gate = summary.get("gate")
        if gate:  # what was searched: the gate's accepted products (also said as notes before the fit)
            from shopmind.search.eval_gate import gate_notes

            for line in gate_notes(gate, gate["judged_queries_quarantined"]):  # type: ignore[index, arg-type]
                typer.echo(line)
        typer.echo(summary.get("split", ""))
        typer.echo(f"JSON: {json_path}")
        typer.echo(f"HTML: {html_path}")
        say_where_the_shop_is(workspace, out_given, typer.echo)


def _f(v: object) -> str:
    return "  –   " if v is None else f"{v:.4f}"  # type: ignore[str-format]
