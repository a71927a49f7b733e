"""Weekly blocks for the replay's weekly path (shopmind.forecast.replay.weekly_blocks)."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.forecast.replay import weekly_blocks
from shopmind.forecast.series import Panel


def _daily(y: np.ndarray) -> Panel:
    dates = np.datetime64("2011-01-01") + np.arange(y.shape[1]).astype("timedelta64[D]")
    return Panel(ids=[f"p{i}" for i in range(y.shape[0])], dates=dates, y=y, freq="D")


def test_weeks_end_on_the_last_day_and_sum_its_days() -> None:
    rng = np.random.default_rng(18)
    days = 7 * 5 + 3  # 5 whole weeks + 3 older days
    y = rng.poisson(3.0, size=(3, days)).astype(float)
    y[1, :12] = np.nan  # series 1 starts on day 12: its first whole week (days 3..9) is unseen
    y[2, 10] = np.nan  # one unseen day inside a seen week counts as 0
    w = weekly_blocks(_daily(y))
    assert w.freq == "W" and w.T == 5 and w.ids == ["p0", "p1", "p2"]
    assert w.dates[-1] == np.datetime64("2011-01-01") + np.timedelta64(
        days - 7, "D"
    )  # the last block's first day
    assert np.all(np.diff(w.dates) == np.timedelta64(7, "D"))
    for k in range(5):  # week k = days [3 + 7k, 10 + 7k)
        lo = 3 + 7 * k
        for i in (0, 2):
            assert w.y[i, k] == pytest.approx(np.nansum(y[i, lo : lo + 7]))
    assert np.isnan(w.y[1, 0])  # every day unseen
    assert w.y[1, 1] == pytest.approx(np.nansum(y[1, 10:17]))  # days 12..16 seen
    # a cut one day later shifts every block by one day: the weekly history always ends at the cut
    assert weekly_blocks(_daily(y[:, :-1])).y[0, -1] == pytest.approx(y[0, -8:-1].sum())


def test_refuses_what_it_cannot_block() -> None:
    with pytest.raises(ValueError, match="daily panel"):
        weekly_blocks(
            Panel(
                ids=["a"], dates=np.array(["2011-01-03"], dtype="datetime64[D]"), y=np.ones((1, 1)), freq="W"
            )
        )
    with pytest.raises(ValueError, match="no whole week"):
        weekly_blocks(_daily(np.ones((1, 6))))
