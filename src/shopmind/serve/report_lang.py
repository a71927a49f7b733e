"""A quality run's HTML report in the dashboard's language (session 32, t1f).

The report file is written once, in English, at ingest (``quality/report.py``); the quality dashboard links to it from
a page that may be Chinese. The report marks its words that the dashboard also shows with ``data-i18n="<key>"`` (its
headings, its column names, each check's meaning ``dash.check.<CODE>``, actions and severities); served with
``lang=zh-Hans`` those words are replaced by the dashboard's own messages, where the catalog has them, and the rest
(row data, the gate's detail lines, figures) stays as written. A report written before the markers is served as it
is. No import of the gate here (``serve`` stays free of it: tests/test_memory.py).
"""

from __future__ import annotations

import html
import re

from shopmind.serve import i18n

_MARKED = re.compile(r'(<(\w+)\b[^>]*\bdata-i18n="([\w.\-]+)"[^>]*>)([^<]*)(</\2>)')


def in_language(report: str, lang: str | None) -> str:
    """``report`` with its marked words in ``lang`` (a language of ``i18n.LANGUAGES``, or an alias such as
    "zh"); English, an unknown language or None: as written."""
    code = i18n.ALIASES.get((lang or "").lower()) if lang else None
    if code is None or code == "en":
        return report
    messages = i18n.catalog(code)

    def swap(m: re.Match[str]) -> str:
        text = messages.get(m.group(3))
        return m.group(0) if text is None else m.group(1) + html.escape(text) + m.group(5)

    out = _MARKED.sub(swap, report)
    return out.replace('<html lang="en">', f'<html lang="{code}">', 1)
