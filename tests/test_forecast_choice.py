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


def test_candidates_swap_models_in_their_class_only() -> None:
    from shopmind.forecast.ensemble import candidates

    names = ["a", "b", "c", "T-a", "T-b"]
    swaps = {"smooth": {"a": "T-a", "b": "T-b"}}
    assert candidates(names, "smooth", swaps) == ["T-a", "T-b", "c"]
    assert candidates(names, "lumpy", swaps) == ["a", "b", "c"]
    assert candidates(names, "all", swaps) == ["a", "b", "c"]
    assert candidates(names, "smooth", None) == names
    # a swap whose replacement was not run leaves the model as it is
    assert candidates(["a", "c"], "smooth", {"smooth": {"a": "T-a"}}) == ["a", "c"]


def test_choose_with_swaps_uses_the_replacements_for_that_class_alone() -> None:
    classes = np.array(["smooth"] * 30 + ["lumpy"] * 30, dtype=object)
    # the replacement forms are better everywhere; only the smooth class may take them
    bt = _backtest({"a": 0.5, "b": 0.6, "c": 0.7, "d": 0.8, "T-a": 0.1, "T-b": 0.2}, n=60)
    ch = choose(bt, classes, margin=0.0, swaps={"smooth": {"a": "T-a", "b": "T-b"}})
    assert ch.members["smooth"] == ["T-a"] and ch.backtest_mase["smooth"] == pytest.approx(0.1)
    assert ch.members["lumpy"] == ["a"] and ch.members["all"] == ["a"]
    close = _backtest({"a": 0.50, "b": 0.52, "c": 0.54, "d": 0.56, "T-a": 0.49, "T-b": 0.51}, n=60)
    med = choose(close, classes, swaps={"smooth": {"a": "T-a", "b": "T-b"}})  # the margin's median of all
    assert sorted(med.members["smooth"]) == ["T-a", "T-b", "c", "d"]
    assert sorted(med.members["lumpy"]) == ["a", "b", "c", "d"]
