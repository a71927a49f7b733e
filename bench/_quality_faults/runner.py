"""Running one dataset: gate runs with their row account, the injection rounds, the generator's truth."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from tqdm import tqdm

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.quality.gate import AccountError, GateResult, run_gate

from .inject_base import NotApplicable
from .injector import CLASSES, Injector
from .scoring import ClassScore, Detections, Key, check_account, detections, score


@dataclass
class DatasetReport:
    name: str
    description: str
    now: datetime
    input_rows: dict[str, dict[str, int]]  # run -> table -> rows
    classes: list[ClassScore]  # injected classes (and, for a generator's truth, any detected class)
    side_effects: list[ClassScore]  # classes not injected in a round whose detections changed there
    not_applicable: dict[str, str]
    notes: dict[str, str]
    account: list[dict[str, Any]]
    seconds: float

    @property
    def account_ok(self) -> bool:
        return all(a["ok"] for a in self.account)

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "now": self.now.isoformat(),
            "input_rows": self.input_rows,
            "classes": [c.as_dict() for c in self.classes],
            "side_effects": [c.as_dict() for c in self.side_effects],
            "not_applicable": self.not_applicable,
            "notes": self.notes,
            "account": self.account,
            "account_ok": self.account_ok,
            "seconds": round(self.seconds, 2),
        }


def _malformed(batch: Batch) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for m in batch.meta.get("malformed", []) or []:  # type: ignore[union-attr]
        counts[str(m.get("table"))] += 1
    return dict(counts)


def gate(
    batch: Batch, cfg: GateConfig, now: datetime, label: str
) -> tuple[GateResult | None, dict[str, Any]]:
    """Run the gate; an AccountError (raised by the gate itself) is a broken account, not a crash."""
    frames = batch.tables()
    try:
        result = run_gate(batch, cfg, now=now)
    except AccountError as exc:
        return None, {"run": label, "ok": False, "error": str(exc)}
    acc = check_account(result, frames, _malformed(batch))  # type: ignore[arg-type]
    return result, {"run": label, **acc}


#: Classes judged against statistics of other rows (medians, MADs, shares). They are injected
#: in a round of their own: the row-local round changes thousands of rows, which moves those
#: statistics (e.g. an item's purchase count drops below the group minimum) and would be
#: scored against these classes. What the row-local round does to them is reported as side effects.
STATISTICAL: frozenset[Key] = frozenset(
    {
        ("events", "EVT_QTY_OUTLIER"),
        ("products", "PRD_PRICE_OUTLIER"),
        ("products", "PRD_CATEGORY_INCONSISTENT"),
    }
)
ROUNDS: tuple[tuple[str, Callable[[Key], bool]], ...] = (
    ("row-local", lambda k: k not in STATISTICAL),
    ("statistical", lambda k: k in STATISTICAL),
)


def run_injection(
    name: str, description: str, batch: Batch, cfg: GateConfig, now: datetime, seed: int, per_class: int,
    base: GateResult | None = None, progress: bool = True,
    rounds: tuple[tuple[str, Callable[[Key], bool]], ...] = ROUNDS,
) -> DatasetReport:  # fmt: skip
    """Baseline gate run; per round, inject its applicable classes, gate again, score new detections."""
    t0 = time.perf_counter()
    rep = DatasetReport(name, description, now, {}, [], [], {}, {}, [], 0.0)
    if base is None:
        base, acc = gate(batch, cfg, now, "baseline")
        rep.account.append(acc)
        if base is None:
            rep.seconds = time.perf_counter() - t0
            return rep
    malformed = _malformed(batch)
    for i, (round_name, selected) in enumerate(rounds):
        inj = Injector(batch, base, cfg, now, seed + i, per_class)
        classes = [c for c in CLASSES if selected((c[0], c[1])) and c[0] in inj.raw]
        for table, code, method in tqdm(
            classes, desc=f"{name}: {round_name}", leave=False, disable=not progress
        ):
            try:
                method(inj)
            except NotApplicable as exc:
                rep.not_applicable[f"{table}/{code}"] = str(exc)
        rep.notes.update(inj.notes)
        if not inj.truth:
            continue
        out = inj.batch_out()
        after, acc = gate(out, cfg, now, f"injected, {round_name} round")
        rep.account.append(acc)
        rep.input_rows[round_name] = {t: f.height for t, f in out.tables().items()}
        if after is None:
            continue
        shift = {t: (f.height, inj.next_row[t] - f.height) for t, f in inj.raw.items() if malformed.get(t)}
        for s in score(inj.truth, detections(after), detections(base, shift), cfg):
            s.round = round_name
            (rep.classes if s.injected else rep.side_effects).append(s)
    rep.classes.sort(key=lambda c: (c.table, c.code))
    rep.seconds = time.perf_counter() - t0
    return rep


def run_ground_truth(name: str, description: str, batch: Batch, defects: pl.DataFrame, cfg: GateConfig,
                     now: datetime) -> tuple[DatasetReport, GateResult | None]:  # fmt: skip
    """Score the gate against a generator's own ground truth (clean rows are clean: no baseline).
    Any detection of a class the generator did not inject counts as a false positive here."""
    t0 = time.perf_counter()
    result, acc = gate(batch, cfg, now, "generator batch")
    rep = DatasetReport(name, description, now, {"generator": {t: f.height for t, f in batch.tables().items()}},
                        [], [], {}, {}, [acc], 0.0)  # fmt: skip
    if result is not None:
        truth: Detections = defaultdict(set)
        for table, row, code in defects.select("table", "row", "code").iter_rows():
            truth[(table, code)].add(int(row))
        rep.classes = score(dict(truth), detections(result), None, cfg)
        for c in rep.classes:
            c.round = "generator"
    rep.seconds = time.perf_counter() - t0
    return rep, result
