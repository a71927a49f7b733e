"""The workspace's privacy decisions: whether customer ids are pseudonymised at ingest (privacy by
default, recorded once per workspace, legacy stores kept raw and named), how a batch or an event
is pseudonymised before the gate or the live log sees it, and the marker ``shopmind forget``
leaves for the next build.

Split from ``privacy.py`` (masking, pseudonyms, file permissions), which re-exports every name
here; the pseudonym function is imported where it is used so neither module imports the other
at load time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------ pseudonymous ingest
#: The workspace's recorded decision whether customer ids are pseudonymised at ingest.
POLICY_FILE = "privacy.json"
#: What a new workspace decides when the shop TOML has no ``[privacy] pseudonymise_ids``:
#: privacy by default (issue 15 item 6).
DEFAULT_PSEUDONYMISE_IDS = True
#: Event columns replaced by their pseudonym at ingest (the person, and their visits).
INGEST_ID_COLUMNS = ("user_id", "session_id")


class PrivacyPolicyError(ValueError):
    """A ``[privacy]`` setting is invalid, or would change what an existing workspace stores."""


def privacy_settings(data: Mapping[str, Any], where: str = "config") -> bool | None:
    """``[privacy] pseudonymise_ids`` of a parsed shop TOML (None when not set); any other key
    or a non-boolean value is an error naming it."""
    table = data.get("privacy")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise PrivacyPolicyError(f"{where}: [privacy] must be a table")
    unknown = sorted(set(table) - {"pseudonymise_ids"})
    if unknown:
        raise PrivacyPolicyError(f"{where}: unknown setting privacy.{unknown[0]} (known: pseudonymise_ids)")
    value = table.get("pseudonymise_ids")
    if value is not None and not isinstance(value, bool):
        raise PrivacyPolicyError(f"{where}: privacy.pseudonymise_ids must be true or false, not {value!r}")
    return value


def read_policy(workspace: Path | str) -> bool | None:
    """Whether ``workspace`` pseudonymises ids at ingest (None: nothing ingested yet)."""
    try:
        data = json.loads((Path(workspace) / POLICY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("pseudonymise_ids") if isinstance(data, dict) else None
    return value if isinstance(value, bool) else None


def ingest_policy(workspace: Path | str, requested: bool | None, new_workspace: bool) -> bool:
    """The workspace's decision, recorded on its first ingest (or first API event) and fixed after.

    Why fixed: pseudonyms cannot be turned back into ids, and ids ingested raw would not match
    the pseudonyms of later events — a workspace that switched would hold one customer under two
    ids. A store that already has data but no recorded decision (made before pseudonymisation
    became the default) keeps raw ids, is recorded as such (``legacy``, see
    :func:`policy_notice`), and refuses a request to pseudonymise for the same reason.
    """
    workspace = Path(workspace)
    held = read_policy(workspace)
    decided = check_ingest_policy(workspace, requested, new_workspace)
    if held is None:
        record: dict[str, Any] = {"pseudonymise_ids": decided}
        if not new_workspace:
            record["legacy"] = True
        _write_private_json(workspace / POLICY_FILE, record)
    elif requested is False and policy_notice(workspace):  # raw ids kept, now by the shop's choice
        _write_private_json(workspace / POLICY_FILE, {"pseudonymise_ids": False})
    return decided


def check_ingest_policy(workspace: Path | str, requested: bool | None, new_workspace: bool) -> bool:
    """What :func:`ingest_policy` would decide, or its error, recording nothing: ingest asks this
    before it reads the batch, so a setting that cannot apply is refused in a second rather than
    after a large file is parsed, and a read that fails leaves no decision behind."""
    workspace = Path(workspace)
    held = read_policy(workspace)
    if held is None:
        held = False if not new_workspace else (DEFAULT_PSEUDONYMISE_IDS if requested is None else requested)
        if requested is not None and requested != held:
            raise PrivacyPolicyError(
                f"workspace {workspace} already holds raw customer ids: [privacy] pseudonymise_ids = true "
                "applies to new workspaces only (ingest into a new --workspace)"
            )
    elif requested is not None and requested != held:
        state = "pseudonymised" if held else "raw"
        raise PrivacyPolicyError(
            f"workspace {workspace} stores {state} customer ids: [privacy] pseudonymise_ids = "
            f"{str(requested).lower()} cannot change that (ingest into a new --workspace)"
        )
    return held


def policy_notice(workspace: Path | str) -> str | None:
    """One line for an operator when the workspace keeps raw customer ids because its store
    predates privacy by default (None otherwise: pseudonymised, or raw by the shop's choice).

    A workspace holding ids with no recorded decision (a server starting on a store made before
    the default) gets the legacy decision recorded first — the one every later path would make —
    so the notice is given at the first start, not only after the first request."""
    if read_policy(workspace) is None and holds_ids(workspace):
        ingest_policy(workspace, None, new_workspace=False)
    try:
        data = json.loads((Path(workspace) / POLICY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("pseudonymise_ids") is not False or not data.get("legacy"):
        return None
    return (
        f"note: workspace {workspace} stores raw customer ids (its store predates pseudonymisation by "
        "default) and keeps them, so no customer is split in two; to pseudonymise, ingest into a new "
        "--workspace, or set [privacy] pseudonymise_ids = false to make raw ids the shop's choice"
    )


def holds_ids(workspace: Path | str) -> bool:
    """Whether the workspace already holds customer ids of an unknown form: a store, or a live
    log with an event (what a server wrote before any ingest recorded a decision)."""
    import sqlite3

    from shopmind.store.livelog import LOG_FILE
    from shopmind.store.store import DB_FILE

    root = Path(workspace)
    if (root / DB_FILE).exists():
        return True
    if not (root / LOG_FILE).exists():
        return False
    con = sqlite3.connect(f"file:{root / LOG_FILE}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no events table yet
        return False
    finally:
        con.close()


def would_pseudonymise(workspace: Path | str) -> bool:
    """What :func:`serving_policy` would decide now, without recording it (for reads)."""
    held = read_policy(workspace)
    if held is not None:
        return held
    return DEFAULT_PSEUDONYMISE_IDS and not holds_ids(workspace)


def serving_policy(workspace: Path | str) -> bool:
    """The decision for a server receiving ids (events, recommendations for a user) before any
    ingest recorded one: the default for an empty workspace, raw ids (``legacy``) when the store
    or the live log already holds events."""
    held = read_policy(workspace)
    return (
        held if held is not None else ingest_policy(workspace, None, new_workspace=not holds_ids(workspace))
    )


def _write_private_json(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def pseudonymise_frame(frame: Any, key: bytes, columns: Iterable[str] = INGEST_ID_COLUMNS) -> Any:
    """A Polars frame with its id ``columns`` replaced by pseudonyms (each distinct value hashed
    once; nulls and empty strings kept, so the gate still sees a missing id)."""
    import polars as pl

    from shopmind.privacy import pseudonymise

    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    out = []
    for c in present:
        # the gate strips ids (and makes blanks null): hash what it will keep, so " u1" and "u1"
        # stay one customer and a blank id is still reported missing
        col = pl.col(c).cast(pl.Utf8).str.strip_chars()
        values = frame.select(col.alias(c))[c].unique().drop_nulls().to_list()
        mapping = {v: pseudonymise(v, key) for v in values if v}
        hashed = col.replace_strict(mapping, default=None, return_dtype=pl.Utf8)
        out.append(pl.when(col == "").then(col).otherwise(hashed).alias(c))
    return frame.with_columns(out)


def pseudonymise_record(record: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """One event (a dict) with its person/visit ids pseudonymised (the API's ingest)."""
    from shopmind.privacy import pseudonymise

    out = dict(record)
    for c in INGEST_ID_COLUMNS:
        v = out.get(c)
        if v is not None and str(v).strip():
            out[c] = pseudonymise(str(v).strip(), key)
    return out


#: What a quarantined line that could not be parsed keeps when ids are pseudonymised: its
#: length and where it is in the source (its raw text may hold an id nothing can recognise).
WITHHELD = "[withheld: {n} characters; the line may hold a customer id — fix it in the source and re-ingest]"


def pseudonymise_batch(batch: Any, key: bytes) -> Any:
    """A batch as a pseudonymising workspace ingests it: the events' person/visit ids replaced
    by pseudonyms (:func:`pseudonymise_frame`), and the raw text of lines that could not be
    parsed withheld — their quarantine row still names the source line and the reason, which
    is what an operator needs to fix and re-ingest it. Returns the same (mutated) batch."""
    if getattr(batch, "events", None) is not None:
        batch.events = pseudonymise_frame(batch.events, key)
    meta = getattr(batch, "meta", None)
    malformed = meta.get("malformed") if isinstance(meta, dict) else None
    if malformed:
        meta["malformed"] = [
            {**m, "raw": WITHHELD.format(n=len(str(m.get("raw") or "")))}
            if m.get("table") == "events" and m.get("raw")
            else m
            for m in malformed
        ]
    return batch


# ------------------------------------------------------------------ erasure (shopmind forget)
#: Written by ``shopmind forget`` (a count and a time, never an id): the next build refits every
#: model without reuse and then deletes the releases built before it.
ERASURE_MARKER = "forget.pending.json"


def erasure_pending(workspace: Path | str) -> bool:
    """Whether a customer was forgotten since the last build."""
    return (Path(workspace) / ERASURE_MARKER).exists()


def finish_erasure(workspace: Path | str) -> None:
    """Called by a build that refitted everything and pruned older releases."""
    (Path(workspace) / ERASURE_MARKER).unlink(missing_ok=True)
