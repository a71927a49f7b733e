"""bench/attack.py at a small budget, in CI: every case of issue 10 replayed (the web part,
hostile ingest files through the CLI, the API requests, a generated corpus of hypothesis bodies
and schemathesis cases) — every count must be 0. The Chromium part runs in
tests/test_xss_browser.py; the full budget with the browser is `python bench/attack.py`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("schemathesis")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import attack  # noqa: E402


@pytest.mark.attack
def test_every_attack_of_issue_10_counts_zero():
    result = attack.run(budget=6, seed=10, browser=False)
    totals = result["totals"]
    assert totals["cases"] > 100
    bad = {k: v for k, v in totals.items() if k not in ("cases", "payloads_executed_in_chromium") and v}
    examples = {
        k: p.get("examples") for k, p in result["parts"].items() if isinstance(p, dict) and p.get("examples")
    }
    assert not bad, (bad, examples)


def test_the_allow_list_only_excuses_documented_refusals():
    """A refusal outside the documented list, or an invalid request accepted without any
    item rejected, is still a failure."""

    class R:
        def __init__(self, text: str) -> None:
            self.text = text

    class RejectedPositiveData(Exception):
        pass

    class AcceptedNegativeData(Exception):
        pass

    page = R('{"error": {"code": "page_out_of_range", "message": "page 9 is past the last page"}}')
    other = R('{"error": {"code": "invalid_parameter", "message": "q is odd"}}')
    assert attack.data_dependent(RejectedPositiveData(), page)
    assert not attack.data_dependent(RejectedPositiveData(), other)
    assert not attack.data_dependent(AcceptedNegativeData(), R('{"accepted": 1, "rejected": []}'))
    assert attack.data_dependent(AcceptedNegativeData(), R('{"accepted": 1, "rejected": [{"index": 0}]}'))
    assert not attack.data_dependent(ValueError(), page)
