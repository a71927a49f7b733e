"""Customer commands: ``shopmind forget USER`` (and the ingest-time privacy policy the ``ingest``
command applies through :func:`ingest_privacy`).

``forget`` lists what it found (rows per table, live-log entries, files, profiles), asks before
deleting unless ``--yes``, and is idempotent: a second run finds nothing and changes nothing. An id
nothing names exits 3 with a line saying where it was looked for (``NOT_FOUND``): a mistyped id must
not look like a done deletion, and the workspace cannot tell a repeat from a typo (a forgotten
customer leaves no id behind, not even a hash); ``--missing-ok`` makes it exit 0 for scripts that
replay erasure requests. Exit 2 with one line for a missing workspace, a build running, or the
store held by an ingest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import DEFAULT_WORKSPACE, WORKSPACE, UsageError, console, fail, out, read_toml

#: ``shopmind forget``'s exit code when nothing names the id: not a failure (nothing changed), not a deletion
NOT_FOUND = 3


def ingest_privacy_key(workspace: Path, config: Path | None) -> bytes | None:
    """The key to pseudonymise a batch's ids with before the gate sees them, or None when the
    workspace keeps raw ids (``[privacy] pseudonymise_ids`` in the TOML; see
    ``shopmind.privacy.ingest_policy``; a notice says why raw ids are kept)."""
    from shopmind.privacy import (
        PrivacyPolicyError,
        holds_ids,
        ingest_policy,
        policy_notice,
        privacy_settings,
        workspace_secret,
    )

    try:
        requested = privacy_settings(read_toml(config), str(config)) if config is not None else None
        on = ingest_policy(workspace, requested, new_workspace=not holds_ids(workspace))
    except PrivacyPolicyError as exc:
        raise UsageError(str(exc)) from None
    if on:
        return workspace_secret(workspace)
    if notice := policy_notice(workspace):  # raw ids kept because the store predates the default
        console.print(notice, markup=False, highlight=False)
    return None


def check_ingest_privacy(workspace: Path, config: Path | None) -> None:
    """Refuse a ``[privacy]`` setting that is mistyped or cannot apply to ``workspace`` before
    the batch is read (one line, exit 2, nothing recorded); ``ingest_privacy_key`` decides later."""
    from shopmind.privacy import PrivacyPolicyError, holds_ids, privacy_settings
    from shopmind.privacy_policy import check_ingest_policy

    try:
        requested = privacy_settings(read_toml(config), str(config)) if config is not None else None
        check_ingest_policy(workspace, requested, new_workspace=not holds_ids(workspace))
    except PrivacyPolicyError as exc:
        raise UsageError(str(exc)) from None


def ingest_privacy(batch: Any, workspace: Path, config: Path | None) -> bool:
    """Apply the workspace's pseudonymisation policy to a batch before the gate sees it.
    Returns whether the batch's ids were pseudonymised."""
    from shopmind.privacy import pseudonymise_batch

    key = ingest_privacy_key(workspace, config)
    if key is not None:  # ids and unparsable lines: the store and its quarantine never see a raw id
        pseudonymise_batch(batch, key)
    return key is not None


def forget(
    user: Annotated[str, typer.Argument(help="The customer's id as the shop knows it (not the pseudonym).")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was found/removed as JSON.")] = False,
    missing_ok: Annotated[
        bool,
        typer.Option("--missing-ok", help="Exit 0, not 3, when nothing names the id (replaying requests)."),
    ] = False,
) -> None:
    """Delete a customer from the store, the live log, reports and profiles; the next
    `shopmind build` refits the models without them and deletes older releases.

    Safe to repeat: a second run finds nothing and changes nothing. Nothing is changed if preparing fails.
    The id is looked up as given and as the workspace's pseudonym of it.

    Exit codes: 0 deleted; 1 declined at the question; 2 no workspace, or it is busy (a build, an ingest);
    3 nothing names the id: a mistyped id, one the shop never saw, or one forgotten before (nothing is
    kept to tell these apart) - 0 with --missing-ok.
    """
    from shopmind.forget import ForgetError, forget_user
    from shopmind.release.releases import ReleaseError

    # ReleaseError: a build or rollback holds the releases lock (forget_user takes it to delete
    # profiles in release folders); one line and exit 2, as the module docstring promises
    try:
        found = forget_user(workspace, user, apply=False)
    except (ForgetError, ReleaseError) as exc:
        raise fail(str(exc)) from None
    if not found.found:
        # was "nothing names this customer: nothing to delete" and exit 0: a typo read as a done erasure
        _print(
            found,
            as_json,
            f"no trace of {user!r} was found in {workspace} (the store, the live log, reports, logs, profiles; "
            "looked up as given and as its pseudonym): nothing to delete. If it was forgotten before, that is "
            "expected; otherwise check the id",
        )
        raise typer.Exit(code=0 if missing_ok else NOT_FOUND)
    # --yes: one listing, what was removed (it was printed twice, found and removed, alike); asked,
    # the question goes to stderr so that `--json` keeps stdout one JSON document per listing
    if not yes:
        _print(found, as_json, None)
    if not yes and not typer.confirm(
        f"delete every trace of this customer from {workspace}?", default=False, err=True
    ):
        console.print("nothing deleted", highlight=False)
        raise typer.Exit(code=1)
    try:
        done = forget_user(workspace, user, apply=True)
    except (ForgetError, ReleaseError) as exc:
        raise fail(str(exc)) from None
    held = (
        # a release a server serves is not deleted under it (release/leases.py): said, with when it goes
        f"; releases a running server holds now ({', '.join(done.held)}) are deleted as soon as it moves to "
        "the new release or stops"
        if done.held
        else ""
    )
    _print(
        done,
        as_json,
        # a running server still answered the customer's profile and "because you viewed" recs
        # after this line, as docs/API.md says; the line said only what the next build does
        "deleted; a running server keeps them in memory (profile, recommendations) until it loads the "
        "next release: run `shopmind build` now - it refits the models without them and deletes older releases"
        + held
        # the shop's own exports are outside the workspace: an ingest of the same files read them again (t1v)
        + ". The files `shopmind ingest` read (the shop's exports) still name them: remove them there too, "
        "or the next ingest of those files brings them back",
    )


def _print(report: Any, as_json: bool, note: str | None) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        for table, n in sorted(report.store.items()):
            out.print(f"store {table}: {n:,} row(s)", highlight=False)
        for table, n in sorted(report.live_log.items()):
            out.print(f"live log {table}: {n:,} entr{'y' if n == 1 else 'ies'}", highlight=False)
        for f in report.files:
            out.print(f"file {f}", markup=False, highlight=False)
        if report.profiles:
            out.print(f"profiles: {report.profiles} (in release folders)", highlight=False)
    if note:
        console.print(note, highlight=False, markup=False)  # an id may hold [brackets]


def register(app: typer.Typer) -> None:
    app.command()(forget)
