"""The shop a server process serves: the loaded current release plus what arrived since.

A request takes ``shop.current`` once and uses that object to the end, so swapping in a new
release (a reference assignment) never disturbs requests in flight. A watcher thread polls
the ``CURRENT`` pointer; a new release is loaded completely *beside* the old one, the log
entries it does not include are replayed into it, and only then is it swapped in.

The live log is the one source of truth for what arrived after a release was built, so
several server processes (``shopmind serve --workers N``) stay consistent without talking to
each other: a process applies log entries strictly in sequence order, from its watermark on,
whether it wrote them itself (``record_events``/``change_products``) or another process did
(``sync``, called before every read; it costs one SQLite ``data_version`` check when nothing
changed). An event accepted by one worker is therefore reflected by every worker's next
request.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.quality.coerce import typed_products
from shopmind.release.leases import Lease
from shopmind.release.releases import Releases
from shopmind.serve.product_table import ProductTable
from shopmind.store.identity import read_identity
from shopmind.store.livelog import EventLog, net_product_changes

log = logging.getLogger("shopmind.serve")


@dataclass
class LoadedRelease:
    """Everything one release serves, in memory."""

    id: str
    folder: Path
    manifest: dict[str, Any]
    products: MutableMapping[str, dict[str, Any]]
    engine: Any | None = None
    recs: Any | None = None
    replayed: dict[str, int] = field(default_factory=lambda: {"events": 0, "products": 0})
    loaded_at: float = field(default_factory=time.time)
    #: user profiles and segments (``shopmind.profiles``), updated by the same replay as recs
    profiles: Any | None = None
    #: the live-log sequence the profiles already include (events after it are replayed)
    profiles_from: int = 0

    def sizes(self) -> dict[str, int]:
        out = {"products": len(self.products)}
        if self.engine is not None:
            out["search_docs"] = int(getattr(self.engine, "size", len(self.products)))
        return out


def _products_dict(frame: pl.DataFrame) -> ProductTable:
    """The served products by id, columnar (a dict of row dicts cost several times the frame)."""
    return ProductTable(frame)


def load_release(folder: Path) -> LoadedRelease:
    """Load a finished release folder (components that are absent are simply not served)."""
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    products = _products_dict(pl.read_parquet(folder / "catalog" / "products.parquet"))
    engine = recs = None
    if (folder / "search").exists():
        from shopmind.search.engine import SearchEngine

        engine = SearchEngine.load(folder / "search")
        from shopmind.search.adapt.encoder import attach_saved_adapter

        attach_saved_adapter(engine, folder / "search")  # the shop-tuned query adapter, if built
    if (folder / "recs").exists():
        from shopmind.recommend.service import RecommendationService

        recs = RecommendationService.load(folder / "recs")
    from shopmind.forecast.stockout import attach_stockout

    attach_stockout(folder, engine, recs)  # [forecast] stockout: de-boost/hide products forecast to sell out
    if engine is not None:
        engine.warm_up()  # encoder, jieba, parser now (at release load), not on a shopper's first search
        engine.serve_in_background()  # [search] query_encoding: new queries never wait on the encoder
    profiles = None
    if (folder / "profiles").exists():
        from shopmind.profiles.live import ProfileIndex

        profiles = ProfileIndex.load(folder / "profiles")
    drained = dict(manifest.get("log_drained", {"events": 0, "products": 0}))
    # recommendation models carried over from an earlier build include the live log only up
    # to their own fit: replay events from there (search takes no events from the log)
    recs_mark = manifest.get("components", {}).get("recs", {}).get("events_watermark")
    if recs is not None and isinstance(recs_mark, int) and recs_mark < drained.get("events", 0):
        drained["events"] = recs_mark
    rel = LoadedRelease(manifest["id"], folder, manifest, products, engine, recs, drained, profiles=profiles)
    # profiles are rebuilt from the store every build: they replay from the build's watermark
    rel.profiles_from = int(manifest.get("log_drained", {}).get("events", 0))
    return rel


def _keep_query_vectors(old: LoadedRelease | None, new: LoadedRelease) -> None:
    """A warm-up release (``release/search_warmup.py``) is the served release plus past-query
    vectors: the queries the old engine encoded while it served (shoppers' new queries) stay
    cached in the new one instead of being encoded again. Only then — same product vectors,
    same encoder, same re-ranker — is a cached vector known to be the new engine's too."""
    if old is None or old.engine is None or new.engine is None or new.manifest.get("warm_up_of") != old.id:
        return
    items: list[tuple[str, Any]] = []
    for _ in range(3):  # the old engine's background encoder may add one meanwhile
        try:
            items = list(old.engine._qvecs.items())  # noqa: SLF001 - the engine's query-vector LRU
            break
        except RuntimeError:
            continue
    have = new.engine._qvecs  # noqa: SLF001
    for text, vec in items:
        if text not in have:
            new.engine._store_query_vector(text, vec)  # noqa: SLF001


#: How long the watcher waits before loading again a release that failed to load: its files are
#: written once by a build, so they seldom come back; a rollback or a new build is noticed at the next poll.
LOAD_RETRY_SECONDS = 60.0


def _missing_file(exc: BaseException, folder: Path) -> Path | None:
    """The release file whose absence ``exc`` reports, or None. Polars cuts a long path to its tail
    (``...ws/releases/<id>/catalog/products.parquet``), so the part after the release id is joined
    to the release's folder again: the log names the whole path to restore."""
    import re

    if isinstance(exc, FileNotFoundError) and exc.filename:
        return Path(exc.filename)
    text = str(exc)
    if "No such file" not in text and "not found" not in text.lower():
        return None
    match = re.search(re.escape(folder.name) + r"/([^\s()]+)", text)
    return folder / match.group(1) if match else None


class Shop:
    """The served state of one workspace."""

    def __init__(self, workspace: Path | str, eventlog: EventLog, poll_seconds: float = 1.0) -> None:
        self.workspace = Path(workspace)
        self.releases = Releases(self.workspace)
        #: the release this server serves, recorded for pruning (a build never deletes it)
        self.lease = Lease(self.releases.root)
        self.log = eventlog
        self.poll_seconds = poll_seconds
        self.current: LoadedRelease | None = None
        self.lock = threading.RLock()  # serialises applying live changes vs. swapping releases
        self.last_error: str | None = None
        #: the shop this server serves (``shop.json`` at start, else its first release's) and
        #: the last release refused for belonging to another shop
        self.shop_id: str | None = (read_identity(self.workspace) or {}).get("id")
        self.refused_id: str | None = None
        #: a release that failed to load (a file of it missing) and when to try it again: the watcher
        #: logged the same error every poll (each second), and never said what to do
        self.failed_id: str | None = None
        self.retry_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pseudonym_key: bytes | None = None
        self._pseudonymises: bool | None = None

    def user_handle(self, user_id: str) -> str:
        """The id a customer has in this workspace's store and models: their pseudonym when the
        workspace pseudonymises ids at ingest (``[privacy] pseudonymise_ids``), else the id."""
        key = self.pseudonym_key()
        if key is None or not user_id:
            return user_id
        from shopmind.privacy import pseudonymise

        return pseudonymise(user_id, key)

    def pseudonym_key(self, decide: bool = False) -> bytes | None:
        """The workspace secret if ids are pseudonymised at ingest (read once it is decided).

        Logging an event (``decide``) before any ingest records the decision
        (``privacy.serving_policy``): pseudonyms by default in an empty workspace, so an
        API-only shop never logs a raw id either. A read before that hashes as that decision
        would, without recording it (a shop's first ingest may still choose raw ids)."""
        if self._pseudonymises is None:
            from shopmind.privacy import read_policy, serving_policy, workspace_secret, would_pseudonymise

            held = serving_policy(self.workspace) if decide else read_policy(self.workspace)
            if held is None:
                return workspace_secret(self.workspace) if would_pseudonymise(self.workspace) else None
            self._pseudonymises = held
            if held:
                self._pseudonym_key = workspace_secret(self.workspace)
        return self._pseudonym_key

    @property
    def release_id(self) -> str | None:
        cur = self.current
        return None if cur is None else cur.id

    def read(self) -> LoadedRelease | None:
        """The served release with everything logged so far applied. Every reader — API routes
        and pages alike — goes through a syncing read, so a page served by one worker is never
        staler than a write another worker acknowledged (pages once read ``current`` without
        syncing: 248 of 500 reads right after a write got 404 on the other worker)."""
        self.sync()
        return self.current

    def product(self, product_id: str) -> dict[str, Any] | None:
        cur = self.read()
        return None if cur is None else cur.products.get(str(product_id))

    def build_status(self) -> dict[str, Any]:
        """What the storefront banner and ``/readyz`` say about completeness: whether the served
        release has every part (``complete``), each part's state, and the running build's
        stages (items, rate, ETA) while one runs."""
        from shopmind.release.progress import read_progress

        cur = self.current
        manifest = {} if cur is None else cur.manifest
        status: dict[str, Any] = {
            "complete": bool(manifest.get("complete", cur is not None)),
            "parts": dict(manifest.get("parts", {})),
            # the past-query warm-up after the complete release ({"search_queries": "pending" or
            # "complete"}; absent: warmed before it, or nothing to warm): a latency warm-up only
            "warm_up": dict(manifest["warm_up"]) if manifest.get("warm_up") else None,
            "building": None,
        }
        snap = read_progress(self.workspace)
        if snap is not None and snap.get("status") == "running":
            status["building"] = {
                "elapsed_s": snap.get("elapsed_s"),
                "stages": snap.get("active", []),
                "parts": snap.get("parts", {}),
            }
        return status

    # ---------------------------------------------------------------- releases
    def refresh(self) -> bool:
        """Load the release CURRENT points at if it is not the one served; True if swapped."""
        rid = self.releases.current_id()
        if rid is None or rid == self.release_id or rid == self.refused_id:
            return False
        if rid == self.failed_id and time.monotonic() < self.retry_at:
            return False
        refusal = self._other_shop(rid)
        if refusal is not None:
            self.refused_id, self.last_error = rid, refusal
            log.error(json.dumps({"event": "release_refused", "release": rid, "reason": refusal}))
            return False
        # leased before loading, with the one served until now (a request in flight may still read
        # its files): a build's prune deletes neither; the older one is let go at the next swap
        self.lease.hold(rid, self.release_id)
        try:
            new = load_release(self.releases.root / rid)
        except Exception as exc:  # keep serving the old one; report on /readyz and in the log
            missing = _missing_file(exc, self.releases.root / rid)
            why = f"{missing} is missing" if missing else str(exc)
            self.last_error = (
                f"could not load release {rid}: {why}; serve the release before it with `shopmind rollback`, "
                f"or build a new one with `shopmind build` (retrying this one every {LOAD_RETRY_SECONDS:.0f} s)"
            )
            self.failed_id, self.retry_at = rid, time.monotonic() + LOAD_RETRY_SECONDS
            log.error(self.last_error)  # once per retry, not once per poll
            return False
        self.failed_id = None
        self._replay(new)
        with self.lock:
            self._replay(new)  # whatever arrived while replaying outside the lock
            _keep_query_vectors(self.current, new)
            old, self.current = self.current, new
        if old is not None and old.engine is not None:
            old.engine.stop_background()  # its worker would keep the old release in memory
        self.lease.swapped(rid, None if old is None else old.id)  # a forgotten customer's: deleted now
        self.last_error = None
        if self.shop_id is None:
            self.shop_id = (new.manifest.get("shop") or {}).get("id")
        log.info(json.dumps({"event": "release_loaded", "release": rid}))
        return True

    def _other_shop(self, rid: str) -> str | None:
        """Why release ``rid`` must not be served here (built from another shop), or None.

        The id is the workspace's at server start (or the first release's): a workspace
        recreated for another dataset under a running server gets a new id, and the server
        keeps serving the shop it started with instead of switching to a different one."""
        try:
            manifest = json.loads((self.releases.root / rid / "release.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # load_release reports an unreadable release
        theirs = (manifest.get("shop") or {}).get("id")
        if self.shop_id is None or theirs is None or theirs == self.shop_id:
            return None
        return (
            f"release {rid} was built from another shop ({theirs}, this server serves {self.shop_id}): "
            "not switching; restart the server on that workspace to serve it"
        )

    def _replay(self, rel: LoadedRelease) -> None:
        changes = self.log.products_after(rel.replayed["products"])
        if changes:
            self._apply_products(rel, [(pid, op, payload) for _s, pid, op, payload in changes])
            rel.replayed["products"] = changes[-1][0]
        while True:
            batch = self.log.events_after(rel.replayed["events"], limit=50_000)
            if not batch:
                break
            if rel.recs is not None:
                rel.recs.record([e for _s, e in batch])
            if rel.profiles is not None:
                rel.profiles.record([e for s, e in batch if s > rel.profiles_from], rel.products)
            rel.replayed["events"] = batch[-1][0]

    def watch(self) -> None:
        """Start the background thread that follows the CURRENT pointer."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.poll_seconds):
                try:
                    self.refresh()
                except Exception as exc:  # pragma: no cover - defensive: never kill the watcher
                    log.exception("release watcher: %s", exc)

        self._thread = threading.Thread(target=loop, name="release-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.lease.drop()
        cur = self.current
        if cur is not None and cur.engine is not None:
            cur.engine.stop_background()

    # ---------------------------------------------------------------- live changes
    def sync(self) -> None:
        """Apply what other processes logged since this one last looked (cheap when nothing)."""
        if not self.log.changed():
            return
        with self.lock:
            cur = self.current
            if cur is not None:
                self._replay(cur)

    def record_events(
        self, events: Sequence[Mapping[str, Any]], idempotency_key: str | None, response: Any
    ) -> tuple[list[int], Any | None]:
        """Durably log events, then apply everything logged up to them (same lock as swaps).

        Applying from the log rather than from ``events`` keeps sequence order when another
        worker logged events in between: applying ours first and moving the watermark past
        theirs would lose them."""
        key = self.pseudonym_key(decide=True)
        if key is not None:  # the log, store, profiles and models never see the raw id
            from shopmind.privacy import pseudonymise_record

            events = [pseudonymise_record(e, key) for e in events]
        with self.lock:
            seqs, previous = self.log.append_events(events, idempotency_key, response)
            if previous is not None:
                return [], previous
            cur = self.current
            if cur is not None and seqs:
                self._replay(cur)
            return seqs, None

    def change_products(self, changes: Sequence[tuple[str, str, Mapping[str, Any] | None]]) -> None:
        """Durably log product upserts/deletes, then make them (and anything logged before
        them by another worker) searchable at once."""
        with self.lock:
            seqs = self.log.append_products(changes)
            cur = self.current
            if cur is not None and seqs:
                self._replay(cur)

    @staticmethod
    def _apply_products(
        rel: LoadedRelease, changes: Sequence[tuple[str, str, Mapping[str, Any] | None]]
    ) -> None:
        from shopmind.search.money import round_money

        ups, dels = net_product_changes(changes)
        for p in ups:
            if p.get("price") is not None:  # as the build's catalog: money in its minor unit
                p = {**p, "price": round_money(p["price"], p.get("currency"))}
            rel.products[str(p["product_id"])] = p
        for pid in dels:
            rel.products.pop(pid, None)
        if rel.engine is not None:
            if ups:
                rel.engine.upsert(typed_products(ups))
            if dels:
                rel.engine.delete(dels)
