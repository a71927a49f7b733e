"""`[checks.CODE] threshold` is a share of rows for a row check or a repair: a value above 1 (a
percentage written as `5`) was accepted and could never be crossed, so the check never held."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.config import ConfigError, load_config


def _load(tmp_path: Path, text: str):
    path = tmp_path / "gate.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_config(path)


def test_a_row_share_above_one_is_refused_naming_file_code_and_range(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, "[checks.EVT_USER_MISSING]\nthreshold = 5\n")
    path = tmp_path / "gate.toml"
    assert str(err.value) == (
        f"{path}: checks.EVT_USER_MISSING.threshold is a share of the table's rows, from 0 to 1 (0.05 = 5 %), not 5"
    )


def test_shares_within_range_and_batch_thresholds_in_their_own_units_pass(tmp_path: Path) -> None:
    _, cfg = _load(tmp_path, "[checks.EVT_USER_MISSING]\nthreshold = 1\n")
    assert cfg.code("EVT_USER_MISSING").threshold == 1
    _, cfg = _load(tmp_path, "[checks.EVT_USER_MISSING]\nthreshold = 0.3\n")
    assert cfg.code("EVT_USER_MISSING").threshold == 0.3
    _, cfg = _load(tmp_path, "[checks.BATCH_FRESHNESS]\nthreshold = 7\n")  # days, not a share
    assert cfg.code("BATCH_FRESHNESS").threshold == 7
