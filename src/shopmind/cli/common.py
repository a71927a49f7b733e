"""What every command group shares: the consoles, the one-line user error, the workspace option.

Exit codes are part of the contract for schedulers and CI: 0 = clean or warnings only,
1 = an error threshold was crossed and the batch is held (nothing published), 2 = usage or
input error (bad flag, missing file, bad config). User errors print one clear message, never
a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column

from shopmind.config import ConfigError

console = Console(stderr=True)
out = Console()


def whole_column(header: str, values: Iterable[str]) -> Column:
    """A table column rich never cuts: the ids a reader types into the next command (`shopmind ads
    pause ID`, `experiments stop NAME`) and the metric names of a readout. In an 80-column terminal
    (or any output that is not one) rich shortened them to "homel…" and "conve…"; the other
    columns wrap instead."""
    return Column(header, no_wrap=True, min_width=max([len(header), *(len(v) for v in values)]))


WORKSPACE = typer.Option("--workspace", "-w", help="Folder holding the store (DuckDB file) and reports.")
DEFAULT_WORKSPACE = Path("shopmind-data")
DEFAULT_DATA = Path("../shared/data")


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, exit code 2."""


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red error line (markup escaped) and return the exit-2 to raise;
    under it, where the command's --workspace holds no shop but a sub-folder does, which one
    (``workspace_note``)."""
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    if (note := workspace_note(chosen_workspace())) is not None:
        console.print(note, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def chosen_workspace() -> Path | None:
    """The running command's --workspace (its default included), or None outside a command or
    for one without the option: read from click's context, so no state outlives a command."""
    try:  # typer (pinned 0.29) runs on its own copy of click: click's context stack is empty
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - a typer on the public click
        from click import get_current_context

    ctx = get_current_context(silent=True)
    value = ctx.params.get("workspace") if ctx is not None else None
    return value if isinstance(value, Path) else None


def shops_inside(workspace: Path) -> list[Path]:
    """The sub-folders of ``workspace`` holding a shop (a store or releases) when ``workspace``
    holds none itself; else []. `make demo` keeps each dataset's shop in a workspace of its own
    (``shopmind-data/demo``) while every other command defaults to ``shopmind-data``."""
    from shopmind.store.store import DB_FILE

    def holds_shop(folder: Path) -> bool:
        return (folder / DB_FILE).is_file() or (folder / "releases").is_dir()

    try:
        if not workspace.is_dir() or holds_shop(workspace):
            return []
        return sorted(p for p in workspace.iterdir() if p.is_dir() and holds_shop(p))
    except OSError:
        return []


def workspace_note(workspace: Path | None) -> str | None:
    """One line naming the shops inside ``workspace`` when it holds none (``shops_inside``), or
    None. Why: after `make demo`, `shopmind runs` said "run `shopmind ingest` first" and
    `shopmind keys add` made a key in ``shopmind-data`` that the demo's server (serving
    ``shopmind-data/demo``) never read."""
    inside = shops_inside(workspace) if workspace is not None else []
    if not inside:
        return None
    names = ", ".join(str(p) for p in inside)
    return (
        f"note: {workspace} holds no shop of its own, but {names} {'does' if len(inside) == 1 else 'do'} "
        "(`make demo` keeps each dataset's "
        f"shop in a workspace of its own): to use it, pass --workspace {inside[0]}"
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause (bad input, config, paths) into one line and exit 2."""
    from shopmind.data.readers import InputError

    try:
        yield
    except (UsageError, InputError, ConfigError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


def read_toml(config: Path) -> dict[str, Any]:
    """The parsed TOML file ``config``; a missing or malformed file is a ``UsageError`` naming it."""
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file {config} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{config} is a folder, not a TOML file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{config}: not UTF-8 text (TOML is UTF-8): byte {exc.start}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {config}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{config}: not valid TOML: {exc}") from None


def read_shop_toml(config: Path) -> dict[str, Any]:
    """``read_toml`` of a shop TOML, refusing a table no command reads (``config.SHOP_TABLES``:
    a mistyped ``[serach]`` was read by nothing, without a word) as a ``UsageError`` naming it."""
    from shopmind.cli.shop_toml import check_shop_file
    from shopmind.config import check_shop_tables

    data = read_toml(config)
    try:
        check_shop_tables(data, str(config))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    check_shop_file(data, config)  # every known table, whichever command reads the file
    return data


def writable_folder(path: Path, option: str) -> None:
    """Refuse ``path`` as a folder to write into when it, or its nearest existing parent, is a
    file. Checked before the first write, so a command given a file for a folder fails with one
    line and leaves nothing behind (instead of a FileExistsError traceback halfway through)."""
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                where = "" if part == path else f" ({part} is a file)"
                raise UsageError(f"{option} {path}: not a folder{where}")
            return


def writable_file(path: Path, option: str) -> None:
    """Refuse ``path`` as a file to write when it is a folder or a parent of it is a file
    (checked before the work that produces it, for the same reason as ``writable_folder``)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: a folder, expected a file path")
    for part in path.parents:
        if part.exists():
            if not part.is_dir():
                raise UsageError(f"{option} {path}: {part} is a file, not a folder")
            return
