"""Thompson-sampling exploration: bounded slots, learns from clicks, seeded and resumable."""

from __future__ import annotations

import json

import pytest

from shopmind.recommend.explore import Explorer


def test_slots_are_a_bounded_share() -> None:
    e = Explorer(share=0.1)
    assert [e.slots(k) for k in (1, 9, 10, 19, 20, 200)] == [0, 0, 1, 1, 2, 20]
    with pytest.raises(ValueError):
        Explorer(share=0.9)


def test_clicked_item_wins_most_draws() -> None:
    e = Explorer(seed=1)
    for _ in range(50):
        e.impression(["good", "bad"])
    for _ in range(20):
        e.click("good")
    wins = sum(e.choose(["bad", "good", "fresh"], 1) == ["good"] for _ in range(300))
    # good ~ Beta(21, 31) (mean 0.40), bad ~ Beta(1, 51), fresh ~ Beta(1, 1) (uniform):
    # P(good beats fresh) = P(U < X) = E[X] = 21/52 ~ 0.40 (~121 of 300); bad ~never wins
    assert 90 < wins < 155
    assert sum(e.choose(["bad", "good"], 1) == ["bad"] for _ in range(300)) < 3


def test_unshown_clicks_are_ignored_and_posterior_moves() -> None:
    e = Explorer()
    e.click("x")
    assert e.clicks == {}
    e.impression(["x", "x"])
    e.click("x")
    assert e.posterior_mean("x") == pytest.approx(2 / 4)


def test_same_seed_same_draws_and_state_resumes() -> None:
    a, b = Explorer(seed=7), Explorer(seed=7)
    items = [f"n{i}" for i in range(20)]
    assert a.choose(items, 3) == b.choose(items, 3)
    a.impression(items[:5])
    a.click("n2")
    copy = Explorer.from_state(json.loads(json.dumps(a.state())))
    assert [a.choose(items, 2) for _ in range(10)] == [copy.choose(items, 2) for _ in range(10)]
    assert a.choose([], 2) == [] and a.choose(items, 0) == []
