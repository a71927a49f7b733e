"""The ``shopmind`` command line: the root app, with a module per command group.

``data`` (demo-data, formats, checks, ingest, runs, quarantine), ``mapping``, ``release`` (build,
releases, rollback), ``serve`` (serve), ``demo`` (the main job), ``keys``, ``live``, ``users``
(forget), ``experiments``, ``pricing``, ``inventory`` (forecast), ``ads``, ``tune`` and the
``evaluate`` group, whose commands live with what they measure (``shopmind.search.cli``,
``shopmind.recommend.cli``, ``shopmind.assistant.cli``; ``forecast`` from ``cli/forecast.py``).

Exit codes are part of the contract for schedulers and CI: 0 = clean or warnings only,
1 = an error threshold was crossed and the batch is held (nothing published), 2 = usage or
input error (bad flag, missing file, bad config). User errors print one clear message, never
a traceback.
"""

from __future__ import annotations

import sys

import typer

from shopmind.cli import ads as ads_cli
from shopmind.cli import (
    data,
    demo,
    experiments,
    inventory,
    keys,
    live,
    mapping,
    pricing,
    release,
    serve,
    tune,
    users,
)
from shopmind.cli.common import console
from shopmind.cli.data import DEMO_GATE_TOML
from shopmind.cli.helptext import unwrap_help

__all__ = ["DEMO_GATE_TOML", "app", "main"]

app = typer.Typer(
    name="shopmind",
    help="Self-hosted search and recommendations for online shops, behind a data-quality gate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data.register(app)
mapping.register(app)
release.register(app)
serve.register(app)
demo.register(app)
keys.register(app)
live.register(app)
users.register(app)
experiments.register(app)
pricing.register(app)
inventory.register(app)
ads_cli.register(app)
tune.register(app)

evaluate_app = typer.Typer(
    help="Measure search and recommendation quality on judged or held-out data.", no_args_is_help=True
)
app.add_typer(evaluate_app, name="evaluate")


def _register_evaluators() -> None:
    from shopmind.assistant.cli import register as register_assistant
    from shopmind.cli.forecast import register as register_forecast
    from shopmind.recommend.cli import register as register_recs
    from shopmind.search.cli import register as register_search

    register_search(evaluate_app)
    register_recs(evaluate_app)
    register_assistant(evaluate_app)
    register_forecast(evaluate_app)


_register_evaluators()
unwrap_help(app)  # after every registration: help reads as prose at any width


def main(say_interrupted: bool = True) -> None:
    """Entry point of the ``shopmind`` script: run the app; Ctrl-C exits 130 without a traceback.

    Files and folders the command creates are owner-only (umask 077): a workspace holds customer
    data (store, live log, reports, releases) and key hashes (shopmind.privacy).
    ``say_interrupted=False``: a child command of ``shopmind demo`` (``cli/warm.py``) stops on
    Ctrl-C without its own line, the parent prints the one line.
    """
    from shopmind.privacy import private_umask

    private_umask()
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - typer answers Ctrl-C itself (below)
        if say_interrupted:
            console.print(INTERRUPTED)
        sys.exit(130)
    except SystemExit as exc:
        # typer (0.29) turns Ctrl-C into a bare exit 130: the command stopped without a word
        # (the line above never ran); no shopmind command exits 130 otherwise
        if exc.code == 130 and say_interrupted:
            console.print(INTERRUPTED)
        raise
    except Exception as exc:
        from shopmind.store.store import StoreBusy

        if isinstance(exc, StoreBusy):  # a second command on one workspace; nothing was written
            console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(2)
        if (where := disk_full(exc)) is None:
            raise
        console.print(DISK_FULL.format(where=where), markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)


def disk_full(exc: BaseException) -> str | None:
    """What was being written when the disk filled (``"a file"`` if unknown), or None when ``exc``
    is not a full disk. Why: a build or ingest on a full disk ended in a 30-line traceback
    (OSError ENOSPC from a component, DuckDB's failed WAL write, numpy's short write "54912
    requested and 26592 written"), though the step had published nothing."""
    import errno
    import re

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        text = str(cur)
        if isinstance(cur, OSError) and cur.errno == errno.ENOSPC:
            return str(cur.filename) if cur.filename else "a file"
        if "No space left on device" in text:
            found = re.search(r'file "([^"]+)"', text)
            return found.group(1) if found else "a file"
        if isinstance(cur, OSError) and re.fullmatch(r"\d+ requested and \d+ written", text):
            return "a file"  # numpy's tofile() on a full disk
        cur = cur.__cause__ or cur.__context__
    return None


#: What Ctrl-C prints: every step publishes atomically (a quality run in one transaction, with
#: its report; a release by one rename), so a re-run starts clean.
INTERRUPTED = "interrupted; nothing was published by the interrupted step (run the command again)"
#: What a full disk prints (exit 2): the step that was writing published nothing, as for Ctrl-C.
DISK_FULL = (
    "error: no space left on the device (writing {where}); nothing was published by the step that "
    "was writing: free space and run the command again"
)
