"""``shopmind experiments``: define, start, stop and read A/B and interleaving experiments.

Definitions live in the workspace (``experiments.json``, see ``shopmind.experiments.registry``);
``add`` takes a TOML file (format in ``shopmind.experiments.definition``). ``readout`` reads the
workspace's exposure log and live event log (or files given with ``--exposures`` / ``--events``:
Parquet, CSV or JSON Lines) and prints the allocation, the SRM check, every metric with its interval
and always-valid p-value, and the decision; revenue from live events without a price or quantity uses
the served catalog's price and a quantity of 1, and the readout says how many (``experiments.live_events``).
Errors: exit 2, one line.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopmind.cli.common import (
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    fail,
    out,
    read_shop_toml,
    whole_column,
    writable_folder,
)

exp_app = typer.Typer(
    help="A/B and interleaving experiments: define, start, stop, read.", no_args_is_help=True
)


@contextmanager
def _errors(file: Path | None = None) -> Iterator[None]:
    """Definition and input errors: one line naming the field or file, exit 2. With ``file`` (the
    definition being read), a definition error starts with its name: `add` said only
    "experiments.serach: unknown field", not which of the shop's files held it."""
    from shopmind.experiments.definition import ExperimentError

    try:
        yield
    except ExperimentError as exc:
        said = str(exc)
        raise fail(said if file is None or said.startswith(str(file)) else f"{file}: {said}") from None
    except UsageError as exc:
        raise fail(str(exc)) from None


def _workspace(workspace: Path) -> None:
    """A mistyped --workspace is named, not read as "no experiments" (or created by ``add``)."""
    if not workspace.is_dir():
        what = "is a file, not a folder" if workspace.exists() else "does not exist"
        raise UsageError(f"workspace {workspace} {what}")


def _frame(path: Path):
    import polars as pl

    if not path.exists():
        raise UsageError(f"{path} does not exist")
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix in (".jsonl", ".ndjson"):
            return pl.read_ndjson(path)
        if suffix in (".csv", ".csv.gz"):
            return pl.read_csv(path, try_parse_dates=True)
    except Exception as exc:  # a malformed file is the user's input: one line, naming it
        raise UsageError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    raise UsageError(f"{path}: use .parquet, .jsonl or .csv")


def _utc(frame, path: Path):
    import polars as pl

    if "timestamp" not in frame.columns:
        raise UsageError(f"{path}: needs a 'timestamp' column")
    ts = frame.schema["timestamp"]
    if ts == pl.Utf8:
        frame = frame.with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC", strict=False))
    elif isinstance(ts, pl.Datetime) and ts.time_zone is None:
        frame = frame.with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    if frame["timestamp"].null_count():
        raise UsageError(f"{path}: 'timestamp' has values that are not timestamps")
    return frame.with_columns(pl.col("timestamp").cast(pl.Datetime("us", "UTC")))


def _definitions(file: Path) -> dict[str, Any]:
    """The TOML of ``file``; a file that defines nothing (empty, or only comments) is an error.

    Why: an empty file parses as a valid set of zero experiments, so ``validate`` said "0 experiment(s)
    valid" and ``add`` changed nothing, both with exit 0 - a shop that saved the wrong file never knew.
    A file with only ``holdout``/``enabled`` settings still counts (``add`` applies them)."""
    from shopmind.cli.shop_toml import experiment_part

    # the shop's one TOML may hold its experiments: its other tables are checked and left alone
    raw = experiment_part(read_shop_toml(file))
    if not raw:
        raise UsageError(
            f"{file} defines nothing: add an [[experiment]] table (docs/API.md, Experiments, has one to start from)"
        )
    return raw


@exp_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="A TOML experiments definition.")]) -> None:
    """Check a definition file without touching any workspace."""
    from shopmind.experiments.definition import parse_experiments

    with _errors(file):
        exps = parse_experiments(_definitions(file))
    out.print(f"{file}: {len(exps.experiments)} experiment(s) valid")


@exp_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="A TOML experiments definition.")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Add (or replace by name) the experiments of FILE in the workspace; nothing runs until `start`."""
    from shopmind.experiments import registry

    with _errors(file):
        definitions = _definitions(file)
        writable_folder(workspace, "--workspace")  # add may start a new workspace, not inside a file
        new = registry.merge(registry.load(workspace), definitions)
        registry.save(workspace, new)
    out.print(f"{len(new.experiments)} experiment(s) in {registry.path(workspace)}")


def _status(name: str, workspace: Path, status: str) -> None:
    from shopmind.experiments import registry

    with _errors():
        _workspace(workspace)
        registry.set_status(workspace, name, status)
    out.print(f"{name}: {status}")


@exp_app.command("start")
def start(name: str, workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """Start assigning traffic to experiment NAME (servers pick it up without a restart)."""
    _status(name, workspace, "running")
    _say_inert(name, workspace)


def _say_inert(name: str, workspace: Path) -> None:
    """Say when NAME's overrides change nothing in the release being served (cli/experiment_notes)."""
    from shopmind.cli.experiment_notes import inert_ltr_note
    from shopmind.experiments import registry

    with _errors():
        note = inert_ltr_note(workspace, registry.load(workspace).by_name(name))
    if note:
        console.print(note, markup=False, highlight=False)


