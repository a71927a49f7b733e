"""User profiles: segments and RFM on a hand-made event set, decay, live updates, ranker
features, the release component, and the profile/segments endpoints (auth, 404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.data.model import Batch
from shopmind.profiles import FEATURE_NAMES, ProfileConfig, ProfileIndex, compute_profiles, profile_features
from shopmind.profiles.model import price_band, rfm_score, segment
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import default_components
from shopmind.serve.app import create_app
from shopmind.serve.auth import KeyStore
from shopmind.store.store import Store

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def days(d: float) -> datetime:
    return T0 - timedelta(days=d)


PRODUCTS = pl.DataFrame(
    {
        "product_id": ["A", "B", "C", "D", "Z"],
        "title": ["red lamp", "blue chair", "green table", "black sofa", "红色台灯"],
        "category_path": ["Home > Lamps", "Home > Chairs", "Home > Chairs", "Home > Chairs", "Home > Lamps"],
        "brand": ["Lux", "Sit", "Sit", "Comfy", "Lux"],
        "price": [10.0, 20.0, 40.0, 80.0, 30.0],
        "currency": ["USD"] * 5,
    }
)


def _events(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"event_id": f"e{i}", "user_id": u, "type": t, "timestamp": ts, "item_id": it, "session_id": f"s-{u}-{i}",
             "order_id": o, "quantity": q, "price": p, "currency": "USD" if p is not None else None, "query": None}
            for i, (u, t, ts, it, o, q, p) in enumerate(rows)
        ],
        schema={"event_id": pl.Utf8, "user_id": pl.Utf8, "type": pl.Utf8, "timestamp": pl.Datetime("us", "UTC"),
                "item_id": pl.Utf8, "session_id": pl.Utf8, "order_id": pl.Utf8, "quantity": pl.Int64,
                "price": pl.Float64, "currency": pl.Utf8, "query": pl.Utf8},
    )  # fmt: skip


HAND = _events(
    [
        ("anchor", "view", days(0), "A", None, None, None),  # defines as_of = T0
        ("anchor", "view", days(40), "A", None, None, None),
        ("new1", "view", days(10), "B", None, None, None),
        ("new1", "purchase", days(5), "B", "o1", 1, 20.0),
        ("act1", "view", days(200), "C", None, None, None),
        ("act1", "purchase", days(60), "C", "o2", 1, 40.0),
        ("act1", "purchase", days(30), "D", "o3", 1, 80.0),
        ("act1", "return", days(30), "D", "o3", -1, 50.0),
        ("risk1", "view", days(300), "A", None, None, None),
        ("risk1", "purchase", days(100), "A", "o4", 2, 10.0),
        ("risk1", "purchase", days(80), "A", "o5", 1, 10.0),
        ("risk1", "purchase", days(30 + 1 / 24), "A", "o6", 1, 10.0),
        ("risk90", "view", days(120), "A", None, None, None),
        ("risk90", "view", days(90), "A", None, None, None),
        ("lapsed1", "view", days(91), "A", None, None, None),
        ("newedge", "view", days(30), "B", None, None, None),
        (None, "view", days(1), "A", None, None, None),  # no user: no profile
    ]
)


@pytest.fixture(scope="module")
def hand() -> tuple[pl.DataFrame, dict]:
    return compute_profiles(HAND, PRODUCTS)


def test_segment_boundaries_are_inclusive_on_the_active_side():
    cfg = ProfileConfig()
    assert segment(30.0, 100.0, cfg) == "active" and segment(30.0001, 100.0, cfg) == "at_risk"
    assert segment(90.0, 100.0, cfg) == "at_risk" and segment(90.0001, 100.0, cfg) == "lapsed"
    assert segment(5.0, 30.0, cfg) == "new" and segment(5.0, 30.0001, cfg) == "active"
    assert segment(100.0, 10.0, cfg) == "lapsed"  # recency wins over tenure


def test_hand_made_shop_gets_its_segments(hand):
    frame, meta = hand
    idx = ProfileIndex(frame, PRODUCTS.select(pl.col("product_id").alias("item_id")).with_columns(
        category=pl.lit(None, pl.Utf8), brand=pl.lit(None, pl.Utf8), language=pl.lit(None, pl.Utf8),
        price_pos=pl.lit(None, pl.Float64)), meta, ProfileConfig())  # fmt: skip
    got = {u: idx.segment_of(u) for u in frame["user_id"]}
    assert got == {
        "anchor": "active", "new1": "new", "act1": "active", "risk1": "at_risk", "risk90": "at_risk",
        "lapsed1": "lapsed", "newedge": "new",
    }  # fmt: skip
    assert meta["segments"] == {"new": 2, "active": 2, "at_risk": 2, "lapsed": 1}
    assert meta["as_of"] == T0.isoformat() and meta["users"] == 7


def test_rfm_values_and_quintile_scores(hand):
    frame, meta = hand
    rows = {r["user_id"]: r for r in frame.iter_rows(named=True)}
    assert (rows["new1"]["orders"], rows["new1"]["monetary"]) == (1, 20.0)
    # two orders; the return of o3 nets 80 - 50
    assert (rows["act1"]["orders"], rows["act1"]["monetary"]) == (2, 40.0 + 80.0 - 50.0)
    assert (rows["risk1"]["orders"], rows["risk1"]["monetary"]) == (3, 2 * 10.0 + 10.0 + 10.0)
    assert rows["anchor"]["orders"] == 0 and rows["anchor"]["last_purchase"] is None
    # quintiles of F over the three buyers (1, 2, 3): 1.4, 1.8, 2.2, 2.6
    assert meta["rfm_cuts"]["frequency"] == pytest.approx([1.4, 1.8, 2.2, 2.6])
    idx = ProfileIndex.build(HAND, PRODUCTS)
    new1, act1, risk1 = idx.get("new1")["rfm"], idx.get("act1")["rfm"], idx.get("risk1")["rfm"]
    assert (new1["f"], act1["f"], risk1["f"]) == (1, 3, 5)
    assert new1["recency_days"] == pytest.approx(5.0) and act1["recency_days"] == pytest.approx(30.0)
    assert (new1["r"], act1["r"], risk1["r"]) == (5, 3, 1)  # fewer days since the last purchase is better
    assert (new1["m"], act1["m"], risk1["m"]) == (1, 5, 3)  # 20 < 40 < 70
    assert idx.get("anchor")["rfm"] == {
        "recency_days": None, "frequency": 0, "monetary": 0.0, "currency": None, "r": None, "f": None, "m": None,
    }  # fmt: skip


def test_rfm_score_edges():
    cuts = [1.0, 2.0, 3.0, 4.0]
    assert [rfm_score(v, cuts) for v in (0.5, 1.0, 1.5, 4.0, 9.0)] == [1, 1, 2, 4, 5]
    assert [rfm_score(v, cuts, higher_is_better=False) for v in (0.5, 9.0)] == [5, 1]
    assert rfm_score(None, cuts) is None and rfm_score(3.0, []) is None
    assert [price_band(x) for x in (0.0, 0.33, 0.34, 0.66, 0.67, 1.0, None)] == [
        "low", "low", "mid", "mid", "high", "high", None,
    ]  # fmt: skip


def test_interests_decay_by_half_life():
    ev = _events(
        [
            ("d", "view", days(0), "A", None, None, None),  # Lamps, Lux
            ("d", "view", days(30), "B", None, None, None),  # Chairs, Sit: one half-life old
            ("d", "view", days(60), "D", None, None, None),  # Chairs, Comfy: two half-lives old
        ]
    )
    idx = ProfileIndex.build(ev, PRODUCTS, ProfileConfig(half_life_days=30))
    p = idx.get("d")["interests"]
    cats = {c["name"]: c["weight"] for c in p["categories"]}
    assert cats == pytest.approx({"Home > Lamps": 1.0, "Home > Chairs": 0.5 + 0.25})
    assert [c["share"] for c in p["categories"]] == pytest.approx([1 / 1.75, 0.75 / 1.75], abs=1e-4)
    assert [b["name"] for b in p["brands"]] == ["Lux", "Sit", "Comfy"]
    # price position in category: A alone in Lamps with Z -> A cheapest (0), B 0, D 1 within Chairs
    assert p["price_position"] == pytest.approx((1.0 * 0 + 0.5 * 0 + 0.25 * 1) / 1.75, abs=1e-4)
    assert p["price_band"] == "low" and p["language"] == "en"
    slow = ProfileIndex.build(ev, PRODUCTS, ProfileConfig(half_life_days=60)).get("d")["interests"]
    assert {c["name"]: c["weight"] for c in slow["categories"]}["Home > Chairs"] == pytest.approx(
        2**-0.5 + 0.5
    )


def test_language_follows_what_the_user_reads_and_searches():
    ev = _events(
        [("z", "view", days(1), "Z", None, None, None), ("z", "view", days(0), "A", None, None, None)]
    )
    ev = pl.concat(
        [
            ev,
            ev.head(1).with_columns(
                type=pl.lit("search"),
                item_id=pl.lit(None, pl.Utf8),
                query=pl.lit("台灯"),
                event_id=pl.lit("q1"),
                timestamp=pl.lit(T0),
            ),
        ]  # fmt: skip
    )
    langs = ProfileIndex.build(ev, PRODUCTS).get("z")["interests"]["languages"]
    assert [x["name"] for x in langs] == ["zh", "en"]  # a Chinese title and a Chinese query beat one view


def test_live_updates_equal_a_rebuild():
    cut = days(45)
    first, later = HAND.filter(pl.col("timestamp") <= cut), HAND.filter(pl.col("timestamp") > cut)
    live = ProfileIndex.build(first, PRODUCTS)
    applied = live.record(
        later.with_columns(pl.col("timestamp").dt.to_string("%Y-%m-%dT%H:%M:%S%z")).to_dicts()
    )
    assert applied == later.filter(pl.col("user_id").is_not_null()).height
    full = ProfileIndex.build(HAND, PRODUCTS)
    assert live.as_of == full.as_of == T0
    for user in full.frame["user_id"]:
        a, b = live.get(user), full.get(user)
        assert a["segment"] == b["segment"], user
        assert (a["events"], a["first_seen"], a["last_seen"]) == (
            b["events"],
            b["first_seen"],
            b["last_seen"],
        )
        assert a["rfm"]["frequency"] == b["rfm"]["frequency"] and a["rfm"]["monetary"] == pytest.approx(
            b["rfm"]["monetary"]
        )
        for kind in ("categories", "brands"):
            wa = {x["name"]: x["weight"] for x in a["interests"][kind]}
            wb = {x["name"]: x["weight"] for x in b["interests"][kind]}
            assert wa == pytest.approx(wb, rel=1e-6), (user, kind)
    # a brand-new user from the live log gets a profile, and moves the segment counts
    live.record([{"user_id": "fresh", "type": "view", "item_id": "A", "timestamp": T0.isoformat()}])
    assert live.get("fresh")["segment"] == "new"
    counts = {s["segment"]: s["users"] for s in live.segment_counts()["segments"]}
    assert counts == {"new": 3, "active": 2, "at_risk": 2, "lapsed": 1}


def test_profile_features_for_a_ranker():
    idx = ProfileIndex.build(HAND, PRODUCTS)
    f = profile_features(idx, "act1", ["C", "A", "nope"])
    assert f.shape == (3, len(FEATURE_NAMES)) and f.dtype == np.float32
    assert f[0, 0] == pytest.approx(1.0) and f[1, 0] == 0.0  # act1 only ever touched chairs
    assert np.isnan(f[2, :4]).all() and f[2, 5] == 2  # unknown item: NaN, user facts still there
    assert np.isnan(profile_features(idx, "nobody", ["A"])).all()


def test_config_is_validated():
    with pytest.raises(ValueError, match="half_life_days"):
        ProfileConfig(half_life_days=0)
    with pytest.raises(ValueError, match="lapsed_days"):
        ProfileConfig(active_days=60, lapsed_days=30)


# ------------------------------------------------------------------ release + API


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("profiles-ws")
    cfg = GateConfig()
    products = PRODUCTS.with_columns(stock=pl.lit(5))
    events = (
        HAND.filter(pl.col("user_id").is_not_null())
        .drop("currency", "query")
        .with_columns(
            pl.col("timestamp").dt.epoch("s"),
            currency=pl.when(pl.col("price").is_not_null()).then(pl.lit("USD")),
        )
    )
    with Store(ws) as store:
        result = run_gate(Batch("hand", products=products, events=events), cfg, store)
        publish(result, store, cfg, None)
    manifest = build_release(
        ws, default_components(), settings={"recs": {"encoder": None}}, cache_dir=ws / "cache"
    )
    keys = KeyStore(ws)
    k = {s: keys.add(f"t-{s}", s) for s in ("read", "events", "admin")}
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        yield c, k, manifest


def test_profiles_are_a_release_component(served):
    _c, _k, manifest = served
    facts = manifest["components"]["profiles"]
    assert facts["users"] == 7 and facts["segments"] == {"new": 2, "active": 2, "at_risk": 2, "lapsed": 1}


def test_profile_endpoint_needs_an_admin_key_and_404s_unknown_users(served):
    c, k, _m = served
    url = "/v1/users/act1/profile"
    assert c.get(url).status_code == 401
    assert c.get(url, headers={"X-API-Key": k["read"]}).status_code == 403
    r = c.get(url, headers={"X-API-Key": k["admin"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["segment"] == "active" and body["rfm"]["frequency"] == 2 and body["rfm"]["monetary"] == 70.0
    assert body["interests"]["categories"][0]["name"] == "Home > Chairs"
    r = c.get("/v1/users/nobody/profile", headers={"X-API-Key": k["admin"]})
    assert r.status_code == 404
    assert r.json()["error"] == {
        "code": "unknown_user", "message": "no user 'nobody' has an accepted event in this release", "field": "user_id",
    }  # fmt: skip


def test_segments_endpoint_and_live_event(served):
    c, k, _m = served
    assert c.get("/v1/segments").status_code == 401
    body = c.get("/v1/segments", headers={"X-API-Key": k["read"]}).json()
    assert {s["segment"]: s["users"] for s in body["segments"]} == {
        "new": 2,
        "active": 2,
        "at_risk": 2,
        "lapsed": 1,
    }
    ev = {"event_id": "live-1", "type": "purchase", "user_id": "lapsed1", "item_id": "B", "quantity": 1,
          "price": 20.0, "currency": "USD", "timestamp": T0.isoformat()}  # fmt: skip
    assert c.post("/v1/events", json={"events": [ev]}, headers={"X-API-Key": k["events"]}).status_code == 200
    p = c.get("/v1/users/lapsed1/profile", headers={"X-API-Key": k["admin"]}).json()
    assert p["segment"] == "active" and p["rfm"]["frequency"] == 1 and p["rfm"]["monetary"] == 20.0
    body = c.get("/v1/segments", headers={"X-API-Key": k["read"]}).json()
    assert {s["segment"]: s["users"] for s in body["segments"]} == {
        "new": 2,
        "active": 3,
        "at_risk": 2,
        "lapsed": 0,
    }


def test_segments_dashboard_page(served):
    c, k, _m = served
    assert "sign in" in c.get("/dashboard/segments").text.lower()
    r = c.get("/dashboard/segments", headers={"X-API-Key": k["read"]})
    assert r.status_code == 200 and "segments.js" in r.text
