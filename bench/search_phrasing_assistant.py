"""The assistant's dev answers with the shopper's phrasing searched as before (0) or left out (1): ``search/phrasing.py``.

Why: the assistant sends the shopper's whole message to the search engine ("I'm looking for a pink handbag under
$120"), and search changes have cost it answers before (8d7f50f: 29 dev product searches). This runs
``bench/assistant_dev_answers27.py run`` (the dev sets main, held-out-1..26 (round 27's wrapper: the round-26 one refuses an assistant that learns from held-out-26); never a held-out set being written)
in this process with ``phrasing.PHRASING`` set, so both arms are the same tree; compare the two files with
``python bench/assistant_dev_answers.py diff BEFORE AFTER``.

**Rule (written and committed before any run).** The change keeps the assistant's answers when the dev sets' totals
after are not below before for facts right and intent right, no set loses more than one fact-right answer, and
every reply that differs (``diff``) is read: a product search that listed products before and lists none, or lists
products of another kind, after is a loss to be named in docs/BENCHMARKS.md (and in the report to the lead).

    python bench/search_phrasing_assistant.py 0 --out /tmp/t1s/asst_before.json
    python bench/search_phrasing_assistant.py 1 --out /tmp/t1s/asst_after.json [--sets main,heldout2]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    import shopmind.search.phrasing as ph

    on = sys.argv.pop(1)
    if on not in ("0", "1"):
        raise SystemExit("first argument: 0 (phrasing searched, before) or 1 (left out, after)")
    ph.PHRASING = on == "1"
    sys.argv[1:1] = ["run"]
    runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers27.py")), run_name="__main__")