@exp_app.command("stop")
def stop(name: str, workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """Kill switch: stop NAME; its units get the defaults at once, its bucket range stays reserved."""
    _status(name, workspace, "stopped")


@exp_app.command("list")
def list_(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the definitions as JSON.")] = False,
) -> None:
    """The workspace's experiments with layer, unit, traffic, status and variants."""
    from shopmind.experiments import registry
    from shopmind.experiments.definition import to_dict

    with _errors():
        _workspace(workspace)
        exps = registry.load(workspace)
    if as_json:
        print(json.dumps(to_dict(exps), indent=2, ensure_ascii=False))
        return
    if not exps.experiments:
        console.print(
            "no experiments yet — write one in a TOML file (docs/API.md, Experiments), check it with `shopmind "
            "experiments validate FILE`, then `shopmind experiments add FILE` and `shopmind experiments start NAME`",
            markup=False,
        )
        return
    head = ("kind", "layer", "unit", "traffic", "status", "variants")
    table = Table(whole_column("name", [e.name for e in exps.experiments]), *head)
    for e in exps.experiments:
        table.add_row(e.name, e.kind, e.layer, e.unit, f"{e.traffic:.0%}", e.status,
                      ", ".join(f"{v.name}:{v.weight:g}" for v in e.variants))  # fmt: skip
    console.print(table)
    console.print(f"holdout {exps.holdout:.0%}, {'enabled' if exps.enabled else 'DISABLED (kill switch)'}")


@exp_app.command("readout")
def readout_cmd(
    name: str,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events",
            help="Canonical events (Parquet/CSV/JSONL); default: the events the server logged "
            "(POST /v1/events), a purchase without a price priced from the served catalog, without a "
            "quantity counted as 1 (the readout says how many).",
        ),
    ] = None,
    exposures: Annotated[
        Path | None,
        typer.Option(
            "--exposures", help="Exposure records (Parquet/CSV/JSONL); default: the workspace's log."
        ),
    ] = None,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    primary: Annotated[str, typer.Option("--primary", help="The metric that decides.")] = "conversion",
    as_json: Annotated[bool, typer.Option("--json", help="Print the readout as JSON.")] = False,
) -> None:
    """Allocation, SRM gate, metrics with intervals and daily always-valid p-values, decision."""
    from shopmind.experiments import registry
    from shopmind.experiments.metrics import METRICS
    from shopmind.experiments.readout import readout
    from shopmind.experiments.reports import save_readout

    if primary not in {m.name for m in METRICS}:
        raise fail(f"--primary must be one of {', '.join(m.name for m in METRICS)}, not {primary!r}")
    with _errors():
        try:
            _workspace(workspace)
            exp = registry.load(workspace).by_name(name)
        except KeyError:
            raise UsageError(f"experiment {name!r}: not defined in {registry.path(workspace)}") from None
        _say_inert(name, workspace)  # before a readout whose arms cannot differ is read as a null result
        if exp.kind == "interleave":
            _interleave_readout(exp, workspace, events, as_json)
            return
        if exposures is None:
            from shopmind.experiments.exposure import FILE, read_exposures

            ex = read_exposures(workspace, name)
            if ex.is_empty():
                raise UsageError(f"no exposures of {name!r} in {workspace / FILE}; pass --exposures FILE")
        else:
            ex = _utc(_frame(exposures), exposures)
        notes: list[str] = []
        if events is None:
            from shopmind.experiments.live_events import read_live_events
            from shopmind.store.livelog import LOG_FILE

            live = read_live_events(workspace)
            if live.frame.is_empty():
                raise UsageError(f"no events in {workspace / LOG_FILE}; pass --events FILE")
            ev, notes = live.frame, live.notes()
        else:
            ev = _utc(_frame(events), events)
        missing = {"experiment", "variant", "unit_id", "session_id", "kind", "n_results"} - set(ex.columns)
        if missing:
            raise UsageError(f"{exposures or 'exposures'}: missing column(s) {', '.join(sorted(missing))}")
        if "type" not in ev.columns:
            raise UsageError(f"{events}: missing column 'type'")
        r = readout(exp, ex, ev, primary=primary)
        r = dataclasses.replace(r, notes=[*notes, *r.notes])  # the live log's fillings, then currencies
    saved = save_readout(workspace, name, r.to_dict())
    if as_json:
        print(json.dumps(r.to_dict(), indent=2))
        return
    console.print(
        f"[bold]{r.experiment}[/]: {r.days} day(s), allocation {r.allocation}, SRM p = {r.srm.pvalue:.3g}"
    )
    # revenue in several currencies: one row each, named by its currency (never one summed row)
    split = len({m.currency for m in r.metrics if m.metric == "revenue_per_user"}) > 1
    rows = [
        (f"{m.metric} ({m.currency})" if split and m.currency else m.metric, m.variant, f"{m.effect.control:.4g}",
         f"{m.effect.treatment:.4g}", _relative(m.effect.rel_effect),
         f"[{m.effect.ci_lower:.4g}, {m.effect.ci_upper:.4g}]", f"{m.effect.pvalue:.3g}",
         f"{m.always_valid_p:.3g}", "yes" if m.cuped else "no")
        for m in r.metrics
    ]  # fmt: skip
    _metrics_table(rows)
    for note in r.notes:
        out.print(note)
    out.print(r.decision)
    console.print(f"saved {saved} (the experiments dashboard shows it)")


