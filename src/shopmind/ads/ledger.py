"""The workspace's ads ledger: campaigns, settings, impressions, clicks, spend and attributed sales.

One SQLite file (``ads/ads.sqlite``, WAL) because every server worker and the CLI must agree on
it: a campaign paused by the CLI stops serving in every worker, and a budget is one number however
many processes spend it. Each write is one transaction, so a failed write leaves nothing partial.

Accounting (``settle``): clicks and purchases are the shop's ordinary events (``POST /v1/events``,
the live log). A click on a product counts for the latest sponsored impression of that product
shown to the same user or session at most ``click_window`` before it (one click per impression);
it is charged the impression's GSP price, but never more than what remains of that campaign's
budget for the impression's day, so the spend can not pass a budget. A purchase counts as an
attributed sale for the latest attributed click of that product by the same user or session at
most ``sale_window`` before it, in the purchase's own currency (the report never adds two
currencies: ``ads.report``). Settling runs inside ``BEGIN IMMEDIATE`` with the live-log watermark
stored in the same file, so two workers settling at once never charge a click twice.

Privacy: impressions hold keyed hashes of the user and session ids (the workspace secret; the
same pseudonyms the live log uses when the shop pseudonymises), and the hashes are cleared once
the attribution windows have passed, so the ledger keeps no way to link a shopper for longer
than attribution needs. ``forget`` clears them at once for one customer's ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from shopmind.ads.campaign import Campaign, CampaignError, parse_campaign
from shopmind.ads.report import campaign_rows
from shopmind.ads.settings import AdsSettings, parse_settings

LEDGER = Path("ads") / "ads.sqlite"
#: Client clocks differ from the server's: an event may look this much older/newer than it is.
CLOCK_SKEW = timedelta(minutes=5)

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS campaigns (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS impressions (
        imp_id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT, context TEXT NOT NULL,
        campaign_id TEXT NOT NULL, product_id TEXT NOT NULL, position INTEGER NOT NULL,
        price REAL NOT NULL, budget REAL NOT NULL, day TEXT NOT NULL, ts_us INTEGER NOT NULL,
        user_key TEXT, session_key TEXT, clicked INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS imp_product ON impressions (product_id, ts_us)",
    "CREATE INDEX IF NOT EXISTS imp_time ON impressions (ts_us) WHERE user_key IS NOT NULL OR session_key IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS clicks (
        event_id TEXT PRIMARY KEY, imp_id INTEGER NOT NULL, campaign_id TEXT NOT NULL,
        product_id TEXT NOT NULL, charged REAL NOT NULL, day TEXT NOT NULL, ts_us INTEGER NOT NULL,
        user_key TEXT, session_key TEXT)""",
    "CREATE INDEX IF NOT EXISTS click_product ON clicks (product_id, ts_us)",
    "CREATE INDEX IF NOT EXISTS click_time ON clicks (ts_us) WHERE user_key IS NOT NULL OR session_key IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS sales (
        event_id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, product_id TEXT NOT NULL,
        amount REAL NOT NULL, ts_us INTEGER NOT NULL, currency TEXT)""",
    """CREATE TABLE IF NOT EXISTS spend (
        campaign_id TEXT NOT NULL, day TEXT NOT NULL, spent REAL NOT NULL, PRIMARY KEY (campaign_id, day))""",
)


class CampaignExists(CampaignError):
    """``create`` of an id that is already there (an update must say so)."""


class UnknownCampaign(KeyError):
    """No campaign with that id."""


def campaign_dict(c: Campaign) -> dict[str, Any]:
    """A campaign as the JSON the API answers and the ledger stores (``parse_campaign`` reads it back)."""
    s = c.schedule
    return {
        "id": c.id,
        "advertiser": c.advertiser,
        "brand": c.brand or None,
        "products": list(c.products),
        "keywords": list(c.keywords),
        "categories": list(c.categories),
        "bid": c.bid,
        "daily_budget": c.daily_budget,
        "schedule": {
            "start": s.start.isoformat() if s.start else None,
            "end": s.end.isoformat() if s.end else None,
            "hours": list(s.hours),
        },
        "status": c.status,
    }


def unit_key(secret: bytes, kind: str, value: str | None) -> str | None:
    """A keyed hash of a user (``kind='u'``) or session (``'s'``) id; None for no id."""
    if value is None or not str(value).strip():
        return None
    return hmac.new(secret, f"{kind}:{str(value).strip()}".encode(), hashlib.blake2b).hexdigest()[:24]


def _us(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _event_time(e: Mapping[str, Any]) -> datetime:
    ts = e.get("timestamp")
    try:
        when = datetime.fromisoformat(str(ts)) if ts else datetime.now(UTC)
    except ValueError:
        when = datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Impression:
    """One sponsored item served: what, where, at what price per click, to whom (hashed)."""

    request_id: str | None
    context: str
    campaign_id: str
    product_id: str
    position: int
    price: float
    budget: float
    user_key: str | None
    session_key: str | None


class AdsLedger:
    """The ads SQLite file of one workspace; safe to share between threads (one lock per ledger)."""

    def __init__(self, workspace: Path | str, secret: bytes) -> None:
        self.path = Path(workspace) / LEDGER
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.secret = secret
        self._lock = threading.RLock()
        #: called after each settle that charged something, with {(campaign, day): spend now}
        self._listeners: list[Callable[[dict[tuple[str, str], float]], None]] = []
        self._charged: dict[tuple[str, str], float] = {}
        self._con = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        with self._tx():
            for sql in _DDL:
                self._con.execute(sql)
            sale_cols = {r[1] for r in self._con.execute("PRAGMA table_info(sales)")}
            if "currency" not in sale_cols:  # a ledger written before sales had their currency
                self._con.execute("ALTER TABLE sales ADD COLUMN currency TEXT")
        self.path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    @contextmanager
    def _tx(self, immediate: bool = True) -> Any:
        """One transaction (``BEGIN IMMEDIATE``: the write lock up front, so read-then-write is atomic
        between processes); rolled back entirely on any exception."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def _bump(self, con: sqlite3.Connection) -> None:
        con.execute(
            "INSERT INTO meta VALUES ('version', '1') ON CONFLICT(key) DO UPDATE SET value = value + 1"
        )

    def version(self) -> int:
        """Changes to campaigns or settings so far (servers reload when it moves)."""
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    def start_at(self, seq: int) -> None:
        """Settle from live-log sequence ``seq`` on, unless settling already began: events logged
        before the first ad was served can not be an ad's click, so they are not scanned."""
        with self._tx() as con:
            con.execute("INSERT OR IGNORE INTO meta VALUES ('log_seq', ?)", (str(int(seq)),))

    def listen(self, fn: Callable[[dict[tuple[str, str], float]], None]) -> None:
        """Call ``fn`` after every settle transaction that charged a click, with each charged
        campaign's spend for the day as committed: a server in this process stops serving a spent
        budget at once instead of at its next spend read (``serving.AdServer``)."""
        with self._lock:
            self._listeners.append(fn)

    def settled_seq(self) -> int:
        """The live-log sequence settled so far (any process's settle moves it)."""
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'log_seq'").fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ settings
    def settings(self) -> AdsSettings:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        return parse_settings(json.loads(row[0])) if row else AdsSettings()

    def set_settings(self, raw: Mapping[str, Any]) -> AdsSettings:
        """Change some ``[ads]`` keys (validated all together before anything is written)."""
        with self._tx() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            base = parse_settings(json.loads(row[0])) if row else AdsSettings()
            new = parse_settings(raw, base)
            con.execute(
                "INSERT INTO meta VALUES ('settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(new.as_dict()),),
            )
            self._bump(con)
        return new

    # ------------------------------------------------------------------ campaigns
    def campaigns(self) -> list[Campaign]:
        with self._lock:
            rows = self._con.execute("SELECT body FROM campaigns ORDER BY id").fetchall()
        return [parse_campaign(json.loads(b)) for (b,) in rows]

    def get(self, cid: str) -> Campaign:
        with self._lock:
            row = self._con.execute("SELECT body FROM campaigns WHERE id = ?", (cid,)).fetchone()
        if row is None:
            raise UnknownCampaign(cid)
        return parse_campaign(json.loads(row[0]))

    def _write(self, con: sqlite3.Connection, c: Campaign) -> None:
        con.execute(
            "INSERT INTO campaigns VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, "
            "updated_at = excluded.updated_at",
            (c.id, json.dumps(campaign_dict(c)), datetime.now(UTC).isoformat()),
        )
        self._bump(con)

    def create(
        self, raws: Sequence[Any], catalog: Mapping[str, Any] | None = None, where: str = "campaigns"
    ) -> list[Campaign]:
        """Add campaigns (all or none: one invalid or existing id writes nothing)."""
        parsed = [
            parse_campaign(r, f"{where}[{i}]" if len(raws) > 1 else "campaign", catalog)
            for i, r in enumerate(raws)
        ]
        with self._tx() as con:
            seen: set[str] = set()
            for i, c in enumerate(parsed):
                at = f"{where}[{i}].id" if len(raws) > 1 else "campaign.id"
                exists = con.execute("SELECT 1 FROM campaigns WHERE id = ?", (c.id,)).fetchone()
                if exists or c.id in seen:
                    raise CampaignExists(f"{at}: campaign {c.id!r} already exists")
                seen.add(c.id)
                self._write(con, c)
        return parsed

    def update(
        self, cid: str, changes: Mapping[str, Any], catalog: Mapping[str, Any] | None = None
    ) -> Campaign:
        """Change some fields (pause, bid, budget, ...); the whole result is validated again."""
        if "id" in changes and changes["id"] != cid:
            raise CampaignError("campaign.id: an id can not be changed (create a new campaign)")
        with self._tx() as con:
            row = con.execute("SELECT body FROM campaigns WHERE id = ?", (cid,)).fetchone()
            if row is None:
                raise UnknownCampaign(cid)
            c = parse_campaign({**json.loads(row[0]), **dict(changes)}, "campaign", catalog)
            self._write(con, c)
        return c

    def delete(self, cid: str) -> None:
        """Remove a campaign (its accounting stays for the report)."""
        with self._tx() as con:
            if con.execute("DELETE FROM campaigns WHERE id = ?", (cid,)).rowcount == 0:
                raise UnknownCampaign(cid)
            self._bump(con)

    # ------------------------------------------------------------------ serving
    def record(self, impressions: Iterable[Impression], when: datetime) -> None:
        """Log served sponsored items (a WAL commit without fsync: ~0.1 ms)."""
        rows = [
            (i.request_id, i.context, i.campaign_id, i.product_id, i.position, i.price, i.budget,
             when.date().isoformat(), _us(when), i.user_key, i.session_key)
            for i in impressions
        ]  # fmt: skip
        if not rows:
            return
        with self._tx() as con:
            con.executemany(
                "INSERT INTO impressions (request_id, context, campaign_id, product_id, position, price, "
                "budget, day, ts_us, user_key, session_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def spent(self, day: date) -> dict[str, float]:
        with self._lock:
            rows = self._con.execute("SELECT campaign_id, spent FROM spend WHERE day = ?", (day.isoformat(),))
            return {c: float(s) for c, s in rows.fetchall()}

    def position_counts(self) -> list[tuple[str, int, int, int]]:
        """(product, position, impressions, clicks) for the click model's quality estimates."""
        with self._lock:
            return self._con.execute(
                "SELECT product_id, position, count(*), sum(clicked) FROM impressions GROUP BY 1, 2"
            ).fetchall()

    # ------------------------------------------------------------------ accounting
    def settle(
        self,
        events_after: Callable[[int, int], list[tuple[int, dict[str, Any]]]],
        settings: AdsSettings,
        batch: int = 5000,
    ) -> dict[str, int]:
        """Attribute the live log's new clicks and purchases (see the module doc); returns counts."""
        got = {"events": 0, "clicks": 0, "sales": 0}
        click_w = timedelta(minutes=settings.click_window_minutes)
        sale_w = timedelta(hours=settings.sale_window_hours)
        while True:
            with self._tx() as con:
                self._charged = {}
                row = con.execute("SELECT value FROM meta WHERE key = 'log_seq'").fetchone()
                mark = int(row[0]) if row else 0
                events = events_after(mark, batch)
                for _seq, e in events:
                    kind = e.get("type")
                    if kind == "click":
                        got["clicks"] += self._click(con, e, click_w)
                    elif kind == "purchase":
                        got["sales"] += self._sale(con, e, sale_w)
                if events:
                    con.execute(
                        "INSERT INTO meta VALUES ('log_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (str(events[-1][0]),),
                    )
                    got["events"] += len(events)
                    self._expire(con, click_w, sale_w)
                charged, self._charged = self._charged, {}  # this transaction's (under its lock)
            if charged:  # committed: tell this process's servers (outside the transaction)
                for fn in list(self._listeners):
                    fn(charged)
            if len(events) < batch:
                return got

    def _keys(self, e: Mapping[str, Any]) -> tuple[str | None, str | None]:
        return unit_key(self.secret, "u", e.get("user_id")), unit_key(self.secret, "s", e.get("session_id"))

    def _click(self, con: sqlite3.Connection, e: Mapping[str, Any], window: timedelta) -> int:
        uk, sk = self._keys(e)
        if not e.get("item_id") or (uk is None and sk is None):
            return 0
        t = _event_time(e)
        imp = con.execute(
            "SELECT imp_id, campaign_id, price, budget, day FROM impressions WHERE product_id = ? "
            "AND clicked = 0 AND (user_key = ? OR session_key = ?) AND ts_us BETWEEN ? AND ? "
            "ORDER BY ts_us DESC LIMIT 1",
            (str(e["item_id"]), uk, sk, _us(t - window - CLOCK_SKEW), _us(t + CLOCK_SKEW)),
        ).fetchone()
        if imp is None:
            return 0
        imp_id, cid, price, budget, day = imp
        spent = con.execute(
            "SELECT spent FROM spend WHERE campaign_id = ? AND day = ?", (cid, day)
        ).fetchone()
        before = spent[0] if spent else 0.0
        remaining = budget - before
        charge = max(0.0, min(price, remaining))  # never past the day's budget
        done = con.execute(
            "INSERT OR IGNORE INTO clicks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e["event_id"]), imp_id, cid, str(e["item_id"]), charge, day, _us(t), uk, sk),
        ).rowcount
        if not done:
            return 0
        con.execute("UPDATE impressions SET clicked = 1 WHERE imp_id = ?", (imp_id,))
        con.execute(
            "INSERT INTO spend VALUES (?, ?, ?) ON CONFLICT(campaign_id, day) DO UPDATE SET spent = spent + ?",
            (cid, day, charge, charge),
        )
        self._charged[(cid, day)] = before + charge  # the day's spend after this click
        return 1

    def _sale(self, con: sqlite3.Connection, e: Mapping[str, Any], window: timedelta) -> int:
        uk, sk = self._keys(e)
        if not e.get("item_id") or (uk is None and sk is None):
            return 0
        t = _event_time(e)
        click = con.execute(
            "SELECT campaign_id FROM clicks WHERE product_id = ? AND (user_key = ? OR session_key = ?) "
            "AND ts_us BETWEEN ? AND ? ORDER BY ts_us DESC LIMIT 1",
            (str(e["item_id"]), uk, sk, _us(t - window - CLOCK_SKEW), _us(t + CLOCK_SKEW)),
        ).fetchone()
        if click is None:
            return 0
        qty = e.get("quantity") or 1
        amount = float(e.get("price") or 0.0) * max(int(qty), 1)
        cur = str(e.get("currency") or "").strip().upper() or None  # the sale's own (ads.report)
        return con.execute(
            "INSERT OR IGNORE INTO sales (event_id, campaign_id, product_id, amount, ts_us, currency) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (str(e["event_id"]), click[0], str(e["item_id"]), amount, _us(t), cur),
        ).rowcount

    def _expire(self, con: sqlite3.Connection, click_w: timedelta, sale_w: timedelta) -> None:
        """Drop the unit hashes attribution no longer needs (impressions past the click window,
        clicks past the sale window)."""
        now = datetime.now(UTC)
        con.execute(
            "UPDATE impressions SET user_key = NULL, session_key = NULL WHERE ts_us < ? "
            "AND (user_key IS NOT NULL OR session_key IS NOT NULL)",
            (_us(now - click_w - 2 * CLOCK_SKEW),),
        )
        con.execute(
            "UPDATE clicks SET user_key = NULL, session_key = NULL WHERE ts_us < ? "
            "AND (user_key IS NOT NULL OR session_key IS NOT NULL)",
            (_us(now - sale_w - 2 * CLOCK_SKEW),),
        )

    def forget(self, ids: Iterable[str]) -> int:
        """Clear the hashes of these user/session ids (``shopmind forget``'s tokens); rows touched."""
        keys = _unit_keys(self.secret, ids)
        if not keys:
            return 0
        marks = ",".join("?" * len(keys))
        n = 0
        with self._tx() as con:
            for table in ("impressions", "clicks"):
                n += con.execute(
                    f"UPDATE {table} SET user_key = NULL, session_key = NULL "
                    f"WHERE user_key IN ({marks}) OR session_key IN ({marks})",
                    [*keys, *keys],
                ).rowcount
        return n

    # ------------------------------------------------------------------ report
    def report(self, day: date | None = None) -> list[dict[str, Any]]:
        """Per campaign (current and deleted): impressions, clicks, CTR, spend, attributed sales
        per currency (``ads.report``), and ``day``'s spend against the budget (default: today, UTC)."""
        with self._lock:
            return campaign_rows(self._con, day or datetime.now(UTC).date())


def _unit_keys(secret: bytes, ids: Iterable[str]) -> list[str]:
    return sorted({k for i in ids for k in (unit_key(secret, "u", i), unit_key(secret, "s", i)) if k})


def count_units(workspace: Path | str, ids: Iterable[str]) -> int:
    """Impressions and clicks still linked to any of ``ids`` (``shopmind forget``'s dry run); the
    ledger is not created when the workspace has none."""
    path = Path(workspace) / LEDGER
    keys = _unit_keys(_secret(workspace), ids)
    if not path.exists() or not keys:
        return 0
    marks = ",".join("?" * len(keys))
    con = sqlite3.connect(path, timeout=30)
    try:
        return sum(
            con.execute(
                f"SELECT count(*) FROM {t} WHERE user_key IN ({marks}) OR session_key IN ({marks})",
                keys + keys,
            ).fetchone()[0]
            for t in ("impressions", "clicks")
        )
    finally:
        con.close()


def forget_units(workspace: Path | str, ids: Iterable[str]) -> int:
    """Unlink ``ids`` from the ledger (``shopmind forget``): their hashes cleared, the counts kept."""
    if not (Path(workspace) / LEDGER).exists():
        return 0
    ledger = AdsLedger(workspace, _secret(workspace))
    try:
        return ledger.forget(ids)
    finally:
        ledger.close()


def _secret(workspace: Path | str) -> bytes:
    from shopmind.privacy import workspace_secret

    return workspace_secret(workspace)
