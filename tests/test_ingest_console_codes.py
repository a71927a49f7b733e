"""`shopmind ingest`'s console list of failing checks: it showed the 12 largest codes and dropped
the rest without a word (the demo shop: 25 codes fail, the 12 shown were all events, so its
product and judgment problems were never mentioned, and a code that crossed its threshold could be
among the hidden ones). The cut is now said, with the tables it hides, and a crossed code is
always listed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_codes_past_the_first_twelve_are_announced_with_their_tables(tmp_path: Path) -> None:
    gen = shopmind("demo-data", "--out", "shop", "--products", "300", "--users", "60", "--days", "30",
                   "--end", "2026-10-31", cwd=tmp_path)  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    run = shopmind("ingest", "shop", "-w", "ws", "--json", cwd=tmp_path)
    failing = [c for c in json.loads(run.stdout)["checks"] if c["failed"] and c["action"] != "batch"]
    assert len(failing) > 12  # the demo shop's defects fail more codes than the list shows
    run = shopmind("ingest", "shop", "-w", "ws2", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    out = run.stdout + run.stderr
    listed = re.findall(r"^ +[! ] +(products|events|judgments) +([A-Z_]+) +[\d,]+ ", out, flags=re.M)
    crossed = {c["code"] for c in failing if c["crossed"]}
    assert crossed <= {code for _, code in listed}
    hidden = [c for c in failing if c["code"] not in {code for _, code in listed}]
    assert hidden, out
    tables = ", ".join(sorted({c["table"] for c in hidden}))
    assert f"... {len(hidden)} more codes failing ({tables}): see the report" in out, out


def test_a_crossed_batch_check_is_said_in_words(tmp_path: Path) -> None:
    """It printed the check's raw detail dict: "BATCH_FRESHNESS: {'newest': '2026-...'}"."""
    from shopmind.cli.data import batch_line

    check = {"code": "BATCH_FRESHNESS", "summary": "newest event older than the threshold (days)",
             "fraction": 28.86, "threshold": 2.0, "detail": {"newest": "2026-11-07 09:00:00+00:00"}}  # fmt: skip
    assert batch_line(check) == (
        "newest event older than the threshold (days): 28.86 > 2 (newest 2026-11-07 09:00:00+00:00)"
    )
    (tmp_path / "events.csv").write_text(
        "event_id,type,timestamp,user_id,item_id\n"
        + "".join(f"e{i},view,2026-01-0{1 + i % 5}T10:00:00Z,u{i % 3},P1\n" for i in range(10)),
        encoding="utf-8",
    )
    run = shopmind("ingest", "events.csv", "-w", "ws", cwd=tmp_path)
    out = " ".join((run.stdout + run.stderr).split())
    assert "BATCH_FRESHNESS: newest event older than the threshold (days): " in out, out
    assert "{'" not in out
