"""Detections of a gate run and their scoring against the injected rows (see ``bench/quality_faults.py``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shopmind.config import GateConfig
from shopmind.data.model import FLAGS, ROW
from shopmind.quality.gate import GateResult

Key = tuple[str, str]  # (table, code)
Detections = dict[Key, set[int]]


def detections(result: GateResult, shift: dict[str, tuple[int, int]] | None = None) -> Detections:
    """(table, code) -> rows carrying the code: quarantine codes, accepted flags, audit codes.

    ``shift`` maps a table to (first malformed row id, rows appended): the gate numbers malformed
    lines after the frame's rows, so appending rows moves them; the baseline is aligned with it.
    """
    out: Detections = defaultdict(set)
    for table, t in result.tables.items():
        parts = [
            t.quarantine.select(pl.col("row_no").alias("r"), pl.col("codes").alias("c")).explode("c"),
            t.accepted.select(pl.col(ROW).alias("r"), pl.col(FLAGS).alias("c")).explode("c"),
            t.audit.select(pl.col(ROW).alias("r"), pl.col("code").alias("c")),
        ]
        frame = pl.concat(parts).drop_nulls().unique()
        if shift and table in shift:
            start, k = shift[table]
            frame = frame.with_columns(pl.when(pl.col("r") >= start).then(pl.col("r") + k).otherwise("r"))
        for code, rows in frame.group_by("c").agg("r").iter_rows():
            out[(table, code)] = set(rows)
    return dict(out)


def rows_with_any(dets: Detections, table: str) -> set[int]:
    return set().union(*[rows for (t, _), rows in dets.items() if t == table])


@dataclass
class ClassScore:
    table: str
    code: str
    action: str
    injected: int
    detected: int
    tp: int
    fp_clean: int
    fp_defect: int
    lost: int
    missed_rows: list[int] = field(default_factory=list)
    fp_clean_rows: list[int] = field(default_factory=list)
    fp_defect_on: dict[str, int] = field(default_factory=dict)  # injected class -> rows with this extra code
    round: str = ""

    @property
    def key(self) -> str:
        return f"{self.table}/{self.code}"

    @property
    def recall(self) -> float | None:
        return self.tp / self.injected if self.injected else None

    @property
    def precision(self) -> float | None:
        return self.tp / self.detected if self.detected else None

    @property
    def clean_precision(self) -> float | None:
        """Precision counting only false positives on clean rows (not extra codes on defective rows)."""
        n = self.tp + self.fp_clean
        return self.tp / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round, "table": self.table, "code": self.code, "action": self.action,
            "injected": self.injected,
            "detected": self.detected, "tp": self.tp, "recall": self.recall, "precision": self.precision,
            "clean_precision": self.clean_precision, "fp_clean": self.fp_clean, "fp_defect": self.fp_defect,
            "lost": self.lost, "missed_rows": self.missed_rows[:10], "fp_clean_rows": self.fp_clean_rows[:10],
            "fp_defect_on": self.fp_defect_on,
        }  # fmt: skip


def score(truth: Detections, after: Detections, base: Detections | None, cfg: GateConfig) -> list[ClassScore]:
    """Per class: new detections (after minus base) against the injected rows.

    Classes reported: every injected class, and every class with a new or a lost detection.
    """
    base = base or {}
    defect_rows: dict[str, set[int]] = defaultdict(set)
    injected_as: dict[tuple[str, int], str] = {}
    for (table, code), rows in truth.items():
        defect_rows[table] |= rows
        injected_as.update({(table, r): code for r in rows})
    keys = set(truth) | {k for k in set(after) | set(base) if after.get(k, set()) ^ base.get(k, set())}
    out = []
    for table, code in sorted(keys):
        injected = truth.get((table, code), set())
        before = base.get((table, code), set())
        now = after.get((table, code), set())
        detected = now - before
        tp = detected & injected
        fp = detected - injected
        fp_defect = fp & defect_rows[table]
        fp_clean = fp - fp_defect
        action = cfg.unknown_items if code == "EVT_ITEM_UNKNOWN" else cfg.code(code).action
        on: dict[str, int] = defaultdict(int)
        for r in fp_defect:
            on[injected_as[(table, r)]] += 1
        out.append(
            ClassScore(
                table,
                code,
                action,
                len(injected),
                len(detected),
                len(tp),
                len(fp_clean),
                len(fp_defect),
                len(before - now),
                sorted(injected - detected),
                sorted(fp_clean),
                dict(sorted(on.items())),
            )  # fmt: skip
        )
    return out


def check_account(
    result: GateResult, frames: dict[str, pl.DataFrame], n_malformed: dict[str, int]
) -> dict[str, Any]:
    """accepted + quarantined == input and every input row id exactly once, per table."""
    tables: dict[str, Any] = {}
    ok = set(result.tables) == set(frames) | {t for t, n in n_malformed.items() if n}
    for table, frame in frames.items():
        t = result.tables.get(table)
        m = n_malformed.get(table, 0)
        expected = set(frame[ROW].to_list()) | set(range(frame.height, frame.height + m))
        if t is None:
            tables[table] = {"input": frame.height + m, "ok": False}
            ok = False
            continue
        ids = pl.concat([t.accepted[ROW], t.quarantine["row_no"]])
        good = (
            t.accepted.height + t.quarantine.height == frame.height + m
            and ids.n_unique() == ids.len()
            and set(ids.to_list()) == expected
        )
        tables[table] = {
            "input": frame.height + m,
            "accepted": t.accepted.height,
            "quarantined": t.quarantine.height,
            "ok": good,
        }
        ok = ok and good
    return {"ok": ok, "tables": tables}
