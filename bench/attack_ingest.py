"""The ingest part of ``bench/attack.py`` (issue 10 items 5, 6): hostile and broken files through the
real CLI (``shopmind ingest`` in a subprocess): exit code 2 for user errors (0/1 for bad data the gate
judges), no traceback, and the account exact (input rows == accepted + quarantined)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from attack_tally import Tally

SHOPMIND = Path(sys.executable).parent / "shopmind"


def _ingest_files(folder: Path) -> list[tuple[str, Path, list[str], set[int], int]]:
    """(name, file, CLI args, accepted exit codes, rows that must be quarantined when the file is
    judged) for every ingest case of the issue. Each file
    is a canonical table (``products.csv``, ``events.jsonl``, ...) so a refusal can only come
    from its content, never from an unknown format."""
    cases: list[tuple[str, Path, list[str], set[int], int]] = []

    def add(
        name: str,
        data: bytes,
        file: str,
        args: list[str] | None = None,
        codes: set[int] | None = None,
        bad: int = 0,
    ) -> None:
        p = folder / name / file
        p.parent.mkdir(parents=True)
        p.write_bytes(data)
        cases.append((name, p, args or ["--format", "canonical"], codes or {2}, bad))

    rng = random.Random(10)
    header = "product_id,title,price,currency\n"
    # item 5: user errors -> exit 2 with one line naming the file, line or setting
    # (a file that can be read line by line may also be judged: its bad lines are quarantined)
    add("binary-garbage", bytes(rng.randrange(256) for _ in range(20_000)), "products.csv")
    add("50mb-line", (header + "P1," + "x" * 50_000_000).encode(), "products.csv", codes={0, 1, 2}, bad=1)
    add("no-known-column", b"foo,bar,baz\n1,2,3\n4,5,6\n", "products.csv")
    add(
        "utf16le-no-bom",
        (header + "P1,Lamp,10,USD\nP2,Chair,20,USD\n").encode("utf-16-le"),
        "products.csv",
        codes={0, 2},
    )
    deep = "[" * 5000 + "]" * 5000
    add(
        "deep-jsonl",
        f'{{"product_id": "P1", "title": "Lamp", "x": {deep}}}\n'.encode(),
        "products.jsonl",
        codes={0, 1, 2},
        bad=1,
    )
    attrs = "[" * 3000 + "]" * 3000
    add(
        "deep-attributes",
        json.dumps({"product_id": "P1", "title": "Lamp", "attributes": attrs}).encode() + b"\n",
        "products.jsonl",
        codes={0, 1, 2},
        bad=1,
    )
    mapping = folder / "bad-mapping.toml"
    mapping.write_text('[columns]\nproduct_id = ["a", "b"]\n', encoding="utf-8")
    add(
        "mapping-constant-as-list",
        (header + "P1,Lamp,10,USD\n").encode(),
        "products.csv",
        ["--format", "table", "--mapping", str(mapping)],
    )
    gate = folder / "mars.toml"
    gate.write_text('[gate]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    add(
        "timezone-mars",
        (header + "P1,Lamp,10,USD\n").encode(),
        "products.csv",
        ["--format", "canonical", "--config", str(gate)],
    )
    # item 6: bad data judged row by row (exit 0 or 1), nothing lost
    mixed = (
        header.encode()
        + "P1,Café lamp,10,EUR\n".encode()
        + "P2,Café chair,20,EUR\n".encode("latin-1")
        + "P3,红色台灯,30,CNY\n".encode("gbk")
    )
    add("mixed-encodings", mixed, "products.csv", codes={0, 1})
    ev = "event_id,type,user_id,item_id,timestamp\n"
    add(
        "ts-9999-and-huge-epoch",
        (
            ev + "e1,view,u1,P1,9999-12-31T00:00:00Z\ne2,view,u1,P1,99999999999999999999\n"
            "e3,view,u1,P1,2026-11-30T00:00:00Z\n"
        ).encode(),
        "events.csv",
        codes={0, 1},
        bad=2,
    )
    add(
        "nul-in-title",
        (header + "P1,Lamp\x00 with NUL,10,USD\nP2,Chair,20,USD\n").encode(),
        "products.csv",
        codes={0, 1},
    )
    return cases


def ingest_part(tmp: Path) -> dict[str, Any]:
    t = Tally()
    folder = tmp / "files"
    folder.mkdir()
    for name, path, args, codes, bad in _ingest_files(folder):
        ws = tmp / f"ws-{name}"
        cmd = [str(SHOPMIND), "ingest", str(path), "--workspace", str(ws), "--json", *args]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, errors="replace")
        except subprocess.TimeoutExpired:
            t.n["cases"] += 1
            t.fail("expectation_failures", f"{name}: ingest did not finish in 600 s")
            continue
        t.n["cases"] += 1
        out = p.stdout + p.stderr
        if "Traceback" in out:
            t.fail("tracebacks", f"{name}: {out[-300:]}")
        if p.returncode not in codes:
            t.fail(
                "wrong_exit_codes", f"{name}: exit {p.returncode} (expected {sorted(codes)}): {out[-200:]}"
            )
        if p.returncode == 2 and len([ln for ln in p.stderr.splitlines() if ln.strip()]) > 3:
            t.fail("expectation_failures", f"{name}: a user error is one line, got: {p.stderr[-300:]}")
        if p.returncode in (0, 1):
            try:
                summary = json.loads(p.stdout[p.stdout.index("{") :])
            except ValueError:
                t.fail("expectation_failures", f"{name}: no JSON summary on stdout")
                continue
            tot = summary.get("totals", {})
            if tot.get("input", 0) != tot.get("accepted", 0) + tot.get("quarantined", 0):
                t.fail("rows_lost", f"{name}: account {tot}")
            if tot.get("quarantined", 0) < bad:
                t.fail("expectation_failures", f"{name}: {bad} bad rows must be quarantined: {tot}")
    return t.out()
