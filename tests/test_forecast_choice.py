"""The ensemble's choice per demand class (shopmind.forecast.ensemble.choose) and its margin (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.ensemble import MARGIN, Backtest, choose


def _backtest(errors: dict[str, float], n: int = 30, h: int = 5) -> Backtest:
    """One window where model ``m`` misses every actual by ``errors[m]`` (scale 1: MASE = the error)."""
    rng = np.random.default_rng(0)
    actual = rng.uniform(1.0, 5.0, size=(n, h))
    bt = Backtest(h=h, actual=[actual], mase_scale=[np.ones(n)], unit=[np.ones(n)])
    bt.preds = {m: [actual + e] for m, e in errors.items()}
    return bt


def test_the_median_of_all_stands_unless_a_combination_beats_it_by_the_margin() -> None:
    classes = np.array(["smooth"] * 30, dtype=object)
    close = _backtest({"a": 0.50, "b": 0.52, "c": 0.54, "d": 0.56})  # median of all: 0.53, best: a 0.50
    chosen = choose(close, classes, margin=0.10)
    assert chosen.how["smooth"] == "median" and sorted(chosen.members["smooth"]) == ["a", "b", "c", "d"]
    assert chosen.backtest_mase["smooth"] == pytest.approx(0.53)
    plain = choose(close, classes, margin=0.0)  # without the margin: the lowest inner MASE wins
    assert plain.members["smooth"] == ["a"] and plain.backtest_mase["smooth"] == pytest.approx(0.50)
    clear = _backtest({"a": 0.30, "b": 0.52, "c": 0.54, "d": 0.56})  # a beats the median (0.53) by 43 %
    assert choose(clear, classes, margin=0.10).members["smooth"] == ["a"]
    assert choose(close, classes).how["smooth"] == "median" and MARGIN == 0.10  # the default is the margin
