"""Recommendation variants served per request (issue 15 item 2): a variant's ``[recs]`` overrides
(fusion weights, 0 = a generator off; exploration share; seen-item exclusion) change the rows of
``/v1/users/{id}/recommendations`` on a demo-shop release, and the exposure is logged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.experiments import registry
from shopmind.experiments.apply import recs_for
from shopmind.experiments.assign import Assigner
from shopmind.experiments.definition import ExperimentError, parse_experiments
from shopmind.experiments.exposure import ExposureLog, read_exposures
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs
from shopmind.serve.app import create_app
from shopmind.store.store import Store

POP_ONLY = {"als": 0, "covisit": 0, "content": 0, "trending": 0, "category-popularity": 0, "popularity": 1}
DEFS = {
    "experiment": [
        {"name": "recs-weights", "layer": "recs", "status": "running", "traffic": 1.0,
         "variant": [{"name": "control"}, {"name": "pop-only", "overrides": {"recs": {"weights": POP_ONLY}}}]},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("recs-variants") / "ws"
    shop = generate(seed=7, n_products=300, n_users=200, days=30)
    with Store(ws) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    # no exploration slot, so the rows are a function of the models and the weights alone
    settings = {"recs": {"encoder": None, "explore_share": 0.0}}
    build_release(ws, [("catalog", build_catalog), ("recs", build_recs)], settings=settings, force=True)
    registry.save(ws, parse_experiments(DEFS))
    counts = shop.batch.events.group_by("user_id").len().sort("len", descending=True)
    users = [u for u in counts["user_id"].to_list() if u][:60]
    with TestClient(create_app(ws, {"poll_seconds": 0.2})) as c:
        c.app.state.exposure_log = ExposureLog(ws, flush_seconds=3600)
        yield c, ws, users


def rows(body) -> list[str]:
    return [r["item_id"] for r in body["items"]]


def test_the_variant_changes_the_rows_and_is_logged(served):
    c, ws, users = served
    a = Assigner(registry.load(ws))
    handle = c.app.state.shop.user_handle  # the id the models and the assignment use
    by_variant: dict[str, list[str]] = {}
    for u in users:
        by_variant.setdefault(a.assign(handle(u))[0].variant, []).append(u)
    assert len(by_variant["pop-only"]) >= 5 and len(by_variant["control"]) >= 5
    served_rows = {}
    for variant, us in by_variant.items():
        for u in us[:5]:
            body = c.get(f"/v1/users/{u}/recommendations", params={"k": 10}).json()
            assert body["experiments"] == [{"experiment": "recs-weights", "variant": variant}]
            served_rows[u] = rows(body)
    registry.set_status(ws, "recs-weights", "stopped")
    try:
        defaults = {
            u: rows(c.get(f"/v1/users/{u}/recommendations", params={"k": 10}).json()) for u in served_rows
        }
    finally:
        registry.set_status(ws, "recs-weights", "running")
    # control is the defaults; popularity-only fusion changes what these active shoppers see
    assert all(served_rows[u] == defaults[u] for u in by_variant["control"][:5])
    changed = [u for u in by_variant["pop-only"][:5] if served_rows[u] != defaults[u]]
    assert len(changed) >= 4, (served_rows, defaults)
    # and it is the weights doing it: the release's recommender with the variant's overrides agrees
    rel = c.app.state.shop.current
    variant = recs_for(rel.recs, {"recs": {"weights": POP_ONLY}}, {})
    assert (
        variant is not rel.recs and variant.config.weights["als"] == 0 and rel.recs.config.weights["als"] > 0
    )
    u = by_variant["pop-only"][0]
    assert [r.item_id for r in variant.for_user(handle(u), k=10)] == served_rows[u]

    c.app.state.exposure_log.flush()
    ex = read_exposures(ws, "recs-weights")
    assert ex.height == 10 and set(ex["kind"]) == {"recs"} and set(ex["n_results"]) == {10}
    assert set(zip(ex["unit_id"], ex["variant"], strict=True)) == {
        (handle(u), v) for v, us in by_variant.items() for u in us[:5]
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recs": {"weights": {"nope": 1}}}, "overrides.recs.weights.nope"),
        ({"recs": {"weights": {"als": -1}}}, "overrides.recs.weights.als"),
        ({"recs": {"explore_share": 0.9}}, "overrides.recs.explore_share"),
        ({"recs": {"encoder": "use"}}, "overrides.recs.encoder"),
        ({"recs": {"weights": {}}}, "overrides.recs.weights"),
    ],
)
def test_recs_overrides_a_request_cannot_apply_are_refused_naming_the_field(overrides, field):
    bad = {"experiment": [{"name": "x", "variant": [{"name": "c"}, {"name": "t", "overrides": overrides}]}]}
    with pytest.raises(ExperimentError) as err:
        parse_experiments(bad)
    assert str(err.value).startswith(f"experiment[0].variant[1].{field}:")


def test_an_exploration_override_shares_the_counts_but_not_the_share():
    class Rec:  # the attributes recs_for touches
        def __init__(self):
            from shopmind.recommend.config import RecsConfig
            from shopmind.recommend.explore import Explorer

            self.config = RecsConfig(encoder=None)
            self.explorer = Explorer(0.1)

    base = Rec()
    cache: dict = {}
    v = recs_for(base, {"recs": {"explore_share": 0.3, "exclude_seen": True}}, cache)
    assert v.explorer.share == 0.3 and base.explorer.share == 0.1
    assert v.config.exclude_seen and not base.config.exclude_seen
    v.explorer.impression(["p1"])
    assert base.explorer.impressions == {"p1": 1}  # one bandit, two views of it
    assert recs_for(base, {"recs": {"exclude_seen": True, "explore_share": 0.3}}, cache) is v  # cached
    assert recs_for(base, {}, cache) is base
