"""A stopped experiment's decision: about what it showed when it stopped, never "keep running".

A readout decides while an experiment runs ("keep running: no variant differs on conversion yet").
Once the experiment is stopped (``shopmind experiments stop``, the dashboard's stop button) nobody
is assigned any more, so "keep running" is advice nobody can follow: the decision says that the
experiment stopped and what the data said at the end - "stopped on 2011-12-09: no variant differed
on conversion at the end (always-valid p >= 0.05)", or "stopped on …: treatment wins on …" when a
variant had won.

The date is the day of the last exposure: a stopped experiment assigns nobody, so that is the day
its traffic ended (the definition does not record when the status changed). Without one (an older
saved readout) the decision says "stopped: …".

The same rewording serves the readout computed for a stopped experiment (CLI) and a readout saved
while the experiment ran and served after it was stopped (API, dashboard): the dashboard re-words
both from their parts (``experiments.js``, the ``dash.exp.rule.stopped*`` / ``end_*`` messages).
"""

from __future__ import annotations

import re
from typing import Any

PREFIX = re.compile(r"^stopped(?: on \d{4}-\d{2}-\d{2})?: ")
#: "keep running: …" forms (readout._decide, interleave_readout) and their past-tense forms
_ENDED = (
    (
        re.compile(r"^keep running: no data yet for the primary metric (?P<m>.*)$"),
        "no data for the primary metric {m}",
    ),
    (
        re.compile(
            r"^keep running: no variant differs on (?P<m>\S+) yet \((?P<p>always-valid p >= [0-9.]+)\)$"
        ),
        "no variant differed on {m} at the end ({p})",
    ),
    (
        re.compile(r"^keep running: no credited click, cart or purchase yet$"),
        "no credited click, cart or purchase",
    ),
    (re.compile(r"^keep running: (?P<rest>.+ credited items per list; .+)$"), "neither ranker won: {rest}"),
)


def when_stopped(decision: str, day: str | None) -> str:
    """``decision`` as said of an experiment stopped on ``day`` (ISO date or None); idempotent."""
    if PREFIX.match(decision):
        return decision
    head = f"stopped on {day}: " if day else "stopped: "
    for pattern, past in _ENDED:
        m = pattern.match(decision)
        if m:
            return head + past.format(**m.groupdict())
    if decision.startswith("keep running: "):  # a form not listed above: still not advice to run on
        return head + "not decided: " + decision.removeprefix("keep running: ")
    return head + decision


def as_stopped(saved: dict[str, Any] | None, status: str) -> dict[str, Any] | None:
    """A saved readout as served for an experiment now in ``status``: a stopped experiment's readout
    saved while it ran gets the stopped decision, dated by its last exposure (``last_day``, or for a
    readout saved before that field, its last daily look)."""
    if saved is None or status != "stopped" or not isinstance(saved.get("decision"), str):
        return saved
    day = saved.get("last_day")
    if not day:
        looks = [*saved.get("looks", []), *(x for m in saved.get("metrics", []) for x in m.get("looks", []))]
        day = max((x["day"] for x in looks if isinstance(x, dict) and x.get("day")), default=None)
    return {**saved, "decision": when_stopped(saved["decision"], day)}
