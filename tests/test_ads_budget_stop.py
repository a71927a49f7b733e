"""A spent budget stops its placements at the next request, not at the next spend read.

Seen on the demo shop (t1v, session 29): after a campaign's budget was spent, ~5 more sponsored
placements were served (their clicks charged nothing): the server re-read spend every 0.5 s and
the shop's traffic was faster. ``refresh_seconds`` is set to an hour here so that only the fix,
never the clock, can make the server see a charge.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ads_util import campaign
from shopmind.ads.ledger import AdsLedger
from shopmind.ads.serving import AdServer
from shopmind.privacy import workspace_secret
from shopmind.store.livelog import EventLog

N = 4  # clicks the budget pays for
ORGANIC = [("p1", 1.0), ("p2", 0.9), ("p3", 0.8), ("p4", 0.7), ("p5", 0.6)]


def _served(server: AdServer, sessions: list[str]) -> list[str]:
    """The sessions that were shown the sponsored placement."""
    got = []
    for sid in sessions:
        r = server.place("lamp", ORGANIC, user_id=None, session_id=sid, request_id=sid, context="search")
        if r is not None and r.placements:
            got.append(sid)
    return got


def test_no_placement_is_served_after_the_budget_is_spent(tmp_path) -> None:
    secret = workspace_secret(tmp_path)
    ledger = AdsLedger(tmp_path, secret)
    # one bidder: its GSP price is the reserve, 1.0, so the budget pays exactly N clicks
    ledger.create([campaign("stop-1", ["p2"], keywords=["lamp"], bid=1.0, daily_budget=float(N))])
    ledger.set_settings({"enabled": True, "floor": 0.0, "reserve": 1.0, "max_slots": 1, "positions": [0]})
    log = EventLog(tmp_path)
    server = AdServer(ledger, refresh_seconds=3600, seed=0)
    other = AdServer(AdsLedger(tmp_path, secret), refresh_seconds=3600, seed=1)  # another worker's
    first = [f"s{i}" for i in range(N + 5)]
    assert _served(server, first) == first  # the budget is untouched: every request gets the slot
    assert _served(other, ["o0"]) == ["o0"]
    now = datetime.now(UTC).isoformat()
    clicks = [{"event_id": uuid.uuid4().hex, "type": "click", "session_id": sid, "item_id": "p2", "timestamp": now}
              for sid in [*first, "o0"]]  # fmt: skip
    log.append_events(clicks, None, None)  # N + 6 clicks at once
    assert ledger.settle(log.events_after, ledger.settings())["clicks"] == N + 6
    assert ledger.spent(datetime.now(UTC).date())["stop-1"] == N  # N charged, the rest charged 0

    after = [f"t{i}" for i in range(N + 5)]
    assert _served(server, after) == []  # this process: told by the ledger as the settle committed
    assert _served(other, after) == []  # another process: the settled sequence moved, spend re-read
