"""Cost of ``evaluate recs`` scales with the category (session 27, t12r): the validation grid
scores a seeded user sample once users x items passes ``GRID_SCORES`` and the chosen setting
ranks the rest; SASRec's epochs are bounded by a budget of trained positions (data-only,
so a busy and a quiet machine train the same model), and why training stopped is reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.quality.gate import run_gate
from shopmind.recommend import eval_steps, evaluate
from shopmind.recommend.eval_steps import Outcome, fit_rank, grid_users, prepare, validation_grid
from shopmind.recommend.families import families
from shopmind.recommend.grid_pool import Runner
from shopmind.recommend.protocols import make_split
from shopmind.recommend.sasrec import epoch_cap, torch_available


def s3rec_file(tmp: Path, users: int = 400, items: int = 150, seed: int = 3) -> Path:
    """A small S3-Rec file: each user walks item chains (i -> i+1 mostly, sometimes a jump)."""
    rng = np.random.default_rng(seed)
    lines = []
    for u in range(1, users + 1):
        cur, seq = int(rng.integers(1, items + 1)), []
        for _ in range(int(rng.integers(5, 14))):
            seq.append(cur)
            cur = cur % items + 1 if rng.random() < 0.7 else int(rng.integers(1, items + 1))
        lines.append(" ".join(map(str, [u, *seq])))
    path = tmp / "Small.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def phases(path: Path) -> dict[str, eval_steps.PhaseData]:
    """The validation and test phases exactly as ``evaluate.run`` prepares them."""
    gate = run_gate(get_adapter("amazon-5core").load(path), GateConfig(), None)
    split = make_split("loo", gate.tables["events"].accepted)
    return {"valid": prepare(split.valid, split.items, None), "test": prepare(split.test, split.items, None)}


def grid(path: Path) -> tuple[dict[str, np.ndarray], Outcome, dict[str, eval_steps.PhaseData]]:
    fams = [f for f in families(real_time=False, has_categories=False, with_torch=False)
            if f.name in ("popularity", "item-knn", "covisit")]  # fmt: skip
    out = Outcome()
    ph = phases(path)
    with Runner(ph, workers=1) as runner:
        lists, _, _ = validation_grid(fams, runner, "ndcg@10", out, None, lambda _: None)
    return lists, out, ph


def test_grid_users_sample_only_past_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ph = phases(s3rec_file(tmp_path))["valid"]
    n_users, n_items = len(ph.rows), ph.data.n_items
    monkeypatch.setattr(eval_steps, "GRID_SCORES", n_users * n_items)
    assert grid_users(ph) is None  # at the budget: every user, the path Beauty takes
    monkeypatch.setattr(eval_steps, "GRID_SCORES", 100 * n_items + n_items - 1)
    got = grid_users(ph)
    assert got is not None and len(got) == 100 and len(np.unique(got)) == 100
    assert np.all(np.diff(got) > 0) and got[-1] < n_users
    np.testing.assert_array_equal(got, grid_users(ph))  # seeded


def test_sampled_grid_keeps_full_lists_for_the_chosen_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = s3rec_file(tmp_path)
    full_lists, full_out, ph = grid(path)
    assert all("grid_users" not in c for c in full_out.chosen.values())
    n_items = ph["valid"].data.n_items
    monkeypatch.setattr(eval_steps, "GRID_SCORES", 120 * n_items)
    lists, out, _ = grid(path)
    valid = ph["valid"]
    assert out.chosen["popularity"].get("grid_users") is None  # one setting: nothing to choose, all ranked
    for name in ("item-knn", "covisit"):
        chosen = out.chosen[name]
        assert chosen["grid_users"] == 120
        assert [len(r) for r in (out.search[name],)] == [len(full_out.search[name])]
        # the merged lists are exactly the chosen setting's ranking of every validation user
        with Runner(ph, workers=1) as runner:
            make = next(f.make for f in families(False, False, False) if f.name == name)
            alone = runner.submit(fit_rank, "valid", make, chosen["params"], False, "ndcg@10").result()
        np.testing.assert_array_equal(lists[name], alone["fusable"])
        assert lists[name].shape == (len(valid.rows), min(eval_steps.DEPTH, n_items))
        assert chosen["valid_ndcg@10"] == pytest.approx(alone["metrics"]["ndcg@10"])
        if (
            chosen["params"] == full_out.chosen[name]["params"]
        ):  # same choice -> same lists as the unsampled grid
            np.testing.assert_array_equal(lists[name], full_lists[name])


def test_epoch_cap_from_the_data_size() -> None:
    assert epoch_cap(30, 131_413, 5_000_000) == 30  # Beauty's validation phase: the epoch cap binds
    assert epoch_cap(30, 209_273, 5_000_000) == 23  # the Sports-sized file: the budget binds
    assert epoch_cap(30, 10_000_000, 5_000_000) == 1  # at least one epoch
    assert epoch_cap(12, 100, None) == 12


@pytest.mark.skipif(not torch_available(), reason="torch not installed")
def test_sasrec_position_budget_is_deterministic_and_reported(tmp_path: Path) -> None:
    from shopmind.recommend.sasrec import SASRec

    data = phases(s3rec_file(tmp_path, users=120, items=40))["valid"].data
    kwargs = dict(max_len=10, hidden=16, blocks=1, dropout=0.0, batch_size=64, negatives=8)
    probe = SASRec(**kwargs, epochs=1).fit(data)
    per_epoch = sum(len(c) - 1 for c in _chunks_of(probe))
    assert per_epoch > 100
    budget = SASRec(**kwargs, epochs=10, max_positions=3 * per_epoch + per_epoch // 2).fit(data)
    assert budget.epoch_cap == 3 and len(budget.history) == 3 and budget.stop_reason == "budget"
    again = SASRec(**kwargs, epochs=10, max_positions=3 * per_epoch + per_epoch // 2).fit(data)
    np.testing.assert_array_equal(budget.score(np.arange(10)), again.score(np.arange(10)))
    capped = SASRec(**kwargs, epochs=2, max_positions=10 * per_epoch).fit(data)
    assert capped.stop_reason == "epochs" and len(capped.history) == 2
    timed = SASRec(**kwargs, epochs=10, max_seconds=0.0).fit(
        data
    )  # any epoch takes > 0 s: the wall bound fires
    assert timed.stop_reason == "max_seconds" and len(timed.history) == 1
    stalled = SASRec(**kwargs, epochs=10, eval_every=1, patience=1).fit(
        data, monitor=lambda m: -len(m.history)
    )
    assert stalled.stop_reason == "patience" and len(stalled.history) == 2 and stalled.best_epoch == 1
    with pytest.raises(ValueError, match="max_positions"):
        SASRec(max_positions=0)


def _chunks_of(model: object) -> list[np.ndarray]:
    from shopmind.recommend.sasrec import _chunks

    return _chunks(model._indptr, model._items, model.max_len)  # type: ignore[attr-defined]


@pytest.mark.skipif(not torch_available(), reason="torch not installed")
def test_evaluate_reports_why_sasrec_stopped_and_refits_the_chosen_epochs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopmind.recommend import families as fam_module

    small = {**fam_module.SASREC_GRID[0], "hidden": 16, "blocks": 1, "epochs": 3, "max_len": 10}
    monkeypatch.setattr(fam_module, "SASREC_GRID", [small])
    lines: list[str] = []
    res = evaluate.run("amazon-5core", s3rec_file(tmp_path), "loo", log=lines.append, workers=1,
                       skip=("als", "bpr", "markov", "item-knn", evaluate.RANKER_NAME))  # fmt: skip
    row = res["search"]["sasrec"][0]
    assert row["stopped_by"] in ("epochs", "patience") and len(row["epochs"]) <= 3
    chosen = res["chosen"]["sasrec"]["params"]
    assert chosen["max_positions"] is None and chosen["epochs"] >= 1  # the refit trains exactly that many
    assert res["timings"]["sasrec"]["epochs"] == chosen["epochs"]
    assert res["timings"]["sasrec"]["stopped_by"] == "epochs"
    assert any("sasrec: chose" in line and "stopped by" in line for line in lines)


def test_ranker_takes_the_test_inputs_late_and_ranks_the_same() -> None:
    """``evaluate recs`` hands the leave-one-out ranker a callable for the test phase, so the
    ranker trains while the workers still refit the test phase: same choice, same top lists."""
    from shopmind.recommend.ranker_loo import leave_one_out_ranker
    from test_ranker_loo import evaluate_lists, markov_phases

    valid, test, make = markov_phases(seed=5, recent=3)
    v_gens, t_gens = {"markov": make().fit(valid.data)}, {"markov": make().fit(test.data)}
    kwargs = {"log": lambda _: None, "grid": [{"num_leaves": 7, "min_data_in_leaf": 5}], "max_rounds": 50}
    lists = evaluate_lists(t_gens, test, 100)
    now = leave_one_out_ranker(
        {"markov": make}, v_gens, t_gens, valid, test, None, test_lists=lists, **kwargs
    )
    asked: list[int] = []

    def late() -> tuple[dict, dict]:
        asked.append(1)
        return t_gens, lists

    later = leave_one_out_ranker({"markov": make}, v_gens, late, valid, test, None, **kwargs)
    assert asked == [1]
    np.testing.assert_array_equal(now[1], later[1])
    assert now[0]["valid_ndcg@10"] == later[0]["valid_ndcg@10"] and now[0]["rounds"] == later[0]["rounds"]
    assert list(later[0]["stages"]) == ["inner_fit", "inner_candidates", "valid_candidates", "search",
                                        "final_fit", "wait_test_refits", "test_candidates", "test_rank"]  # fmt: skip
    assert "wait_test_refits" not in now[0]["stages"]


def test_fit_inner_lists_are_the_ranker_own_candidates(tmp_path: Path) -> None:
    """The inner lists a worker selects equal ``generator_candidates``' (the ranker's own
    selection on the inner events), so handing them over changes no feature."""
    import functools

    from shopmind.recommend.covisit import CoVisitation
    from shopmind.recommend.eval_steps import fit_inner
    from shopmind.recommend.itemknn import ItemKNN
    from shopmind.recommend.loo_features import drop_last
    from shopmind.recommend.ranker import generator_candidates

    valid = phases(s3rec_file(tmp_path, users=300, items=120))["valid"]
    inner = drop_last(valid.data)[0]
    for make in (functools.partial(ItemKNN, neighbours=50), functools.partial(CoVisitation, window=3)):
        got = fit_inner(make, inner, valid.rows)
        gen = make().fit(inner)
        own = generator_candidates({"g": gen}, valid.rows, inner.n_items, 100, inner.seen(valid.rows))[3]["g"]
        assert got["lists"].shape == own.shape == (len(valid.rows), 100)
        np.testing.assert_array_equal(got["lists"], own)
        assert (got["lists"] >= 0).sum() > len(valid.rows)  # real candidates, not only empty slots


def test_evaluate_past_the_budget_runs_end_to_end_with_worker_inner_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file past ``GRID_SCORES`` takes every new path (sampled grids, the rest ranked by the
    chosen setting, inner lists from the workers) and still reports every family and the ranker."""
    from shopmind.recommend.eval_steps import fit_inner
    from shopmind.recommend.itemknn import ItemKNN

    path = s3rec_file(tmp_path, users=500)
    n_items = phases(path)["valid"].data.n_items
    monkeypatch.setattr(eval_steps, "GRID_SCORES", 150 * n_items)
    lines: list[str] = []
    res = evaluate.run(
        "amazon-5core", path, "loo", log=lines.append, workers=1, skip=("sasrec", "bpr", "als")
    )
    assert {c.get("grid_users") for n, c in res["chosen"].items() if n != "popularity"} == {150}
    assert any("grids scored on 150 of 500 validation users" in line for line in lines)
    assert {"item-knn", "covisit", "markov", "ours-v1", "ours-ranker"} <= set(res["test"])
    assert res["ranker"]["stages"]["inner_candidates"]["cpu_s"] >= 0
    assert 0 < res["test"]["ours-ranker"]["ndcg@10"] <= 1
    inner = phases(path)["valid"].data
    assert fit_inner(ItemKNN, inner, None)["lists"] is None  # Beauty-sized files: the ranker selects them
