"""/dashboard/inventory's stock projection for a lumpy product (seen in `shopmind demo --products 300
--users 200`: P00247 sold 3,354 units on one day and a unit on five others).

Its 95 % bound of cumulative demand reached -1.9 million units after 28 days while the expected
line ended at -2,200 and the reorder point sat at 1,062: the axis ran from -2,000,000 to 1,200,
the expected line and the reorder point were one pixel apart at the top, and the tick labels
(`-1499700.0`) were wider than the chart's left margin, so the browser cut their minus sign and
the page showed negative stock as positive.
"""

from __future__ import annotations

from shopmind.serve.inventory_page import BOTTOM, HEIGHT, TOP, stock_chart, tick_label


def _lumpy() -> dict:
    proj = [
        {"date": f"2026-12-{6 + i:02d}", "expected": 58.0 - 80.7 * (i + 1), "low95": -800.0 - 68_750.0 * i}
        for i in range(28)
    ]
    return {"stock": {"on_hand": 58.0, "projection": proj}, "policy": {"reorder_point": 1061.6}}


def _ys(points: str) -> list[float]:
    return [float(p.split(",")[1]) for p in points.split()]


def test_the_expected_line_and_the_reorder_point_keep_the_chart() -> None:
    chart = stock_chart(_lumpy())
    assert chart is not None
    plot = HEIGHT - TOP - BOTTOM
    ys = _ys(chart["expected"])
    assert max(ys) - min(ys) > 0.15 * plot  # was < 1 unit: the whole line on the top edge
    assert chart["zero"] - chart["rop"] > 0.1 * plot  # reorder point and zero told apart
    assert chart["clipped"] is True  # the 95 % line leaves the chart at the bottom, and the page says so
    assert max(_ys(chart["low95"])) <= HEIGHT - BOTTOM + 1e-9


def test_tick_labels_fit_the_margin_and_keep_their_sign() -> None:
    chart = stock_chart(_lumpy())
    labels = [t["label"] for t in chart["ticks"]]
    assert all(len(lab) <= 7 for lab in labels), labels
    assert labels[0].startswith("-") and labels[-1][0].isdigit()
    assert tick_label(-1_499_700.0, 2_000_000.0) == "-1.5M"
    assert tick_label(-6_250.0, 12_500.0) == "-6.25k"
    assert tick_label(1250.0, 5000.0) == "1250"
    assert tick_label(0.4, 1.6) == "0.4"
    assert tick_label(0.0, 1.6) == "0"


def test_a_small_bound_is_drawn_whole() -> None:
    proj = [{"date": f"2026-12-0{i}", "expected": 10.0 - 2 * i, "low95": 8.0 - 3 * i} for i in range(1, 5)]
    chart = stock_chart({"stock": {"on_hand": 10.0, "projection": proj}, "policy": {"reorder_point": 6.0}})
    assert chart is not None and chart["clipped"] is False
    # the axis reaches down to the bound's round tick (-4 -> -5), no further: the bound is drawn whole
    assert [t["label"] for t in chart["ticks"]] == ["-5", "0", "5", "10"]
    assert HEIGHT - BOTTOM - 0.25 * (HEIGHT - TOP - BOTTOM) < _ys(chart["low95"])[-1] < HEIGHT - BOTTOM


def test_the_stock_axis_counts_in_round_steps_through_zero() -> None:
    """Seen on the demo shop (P00763: on hand 5, 95 % line to -160, reorder point 28.9): the axis
    was cut into four equal parts labelled 30, -18, -65, -112, -160 - no tick at zero, where the
    product runs out - and the projection had no dates under it."""
    from datetime import date, timedelta

    days = [(date(2026, 12, 6) + timedelta(days=i)).isoformat() for i in range(28)]
    proj = [
        {"date": d, "expected": 5.0 - 3.0 * (i + 1), "low95": 5.0 - 5.7 * (i + 1)} for i, d in enumerate(days)
    ]
    body = {
        "as_of": "2026-12-05",
        "stock": {"on_hand": 5.0, "projection": proj},
        "policy": {"reorder_point": 28.9},
    }
    chart = stock_chart(body)
    assert chart is not None
    ticks = chart["ticks"]
    assert [t["label"] for t in ticks] == ["-200", "-150", "-100", "-50", "0", "50"]
    assert [t["y"] for t in ticks if t["label"] == "0"] == [chart["zero"]]  # the zero line is a labelled tick
    assert (chart["first"], chart["last"]) == ("2026-12-05", "2027-01-02")


def test_the_demand_axis_keeps_round_ticks() -> None:
    from shopmind.serve.inventory_page import demand_chart

    hist = [{"date": f"2026-11-{1 + i:02d}", "value": float(i % 7)} for i in range(28)]
    fc = [{"date": f"2026-12-{1 + i:02d}", "mean": 3.0, "lo80": 1.0, "hi80": 7.0, "lo95": 0.0, "hi95": 9.0}
          for i in range(7)]  # fmt: skip
    labels = [
        t["label"] for t in demand_chart({"history": hist, "forecast": fc, "as_of": "2026-11-28"})["ticks"]
    ]
    assert labels == ["0", "2", "4", "6", "8", "10"]
