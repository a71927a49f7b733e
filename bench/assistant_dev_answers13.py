"""``bench/assistant_dev_answers.py`` with round 13's dev sets (main, held-out-1..12).

Why: held-out-12 joined the labelled sets in round 13 (``evaluate.LABELLED_SETS``), and the round-12
tool refuses an assistant that learns from a set outside its dev sets (1..11). The tool is
unchanged; this wrapper only widens its dev sets, so ``run`` scores (and ``diff`` compares) all 13
and ``holdout`` refuses them: a fresh set (held-out-13) is scored with its per-set figures only.

    python bench/assistant_dev_answers13.py run --out /tmp/after.json [--options order_pronoun,...]
    python bench/assistant_dev_answers13.py holdout --set heldout13 --out bench/results/x.json
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

DEV_SETS: tuple[str, ...] = ("main", "heldout", *(f"heldout{i}" for i in range(2, 13)))


def main() -> None:
    if "--options" in sys.argv:  # round 13's candidates switched on (``core.OPTIONS``), by name
        i = sys.argv.index("--options")
        names = sys.argv[i + 1].split(",")
        del sys.argv[i : i + 2]
        from shopmind.assistant import core

        unknown = set(names) - set(core.OPTIONS)
        if unknown:
            raise SystemExit(f"unknown options {sorted(unknown)} (known: {sorted(core.OPTIONS)})")
        core.OPTIONS.update(dict.fromkeys(names, True))
    mod = runpy.run_path(str(Path(__file__).with_name("assistant_dev_answers.py")), run_name="round13")
    glb = mod["main"].__globals__
    glb["DEV_SETS"] = DEV_SETS
    mod["main"]()


if __name__ == "__main__":
    main()
