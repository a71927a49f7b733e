"""``shopmind tune``: the time box, validation-only reads, and the tuned TOML.

Real data: groceries (recs, time protocol) and CrowdFlower (search, judged queries); skipped
only when $SHOPMIND_DATA is absent. Budgets are small: these check behaviour, not quality.
"""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("optuna")

from shopmind.data.model import ROW
from shopmind.recommend.config import RecsConfig
from shopmind.recommend.protocols import Split, time_cuts
from shopmind.release.components import config_from
from shopmind.search.evaluate import load_dataset, tuning_half
from shopmind.search.lexical import BM25Params
from shopmind.tune import recs as tune_recs
from shopmind.tune import search as tune_search
from shopmind.tune.run import tune_recs_command, tune_search_command
from shopmind.tune.settings_file import write_tuned
from shopmind.tune.study import TimeBox, TuneError, run_study

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
GROCERIES = DATA / "groceries"
CROWDFLOWER = DATA / "crowdflower" / "train.csv"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} not present")


# ---------------------------------------------------------------------- time box
def _sleepy(budget: TimeBox, steps: int, step_s: float):
    def objective(trial: Any) -> float:
        import optuna

        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(steps):
            if budget.left() <= 0:
                trial.set_user_attr("pruned_because", "time box")
                raise optuna.TrialPruned()
            time.sleep(step_s)
            trial.report(x, step)
        return x

    return objective


def test_a_running_trial_stops_at_the_time_box() -> None:
    """Optuna's own timeout only stops *starting* trials; a trial still running when the budget
    ends stops at its next step, so the command ends within one step of ``--minutes``."""
    budget = TimeBox(1.0)
    t = time.monotonic()
    with pytest.raises(TuneError, match="no trial finished within the budget"):
        run_study(_sleepy(budget, steps=20, step_s=0.15), budget, seed=0, defaults={"x": 0.5})
    assert time.monotonic() - t < 1.0 + 0.15 + 0.6


def test_study_runs_defaults_first_and_keeps_to_the_budget() -> None:
    budget = TimeBox(1.2)
    t = time.monotonic()
    result = run_study(_sleepy(budget, steps=2, step_s=0.05), budget, seed=0, defaults={"x": 0.25})
    assert time.monotonic() - t < 1.2 + 0.1 + 0.6
    first = result.trials[0]
    assert first["defaults"] and first["params"] == {"x": 0.25} and first["value"] == pytest.approx(0.25)
    assert result.default_value == pytest.approx(0.25)
    assert len(result.trials) >= 3
    assert result.best_value == max(t["value"] for t in result.trials if t["state"] == "COMPLETE")
    assert result.best_value >= result.default_value


def test_time_box_refuses_a_non_positive_budget() -> None:
    with pytest.raises(TuneError, match="must be > 0"):
        TimeBox(0)


