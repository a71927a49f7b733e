"""Personal data: masked in what people read, pseudonymised where a stable handle is needed,
and kept in files only their owner can open.

A shop's events carry customer ids, and free text (titles, queries, quarantined payloads) can
carry e-mail addresses and phone numbers. Reports, the quarantine listing and the access log
are read by more people than the store, so they show:

* customer/session ids as a keyed hash (:func:`pseudonymise`): the same id gives the same
  pseudonym across a workspace's reports (an operator can still follow one customer's rows),
  but it cannot be reversed or recomputed without the workspace's secret (``privacy.key``);
* e-mail addresses and phone numbers inside any text masked (:func:`mask_pii`), keeping just
  enough (first letter, domain suffix, last two digits) to recognise what kind of value it was.

Workspace files are created owner-only (0600 files, 0700 folders): :func:`private_umask` for a
process that writes a workspace, :func:`secure_path` / :func:`secure_workspace` to tighten
files created before (or by libraries that ignore the umask).

Hand-written rather than a PII library (presidio, scrubadub): those bring NLP models for names
and addresses; here the identifiers are structured columns and the free-text patterns are the
two that a quality report actually leaks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: The workspace secret for pseudonyms (32 random bytes, hex, 0600).
SECRET_FILE = "privacy.key"
#: Columns whose values identify a person: pseudonymised wherever a row is shown.
ID_FIELDS = frozenset({"user_id", "customer_id", "session_id", "visitor_id", "customer", "user"})
#: Columns that are contact details: masked whole.
CONTACT_FIELDS = frozenset({"email", "e_mail", "mail", "phone", "telephone", "mobile", "address"})

_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+([A-Za-z]{2,24})(?![\w-])"
)
# A phone number: "+" and 7-15 digits in groups, or 3+ groups of digits joined by space, dot,
# dash or parentheses. A bare run of digits (an EAN, an order number) is not a phone number.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d\s().-]{5,20}\d|\(?\d{2,5}\)?(?:[\s.-]\(?\d{2,5}\)?){2,5})(?![\w])")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def _mask_email(m: re.Match[str]) -> str:
    return f"{m.group(1)}***@***.{m.group(2)}"


def _mask_phone(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(text.strip()):
        return text  # a date, a size like "10 x 20 x 30" or too short to be a phone number
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        return text  # an IPv4 address is not a phone number (and not a customer's)
    return ("+" if text.startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


def mask_pii(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers masked (``j***@***.com``, ``*******42``).

    Everything else is kept as it was, so a masked report still shows what was wrong with a row.
    """
    if not text or ("@" not in text and not any(ch.isdigit() for ch in text)):
        return text
    return _PHONE.sub(_mask_phone, _EMAIL.sub(_mask_email, text))


def pseudonymise(value: Any, key: bytes) -> str:
    """A stable, non-reversible handle for an identifier: ``~`` + 12 hex of HMAC-SHA256.

    Keyed (the workspace secret), so a pseudonym cannot be matched to a guessed id by someone
    who only has the report; ``None``/empty stay empty (a missing id is itself a finding).
    """
    if value is None or value == "":
        return "" if value is None else value
    digest = hmac.new(key, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return "~" + digest[:12]


def workspace_secret(workspace: Path | str) -> bytes:
    """The workspace's pseudonym key, created (0600) on first use."""
    path = Path(workspace) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except ValueError:
        raise ValueError(f"{path} is not a hex key; delete it to make a new one") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret.hex())
    try:
        os.link(tmp, path)  # first writer wins when two processes race
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def mask_value(name: str, value: Any, key: bytes) -> Any:
    """One field of a row as a report may show it: ids pseudonymised, contacts masked,
    nested structures walked, other text through :func:`mask_pii`."""
    lname = str(name).lower()
    if value is None:
        return None
    if lname in ID_FIELDS and not isinstance(value, Mapping | list | tuple):
        return pseudonymise(value, key)
    if lname in CONTACT_FIELDS and not isinstance(value, Mapping | list | tuple):
        return "***" if str(value) else value
    if isinstance(value, Mapping):
        return {k: mask_value(k, v, key) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(name, v, key) for v in value]
    if isinstance(value, str):
        return mask_pii(value)
    return value


def mask_row(row: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """A row (column -> value) with its personal data masked (see :func:`mask_value`)."""
    return {k: mask_value(k, v, key) for k, v in row.items()}


def mask_payload(payload: Any, key: bytes) -> str:
    """A quarantined row's payload (JSON text of the raw row, or any text) with personal data
    masked; text that is not a JSON object is masked as free text."""
    if payload is None:
        return ""
    text = payload if isinstance(payload, str) else json.dumps(payload, default=str, ensure_ascii=False)
    try:
        parsed = json.loads(text)
    except ValueError:
        return mask_pii(text)
    if not isinstance(parsed, Mapping):
        return mask_pii(text)
    return json.dumps(mask_row(parsed, key), default=str, ensure_ascii=False)


# ------------------------------------------------------------------ file permissions
PRIVATE_UMASK = 0o077


def private_umask() -> int:
    """Make files this process creates owner-only (0600 files, 0700 folders); returns the old
    umask. Called by the ``shopmind`` command line before it touches a workspace."""
    return os.umask(PRIVATE_UMASK)


def secure_path(path: Path | str) -> None:
    """Remove group/other permissions from one file or folder we own (no-op if absent)."""
    p = Path(path)
    try:
        st = p.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
        return
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        os.chmod(p, mode & 0o700)


#: What a workspace holds that must be owner-only (folders are walked for their files).
WORKSPACE_ENTRIES = (
    "shopmind.duckdb",
    "shopmind.duckdb.wal",
    "live.sqlite",
    "live.sqlite-wal",
    "live.sqlite-shm",
    "keys.json",
    SECRET_FILE,
    "reports",
    "releases",
    "evaluation",
)


def secure_workspace(workspace: Path | str, entries: Iterable[str] = WORKSPACE_ENTRIES) -> None:
    """Tighten a workspace made before files were created private (or by another umask): the
    folder 0700, the store, live log, keys, reports and releases owner-only."""
    root = Path(workspace)
    if not root.is_dir():
        return
    secure_path(root)
    for name in entries:
        p = root / name
        secure_path(p)
        if p.is_dir() and not p.is_symlink():
            for dirpath, dirnames, filenames in os.walk(p):
                for n in dirnames + filenames:
                    secure_path(Path(dirpath) / n)
