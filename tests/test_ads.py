"""Sponsored placements: campaign validation, GSP pricing, relevance floor, slot cap, pacing."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.ads import (
    Auction,
    AuctionSettings,
    CampaignError,
    Pacer,
    PositionClickModel,
    cumulative_shape,
    evenness,
    gsp_prices,
    parse_campaign,
    parse_campaigns,
)

BASE = {
    "id": "acme",
    "advertiser": "Acme",
    "products": ["p1"],
    "keywords": ["drill"],
    "bid": 1.0,
    "daily_budget": 20.0,
}


def camp(**kw):
    return parse_campaign({**BASE, **kw})


class FixedQuality(PositionClickModel):
    """A click model with hand-set qualities, so prices can be checked by hand."""

    def __init__(self, q: dict[str, float]) -> None:
        super().__init__()
        self.q = q

    def quality(self, pid: str) -> float:
        return self.q.get(pid, 0.05)


# ---------------------------------------------------------------- campaigns
def test_valid_campaign_parses() -> None:
    c = camp(
        schedule={"start": "2026-12-01", "end": "2026-12-31", "hours": [8, 22]}, keywords=["Drill", "drill"]
    )
    assert c.keywords == ("drill",)
    assert c.schedule.active(datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert not c.schedule.active(datetime(2026, 12, 3, 22, tzinfo=UTC))
    assert not c.schedule.active(datetime(2027, 1, 1, 9, tzinfo=UTC))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bid": 0}, "campaign.bid"),
        ({"bid": "1"}, "campaign.bid"),
        ({"bid": float("nan")}, "campaign.bid"),
        ({"daily_budget": -5}, "campaign.daily_budget"),
        ({"daily_budget": 0.5}, "campaign.daily_budget"),
        ({"products": []}, "campaign.products"),
        ({"products": ["p1", ""]}, "campaign.products[1]"),
        ({"keywords": [], "categories": []}, "campaign.keywords"),
        ({"keywords": "drill"}, "campaign.keywords"),
        ({"id": "no spaces"}, "campaign.id"),
        ({"status": "live"}, "campaign.status"),
        ({"colour": "red"}, "campaign.colour"),
        ({"schedule": {"hours": [22, 8]}}, "campaign.schedule.hours"),
        ({"schedule": {"start": "2026-12-31", "end": "2026-12-01"}}, "campaign.schedule.end"),
        ({"schedule": {"start": "tomorrow"}}, "campaign.schedule.start"),
    ],
)
def test_bad_campaign_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(CampaignError) as e:
        camp(**change)
    assert str(e.value).startswith(field + ":")


def test_missing_field_and_catalog_and_duplicates() -> None:
    raw = dict(BASE)
    del raw["bid"]
    with pytest.raises(CampaignError, match=r"^campaign\.bid: required"):
        parse_campaign(raw)
    with pytest.raises(CampaignError, match=r"^campaign\.products\[0\]: 'p1' is not in the catalog"):
        parse_campaign(BASE, catalog={"p2": 1})
    with pytest.raises(CampaignError, match=r"^campaigns\[1\]\.id: 'acme' is used twice"):
        parse_campaigns([BASE, BASE])


# ---------------------------------------------------------------- auction
def test_gsp_hand_case() -> None:
    # bid x q: a 2*0.1=0.2, b 1*0.15=0.15, c 3*0.02=0.06
    prices = gsp_prices([2.0, 1.0, 3.0], [0.1, 0.15, 0.02], 3, reserve=0.01)
    assert prices[0] == pytest.approx(1.0 * 0.15 / 0.1)  # 1.5 <= 2
    assert prices[1] == pytest.approx(3.0 * 0.02 / 0.15)  # 0.4 <= 1
    assert prices[2] == pytest.approx(0.01)  # nobody below: the reserve


def test_auction_prices_and_labels() -> None:
    cs = parse_campaigns(
        [
            {**BASE, "id": "a", "products": ["p1"], "bid": 2.0},
            {**BASE, "id": "b", "products": ["p2"], "bid": 1.0},
            {**BASE, "id": "c", "products": ["p3"], "bid": 3.0},
        ]
    )
    auction = Auction(
        cs, FixedQuality({"p1": 0.1, "p2": 0.15, "p3": 0.02}), AuctionSettings(floor=0.0, max_slots=2)
    )
    organic = [("p9", 5.0), ("p3", 4.0), ("p2", 3.0), ("p1", 2.0), ("p8", 1.0)]
    res = auction.run("cordless drill", organic)
    assert [(p.product_id, p.position) for p in res.placements] == [("p1", 0), ("p2", 4)]
    assert res.placements[0].price == pytest.approx(1.5)
    assert res.placements[1].price == pytest.approx(0.4)
    assert all(p.price <= p.bid for p in res.placements)
    assert res.ids() == ["p1", "p9", "p3", "p8", "p2"]  # sponsored copies replace organic ones
    assert [i.sponsored for i in res.items] == [True, False, False, False, True]
    assert res.items[0].campaign_id == "a" and res.items[1].campaign_id is None


def test_relevance_floor_and_targeting_block_non_matching_ads() -> None:
    cs = parse_campaigns(
        [
            {**BASE, "id": "rich", "products": ["weak"], "bid": 100.0, "daily_budget": 1000.0},
            {
                **BASE,
                "id": "off",
                "products": ["p1"],
                "keywords": ["hammer"],
                "bid": 50.0,
                "daily_budget": 500.0,
            },
            {**BASE, "id": "absent", "products": ["elsewhere"], "bid": 50.0, "daily_budget": 500.0},
        ]
    )
    auction = Auction(cs, FixedQuality({}), AuctionSettings(floor=0.5))
    organic = [("p1", 10.0), ("p2", 8.0), ("weak", 4.0)]
    # 'weak' scores 0.4 of the top (< floor), 'off' targets a keyword not in the query,
    # 'absent' advertises a product the organic engine did not find at all.
    assert auction.run("drill", organic).placements == ()
    assert [i.product_id for i in auction.run("drill", organic).items] == ["p1", "p2", "weak"]
    # The same ad passes once its product is relevant enough.
    res = auction.run("drill", [("p1", 10.0), ("weak", 6.0)])
    assert [p.campaign_id for p in res.placements] == ["rich"]
    # A keyword only matches on all of its analysed tokens; recs contexts match by category.
    kw = Auction(parse_campaigns([{**BASE, "keywords": ["cordless drills"]}]), FixedQuality({}))
    assert kw.run("drill", [("p1", 1.0)]).placements == ()
    assert len(kw.run("Cordless DRILL", [("p1", 1.0)]).placements) == 1
    cat = Auction(parse_campaigns([{**BASE, "keywords": [], "categories": ["Tools"]}]), FixedQuality({}))
    assert cat.run(None, [("p1", 1.0)], categories=["Garden"]).placements == ()
    assert len(cat.run(None, [("p1", 1.0)], categories=["Tools"]).placements) == 1


def test_slot_cap_and_schedule_and_paused() -> None:
    cs = parse_campaigns(
        [{**BASE, "id": f"c{i}", "products": [f"p{i}"], "bid": 1.0 + i} for i in range(6)]
        + [
            {
                **BASE,
                "id": "paused",
                "products": ["px"],
                "bid": 99.0,
                "daily_budget": 500.0,
                "status": "paused",
            }
        ]
        + [
            {
                **BASE,
                "id": "night",
                "products": ["py"],
                "bid": 99.0,
                "daily_budget": 500.0,
                "schedule": {"hours": [0, 6]},
            }
        ]
    )
    organic = [(f"p{i}", 1.0) for i in range(6)] + [("px", 1.0), ("py", 1.0)]
    noon = datetime(2026, 12, 3, 12, tzinfo=UTC)
    for slots in (0, 1, 2, 3):
        a = Auction(cs, FixedQuality({}), AuctionSettings(floor=0.0, max_slots=slots, positions=(0, 2, 5)))
        res = a.run("drill", organic, when=noon)
        assert len(res.placements) == slots
        assert sum(i.sponsored for i in res.items) == slots
        assert len(res.items) == len(organic)
        assert {p.campaign_id for p in res.placements}.isdisjoint({"paused", "night"})
    a = Auction(cs, FixedQuality({}), AuctionSettings(floor=0.0, max_slots=5, positions=(0, 2)))
    assert len(a.run("drill", organic, when=noon).placements) == 2  # capped by the positions too
    assert (
        a.run("drill", organic, when=datetime(2026, 12, 3, 3, tzinfo=UTC)).placements[0].campaign_id
        == "night"
    )


def test_click_model_learns_quality_corrected_for_position() -> None:
    rng = np.random.default_rng(0)
    m = PositionClickModel(prior_ctr=0.05, prior_strength=5)
    log = []
    for _ in range(20000):
        pos = int(rng.integers(0, 10))
        for pid, q in (("good", 0.4), ("bad", 0.05)):
            log.append((pid, pos, bool(rng.random() < m.examination(pos) * q)))
    m.observe(log)
    assert m.quality("good") == pytest.approx(0.4, abs=0.02)
    assert m.quality("bad") == pytest.approx(0.05, abs=0.01)
    assert m.quality("unseen") == pytest.approx(0.05)
    assert m.ctr("good", 1) == pytest.approx(m.quality("good") / 2)


# ---------------------------------------------------------------- pacing
def simulate_day(
    hourly: list[float], demand: float, bid: float, budget: float, seed: int
) -> tuple[Pacer, list, list]:
    """``demand`` = expected clicks over the day if never throttled; arrivals follow ``hourly``."""
    rng = np.random.default_rng(seed)
    cum = cumulative_shape(hourly)
    n = int(demand * 4)
    # Arrival times drawn from the hourly shape (inverse CDF), each click with probability 1/4.
    times = np.sort(np.interp(rng.random(n), cum, np.arange(25)) / 24)
    pacer = Pacer(budget=budget, bid=bid, cum=cum)
    when, paid = [], []
    for t in times:
        if pacer.allow(float(t), float(rng.random())) and rng.random() < 0.25:
            price = bid * float(rng.uniform(0.3, 1.0))
            pacer.charge(price)
            when.append(float(t))
            paid.append(price)
    return pacer, when, paid


@settings(max_examples=25, deadline=None)
@given(
    hourly=st.lists(st.floats(0, 10, allow_nan=False), min_size=24, max_size=24),
    demand_ratio=st.floats(0.2, 8.0),
    bid=st.floats(0.05, 2.0),
    seed=st.integers(0, 2**16),
)
def test_pacing_never_overspends(hourly: list[float], demand_ratio: float, bid: float, seed: int) -> None:
    budget = bid * 40
    expected_clicks = demand_ratio * budget / (bid * 0.65)
    pacer, _, paid = simulate_day(hourly, expected_clicks, bid, budget, seed)
    assert sum(paid) <= budget * 1.01
    assert pacer.spent == pytest.approx(sum(paid))


def test_pacing_spends_the_budget_evenly_when_demand_exceeds_it() -> None:
    hourly = [1 + np.sin((h - 8) / 24 * 2 * np.pi) for h in range(24)]  # a diurnal peak
    bid, budget = 1.0, 1000.0
    for seed, ratio in ((1, 1.5), (2, 3.0)):
        pacer, when, paid = simulate_day(hourly, ratio * budget / 0.65, bid, budget, seed=seed)
        assert 0.95 * budget <= sum(paid) <= budget
        assert evenness(when, paid, pacer.cum) < 0.03
    # A budget gone by the first third of the spends (front-loaded) must read as uneven.
    early = when[: len(when) // 3]
    assert evenness(early, [1.0] * len(early), pacer.cum) > 0.3


def test_pacer_reserves_for_unresolved_impressions() -> None:
    p = Pacer(budget=3.0, bid=1.0, cum=cumulative_shape([1.0] * 24), p=1.0)
    p.charge(1.5)
    assert p.allow(0.5, 0.0, reserve=0)  # 1.5 left covers one click
    assert not p.allow(0.5, 0.0, reserve=1)  # but not a second in flight
    with pytest.raises(ValueError, match="overspend"):
        p.charge(2.0)


def test_without_throttling_the_budget_goes_early() -> None:
    """The baseline the bench compares against: only the hard stop, so a 3x demand spends by mid-day."""
    hourly = [1.0] * 24
    rng = np.random.default_rng(3)
    cum = cumulative_shape(hourly)
    pacer = Pacer(budget=300.0, bid=1.0, cum=cum, throttle=False)
    when, paid = [], []
    for t in np.sort(rng.random(3600)):
        if pacer.allow(float(t), float(rng.random())) and rng.random() < 0.25:
            pacer.charge(1.0)
            when.append(float(t))
            paid.append(1.0)
    assert sum(paid) <= 300.0
    assert max(when) < 0.5
    assert evenness(when, paid, cum) > 0.3


def test_settings_and_shape_validation() -> None:
    with pytest.raises(ValueError, match="^floor"):
        AuctionSettings(floor=1.5)
    with pytest.raises(ValueError, match="^positions"):
        AuctionSettings(positions=(4, 0))
    with pytest.raises(ValueError, match="^hourly"):
        cumulative_shape([1.0] * 23)
    assert cumulative_shape([0.0] * 24, hours=(6, 18))[12] == pytest.approx(0.5)
