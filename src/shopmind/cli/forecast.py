"""``shopmind evaluate forecast``: the rolling-origin forecast backtest (shopmind.forecast.evaluate)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import UsageError, console, fail, writable_file
from shopmind.eval_folder import (
    DEFAULT_WORKSPACE,
    GATE_CONFIG,
    WORKSPACE,
    evaluation_folder,
    say_where_the_shop_is,
)


def register(app: typer.Typer) -> None:
    """Add ``forecast`` to the evaluate sub-app ``app``."""

    @app.command("forecast")
    def forecast(
        path: Annotated[
            Path, typer.Argument(help="Dataset folder (store formats) or a long CSV/Parquet file.")
        ],
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                "-f",
                help="online-retail | groceries | long (id,date,value[,covariates]; headers in any case, or Nixtla's unique_id,ds,y; date: a date, or weeks/days numbered 1..n per series: ends aligned).",
            ),
        ] = "long",
        grain: Annotated[str, typer.Option(help="day | week.")] = "week",
        level: Annotated[str, typer.Option(help="product | category (store formats).")] = "product",
        horizon: Annotated[int, typer.Option(help="Periods ahead per cut (M4 weekly: 13).")] = 13,
        windows: Annotated[int, typer.Option(help="Rolling origins (1 = the M4 single final holdout).")] = 1,
        inner_windows: Annotated[
            int, typer.Option(help="Backtest windows inside each training window for the ensemble's choice.")
        ] = 2,
        calib_windows: Annotated[
            int,
            typer.Option(
                help="Count data: windows the interval dispersion is calibrated on (the inner windows plus "
                "older ones where the history holds them; default: ensemble.CALIB_WINDOWS)."
            ),
        ] = 0,
        models: Annotated[
            str,
            typer.Option(
                help="Comma-separated models compared, and the pool ours chooses from (default: all peers + "
                "LightGBM); on weekly series ours adds their THieF forms and LightGBM-mase (--no-thief: not)."
            ),
        ] = "",
        max_series: Annotated[int, typer.Option(help="Seeded sample of series (0 = all).")] = 500,
        seed: Annotated[int, typer.Option(help="Seed of the series sample.")] = 0,
        temporal: Annotated[
            bool,
            typer.Option(
                help="Weekly grain: ours also weighs temporal-hierarchy candidates (MAPA X@agg; store data: "
                "the daily LightGBM summed to weeks). Off: it did not improve the 2026-12-04 holdouts."
            ),
        ] = False,
        thief: Annotated[
            bool,
            typer.Option(
                help="Weekly grain: smooth series use the THieF forms (1/2/4/13-week temporal hierarchy) of "
                "seasonal naive, AutoETS, AutoTheta, TSB and ADIDA in ours' pool, plus THieF-ADIDA with a Huber "
                "LightGBM of its residuals (--no-thief: the plain models, neither addition)."
            ),
        ] = True,
        global_pool: Annotated[
            str,
            typer.Option(
                help="Series the global models (LightGBM, the residual model) are fitted on: sample (the "
                "scored series only), eligible (every series with the sample's history), auto (the default "
                "per grain, pooled.GLOBAL_POOL_FREQS)."
            ),
        ] = "auto",
        flagged: Annotated[
            str,
            typer.Option(
                help="Store formats: purchases the gate flagged EVT_QTY_OUTLIER and their linked returns: "
                "leave_out of demand (the release's \\[forecast] flagged default) or keep; counted in the result."
            ),
        ] = "leave_out",
        ends: Annotated[
            str,
            typer.Option(
                help="Long format: auto (own when every series has a value in each period from its first to "
                "its last and some end early - a series dataset such as M4 written with dates - else file), "
                "file (a series' periods after its last row are 0: a shop's sparse export) "
                "or own (each series ends at its own last value)."
            ),
        ] = "auto",
        # it wrote into bench/results/ of whatever folder it ran in (the repository's benchmark
        # folder), then shopmind-data/reports, which no page reads
        out: Annotated[
            Path | None,
            typer.Option(
                help="JSON result file (default: <workspace>/evaluation/forecast-FORMAT-TIME.json, which the "
                "evaluation dashboard shows)."
            ),
        ] = None,
        workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
        config: Annotated[Path | None, GATE_CONFIG] = None,
    ) -> None:
        """Ours (per-class ensemble, conformal intervals) vs seasonal naive, each statsforecast model and
        LightGBM on the same series and cuts: MASE, RMSSE, bias, 80%/95% coverage."""
        from shopmind.forecast.eval_table import named_models_note, print_table
        from shopmind.forecast.evaluate import FORMATS, load_panels, run
        from shopmind.forecast.models import make_models
        from shopmind.forecast.series import SeriesError

        if fmt not in FORMATS:
            raise fail(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
        if horizon < 1 or windows < 1 or inner_windows < 1 or calib_windows < 0:
            raise fail("--horizon, --windows and --inner-windows must be >= 1, --calib-windows >= 0")
        from shopmind.forecast.pooled import GLOBAL_POOL_MODES

        if global_pool not in GLOBAL_POOL_MODES:
            raise fail(f"--global-pool must be one of {', '.join(GLOBAL_POOL_MODES)}, not {global_pool!r}")
        from shopmind.forecast.flagged import MODES

        if flagged not in MODES:
            raise fail(f"--flagged must be one of {', '.join(MODES)}, not {flagged!r}")
        from shopmind.forecast.series import ENDS

        if ends not in ENDS:
            raise fail(f"--ends must be one of {', '.join(ENDS)}, not {ends!r}")
        if ends not in ("auto", "file") and fmt != "long":
            raise fail(
                "--ends applies to the long format (-f long) only: store data end at the store's last day"
            )
        if max_series < 0:  # was numpy's "negative dimensions are not allowed"
            raise fail(f"--max-series must be >= 0 (0 = all series), not {max_series}")
        names = [m.strip() for m in models.split(",") if m.strip()] or None
        out_given = out is not None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = out or evaluation_folder(workspace) / f"forecast-{fmt}-{stamp}.json"
        try:  # checked before the run (minutes), not when the result is saved
            writable_file(out, "--out")
        except UsageError as exc:
            raise fail(str(exc)) from None
        from shopmind.config import ConfigError
        from shopmind.gate_settings import resolve as resolve_gate

        try:
            gate_cfg, gate_from = resolve_gate(workspace, config)
        except ConfigError as exc:
            raise fail(str(exc)) from None
        if fmt != "long":
            print(f"quality gate settings: {gate_from}")
        try:
            if names:
                make_models(names)
            t0 = time.perf_counter()
            panel, daily, meta = load_panels(fmt, path, grain, level, flagged, ends, gate_cfg)
            if fmt != "long":
                meta["gate_settings"] = gate_from
                # a folder's file: which one the figures are of (the folder alone was printed)
                print(f"read {', '.join(str(f) for f in meta['files']) or path}")
            read_as = (
                f", read as {meta['encoding']}"
                if meta.get("encoding") not in (None, "utf-8", "parquet")
                else ""
            )
            print(
                f"{path}: {panel.n} series x {panel.T} periods ({time.perf_counter() - t0:.1f}s to load{read_as})"
            )
            for line in long_notes(meta, panel):
                print(line)
            with _working(console, panel.n if max_series == 0 else min(max_series, panel.n), windows):
                result = run(
                    panel,
                    horizon,
                    windows,
                    names,
                    inner_windows,
                    max_series,
                    seed,
                    daily=daily,
                    temporal=temporal,
                    thief=thief,
                    global_pool=global_pool,
                    **({"calib_windows": calib_windows} if calib_windows else {}),
                )
        except (SeriesError, ValueError, FileNotFoundError) as exc:
            raise fail(str(exc)) from None
        result.update(
            kind="forecast",  # for /v1/evaluation, which reads every JSON of the folder
            dataset={"path": str(path), "format": fmt, "grain": grain, "level": level, **meta},
            date=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - t0, 1),
        )
        print_table(result)
        note = named_models_note(names, result["models"])
        if note:
            print(note)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str))
        print(f"saved {out}")
        say_where_the_shop_is(workspace, out_given, print)


def long_notes(meta: dict[str, Any], panel: Any) -> list[str]:
    """What the long reader assumed about the dates, said before the run. Why: a file whose series end at
    different dates (M4's calendar dates) had its missing later periods read as 0 without a word, so the
    final holdout scored forecasts against invented zeros (353 of 360 M4-like series, t0m session 26)."""
    lines = [f"columns: {meta['columns']}"] if meta.get("columns") else []
    if meta.get("not_read"):
        lines.append(f"not read: {meta['not_read']}")
    if meta.get("dates"):
        lines.append(f"dates: {meta['dates']}")
    early = int(meta.get("ended_early") or 0)
    if early:
        lines.append(
            f"note: {early} of {panel.n} series end before the last period ({panel.dates[-1]}); their later "
            "periods are read as 0 (no demand). Series that simply stop (each with its own holdout) "
            "are read with --ends own (or written with period numbers 1, 2, ... instead of dates)"
        )
    return lines


def _working(console: Any, series: int, windows: int) -> Any:
    """A spinner with the elapsed time while the evaluation runs (stderr, gone when it ends). Why:
    the README's example on Online Retail printed its two load lines and then nothing for many
    minutes; a user could not tell a long run from a hung one."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                   console=console, transient=True)  # fmt: skip
    bar.add_task(f"backtesting every model on {series:,} series at {windows} cut(s) (minutes on a real shop)")
    return bar
