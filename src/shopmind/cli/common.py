"""What every command group shares: the consoles, the one-line user error, the workspace option.

Exit codes are part of the contract for schedulers and CI: 0 = clean or warnings only,
1 = an error threshold was crossed and the batch is held (nothing published), 2 = usage or
input error (bad flag, missing file, bad config). User errors print one clear message, never
a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from shopmind.config import ConfigError

console = Console(stderr=True)
out = Console()

WORKSPACE = typer.Option("--workspace", "-w", help="Folder holding the store (DuckDB file) and reports.")
DEFAULT_WORKSPACE = Path("shopmind-data")
DEFAULT_DATA = Path("../shared/data")


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, exit code 2."""


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red error line (markup escaped) and return the exit-2 to raise."""
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code=2)


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
