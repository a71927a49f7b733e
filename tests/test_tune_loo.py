"""``shopmind tune recs`` on the Amazon 5-core leave-one-out format (S3-Rec files): the study
reads the validation phase only — each user's last item (the test target) is never read, not
even as a fitted or masked event. Real Beauty users (the first 2,000 lines of Beauty.txt, the
same format); skipped only when $SHOPMIND_DATA is absent."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("optuna")

from shopmind.data.model import ROW
from shopmind.recommend.config import RecsConfig
from shopmind.recommend.protocols import Split
from shopmind.release.components import config_from
from shopmind.tune import recs as tune_recs
from shopmind.tune.run import tune_recs_command

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
BEAUTY = DATA / "amazon-beauty" / "Beauty.txt"


class Forbidden:
    """Stands in for the test phase: any read of it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the tuner read the test phase ({name})")


def _positions(events: pl.DataFrame) -> pl.DataFrame:
    """Each event's gate row id with its position from the end of its user's sequence (0 = last)."""
    return (
        events.sort(["user_id", "timestamp", ROW])
        .with_columns(
            (pl.len().over("user_id") - 1 - pl.int_range(pl.len()).over("user_id")).alias("from_end")
        )
        .select(ROW, "user_id", "item_id", "from_end")
    )


def test_tune_recs_on_leave_one_out_never_reads_the_last_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not BEAUTY.exists():
        pytest.skip(f"{BEAUTY} not present")
    part = tmp_path / "Beauty.txt"
    part.write_text("".join(BEAUTY.read_text().splitlines(keepends=True)[:2000]))
    real = tune_recs.load("amazon-5core", part)
    assert real.split.protocol.startswith("leave-one-out") and real.split.select_metric == "ndcg@10"
    pos = _positions(real.events)
    last_rows = set(pos.filter(pl.col("from_end") == 0)[ROW].to_list())  # the test targets
    valid_rows = pos.filter(pl.col("from_end") == 1)
    assert len(last_rows) == 2000 and valid_rows.height == 2000
    guarded = tune_recs.RecsData(
        Split(real.split.protocol, real.split.items, real.split.valid, Forbidden(),  # type: ignore[arg-type]
              real.split.select_metric), real.categories, real.real_time, real.accepted_events, real.events)  # fmt: skip
    monkeypatch.setattr(tune_recs, "load", lambda fmt, path, protocol=None, mapping=None: guarded)
    read: list[Any] = []
    original = tune_recs.prepare

    def spy(phase: Any, items: Any, categories: Any) -> Any:
        read.append(phase)
        return original(phase, items, categories)

    monkeypatch.setattr(tune_recs, "prepare", spy)
    res = tune_recs_command("amazon-5core", part, 2.0, None, tmp_path / "shop.tuned.toml", tmp_path / "reports",
                            seed=0, max_trials=4, log=lambda m: None)  # fmt: skip
    assert len(read) == 1 and read[0].name == "valid"
    phase = read[0]
    fitted = set(phase.fit[ROW].to_list())
    masked = set(phase.history[ROW].to_list())
    assert fitted and not fitted & last_rows and not masked & last_rows
    assert not fitted & set(valid_rows[ROW].to_list())  # the validation target is not fitted either
    assert len(fitted) == real.events.height - 2 * 2000  # everything else is
    truth = set(
        phase.truth.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)).iter_rows()
    )
    expected = set(
        valid_rows.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8)).iter_rows()
    )
    assert truth == expected  # scored against the second-last items only
    assert res["data_read"]["phase"] == "valid" and res["data_read"]["fit_rows"] == len(fitted)
    # the study measured the defaults first and the tuned copy is a [recs] table the engine accepts
    assert res["default_value"] is not None and res["best_value"] >= res["default_value"] > 0.0
    assert res["sources"] == ["als", "covisit", "popularity"]  # no real times (trending), no categories
    cfg = config_from(
        RecsConfig, "recs", tomllib.loads(Path(res["toml"]).read_text(encoding="utf-8"))["recs"]
    )
    assert cfg.weights["covisit"] == pytest.approx(res["settings"]["weights"]["covisit"])
