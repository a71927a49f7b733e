"""Size limits on what a reader will parse: line length and JSON nesting depth.

A shop export never needs a 50 MB line or JSON nested 5,000 deep; such input is an attack
or a broken writer, and handing it to a parser costs memory, hits the csv module's field
limit, or overflows the recursion of ``json`` (Python) and of Polars' schema handling. The
reader checks these limits first and turns an offending line into a ``MALFORMED_LINE`` row
that names the limit, so the rest of the file is still read and the line still counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest line (characters) a reader parses. Real exports measured here stay under 5,000
#: (CrowdFlower's HTML descriptions are the longest at 4,108); 1 Mi leaves a 200x margin.
MAX_LINE_CHARS = 1 << 20
#: Deepest JSON nesting accepted. A canonical row needs 3 (object > attributes list > pair).
MAX_JSON_DEPTH = 64
#: Characters of an over-long line kept in the quarantine for a person to look at.
KEPT_CHARS = 4096
#: Longest id (product, user, item, event, run) the API accepts in a path or a body; the gate
#: quarantines a longer product id (``PRD_ID_UNSAFE``), which no route could address.
MAX_ID_CHARS = 200

_TOKEN = re.compile(r'[\[\]{}"\\]')


@dataclass(frozen=True)
class LongLine:
    line: int  # 1-based physical line
    length: int
    head: str  # the first KEPT_CHARS characters

    @property
    def reason(self) -> str:
        return (
            f"line of {self.length:,} characters is longer than the {MAX_LINE_CHARS:,} limit "
            f"(first {min(self.length, KEPT_CHARS):,} kept)"
        )


def blank_long_lines(text: str, limit: int = MAX_LINE_CHARS) -> tuple[str, list[LongLine]]:
    """``text`` with every line longer than ``limit`` emptied (numbering kept), and those lines."""
    if len(text) <= limit:
        return text, []
    lines = text.split("\n")
    if max(map(len, lines)) <= limit:
        return text, []
    found = [
        LongLine(number, len(line), line[:KEPT_CHARS])
        for number, line in enumerate(lines, start=1)
        if len(line) > limit
    ]
    for long in found:
        lines[long.line - 1] = ""
    return "\n".join(lines), found


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for match in _TOKEN.finditer(text):  # one pass over the structural characters: linear time
        token = match.group()
        if in_string:
            if escaped:
                escaped = False  # an escaped quote or backslash (escapes are two characters)
            elif token == "\\":
                escaped = match.end() < len(text) and text[match.end()] in '"\\'
            elif token == '"':
                in_string = False
        elif token == '"':
            in_string = True
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``text`` nests JSON deeper than ``limit``; counting brackets first keeps it cheap."""
    if text.count("[") + text.count("{") <= limit:
        return False
    return json_depth(text) > limit
