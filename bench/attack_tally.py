"""The counters of one part of ``bench/attack.py`` (cases, 5xx, tracebacks, wrong exit codes, rows
lost, failed expectations) and the first examples of each failure; every part keeps one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Tally:
    """The counters of one part, and the first few examples of each failure."""

    KEYS = (
        "cases",
        "server_errors_5xx",
        "tracebacks",
        "wrong_exit_codes",
        "rows_lost",
        "expectation_failures",
    )

    def __init__(self) -> None:
        self.n = dict.fromkeys(self.KEYS, 0)
        self.examples: list[str] = []

    def fail(self, key: str, what: str) -> None:
        self.n[key] += 1
        if len(self.examples) < 12:
            self.examples.append(f"{key}: {what}"[:400])

    def response(self, what: str, r: Any, expect: Callable[[Any], bool] | None = None) -> None:
        self.n["cases"] += 1
        if r.status_code >= 500:
            self.fail("server_errors_5xx", f"{what} -> {r.status_code} {r.text[:200]}")
        if "Traceback" in r.text:
            self.fail("tracebacks", what)
        if expect is not None and r.status_code < 500 and not expect(r):
            self.fail("expectation_failures", f"{what} -> {r.status_code} {r.text[:200]}")

    def out(self) -> dict[str, Any]:
        return {**self.n, "examples": self.examples}
