"""``shopmind live``: what the API accepted and the gate later quarantined (the live log).

``shopmind build`` drains the live log through the gate row by row: an entry failing a check
is quarantined with its reasons while the rest is stored. ``live quarantine`` lists those
entries; ``live purge`` removes them from the log (a server rolled back to an older release
would otherwise replay them again), only with ``--yes``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopmind.cli.common import DEFAULT_WORKSPACE, WORKSPACE, console, fail

live_app = typer.Typer(
    help="The live log: entries the gate quarantined when a build drained them.", no_args_is_help=True
)


def _log(workspace: Path) -> Any:
    from shopmind.store.livelog import LOG_FILE, EventLog

    if not (workspace / LOG_FILE).exists():
        raise fail(f"no live log in {workspace} (nothing was posted to the API there)")
    return EventLog(workspace)


def _select(log: Any, seq: list[int] | None, code: str | None, kind: str | None) -> list[dict[str, Any]]:
    from shopmind.quality.codes import CODES
    from shopmind.store.livelog import KINDS

    if code is not None and code not in CODES:
        raise fail(f"unknown check code {code!r} (see `shopmind checks`)")
    if kind is not None and kind not in KINDS:
        raise fail(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return log.quarantined(code=code, seqs=seq or None, kind=kind)


def _print(entries: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for e in entries:
            print(json.dumps(e, ensure_ascii=False, default=str))
        return
    table = Table("kind", "seq", "id", "codes", "run", "quarantined at")
    for e in entries:
        table.add_row(e["kind"], str(e["seq"]), str(e["key"]), ", ".join(e["codes"]), str(e["run_id"]),
                      str(e["quarantined_at"])[:19])  # fmt: skip
    console.print(table)


SEQ = typer.Option("--seq", help="A log sequence number (repeatable), as listed.")
CODE = typer.Option("--code", help="Only entries quarantined with this check code.")
KIND = typer.Option("--kind", help="events or products.")


@live_app.command("quarantine")
def quarantine(
    code: Annotated[str | None, CODE] = None,
    kind: Annotated[str | None, KIND] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines with the payloads.")] = False,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """List live-log entries the gate quarantined, with their codes (--json: with payloads)."""
    log = _log(workspace)
    try:
        entries = _select(log, None, code, kind)
    finally:
        log.close()
    if not entries and not as_json:
        console.print(
            "no quarantined live entries — entries the API accepted are judged by the gate when a build "
            "drains the live log (`shopmind build`); none of those was quarantined"
            + (f" with {code}" if code else "")
            + (f" among {kind}" if kind else ""),
            markup=False,
        )
        return
    _print(entries, as_json)
    if not as_json:
        console.print(f"{len(entries)} quarantined live entr{'y' if len(entries) == 1 else 'ies'}")


@live_app.command("purge")
def purge(
    seq: Annotated[list[int] | None, SEQ] = None,
    code: Annotated[str | None, CODE] = None,
    kind: Annotated[str | None, KIND] = None,
    every: Annotated[bool, typer.Option("--all", help="Every quarantined entry.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Really remove them (without it: only list).")] = False,
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Remove quarantined entries from the live log, chosen by --seq, --code or --all.

    Only quarantined entries can be purged. Without --yes nothing is removed: the entries
    are listed and the command exits 2."""
    if not (seq or code or every):
        raise fail("say what to purge: --seq N (repeatable), --code CODE, or --all")
    if every and (seq or code):
        # --all with a narrower choice: which one the user meant is unknowable, and purging is irreversible
        given = " and ".join(o for o, v in (("--seq", seq), ("--code", code)) if v)
        raise fail(f"--all purges every quarantined entry: give it alone, or {given} without --all")
    log = _log(workspace)
    try:
        entries = _select(log, seq, code, kind)
        if seq:
            missing = sorted(set(seq) - {e["seq"] for e in entries})
            if missing:
                raise fail(f"not quarantined (nothing purged): seq {', '.join(map(str, missing))}")
        if not entries:
            console.print("no quarantined live entry matches: nothing to purge")
            return
        if not yes:
            _print(entries, as_json=False)
            raise fail(f"nothing purged: add --yes to remove these {len(entries)} entries from the live log")
        removed = log.purge(entries)
    finally:
        log.close()
    console.print(
        f"purged {removed['events']} events and {removed['products']} product changes from the live log"
    )


def register(app: typer.Typer) -> None:
    """Add the ``live`` group to ``app``."""
    app.add_typer(live_app, name="live")
