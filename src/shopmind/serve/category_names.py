"""A shop's category names in the reader's language: ``category_names.json`` in the workspace.

The stored category value stays as the shop wrote it ("Women > Dresses > Maxi Dresses": filters, facets' values,
links and the API use it); only what a page shows is translated, segment by segment of the path, from
``{"zh-Hans": {"Women": "女装", "Dresses": "连衣裙", ...}}``. A segment without a name shows as it is. ``shopmind demo``
writes the demo shop's (``demo/category_names.py``, from its bilingual category tree); any shop may write its own.
A Chinese page showed the demo's categories in English in its facets, chips and product crumbs (session 33).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

FILE = "category_names.json"
SEPARATOR = " > "

_cache: dict[Path, tuple[int, dict[str, dict[str, str]]]] = {}


def names(workspace: Path | str | None, lang: str) -> dict[str, str]:
    """Segment -> its name in ``lang`` for the shop in ``workspace`` ({} without a file, or one that cannot be
    read: the pages then show the stored names). Read again when the file changes."""
    if workspace is None:
        return {}
    path = Path(workspace) / FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        table = {
            str(lg): {str(k): str(v) for k, v in m.items() if isinstance(v, str) and v}
            for lg, m in (raw.items() if isinstance(raw, dict) else ())
            if isinstance(m, dict)
        }
        hit = _cache[path] = (mtime, table)
    return hit[1].get(lang, {})


def label(table: Mapping[str, str], path: object) -> str:
    """``path`` with each segment in the page's language (``table`` from :func:`names`)."""
    text = "" if path is None else str(path)
    if not table or not text:
        return text
    return SEPARATOR.join(table.get(s, s) for s in text.split(SEPARATOR))
