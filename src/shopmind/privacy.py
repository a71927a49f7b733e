"""Personal data: masked in what people read, pseudonymised where a stable handle is needed,
and kept in files only their owner can open.

A shop's events carry customer ids, and free text (titles, queries, quarantined payloads) can
carry e-mail addresses and phone numbers. Reports, the quarantine listing and the access log
are read by more people than the store, so they show:

* customer/session ids as a keyed hash (:func:`pseudonymise`): the same id gives the same
  pseudonym across a workspace's reports (an operator can still follow one customer's rows),
  but it cannot be reversed or recomputed without the workspace's secret (``privacy.key``);
* e-mail addresses, phone numbers and street addresses inside any text masked
  (:func:`mask_pii`), keeping just enough (first letter, domain suffix, last two digits) to
  recognise what kind of value it was.

By default a workspace keeps no raw customer id at all (:func:`ingest_policy`, ``[privacy]
pseudonymise_ids = true`` unless the shop TOML says false): user and session ids are replaced
by their pseudonym when a batch is ingested and when the API receives an event, and every route
that is given a shop's own id (recommendations, profiles, search and experiment assignment, the
assistant's customer) turns it into the same pseudonym, so the store, the live log, the
quarantine, profiles, models and the exposure log only ever hold pseudonyms and a customer is
still one customer everywhere (``shopmind forget`` removes a customer by either form). A
quarantined row keeps its pseudonymised ids: fixed and re-ingested as it is, it lands under the
same customer (:func:`pseudonymise` leaves a pseudonym as it is); a line that could not be parsed
at all is withheld (the quarantine names its source line, fixed there and re-ingested).
A workspace whose store was filled with raw ids before this default keeps them (switching would
split every customer in two) and says so on every ingest and at server start
(:func:`policy_notice`).

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
# A phone number candidate: "+" and 7-15 digits in groups, or 2+ groups of digits joined by
# space, dot, dash or parentheses. A bare run of digits (an EAN, an order number) is not one.
# Which candidates are phone numbers is decided by :func:`_is_phone` (shape and context).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d[\d\s().-]{5,20}\d|\(?\d{2,5}\)?(?:(?:[\s.-]|(?<=\)))\(?\d{2,6}\)?){1,5})(?![\w])"
)
_DATE_LIKE = re.compile(r"^\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}$|^\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4}$")
# words right before a number that make it a phone number / a product code, size or measure
_PHONE_CUE = re.compile(
    r"(?:tel|phone|telephone|mobile|cell|call|fax|whatsapp|contact|ring|text|sms|电话|手机|联系|致电)"
    r"[\s.:#/()-]*(?:(?:no|nr|number|on|me|us|at)[\s.:#]*){0,2}$",
    re.IGNORECASE,
)
_CODE_CUE = re.compile(
    r"(?:sku|part|model|item|art|article|ref|code|size|sizes|dims?|dimensions|ean|isbn|upc|mpn|gtin|"
    r"style|order|invoice|batch|lot|serial|id|no|nr|#|型号|货号|尺码|尺寸|编号|订单)[\s.:#/-]*$",
    re.IGNORECASE,
)


def _mask_email(m: re.Match[str]) -> str:
    return f"{m.group(1)}***@***.{m.group(2)}"


def _is_phone(text: str, before: str) -> bool:
    """Whether a digit-group candidate is a phone number, from its shape and the words before it.

    Product codes, sizes and measures are digit groups too ("SKU 123-456-789", "sizes 36 38 40
    42", "1920 1080 60", "2023 08 15"), so without a "+" a candidate counts only when a word
    before it says phone ("tel", "call", "电话"), or it has a phone's shape: 3+ groups ending in
    a group of 4 ("020 7946 0958", "555-123-4567"), an area code in parentheses ("(555)
    123-4567"), or a trunk "0" with 9-11 digits ("07700 900123", "01 23 45 67 89"). A word
    before it that names a code or size ("SKU", "model", "尺码") keeps it as it is; so do mixed
    joins ("1500 1973-1980") and a number opening a parenthesis ("(15.62932 sq. ft."). On 53,475
    Home Depot titles the masker before issue 15 changed 5 ("50-100-150-Watt", "10-20-30-60
    Minute", "Chevy 1500 1973-1980"), this one none (``bench/profiles_privacy.py``).
    """
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(text.strip()):
        return False  # a date, or too short / long to be a phone number
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        return False  # an IPv4 address is not a phone number (and not a customer's)
    if text.startswith("+"):
        return True
    context = before[-24:]
    if _PHONE_CUE.search(context):
        return True
    if _CODE_CUE.search(context):
        return False
    groups = re.findall(r"\d+", text)
    if re.match(r"\(\d{2,5}\)", text):
        return len(groups) >= 2
    if "(" in text or ")" in text:
        return False  # "(15.62932 sq. ft." is a quantity in parentheses
    if len(set(re.findall(r"[^\d]+", text))) > 1:
        return False  # mixed joins ("1500 1973-1980"): a list of numbers, not one number
    if groups[0].startswith("0") and 9 <= len(digits) <= 11 and all(len(g) >= 2 for g in groups):
        return True
    return len(groups) >= 3 and len(groups[-1]) == 4 and len(groups[0]) >= 2


def _mask_phone(m: re.Match[str]) -> str:
    text = m.group(0)
    if not _is_phone(text, m.string[: m.start()]):
        return text
    digits = re.sub(r"\D", "", text)
    return ("+" if text.startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


# A street address in free text: a house number and a street name ending in a street word
# ("221B Baker Street", "12 rue de la Paix", "Hauptstraße 5"), a UK postcode ("SW1A 1AA"), or a
# Chinese road/number ("中山路100号"). Masked whole: nothing in it tells what was wrong with a row.
# Street words that are also product words ("Square Trash Can", "Chain Drive", "Place Settings",
# "sq. ft.") count only before a comma and a capitalised word ("12 Elm Drive, Springfield"):
# a plain list of street words masked 80 of 53,475 Home Depot titles while this was written; this none.
_STRONG_STREET = r"(?i:street|st|road|rd|avenue|ave|lane|boulevard|blvd)"
_WEAK_STREET = r"(?i:drive|dr|way|court|ct|place|pl|square|sq|terrace|close|crescent|highway|hwy|parkway|ln)"
_NUMBER = r"(?<![\w/.-])\d{1,5}[A-Za-z]?,?\s+"
_NAME = r"(?:[A-Z][\w'-]*\s+){1,4}"
# one pattern per form, each tried only when a cheap test says it can match (one combined
# pattern cost 51 us per Home Depot title, mostly the German suffixes tried at every word)
_STREET = re.compile(
    _NUMBER
    + r"(?:"
    + _NAME
    + r"(?:"
    + _STRONG_STREET
    + r"\b\.?|"
    + _WEAK_STREET
    + r"\b\.?(?=,\s*[A-Z]))"
    + r"|(?i:rue|avenue|boulevard|via|calle|rua)\s+(?:[\w'-]+\s+){0,3}[A-Z][\w'-]+)"
)
_GERMAN_SUFFIXES = ("straße", "strasse", "str.", "weg", "gasse", "platz", "allee")
_GERMAN = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee)\s+\d{1,5}[a-z]?\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")
_CJK_ROADS = "路街道巷弄"
_CJK_ADDRESS = re.compile(r"[\u4e00-\u9fff]{1,12}(?:路|街|道|巷|弄)\d{1,5}号")
_ADDRESS_MASK = "[address]"


def mask_pii(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and street addresses masked
    (``j***@***.com``, ``*******42``, ``[address]``).

    Everything else is kept as it was, so a masked report still shows what was wrong with a row.
    """
    if not text or ("@" not in text and not any(ch.isdigit() for ch in text)):
        return text
    text = _mask_addresses(_EMAIL.sub(_mask_email, text))
    return _PHONE.sub(_mask_phone, text)


def contact_handle(text: str, key: bytes) -> str:
    """The pseudonym of the first e-mail address in ``text`` (lower-cased), or "" when it has none.

    Why: a shopper handed to a person often types how to be reached ("mail me at ann@example.com"),
    and the masked text keeps no address, so the shop could not follow up. The pseudonym is the
    form a workspace that pseudonymises ids keeps a customer id in (a Shopify orders export names
    its customers by their e-mail, lower-case), so the shop can find the customer while the address
    itself is never stored."""
    m = _EMAIL.search(text or "")
    return pseudonymise(m.group(0).lower(), key) if m else ""


def _mask_addresses(text: str) -> str:
    text = _STREET.sub(_ADDRESS_MASK, text)
    low = text.lower()
    if any(s in low for s in _GERMAN_SUFFIXES):
        text = _GERMAN.sub(_ADDRESS_MASK, text)
    text = _POSTCODE.sub(_ADDRESS_MASK, text)
    if "号" in text and any(ch in text for ch in _CJK_ROADS):
        text = _CJK_ADDRESS.sub(_ADDRESS_MASK, text)
    return text


def pseudonymise(value: Any, key: bytes) -> str:
    """A stable, non-reversible handle for an identifier: ``~`` + 12 hex of HMAC-SHA256.

    Keyed (the workspace secret), so a pseudonym cannot be matched to a guessed id by someone
    who only has the report; ``None``/empty stay empty (a missing id is itself a finding). A
    pseudonym stays itself, so ids pseudonymised at ingest are shown as stored, not hashed twice.
    """
    if value is None or value == "":
        return "" if value is None else value
    if isinstance(value, str) and is_pseudonym(value):
        return value  # already a pseudonym (a workspace that pseudonymises at ingest)
    digest = hmac.new(key, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return "~" + digest[:12]


_PSEUDONYM = re.compile(r"~[0-9a-f]{12}")


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` has the form :func:`pseudonymise` gives (``~`` + 12 hex)."""
    return _PSEUDONYM.fullmatch(value) is not None


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


# ------------------------------------------------------------------ the workspace's decisions
# (privacy_policy.py; re-exported so ``from shopmind.privacy import ...`` keeps working)
from shopmind.privacy_policy import (  # noqa: E402
    DEFAULT_PSEUDONYMISE_IDS,
    ERASURE_MARKER,
    INGEST_ID_COLUMNS,
    POLICY_FILE,
    WITHHELD,
    PrivacyPolicyError,
    erasure_pending,
    finish_erasure,
    holds_ids,
    ingest_policy,
    policy_notice,
    privacy_settings,
    pseudonymise_batch,
    pseudonymise_frame,
    pseudonymise_record,
    read_policy,
    serving_policy,
    would_pseudonymise,
)

__all__ = [
    "CONTACT_FIELDS",
    "DEFAULT_PSEUDONYMISE_IDS",
    "ERASURE_MARKER",
    "ID_FIELDS",
    "INGEST_ID_COLUMNS",
    "POLICY_FILE",
    "PRIVATE_UMASK",
    "SECRET_FILE",
    "WITHHELD",
    "WORKSPACE_ENTRIES",
    "PrivacyPolicyError",
    "erasure_pending",
    "finish_erasure",
    "holds_ids",
    "ingest_policy",
    "is_pseudonym",
    "mask_payload",
    "mask_pii",
    "mask_row",
    "mask_value",
    "policy_notice",
    "private_umask",
    "privacy_settings",
    "pseudonymise",
    "pseudonymise_batch",
    "pseudonymise_frame",
    "pseudonymise_record",
    "read_policy",
    "secure_path",
    "secure_workspace",
    "serving_policy",
    "workspace_secret",
    "would_pseudonymise",
]