# ---------------------------------------------------------------------- recs: validation only
class Forbidden:
    """Stands in for the test phase: any read of it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the tuner read the test phase ({name})")


def test_tune_recs_reads_only_the_validation_phase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tuner is handed the validation phase only (the test phase is a tripwire here), and
    every row it reads lies before the test cut: none of the test period's gate rows."""
    _need(GROCERIES)
    real = tune_recs.load("groceries", GROCERIES, "time")
    cut, valid_cut = time_cuts(real.events)
    key = [ROW] if ROW in real.events.columns else ["user_id", "item_id", "timestamp"]  # a row's identity
    test_rows = set(real.events.filter(pl.col("timestamp") >= cut).select(key).iter_rows())
    valid_period = real.events.filter((pl.col("timestamp") >= valid_cut) & (pl.col("timestamp") < cut))
    assert test_rows and valid_period.height
    guarded = tune_recs.RecsData(
        Split(real.split.protocol, real.split.items, real.split.valid, Forbidden(),  # type: ignore[arg-type]
              real.split.select_metric), real.categories, real.real_time, real.accepted_events, real.events)  # fmt: skip
    monkeypatch.setattr(tune_recs, "load", lambda fmt, path, protocol=None, mapping=None: guarded)
    read: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    original = tune_recs.prepare

    def spy(phase: Any, items: Any, categories: Any) -> Any:
        read.append((phase.fit, phase.truth))
        return original(phase, items, categories)

    monkeypatch.setattr(tune_recs, "prepare", spy)
    config = tmp_path / "shop.toml"
    config.write_text(
        "# my shop\n[recs]\nexclude_seen = true  # keep\n[search]\nalpha = 0.3\n", encoding="utf-8"
    )
    before = config.read_bytes()
    res = tune_recs_command("groceries", GROCERIES, 0.5, config, None, tmp_path / "reports", "time", seed=0,
                            max_trials=6, log=lambda m: None)  # fmt: skip
    assert len(read) == 1
    fit, truth = read[0]
    assert fit.height > 0 and fit["timestamp"].max() < valid_cut
    assert not set(fit.select(key).iter_rows()) & test_rows
    bought = set(
        valid_period.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)).iter_rows()
    )
    pairs = set(truth.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)).iter_rows())
    assert pairs and pairs <= bought  # the truth it scored is the validation period's purchases
    assert res["data_read"]["phase"] == "valid" and res["data_read"]["fit_rows"] == fit.height
    # the tuned copy: valid TOML, the shop's own settings and comments kept, [recs] accepted by the build
    assert config.read_bytes() == before
    tuned = Path(res["toml"])
    assert tuned == tmp_path / "shop.tuned.toml"
    text = tuned.read_text(encoding="utf-8")
    assert "# my shop" in text and "tuned by `shopmind tune recs`" in text
    parsed = tomllib.loads(text)
    assert parsed["search"] == {"alpha": 0.3}
    assert parsed["recs"]["exclude_seen"] is True
    cfg = config_from(RecsConfig, "recs", parsed["recs"])
    assert cfg.rrf_c == pytest.approx(res["settings"]["rrf_c"])
    assert set(res["sources"]) <= set(cfg.generators)
    assert cfg.weights["content"] == RecsConfig().weights["content"]  # untouched sources kept
    assert Path(res["report_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert res["best_value"] >= res["default_value"]


# ---------------------------------------------------------------------- search: tuning half only
class Recording(dict):
    """qrels that remember which queries' judgments were read (items()/values() count as all)."""

    def __init__(self, *a: Any) -> None:
        super().__init__(*a)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def items(self) -> Any:
        self.read.update(self.keys())
        return super().items()

    def values(self) -> Any:
        self.read.update(self.keys())
        return super().values()


def test_tune_search_never_reads_held_out_judgments() -> None:
    _need(CROWDFLOWER)
    data = load_dataset("crowdflower", CROWDFLOWER)
    data.qrels = Recording(data.qrels)
    held = {q for q in data.qrels if not tuning_half(q)}
    assert held
    result, read = tune_search.tune(data, TimeBox(120), seed=0, max_trials=4, log=lambda m: None)
    assert data.qrels.read and not data.qrels.read & held
    assert read["queries"] == len(data.qrels.read) == len(data.qrels) - len(held)
    assert result.trials[0]["defaults"]
    assert result.default_value == pytest.approx(result.trials[0]["value"])
    assert 0.0 < result.best_value <= 1.0


def test_tune_search_writes_a_bm25_table_the_engine_accepts(tmp_path: Path) -> None:
    _need(CROWDFLOWER)
    res = tune_search_command("crowdflower", CROWDFLOWER, 1.0, None, tmp_path / "t.toml", tmp_path, seed=1,
                              max_trials=3, log=lambda m: None)  # fmt: skip
    parsed = tomllib.loads(Path(res["toml"]).read_text(encoding="utf-8"))
    params = BM25Params.from_dict(parsed["search"]["bm25"])
    assert params.k1 == pytest.approx(res["best_params"]["k1"], abs=1e-4)
    from shopmind.search.engine import SearchConfig

    config_from(SearchConfig, "search", parsed["search"])  # an unknown key would raise


# ---------------------------------------------------------------------- the TOML copy
def test_write_tuned_refuses_to_overwrite_the_shop_toml(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text("[recs]\nrrf_c = 5.0\n", encoding="utf-8")
    with pytest.raises(TuneError, match="new file"):
        write_tuned(config, config, "recs", {"rrf_c": 7.0}, "note")
    assert config.read_text(encoding="utf-8") == "[recs]\nrrf_c = 5.0\n"


def test_write_tuned_names_a_broken_shop_toml(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text("[recs\n", encoding="utf-8")
    with pytest.raises(TuneError, match="shop.toml: not valid TOML"):
        write_tuned(config, tmp_path / "out.toml", "recs", {"rrf_c": 7.0}, "note")
    assert not (tmp_path / "out.toml").exists()


def test_write_tuned_merges_nested_tables(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text('[recs]\nencoder = "use"\n[recs.generators.als]\nfactors = 32\n', encoding="utf-8")
    out = write_tuned(
        config, tmp_path / "o.toml", "recs", {"generators": {"als": {"factors": 16, "iterations": 9}}}, "n"
    )
    parsed = tomllib.loads(out.read_text(encoding="utf-8"))
    assert parsed["recs"] == {"encoder": "use", "generators": {"als": {"factors": 16, "iterations": 9}}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recs", "nope", "--format", "online-retail"], "nope does not exist"),
        (["search", ".", "--format", "online-retail"], "cannot be tuned here"),
        (["recs", ".", "--format", "groceries", "--minutes", "0"], "--minutes must be > 0"),
    ],
)
def test_cli_tune_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "shopmind.cli", "tune", *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
