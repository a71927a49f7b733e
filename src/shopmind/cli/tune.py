"""``shopmind tune search|recs``: engine settings chosen by Optuna on validation data only,
within ``--minutes``; the chosen values go to a new copy of the shop TOML (the original is
kept unchanged) with the study's report (JSON + PNG). See ``shopmind.tune``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopmind.cli.common import UsageError, fail, out, writable_file, writable_folder

MINUTES = typer.Option("--minutes", "-m", help="Wall-clock budget of the whole study, in minutes.")
CONFIG = typer.Option("--config", "-c", help="The shop TOML to start from (its values are the first trial).")
OUT = typer.Option("--out", help="Where the tuned copy goes (default: <config stem>.tuned.toml beside it).")
REPORTS = typer.Option("--reports", help="Folder for the study's JSON and PNG.")
FORMAT_RECS = typer.Option("--format", "-f", help="Dataset format (online-retail, amazon-5core, movielens, ...; "
                           "a shop's own export: table, with --mapping).")  # fmt: skip
FORMAT_SEARCH = typer.Option("--format", "-f", help="Dataset format with judgments: home-depot, crowdflower, qbqtc "
                             "or canonical.")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``tune`` group to ``app``."""
    tune_app = typer.Typer(help="Tune search or recommendation settings on validation data (Optuna).",
                           no_args_is_help=True)  # fmt: skip
    app.add_typer(tune_app, name="tune")

    @tune_app.command("recs")
    def recs(
        path: Annotated[Path, typer.Argument(help="Dataset file or folder.")],
        fmt: Annotated[str, FORMAT_RECS],
        minutes: Annotated[float, MINUTES] = 20.0,
        config: Annotated[Path | None, CONFIG] = None,
        out_path: Annotated[Path | None, OUT] = None,
        reports: Annotated[Path, REPORTS] = Path("shopmind-data/reports/tune"),
        protocol: Annotated[
            str | None, typer.Option(help="loo | recbole | time (default: the format's).")
        ] = None,
        seed: Annotated[int, typer.Option(help="Sampler seed.")] = 0,
        max_trials: Annotated[int | None, typer.Option(help="Stop after this many trials too.")] = None,
        mapping: Annotated[
            Path | None,
            typer.Option(help="TOML column mapping for --format table (`shopmind mapping FILE` drafts one)."),
        ] = None,
    ) -> None:
        """Generator settings, fusion weights and the RRF constant on the protocol's validation phase."""
        from shopmind.tune.run import tune_recs_command

        _outputs(reports, out_path)
        _config(config, out_path)
        _counts(max_trials=max_trials)
        _check(fmt, path, minutes, ("online-retail", "amazon-5core", "movielens", "groceries", "canonical",
                                    "diginetica", "yoochoose", "table"))  # fmt: skip
        if mapping is not None and fmt != "table":  # as `shopmind ingest` says it
            raise fail("--mapping only applies to --format table")
        _run(lambda: tune_recs_command(fmt, path, minutes, config, out_path, reports, protocol, seed, max_trials,
                                       log=lambda m: out.print(m, highlight=False, markup=False),
                                       mapping=mapping))  # fmt: skip

    @tune_app.command("search")
    def search(
        path: Annotated[Path, typer.Argument(help="Dataset file or folder with judgments.")],
        fmt: Annotated[str, FORMAT_SEARCH],
        minutes: Annotated[float, MINUTES] = 20.0,
        config: Annotated[Path | None, CONFIG] = None,
        out_path: Annotated[Path | None, OUT] = None,
        reports: Annotated[Path, REPORTS] = Path("shopmind-data/reports/tune"),
        seed: Annotated[int, typer.Option(help="Sampler seed.")] = 0,
        max_trials: Annotated[int | None, typer.Option(help="Stop after this many trials too.")] = None,
        limit_queries: Annotated[
            int | None, typer.Option(help="Use only the first N tuning queries.")
        ] = None,
    ) -> None:
        """BM25F k1, field weights and b on the tuning half of the judged queries."""
        from shopmind.tune.run import tune_search_command

        _outputs(reports, out_path)
        _config(config, out_path)
        _counts(max_trials=max_trials, limit_queries=limit_queries)
        _check(fmt, path, minutes, ("home-depot", "crowdflower", "qbqtc", "canonical"))
        _run(lambda: tune_search_command(fmt, path, minutes, config, out_path, reports, seed, max_trials,
                                         limit_queries, log=lambda m: out.print(m, highlight=False, markup=False)))  # fmt: skip


def _check(fmt: str, path: Path, minutes: float, formats: tuple[str, ...]) -> None:
    from shopmind.data.adapters import ADAPTERS

    if fmt not in ADAPTERS or fmt not in formats:
        raise fail(
            f"--format {fmt!r} cannot be tuned here; valid: {', '.join(f for f in formats if f in ADAPTERS)}"
        )
    if not path.exists():
        raise fail(f"{path} does not exist")
    if not minutes > 0:
        raise fail(f"--minutes must be > 0, not {minutes}")


def _counts(**counts: int | None) -> None:
    """--max-trials / --limit-queries must be >= 1 when given (-1 was accepted, then the study
    ran out of budget or found no query, minutes later)."""
    for name, value in counts.items():
        if value is not None and value < 1:
            raise fail(f"--{name.replace('_', '-')} must be >= 1, not {value}")


def _config(config: Path | None, out_path: Path | None) -> None:
    """The shop TOML the study starts from, checked as a build would check it, before the study
    runs for minutes: a missing or unparsable file, a mistyped table, a bad ``[gate]`` value or a
    ``[search]``/``[recs]`` value a build refuses surfaced only at the end (or not at all: the tuned
    copy kept the mistake, and the build refused it), and ``--out`` naming the file itself too."""
    if config is None:
        return
    from shopmind.cli.common import read_shop_toml
    from shopmind.cli.release import _check_settings

    try:
        _check_settings(read_shop_toml(config), config)
        if out_path is not None and out_path.resolve() == config.resolve():
            raise UsageError(f"--out {out_path} is the shop TOML itself; the tuned settings go to a new file")
    except UsageError as exc:
        raise fail(str(exc)) from None


def _outputs(reports: Path, out_path: Path | None) -> None:
    """Where the study writes, checked before it runs for minutes (a file given for --reports
    failed only at the end, with a traceback)."""
    try:
        writable_folder(reports, "--reports")
        if out_path is not None:
            writable_file(out_path, "--out")
    except UsageError as exc:
        raise fail(str(exc)) from None


def _run(job: object) -> None:
    from shopmind.config import ConfigError
    from shopmind.data.readers import InputError
    from shopmind.tune.study import TuneError

    try:
        res = job()  # type: ignore[operator]
    except (TuneError, InputError, ConfigError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    dv = res["default_value"]
    out.print(
        f"{res['target']} on {res['dataset']}: validation {res['metric']} {res['best_value']:.4f}"
        + ("" if dv is None else f" (defaults {dv:.4f})")
        + f" after {res['trials']} trials in {res['seconds']:.0f}s",
        highlight=False,
    )
    out.print(
        f"tuned settings: {res['toml']}\nstudy: {res['report_json']}\nplot: {res['report_png']}",
        highlight=False,
    )
