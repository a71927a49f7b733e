"""``shopmind keys``: API keys for the write and admin routes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopmind.cli.common import DEFAULT_WORKSPACE, WORKSPACE, console, fail, workspace_note

keys_app = typer.Typer(help="API keys for write and admin routes (stored hashed).", no_args_is_help=True)

#: the longest key name `keys add` takes (a client's label, shown by `keys list`)
MAX_NAME = 100


def _require_workspace(workspace: Path) -> None:
    """A mistyped --workspace is named (not an empty list, "no key", or a traceback for a file)."""
    if not workspace.exists():
        raise fail(f"workspace {workspace} does not exist")
    if not workspace.is_dir():
        raise fail(f"workspace {workspace} is a file, not a folder")


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="A label, e.g. the client's name.")],
    scope: Annotated[
        str,
        typer.Option(
            help="storefront (post events, read the catalog: safe to put in a page), events, write, "
            "read (dashboards, quality runs, metrics) or admin."
        ),
    ] = "write",
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Create a key and print it once (only its scrypt hash is kept)."""
    from shopmind.serve.auth import SCOPES, KeyStore

    if not name.strip():  # an empty label names no client in `keys list`
        raise fail("the key's name is empty: give the client's name, e.g. `shopmind keys add my-backend`")
    # `keys list` prints one tab-separated line per key: a tab or newline in a name broke its
    # columns, and a 5,000-character name was stored as given
    if bad := next((c for c in name if ord(c) < 32 or ord(c) == 127), None):
        raise fail(
            f"the key's name holds a control character ({bad!r}): give the client's name in plain text"
        )
    if len(name) > MAX_NAME:
        raise fail(f"the key's name is {len(name):,} characters long: at most {MAX_NAME}")
    if scope not in SCOPES:
        raise fail(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    _require_workspace(workspace)
    print(KeyStore(workspace).add(name, scope))
    console.print(
        "store this key now: it cannot be shown again (a running server picks it up at its next request)"
    )
    if (note := workspace_note(workspace)) is not None:  # the key went where no shop is served
        console.print(note, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """List keys (id, name, scope, created) — never the keys themselves."""
    from shopmind.serve.auth import KeyStore

    _require_workspace(workspace)
    rows = KeyStore(workspace).list()
    if not rows:
        console.print(
            "no keys yet — create one with `shopmind keys add NAME` (it is shown once)", markup=False
        )
        return
    # the header on stderr: stdout stays one tab-separated line per key, for scripts
    console.print("id\tname\tscope\tcreated", markup=False, highlight=False)
    for r in rows:
        print(f"{r.key_id}\t{r.name}\t{r.scope}\t{r.created_at}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id shown by `shopmind keys list`.")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Revoke a key."""
    from shopmind.serve.auth import KeyStore

    _require_workspace(workspace)
    if not KeyStore(workspace).revoke(key_id):
        raise fail(f"no key {key_id!r}")
    console.print(f"revoked {key_id}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``keys`` group to ``app``."""
    app.add_typer(keys_app, name="keys")
