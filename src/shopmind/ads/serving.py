"""Sponsored slots on the request path: the campaigns, click model and pacers of one server process.

An ``AdServer`` is per worker process. What must be *shared* between workers lives in the ledger
(``ledger.py``: campaigns, settings, spend, impressions); what each worker keeps is derived from it
and refreshed at most every ``refresh_seconds``: the auction index (rebuilt when the ledger's
version moves), the click model's product qualities, and one ``Pacer`` per campaign for the UTC day
whose ``spent`` is the ledger's (all workers' clicks). With ``serve --workers 2`` both workers
throttle from the same shared spend, so each one's pacing reacts to the total; the charge itself is
capped by the ledger (a click is never charged past the budget).

Budget stop at serve time: a campaign is not placed once its remaining budget is below its bid
(``Pacer.allow``), and the spend that check reads is the ledger's as committed, not as of the last
interval. In this process the ledger tells the server each charge as its settle commits
(``AdsLedger.listen``); a settle in another process moves the ledger's settled sequence, which the
server compares on every request and then re-reads the spend. Clicks are settled before each
sponsored request when the live log has any the ledger has not settled (``routes/ads.py``), so the
charges still in flight at an auction are those of concurrent requests only. Before this, spend was
re-read every ``refresh_seconds`` (0.5 s) and settled as often: a demo shop clicking faster than that
was served ~5 sponsored placements after the budget was spent, each clicked and charged nothing.

A request is served ads only when it names a shopper (``user_id`` or ``session_id``): an impression
nobody can click through to is one no advertiser could be charged for fairly.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from shopmind.ads.auction import Auction, AuctionResult
from shopmind.ads.campaign import Campaign
from shopmind.ads.clickmodel import PositionClickModel
from shopmind.ads.ledger import AdsLedger, Impression, unit_key
from shopmind.ads.pacing import Pacer, cumulative_shape
from shopmind.ads.settings import AdsSettings, AdsSettingsError, parse_settings


class AdServer:
    """Per-process ads state over the workspace ledger; ``place`` is thread-safe."""

    def __init__(
        self,
        ledger: AdsLedger,
        analyzer: Any = None,
        refresh_seconds: float = 0.5,
        seed: int | None = None,
    ) -> None:
        self.ledger = ledger
        self.analyzer = analyzer
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._version = -1
        self._checked = float("-inf")
        self._counted = float("-inf")
        #: how often the click model re-reads the impression counts (a scan of the impressions)
        self.quality_seconds = 30.0
        self.settings = AdsSettings()
        self.campaigns: tuple[Campaign, ...] = ()
        self.clicks = PositionClickModel()
        self._auctions: dict[Any, Auction] = {}
        self._pacers: dict[str, Pacer] = {}
        self._day: str | None = None
        self._mark = -1  # the ledger's settled live-log sequence at the last spend read
        ledger.listen(self._on_charge)

    # ------------------------------------------------------------------ state
    def refresh(self, force: bool = False) -> None:
        """Reload campaigns/settings when the ledger changed; spend and click counts every interval."""
        with self._lock:
            self._refresh(force)

    def _on_charge(self, charged: dict[tuple[str, str], float]) -> None:
        """The ledger in this process charged clicks: their campaigns' spend as committed, at once."""
        with self._lock:
            for (cid, day), total in charged.items():
                p = self._pacers.get(cid) if day == self._day else None
                if p is not None:
                    p.spent = max(p.spent, total)

    def _refresh(self, force: bool) -> None:
        now = time.monotonic()
        due = force or now - self._checked >= self.refresh_seconds
        mark = self.ledger.settled_seq()  # moved: some process charged what this one has not read
        if not due and mark == self._mark:
            return
        self._mark = mark
        if due:
            self._reload(now, force)
        today = datetime.now(UTC).date()
        if today.isoformat() != self._day:
            self._pacers, self._day = {}, today.isoformat()
        spent = self.ledger.spent(today)
        for c in self.campaigns:
            p = self._pacers.get(c.id)
            if p is None:
                # p = 1 until the first interval has measured the campaign's demand (a pacer that
                # starts half-closed throws away auctions it has no reason to skip)
                p = self._pacers[c.id] = Pacer(
                    c.daily_budget, c.bid, cumulative_shape(self.settings.traffic, c.schedule.hours), p=1.0
                )
            p.spent = spent.get(c.id, 0.0)

    def _reload(self, now: float, force: bool) -> None:
        """Campaigns and settings when the ledger's version moved; click counts every ``quality_seconds``."""
        self._checked = now
        v = self.ledger.version()
        if v != self._version or force:
            self.settings = self.ledger.settings()
            self.campaigns = tuple(self.ledger.campaigns())
            self._auctions = {}
            # a campaign keeps its pacer (what it learnt of its demand today) unless its money or
            # its traffic curve (hours, [ads] traffic) changed
            old = self._pacers
            self._pacers = {
                c.id: old[c.id]
                for c in self.campaigns
                if c.id in old
                and (old[c.id].budget, old[c.id].bid) == (c.daily_budget, c.bid)
                and np.array_equal(old[c.id].cum, cumulative_shape(self.settings.traffic, c.schedule.hours))
            }
            self._version = v
        if force or now - self._counted >= self.quality_seconds:
            self._counted = now
            self.clicks.set_counts(self.ledger.position_counts())

    def effective(self, overrides: Mapping[str, Any] | None = None) -> AdsSettings:
        """The shop's settings with an experiment variant's ``ads`` overrides on top (a variant whose
        overrides no longer fit the shop's settings, e.g. more slots than positions, gets the shop's)."""
        if not overrides:
            return self.settings
        try:
            return parse_settings(overrides, self.settings)
        except AdsSettingsError:
            return self.settings

    def serving(self, overrides: Mapping[str, Any] | None = None) -> bool:
        """Whether a request with these variant overrides can get ads at all (cheap: no auction)."""
        with self._lock:
            self._refresh(False)
            return bool(self.campaigns) and self.effective(overrides).enabled

    def _auction(self, s: AdsSettings, recs: bool) -> Auction:
        key = s.auction(recs)
        got = self._auctions.get(key)
        if got is None:
            kw = {"analyzer": self.analyzer} if self.analyzer is not None else {}
            got = self._auctions[key] = Auction(self.campaigns, self.clicks, key, **kw)
        return got

    # ------------------------------------------------------------------ requests
    def place(
        self,
        query: str | None,
        organic: Sequence[tuple[str, float]],
        *,
        categories: Sequence[str] = (),
        user_id: str | None,
        session_id: str | None,
        request_id: str | None,
        context: str,
        overrides: Mapping[str, Any] | None = None,
        when: datetime | None = None,
    ) -> AuctionResult | None:
        """Run the auction for one request and log its impressions; None when ads are off for it.

        ``user_id``/``session_id`` are the ids as the live log stores them (pseudonyms when the
        shop pseudonymises), so the clicks the shopper posts later find these impressions."""
        with self._lock:
            self._refresh(False)
            s = self.effective(overrides)
            if not s.enabled or not self.campaigns or not (user_id or session_id):
                return None
            when = when or datetime.now(UTC)
            t = (when.hour * 3600 + when.minute * 60 + when.second) / 86400
            result = self._auction(s, context != "search").run(
                query,
                organic,
                categories=categories,
                when=when,
                pacers=self._pacers,
                t=t,
                draw=self._rng.random,
            )
        if result.placements:
            budget = {c.id: c.daily_budget for c in self.campaigns}
            uk = unit_key(self.ledger.secret, "u", user_id)
            sk = unit_key(self.ledger.secret, "s", session_id)
            self.ledger.record(
                (
                    Impression(request_id, context, p.campaign_id, p.product_id, p.position, p.price,
                               budget[p.campaign_id], uk, sk)
                    for p in result.placements
                ),
                when,
            )  # fmt: skip
        return result


def blend(
    items: Sequence[dict[str, Any]], result: AuctionResult, id_key: str, request_id: str | None
) -> list[dict[str, Any]]:
    """The organic rows reordered as the auction blended them, sponsored ones labelled."""
    by_id = {str(h[id_key]): h for h in items}
    out = []
    for it in result.items:
        row = dict(by_id[it.product_id])
        if it.sponsored:
            row["sponsored"] = True
            row["campaign_id"] = it.campaign_id
            row["ad"] = {"campaign_id": it.campaign_id, "request_id": request_id}
        out.append(row)
    return out