READOUT_HEAD = (
    "metric",
    "variant",
    "control",
    "treatment",
    "effect",
    "95% CI",
    "p",
    "always-valid p",
    "CUPED",
)


def _metrics_table(rows: list[tuple[str, ...]]) -> None:
    """The readout's metrics as a table when it fits the terminal; else two lines per metric and
    variant ("conversion, treatment: control 0.1, treatment 0.2, effect +100.00%" then the interval,
    p-values and CUPED), every figure whole. In 80 columns the nine columns wrapped each cell over
    several lines ("always-" / "valid p", "[-0.0" / "2138,"), which nobody could read."""
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(READOUT_HEAD)
    ]
    if sum(widths) + 3 * len(widths) + 1 <= console.width:  # rich's table: " x │" per cell and a border
        table = Table(whole_column(READOUT_HEAD[0], [row[0] for row in rows]), *READOUT_HEAD[1:])
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    for metric, variant, *figures in rows:
        pairs = [f"{h} {v}" for h, v in zip(READOUT_HEAD[2:], figures, strict=True)]
        console.print(
            f"{metric}, {variant}: {', '.join(pairs[:3])}", markup=False, highlight=False, soft_wrap=True
        )
        console.print(f"  {', '.join(pairs[3:])}", markup=False, highlight=False, soft_wrap=True)


def _relative(v: float) -> str:
    """A relative effect for the table; none (control mean 0) is "–", as the dashboard shows it, not "+nan%"."""
    return f"{v:+.2%}" if math.isfinite(v) else "–"


def _interleave_readout(exp, workspace: Path, events: Path | None, as_json: bool) -> None:
    """Wins / losses / ties per ranker from the served lists and the events, the checks, the decision."""
    from shopmind.experiments.exposure import FILE
    from shopmind.experiments.interleave_log import read_interleavings
    from shopmind.experiments.interleave_readout import interleave_readout, live_events
    from shopmind.experiments.reports import save_readout

    lists = read_interleavings(workspace, exp.name)
    if lists.is_empty():
        raise UsageError(f"no interleaved lists of {exp.name!r} in {workspace / FILE} (is it running?)")
    ev = live_events(workspace) if events is None else _utc(_frame(events), events)
    missing = {"type", "item_id"} - set(ev.columns)
    if missing:
        raise UsageError(f"{events}: missing column(s) {', '.join(sorted(missing))}")
    r = interleave_readout(exp, lists, ev)
    saved = save_readout(workspace, exp.name, r.to_dict())
    if as_json:
        print(json.dumps(r.to_dict(), indent=2))
        return
    a, b = r.variants
    console.print(
        f"[bold]{r.experiment}[/] (interleaving): {r.allocation['lists']} lists to {r.allocation['units']} "
        f"units over {r.days} day(s); {_first_check(r.checks, a, b)}"
    )
    table = Table("", a, b, "ties", "sign test p", "always-valid p")
    table.add_row("lists won", str(r.wins[a]), str(r.wins[b]), str(r.wins["ties"]), f"{r.sign_test_p:.3g}",
                  f"{r.always_valid_p:.3g}")  # fmt: skip
    table.add_row("units won", str(r.by_unit.get(a, 0)), str(r.by_unit.get(b, 0)), str(r.by_unit.get("ties", 0)),
                  f"{r.by_unit.get('sign_test_p', 1.0):.3g}", "")  # fmt: skip
    console.print(table)
    out.print(r.decision)
    console.print(f"saved {saved} (the experiments dashboard shows it)")


def _first_check(checks: dict, a: str, b: str) -> str:
    """The check the readout ran on the first position, as it ran it: team draft's and the
    probabilistic merge's coin (first picks per ranker), or, for an optimized merge, the first
    position's mean logged credit against its known mean 0 (the LP has no coin for the first pick)."""
    fc = checks.get("first_position_credit")
    if fc is not None:
        return f"first position's mean credit {fc['mean']:+.3g} (known mean 0, p = {fc['pvalue']:.3g})"
    fp = checks["first_pick"]
    p = "-" if fp["pvalue"] is None else f"{fp['pvalue']:.3g}"
    return f"first pick {fp[a]} {a} / {fp[b]} {b} (p = {p})"


def register(app: typer.Typer) -> None:
    app.add_typer(exp_app, name="experiments")
