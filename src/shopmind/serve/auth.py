"""API keys: stored hashed (scrypt) in ``<workspace>/keys.json``, checked per request.

A key has one *scope*; a route needs one *capability*; ``GRANTS`` says which scope gives which:

=============  ==========================================================================
capability     routes
=============  ==========================================================================
``read``       search, autocomplete, recommendations (open unless ``read_key_required``)
``events``     ``POST /v1/events``
``write``      product writes
``monitor``    quality runs and reports (raw quarantined rows), evaluation, releases, metrics,
               the dashboards
``admin``      reload
=============  ==========================================================================

``storefront`` is the key every page carries (public by construction): it can post events and
read the catalog, nothing else. ``events`` and ``write`` keys are for the shop's back end;
``read`` is for people and tools that watch the shop (dashboards, Prometheus); ``admin`` can
do everything. scrypt makes a stolen keys file useless, but costs ~50 ms per check, so a
verified key is remembered in memory by its SHA-256 (never written anywhere).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

KEYS_FILE = "keys.json"
#: The cookie that carries a read/admin key for the dashboards (see ``serve/api.py``).
DASHBOARD_COOKIE = "shopmind_dashboard"
SCOPES = ("storefront", "read", "events", "write", "admin")
CAPABILITIES = ("read", "events", "write", "monitor", "admin")
#: What a key of each scope may do (least privilege: the public storefront key never reads
#: quality runs, releases or metrics; a back-end ``write`` key never reads the dashboards).
GRANTS: dict[str, frozenset[str]] = {
    "storefront": frozenset({"read", "events"}),
    "events": frozenset({"read", "events"}),
    "write": frozenset({"read", "events", "write"}),
    "read": frozenset({"read", "monitor"}),
    "admin": frozenset(CAPABILITIES),
}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_key() -> str:
    """A fresh random API key (plaintext)."""
    return "sm_" + secrets.token_urlsafe(32)


def _hash(key: str, salt: bytes) -> str:
    return hashlib.scrypt(key.encode(), salt=salt, **_SCRYPT).hex()


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    name: str
    scope: str
    salt: str
    hash: str
    created_at: str


class KeyStore:
    """Keys of one workspace plus in-memory ephemeral keys (the storefront's)."""

    def __init__(self, workspace: Path | str | None) -> None:
        self.path = None if workspace is None else Path(workspace) / KEYS_FILE
        self._records: list[KeyRecord] = []
        self._verified: dict[str, KeyRecord] = {}
        self._rejected: set[str] = set()  # SHA-256 of presented keys that matched nothing
        self._lock = threading.Lock()
        self.reload()

    def _mtime(self) -> float:
        try:
            return 0.0 if self.path is None else self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0.0

    def reload(self) -> None:
        self._loaded_mtime = self._mtime()
        records = []
        if self.path is not None and self.path.exists():
            records = [KeyRecord(**r) for r in json.loads(self.path.read_text(encoding="utf-8"))]
        with self._lock:
            ephemeral = [r for r in self._records if r.key_id.startswith("ephemeral-")]
            self._records = records + ephemeral
            self._verified = {}
            self._rejected = set()

    def add(self, name: str, scope: str, persist: bool = True, plaintext: str | None = None) -> str:
        """Create a key; returns the plaintext (shown once). ``persist=False`` keeps it in memory
        only; ``plaintext`` registers a given key (worker processes sharing their parent's)."""
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
        plaintext = plaintext or new_key()
        salt = os.urandom(16)
        prefix = "k-" if persist else "ephemeral-"
        rec = KeyRecord(
            key_id=prefix + secrets.token_hex(4),
            name=name,
            scope=scope,
            salt=salt.hex(),
            hash=_hash(plaintext, salt),
            created_at=datetime.now(UTC).isoformat(),
        )
        with self._lock:
            self._records.append(rec)
            self._rejected = set()
        if persist:
            self._save()
        return plaintext

    def replace(self, name: str, scope: str) -> str:
        """Revoke the persisted keys called ``name`` and create a new one (``shopmind demo``
        hands the operator a fresh dashboard key each run without piling up old ones)."""
        for r in self.list():
            if r.name == name:
                self.revoke(r.key_id)
        return self.add(name, scope)

    def revoke(self, key_id: str) -> bool:
        with self._lock:
            before = len(self._records)
            self._records = [r for r in self._records if r.key_id != key_id]
            self._verified = {}
            self._rejected = set()
            changed = len(self._records) != before
        if changed:
            self._save()
        return changed

    def list(self) -> list[KeyRecord]:
        return [r for r in self._records if not r.key_id.startswith("ephemeral-")]

    def _save(self) -> None:
        if self.path is None:
            return
        rows = [r.__dict__ for r in self.list()]
        tmp = self.path.with_suffix(".tmp")
        # created 0600 (not chmod-ed after the write: the hashes are never world-readable)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(rows, indent=2))
        os.chmod(tmp, 0o600)  # an old .tmp left by a crash keeps its mode through O_TRUNC
        os.replace(tmp, self.path)

    def check(self, presented: str | None, needed: str) -> str:
        """'ok', 'missing' (no key: 401), 'invalid' (401) or 'forbidden' (valid key, scope too
        small: 403) for a route that needs the capability ``needed``."""
        if needed not in CAPABILITIES:
            raise ValueError(f"unknown capability {needed!r}")
        if not presented:
            return "missing"
        digest = hashlib.sha256(presented.encode()).hexdigest()
        if self._mtime() != self._loaded_mtime:  # `shopmind keys add/revoke` while serving
            self.reload()
        rec = self._verified.get(digest)
        if rec is None:
            if digest in self._rejected:  # a wrong key retried must not cost scrypt each time
                return "invalid"
            for r in self._records:
                if hmac.compare_digest(_hash(presented, bytes.fromhex(r.salt)), r.hash):
                    rec = r
                    break
            with self._lock:
                if rec is None:
                    if len(self._rejected) >= 10_000:
                        self._rejected.clear()
                    self._rejected.add(digest)
                    return "invalid"
                self._verified[digest] = rec
        return "ok" if needed in GRANTS.get(rec.scope, ()) else "forbidden"
