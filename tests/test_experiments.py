"""Experiment definitions and assignment: validation names the field; assignment is deterministic,
sticky under ramps, balanced, exclusive within a layer, honours holdouts and the kill switch."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.experiments.assign import Assigner, deep_merge, unit_hash
from shopmind.experiments.definition import ExperimentError, parse_experiments, to_dict


def exp(
    name: str, layer: str = "search", traffic: float = 1.0, status: str = "running", **kw: Any
) -> dict[str, Any]:
    variants = kw.pop(
        "variant", [{"name": "control"}, {"name": "treatment", "overrides": {"search": {"ltr": "off"}}}]
    )
    return {"name": name, "layer": layer, "traffic": traffic, "status": status, "variant": variants, **kw}


IDS = [f"user-{i}" for i in range(20_000)]


def test_assignment_is_deterministic_and_balanced():
    a1 = Assigner(parse_experiments({"experiment": [exp("ltr")]}))
    a2 = Assigner(parse_experiments({"experiment": [exp("ltr")]}))  # another process/release: same answer
    got = [a1.assign(u)[0].variant for u in IDS]
    assert got == [a2.assign(u)[0].variant for u in IDS]
    counts = Counter(got)
    # 20,000 fair coin flips: sd = 71, so +-3 sd = 213
    assert abs(counts["control"] - 10_000) < 213, counts


def test_unequal_weights_and_salt_reshuffles():
    a = Assigner(
        parse_experiments({"experiment": [exp("w", variant=[{"name": "c", "weight": 9}, {"name": "t"}])]})
    )
    share = Counter(a.assign(u)[0].variant for u in IDS)["t"] / len(IDS)
    assert abs(share - 0.1) < 0.007
    b = Assigner(
        parse_experiments(
            {"experiment": [exp("w", salt="other", variant=[{"name": "c", "weight": 9}, {"name": "t"}])]}
        )
    )
    same = sum(a.assign(u)[0].variant == b.assign(u)[0].variant for u in IDS) / len(IDS)
    assert 0.78 < same < 0.86  # independent at 0.9/0.1: 0.81 + 0.01


def test_layers_are_exclusive_and_cross_layer_independent():
    s = parse_experiments(
        {"experiment": [exp("a", traffic=0.3), exp("b", traffic=0.5), exp("r", layer="recs", traffic=1.0)]}
    )
    a = Assigner(s)
    per_user = [a.assign(u) for u in IDS]
    search = Counter(tuple(x.experiment for x in got if x.layer == "search") for got in per_user)
    assert set(search) == {("a",), ("b",), ()}  # never both a and b
    assert abs(search[("a",)] / len(IDS) - 0.3) < 0.015 and abs(search[("b",)] / len(IDS) - 0.5) < 0.015
    assert all(sum(x.layer == "recs" for x in got) == 1 for got in per_user)
    # the recs split is independent of the search layer's: within a's users it is still ~50/50
    in_a = [got for got in per_user if any(x.experiment == "a" for x in got)]
    share = sum(next(x for x in got if x.layer == "recs").variant == "treatment" for got in in_a) / len(in_a)
    assert abs(share - 0.5) < 0.03


def test_ramp_up_keeps_everyone_already_assigned():
    low = Assigner(parse_experiments({"experiment": [exp("a", traffic=0.1), exp("b", traffic=0.2)]}))
    high = Assigner(parse_experiments({"experiment": [exp("a", traffic=0.1), exp("b", traffic=0.6)]}))
    before = {u: low.assign(u) for u in IDS}
    after = {u: high.assign(u) for u in IDS}
    moved = [u for u, got in before.items() if got and got != after[u]]
    assert moved == []
    assert sum(bool(v) for v in after.values()) > sum(bool(v) for v in before.values()) * 2


def test_holdout_and_kill_switches():
    s = parse_experiments({"holdout": 0.1, "experiment": [exp("a"), exp("r", layer="recs")]})
    a = Assigner(s)
    none = sum(not a.assign(u) for u in IDS) / len(IDS)
    assert abs(none - 0.1) < 0.01
    # a held-out user is out of every layer, not just one
    assert all(len(a.assign(u)) in (0, 2) for u in IDS[:2000])
    stopped = Assigner(
        parse_experiments({"experiment": [exp("a", traffic=0.5, status="stopped"), exp("b", traffic=0.5)]})
    )
    assert all(x.experiment == "b" for u in IDS[:2000] for x in stopped.assign(u))
    # stopping `a` did not move `b`'s range: b's users are the same as when a ran
    running = Assigner(parse_experiments({"experiment": [exp("a", traffic=0.5), exp("b", traffic=0.5)]}))
    b_now = {u for u in IDS[:2000] if stopped.assign(u)}
    b_before = {u for u in IDS[:2000] if any(x.experiment == "b" for x in running.assign(u))}
    assert b_now == b_before
    off = Assigner(parse_experiments({"enabled": False, "experiment": [exp("a")]}))
    assert not any(off.assign(u) for u in IDS[:1000])


def test_session_unit_and_anonymous_fallback():
    a = Assigner(parse_experiments({"experiment": [exp("s", unit="session")]}))
    assert a.assign("u1", None) == []
    assert a.assign(None, "sess-1")[0].unit == "session"
    u = Assigner(parse_experiments({"experiment": [exp("u")]}))
    assert u.assign(None, "sess-9") == u.assign("sess-9")  # anonymous: hashed by session id
    assert u.assign(None, None) == []


def test_overrides_merge():
    a = Assigner(
        parse_experiments(
            {
                "experiment": [
                    exp(
                        "a",
                        variant=[
                            {"name": "c"},
                            {"name": "t", "overrides": {"search": {"understand": False, "fusion": "rrf"}}},
                        ],
                    ),
                    exp(
                        "r",
                        layer="recs",
                        variant=[
                            {"name": "c"},
                            {"name": "t", "overrides": {"search": {"alpha": 0.5}}},
                        ],
                    ),
                ]
            }
        )
    )
    user = next(u for u in IDS if all(x.variant == "t" for x in a.assign(u)))
    assert a.overrides(a.assign(user)) == {"search": {"understand": False, "fusion": "rrf", "alpha": 0.5}}
    assert deep_merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}}) == {"a": {"x": 1, "y": 3}}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"experiment": [exp("a", traffic=1.5)]}, "experiment[0].traffic"),
        ({"experiment": [exp("a", traffic=0.6), exp("b", traffic=0.6)]}, "experiment[1].traffic"),
        ({"experiment": [exp("a"), exp("a", layer="x")]}, "experiment[1].name"),
        ({"experiment": [exp("a", variant=[{"name": "c"}])]}, "experiment[0].variant"),
        ({"experiment": [exp("a", variant=[{"name": "c"}, {"name": "c"}])]}, "experiment[0].variant[1].name"),
        (
            {"experiment": [exp("a", variant=[{"name": "c"}, {"name": "t", "weight": 0}])]},
            "experiment[0].variant[1].weight",
        ),
        (
            {"experiment": [exp("a", variant=[{"name": "c"}, {"name": "t", "overrides": 3}])]},
            "experiment[0].variant[1].overrides",
        ),
        ({"experiment": [exp("a", status="live")]}, "experiment[0].status"),
        ({"experiment": [exp("a", unit="device")]}, "experiment[0].unit"),
        ({"experiment": [exp("a", colour="red")]}, "experiment[0].colour"),
        ({"experiment": [exp("a bad")]}, "experiment[0].name"),
        ({"experiment": [exp("a"), exp("b", traffic=0, unit="session")]}, "experiment[1].unit"),
        (
            {
                "experiment": [
                    exp("a", kind="interleave", variant=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
                ]
            },
            "experiment[0].variant",
        ),
        ({"holdout": 1.0}, "experiments.holdout"),
        (
            {
                "experiment": [
                    exp("a", variant=[{"name": "c"}, {"name": "t", "overrides": {"recs": {"k": 1}}}])
                ]
            },
            "experiment[0].variant[1].overrides.recs",
        ),
        (
            {
                "experiment": [
                    exp(
                        "a",
                        variant=[{"name": "c"}, {"name": "t", "overrides": {"search": {"encoder": "use"}}}],
                    )
                ]
            },
            "experiment[0].variant[1].overrides.search.encoder",
        ),
        (
            {
                "experiment": [
                    exp("a", variant=[{"name": "c"}, {"name": "t", "overrides": {"search": {"alpha": 2}}}])
                ]
            },
            "experiment[0].variant[1].overrides.search.alpha",
        ),
        ({"enabled": "yes"}, "experiments.enabled"),
        ({"experiment": {"name": "a"}}, "experiments.experiment"),
    ],
)
def test_bad_definitions_name_the_field(raw, field):
    with pytest.raises(ExperimentError) as err:
        parse_experiments(raw)
    assert str(err.value).startswith(field + ":") or str(err.value).startswith(field + "."), str(err.value)


names = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)


@st.composite
def experiment_sets(draw):
    layers = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    exps, used = [], set()
    for layer in layers:
        left = 1.0
        for _ in range(draw(st.integers(1, 3))):
            name = draw(names.filter(lambda n: n not in used))
            used.add(name)
            traffic = draw(st.floats(0, left, allow_nan=False))
            left -= traffic
            k = draw(st.integers(2, 4))
            variants = [{"name": f"v{i}", "weight": draw(st.floats(0.1, 10))} for i in range(k)]
            exps.append(
                exp(
                    name,
                    layer=layer,
                    traffic=traffic,
                    status=draw(st.sampled_from(["running", "stopped"])),
                    variant=variants,
                )
            )
    return {"holdout": draw(st.floats(0, 0.5)), "experiment": exps}


@settings(max_examples=60, deadline=None)
@given(experiment_sets(), st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30))
def test_assignment_invariants(raw, users):
    s = parse_experiments(raw)
    assert parse_experiments(to_dict(s)) == s  # definitions round-trip
    a = Assigner(s)
    for u in users:
        got = a.assign(u)
        assert got == a.assign(u)  # sticky
        layers = [x.layer for x in got]
        assert len(layers) == len(set(layers))  # at most one experiment per layer
        for x in got:
            e = s.by_name(x.experiment)
            assert e.status == "running" and e.traffic > 0 and x.variant in {v.name for v in e.variants}


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["name", "layer", "traffic", "variant", "weight", "status", "experiment", "holdout", "unit", "x"]), c, max_size=5),
                    max_leaves=15))  # fmt: skip
def test_parser_accepts_or_names_a_field(raw):
    """Arbitrary input either parses to a valid set or raises ExperimentError - never another exception."""
    try:
        s = parse_experiments(raw)
    except ExperimentError as exc:
        assert str(exc).split(":")[0].startswith(("experiment", "experiments"))
    else:
        assert all(len(e.variants) >= 2 for e in s.experiments)


def test_hash_is_pinned():
    """The hash is part of the contract: changing it would reshuffle every running experiment."""
    assert unit_hash("salt", "user-1") == unit_hash("salt", "user-1")
    assert unit_hash("salt", "user-1") != unit_hash("salt2", "user-1")
    assert unit_hash("s", "u") == int.from_bytes(
        __import__("hashlib").blake2b(b"u", digest_size=8, key=b"s").digest(), "big"
    )


def test_variant_engine_is_a_cached_copy_with_its_own_config():
    from dataclasses import dataclass, replace

    from shopmind.experiments.apply import search_engine_for

    @dataclass(frozen=True)
    class Cfg:
        fusion: str = "linear"
        alpha: float = 0.2
        ltr: str = "auto"

    class Engine:
        def __init__(self) -> None:
            self.config, self.reranker, self.index = Cfg(), object(), [1, 2, 3]

    base, cache = Engine(), {}
    assert search_engine_for(base, {}, cache) is base
    v = search_engine_for(base, {"search": {"fusion": "rrf"}}, cache)
    assert v is not base and v.config == replace(base.config, fusion="rrf") and base.config.fusion == "linear"
    assert v.index is base.index and v.reranker is base.reranker  # shares the indexes and models
    assert search_engine_for(base, {"search": {"fusion": "rrf"}}, cache) is v  # cached
    off = search_engine_for(base, {"search": {"alpha": 0.5, "ltr": "off"}}, cache)
    assert off.reranker is None and base.reranker is not None and off.config.alpha == 0.5


def test_exposure_forget_removes_a_unit(tmp_path):
    from shopmind.experiments.assign import Assignment
    from shopmind.experiments.exposure import ExposureLog, forget, read_exposures

    log = ExposureLog(tmp_path, flush_seconds=3600)
    a = [Assignment("e", "control", "l", "user", "ab")]
    for u in ("alice", "bob", "alice"):
        log.record(a, u, f"s-{u}", "rid", "search", 3)
    log.close()
    assert read_exposures(tmp_path).height == 3
    assert forget(tmp_path, ["alice"]) == 2
    assert read_exposures(tmp_path)["unit_id"].to_list() == ["bob"]
