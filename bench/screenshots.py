"""Write the first-hour screenshots (English and Chinese search results, a product page) into
docs/screenshots/ by running the real browser walk (tests/test_first_hour.py) with
SHOPMIND_FIRST_HOUR_SHOTS pointing there: the pictures are of what the test checked.

    python bench/screenshots.py [--out docs/screenshots]

Needs chromium, chromium-driver and fonts-noto-cjk (as the test); takes as long as the walk
(the demo's build and its small evaluation included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("first-hour-search-en", "first-hour-search-zh", "first-hour-product")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    out = args.out.resolve()
    env = {**os.environ, "SHOPMIND_FIRST_HOUR_SHOTS": str(out)}
    test = "tests/test_first_hour.py::test_first_hour_walk_offline"
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", test],
                           cwd=ROOT, env=env)  # fmt: skip
    missing = [n for n in NAMES if not (out / f"{n}.png").exists()]
    if code != 0 or missing:
        print(f"screenshots not written (pytest exit {code}; missing: {', '.join(missing) or 'none'})")
        return 1
    for n in NAMES:
        p = out / f"{n}.png"
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: {p.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
