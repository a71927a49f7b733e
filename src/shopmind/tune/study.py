"""What both tuners share: the seeded TPE + median-pruning study under a time box, the trial
log, and the study's report (JSON + a matplotlib PNG of every trial's validation value).

Why a time box inside the objective as well as Optuna's ``timeout``: Optuna only stops
*starting* trials after ``timeout``; a trial that began just before it would run to the end.
Each objective calls ``TimeBox.check`` between its steps and stops (as a pruned trial) once
the budget is spent, so ``--minutes`` bounds the whole command, not only the trial count.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "shopmind tune needs the tune extra: pip install 'shopmind[tune]' (optuna, tomlkit, matplotlib)"
)


class TuneError(Exception):
    """A user mistake or missing piece for ``shopmind tune`` (printed as one line, exit 2)."""


class TimeBox:
    """A wall-clock budget measured from construction."""

    def __init__(self, seconds: float) -> None:
        if not seconds > 0:
            raise TuneError(f"the time budget must be > 0 seconds, not {seconds!r}")
        self.seconds = float(seconds)
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def check(self) -> None:
        """Stop the running trial (as pruned) when the budget is spent."""
        if self.left() <= 0:
            import optuna

            raise optuna.TrialPruned("time box spent")


def optuna_module() -> Any:
    """``optuna`` with its per-trial INFO logging silenced, or a ``TuneError`` naming the extra."""
    try:
        import optuna
    except ImportError:  # pragma: no cover - the extra is installed in the test environment
        raise TuneError(INSTALL_HINT) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


@dataclass
class StudyResult:
    """The finished study as plain data (JSON-ready)."""

    best_value: float
    best_params: dict[str, Any]
    default_value: float | None
    trials: list[dict[str, Any]]
    seconds: float
    budget_seconds: float


def run_study(
    objective: Callable[[Any], float],
    budget: TimeBox,
    seed: int,
    defaults: Mapping[str, Any] | None,
    max_trials: int | None = None,
    n_startup: int = 5,
) -> StudyResult:
    """Maximise ``objective`` with TPE (seeded) and the median pruner until the budget is spent.

    ``defaults`` (the engine's current settings in the search space's parameter names) is
    enqueued as the first trial, so the study always measures the defaults on the same
    validation data and the chosen settings are never worse than them *on validation*.
    """
    optuna = optuna_module()
    with warnings.catch_warnings():  # multivariate TPE is marked experimental; it is what we want
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup, multivariate=True)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=n_startup, n_warmup_steps=1)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    if defaults is not None:
        study.enqueue_trial(dict(defaults), user_attrs={"defaults": True})
    study.optimize(objective, n_trials=max_trials, timeout=max(budget.left(), 0.001), gc_after_trial=False)
    trials = []
    for t in study.trials:
        trials.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value,
                "params": t.params,
                "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())},
                "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
                if t.datetime_complete and t.datetime_start
                else None,
                "defaults": bool(t.user_attrs.get("defaults")),
                **(
                    {"pruned_because": t.user_attrs["pruned_because"]}
                    if "pruned_because" in t.user_attrs
                    else {}
                ),
            }
        )
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    if not complete:
        raise TuneError(f"no trial finished within the budget ({budget.seconds:.0f} s): give more --minutes")
    best = max(complete, key=lambda t: (t["value"], -t["number"]))
    default = next((t["value"] for t in complete if t["defaults"]), None)
    return StudyResult(
        best_value=float(best["value"]),
        best_params=dict(best["params"]),
        default_value=None if default is None else float(default),
        trials=trials,
        seconds=budget.elapsed(),
        budget_seconds=budget.seconds,
    )


def plot_trials(result: StudyResult, metric: str, path: Path, title: str) -> Path:
    """Every trial's validation value (pruned ones at their last reported value, hollow), the
    running best, and the defaults' value as a dashed line; a PNG (matplotlib, Agg)."""
    try:
        import matplotlib
    except ImportError:  # pragma: no cover
        raise TuneError(INSTALL_HINT) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    done = [t for t in result.trials if t["state"] == "COMPLETE"]
    pruned = [t for t in result.trials if t["state"] == "PRUNED" and t["intermediate"]]
    ax.scatter(
        [t["number"] for t in done], [t["value"] for t in done], s=18, label="complete", color="#1f77b4"
    )
    ax.scatter(
        [t["number"] for t in pruned],
        [list(t["intermediate"].values())[-1] for t in pruned],
        s=18,
        facecolors="none",
        edgecolors="#999999",
        label="pruned (last reported)",
    )
    best, xs, ys = float("-inf"), [], []
    for t in sorted(done, key=lambda t: t["number"]):
        best = max(best, t["value"])
        xs.append(t["number"])
        ys.append(best)
    ax.step(xs, ys, where="post", color="#d62728", label="best so far")
    if result.default_value is not None:
        ax.axhline(result.default_value, color="#2ca02c", linestyle="--", label="defaults")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"validation {metric}")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(
    report: Mapping[str, Any], result: StudyResult, metric: str, out_dir: Path, stem: str
) -> tuple[Path, Path]:
    """``<stem>.json`` (settings, data read, every trial) and ``<stem>.png`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / f"{stem}.json", out_dir / f"{stem}.png"
    payload = {
        **report,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "metric": metric,
        "best_value": result.best_value,
        "default_value": result.default_value,
        "best_params": result.best_params,
        "seconds": round(result.seconds, 2),
        "budget_seconds": result.budget_seconds,
        "trials_complete": sum(t["state"] == "COMPLETE" for t in result.trials),
        "trials_pruned": sum(t["state"] == "PRUNED" for t in result.trials),
        "trials": result.trials,
    }
    json_path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    plot_trials(result, metric, png_path, f"{report.get('target', '')} — {report.get('dataset', '')}")
    return json_path, png_path
