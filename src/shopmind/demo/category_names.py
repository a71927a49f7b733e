"""The demo shop's category names in Chinese, for ``serve/category_names.py``: from its bilingual tree (``vocab``)."""

from __future__ import annotations

import json
from pathlib import Path

from shopmind.demo import vocab as V


def demo_category_names() -> dict[str, dict[str, str]]:
    """``{"zh-Hans": {segment: Chinese name}}`` for every top, mid and leaf category of the demo shop."""
    zh = {top: name for top, (name, _) in V.TOPS.items()}
    zh.update({mid: row[1] for mid, row in V.MIDS.items()})
    zh.update({leaf.name: leaf.zh for leaf in V.LEAVES})
    return {"zh-Hans": zh}


def write_category_names(workspace: Path) -> Path:
    """Write the demo's names to ``workspace`` (what ``shopmind demo`` does after generating the shop)."""
    from shopmind.serve.category_names import FILE

    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / FILE
    path.write_text(json.dumps(demo_category_names(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path
