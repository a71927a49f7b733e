"""``shopmind evaluate recs``: baselines and ours-v1 side by side under a published protocol.

Flow: adapter -> quality gate (models train on the accepted events, as production will) ->
protocol split -> on the validation phase, a small grid per generator family picks the
hyperparameters and then the fusion weights (by the protocol's selection metric) -> on the
test phase, every family is refitted once with its chosen values and reported. Nothing about
the test phase is looked at before the choices are made.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.config import GateConfig
from shopmind.data.adapters import get_adapter
from shopmind.data.categories import top_categories
from shopmind.data.readers import InputError
from shopmind.quality.gate import run_gate
from shopmind.recommend.base import Generator
from shopmind.recommend.eval_report import MAIN_COLUMNS, write_report
from shopmind.recommend.eval_steps import (  # noqa: F401 - re-exported (learn, tune, bench, tests)
    BATCH,
    DEPTH,
    KS,
    MONITOR_USERS,
    Outcome,
    PhaseData,
    _metrics,
    _monitor,
    _pair_matrix,
    children_cpu,
    grid_users,
    prepare,
    ranked_lists,
    sample_users,
    start_inner_fits,
    test_phase,
    validation_grid,
)
from shopmind.recommend.families import FAMILY_NAMES, SASREC_GRID, Family, families
from shopmind.recommend.fusion import fuse_lists
from shopmind.recommend.fusion_tuning import FUSION_TUNING_USERS, tune_fusion  # noqa: F401 - re-exported
from shopmind.recommend.grid_pool import Runner, default_workers
from shopmind.recommend.loo_features import drop_last
from shopmind.recommend.metrics import per_user
from shopmind.recommend.protocols import DEFAULT_PROTOCOL, Split, make_split
from shopmind.recommend.ranker import LearnedRanker, RankerNoData
from shopmind.recommend.ranker_guard import cross_fit, decide, fallback_values, folds, said, served_row
from shopmind.recommend.ranker_loo import GRID as LOO_GRID
from shopmind.recommend.ranker_loo import Target, attribute_table, leave_one_out_ranker
from shopmind.recommend.sasrec import EXTRA_HINT
from shopmind.workers import refuse_in_starting_worker

__all__ = ["FAMILY_NAMES", "MAIN_COLUMNS", "SASREC_GRID", "Family", "Outcome", "PhaseData", "families", "learned_ranker",
           "prepare", "ranked_lists", "run", "sample_users", "tune_fusion", "write_report"]  # fmt: skip


def _unscorable(path: Path, fmt: str, protocol: str, outcome: Any, users: int | None = None) -> str:
    """Why no user can be scored, in the words that fit: a tiny log is too small (a demo of 10
    users over 3 days was asked "is it in the canonical format?"), a log the gate mostly refused
    names its top reasons, and only a log with nothing accepted asks about the format. ``users``:
    how many user ids the accepted events hold - none (YOOCHOOSE's sessions, anonymous reviews) is
    said as such: "evaluate a longer log" was the advice for 81,846 session clicks (t1g, session 34)."""
    read, accepted = outcome.input_rows, outcome.rows("accepted")
    top = sorted(((c, n) for c, n in outcome.failed.items() if n), key=lambda kv: -kv[1])[:3]
    reasons = ", ".join(f"{code} {n:,}" for code, n in top)
    head = f"{path}: no user has the events the {protocol} protocol needs to score"
    if accepted == 0:
        return f"{head}: none of the {read:,} events was accepted ({reasons or 'no events read'}); is it in the {fmt} format?"
    if users == 0:
        return (
            f"{head}: none of the {accepted:,} accepted events has a user id ({fmt} data are sessions or anonymous "
            "ratings, not customers' histories); the protocol scores a user's later events from their earlier "
            "ones, so a longer log would not help - `evaluate recs` needs events with user ids"
        )
    refused = f"; the gate refused or flagged some ({reasons})" if reasons else ""
    return (
        f"{head}: only {accepted:,} of {read:,} events accepted{refused} - too few users with events on both "
        "sides of its split; evaluate a longer log (more users or days)"
    )


def run(
    fmt: str,
    path: Path,
    protocol: str | None = None,
    progress: Callable[[str, int], Iterator[Any]] | None = None,
    log: Callable[[str], None] = print,
    skip: tuple[str, ...] = (),
    workers: int | None = None,
    mapping: Path | None = None,
    gate_config: GateConfig | None = None,
) -> dict[str, Any]:
    """Evaluate every family and ours-v1 on ``path`` (a dataset of format ``fmt``; ``mapping``:
    the column mapping TOML of ``--format table``, a shop's own export; ``gate_config``: the quality
    gate's settings, default the defaults: ``gate_settings.resolve``).

    ``skip`` names families to leave out (e.g. ``sasrec`` for a quick run without training).
    ``workers``: processes for the independent fits (None = one per core; 1 = all in this
    process); the figures do not depend on it (``grid_pool``).
    """
    workers = workers or default_workers()
    if workers > 1:
        refuse_in_starting_worker("shopmind.recommend.evaluate.run")
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu()
    batch = get_adapter(fmt).load(path, **({} if mapping is None else {"mapping": mapping}))
    gate = run_gate(batch, gate_config or GateConfig(), None)
    events = gate.tables["events"].accepted
    products = gate.tables["products"].accepted if "products" in gate.tables else None
    cats = top_categories(products)
    categories = cats if cats is not None and cats.height else None
    protocol = protocol or DEFAULT_PROTOCOL.get(fmt, "loo")
    split: Split = make_split(protocol, events, fmt)
    t_load = time.perf_counter() - t0
    # which files a folder or a sibling (S3-Rec's <name>_item2attributes.json) gave: the figures' source
    log(f"{fmt}: read {', '.join(str(f) for f in batch.meta.get('files', [])) or path}")
    log(
        f"{fmt}: {batch.events.height if batch.events is not None else 0} events, {events.height} accepted by the gate; "
        f"protocol {split.protocol} ({t_load:.1f}s)"
    )
    # a file where no user can be scored was a polars SchemaError deep in prepare (t0m, session 26)
    if split.valid.truth.is_empty() or split.test.truth.is_empty():
        users = events["user_id"].drop_nulls().filter(events["user_id"].drop_nulls() != "").n_unique()
        raise InputError(_unscorable(path, fmt, split.protocol, gate.tables["events"], users))
    real_time = not bool(batch.meta.get("synthetic_timestamps"))
    fams = families(real_time, categories is not None)
    skipped: list[str] = []
    if not any(f.name == "sasrec" for f in fams) and "sasrec" not in skip:
        skipped.append(f"sasrec skipped: {EXTRA_HINT}")
        log(f"  note: {skipped[-1]}")
    if skip:
        skipped += [f"{f.name} skipped on request" for f in fams if f.name in skip]
        if RANKER_NAME in skip and protocol in (*RANKER_PROTOCOLS, *LOO_RANKER_PROTOCOLS):
            skipped.append(f"{RANKER_NAME} skipped on request")
        fams = [f for f in fams if f.name not in skip]
    valid = prepare(split.valid, split.items, categories)
    test = prepare(split.test, split.items, categories)  # data only: its truth is read after every choice
    metric = split.select_metric
    out = Outcome()
    loo_ranker = protocol in LOO_RANKER_PROTOCOLS and RANKER_NAME not in skip
    with Runner({"valid": valid, "test": test}, workers) as runner:
        # the ranker's inner fits start with each family's choice (before its test refit), so this
        # process can train the ranker while the workers still refit the test phase; a family the
        # fusion then leaves out (weight 0) wasted one fit — the cheap ones, on Beauty BPR's
        all_inner: dict[str, Future] = {}
        inner = drop_last(valid.data)[0] if loo_ranker else None
        best_lists, best_gens, test_futures = validation_grid(fams, runner, metric, out, progress, log,
                                                              inner, all_inner)  # fmt: skip
        rule: dict[str, Any] = {}
        weights, c, fused_valid = tune_fusion(best_lists, valid, metric, log, rule)
        out.fusion = {"weights": weights, "c": c, f"valid_{metric}": fused_valid, "depth": DEPTH, **rule}
        tuned = rule.get("one_se_rule", {}).get("tuned_weights", weights)  # the ranker's generators
        makers = {
            f.name: functools.partial(f.make, **out.chosen[f.name]["params"])
            for f in fams
            if tuned.get(f.name)
        }
        tested: dict[str, Any] = {}

        def test_stage() -> tuple[dict[str, Generator], dict[str, np.ndarray] | None]:
            """The test refits' results, ours-v1 on them; (generators, lists) for the ranker."""
            if not tested:
                tested["lists"], tested["gens"] = test_phase(
                    fams, test_futures, out, progress, len(test.rows)
                )
                t = time.perf_counter()
                fused = fuse_lists(tested["lists"], weights, c, test.data.n_items, max(KS))
                out.test["ours-v1"] = _metrics(fused, test)
                out.timings["ours-v1"] = {
                    "fit_s": sum(out.timings[n]["fit_s"] for n in weights if weights[n]),
                    "rank_s": sum(out.timings[n]["rank_s"] for n in weights if weights[n]) + time.perf_counter() - t,
                    "users": len(test.rows),
                }  # fmt: skip
            return {n: tested["gens"][n] for n in makers}, reusable_lists(tested["lists"], makers, test)

        ranker_info: dict[str, Any] = {}
        if protocol in RANKER_PROTOCOLS and RANKER_NAME not in skip:
            test_stage()
            ranker_info = learned_ranker(fams, out, valid, test, metric, log,
                                         baselines=fallback_values(best_lists, weights, c, valid.truth,
                                                                   valid.data.n_items, metric))  # fmt: skip
            if "guard" in ranker_info and "ours-ranker" in out.test:
                out.test[RANKER_NAME] = _guarded(ranker_info, out.test[RANKER_NAME], out, metric, skipped)
            if "skipped" in ranker_info:
                skipped.append(f"{RANKER_NAME} skipped: {ranker_info['skipped']}")
        elif loo_ranker:  # over the fused generators
            t = time.perf_counter()
            ranker_info, top = leave_one_out_ranker(
                makers, {n: best_gens[n] for n in makers}, test_stage,
                Target(valid.data, valid.rows, valid.truth), Target(test.data, test.rows, None),
                attribute_table(products, valid.data.item_ids), log, grid=LOO_GRID[:1],
                valid_lists=reusable_lists(best_lists, makers, valid),
                fit_inner=lambda _inner: {n: all_inner[n].result()["gen"] for n in makers},
                inner_lists=(lambda: {n: all_inner[n].result()["lists"] for n in makers})
                if grid_users(valid) is not None else None,
                baselines=fallback_values(best_lists, weights, c, valid.truth, valid.data.n_items, metric),
                metric=metric,
            )  # fmt: skip
            test_stage()  # (done already unless the ranker was skipped)
            if top is None:
                skipped.append(f"{RANKER_NAME} skipped: {ranker_info['skipped']}")
            else:
                out.test[RANKER_NAME] = _guarded(ranker_info, _metrics(top, test), out, metric, skipped)
                t_rank = ranker_info["test_fit_rank_s"]
                wait = ranker_info["stages"].get("wait_test_refits", {}).get("wall_s", 0.0)
                out.timings[RANKER_NAME] = {"fit_s": time.perf_counter() - t - t_rank - wait, "rank_s": t_rank,
                                            "users": len(test.rows)}  # fmt: skip
        else:
            test_stage()
    return {
        "format": fmt,
        "path": str(path),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "protocol": split.protocol,
        "protocol_notes": split.notes + skipped,
        "selection_metric": metric,
        "gate": {
            "input_events": gate.tables["events"].input_rows,
            "accepted_events": events.height,
            "quarantined_by_code": gate.tables["events"].failed,
            "held": gate.held,
        },
        "sizes": {
            "items": len(split.items),
            "valid_users": len(valid.rows),
            "test_users": len(test.rows),
            "train_events_valid_phase": split.valid.fit.height,
            "train_events_test_phase": split.test.fit.height,
        },
        "chosen": out.chosen,
        "fusion": out.fusion,
        "search": out.search,
        "test": out.test,
        "timings": out.timings,
        **({"ranker": ranker_info} if ranker_info else {}),
        "seconds_total": time.perf_counter() - t0,
        "cpu_seconds_total": time.process_time() - c0 + children_cpu() - k0,  # all threads and workers
        "cpu_seconds_parent": time.process_time() - c0,
        "workers": workers or default_workers(),
    }


def _guarded(
    info: dict[str, Any], own: dict[str, float], out: Outcome, metric: str, notes: list[str]
) -> dict[str, float]:
    """ours-ranker's test row after its guard (``ranker_guard``): its own figures when served, else
    the fallback's; a refused ranker's own figures stay in ``info["guard"]["ranker_test"]``
    (reported, never used to choose) and the run's notes say what was served."""
    guard = info.get("guard")
    if guard is None:
        return own
    if not guard["served"]:
        guard["ranker_test"] = own
        notes.append(said(guard, metric))
    return served_row(guard, own, out.test)


def reusable_lists(
    lists: dict[str, np.ndarray], names: Iterable[str], pd_: PhaseData
) -> dict[str, np.ndarray] | None:
    """The phase's fusion inputs for ``names`` when ``ranker_loo`` may take them as its
    candidates: it masks each user's fit items (``data.seen``), the evaluation masks the phase's
    history; the lists are the same only when those two masks are (on the S3-Rec files they are)."""
    if pd_.mask is None or any(n not in lists for n in names):
        return None
    seen = pd_.data.seen(pd_.rows)
    if seen.shape != pd_.mask.shape or ((seen > 0) != (pd_.mask > 0)).nnz:
        return None
    return {n: lists[n] for n in names}


#: ours-ranker is trained on the last 30 days before each phase's cut: a real-time split only.
RANKER_PROTOCOLS = ("time",)
#: leave-one-out gets ``ranker_loo`` (next-item targets one step earlier; issue 12 item 2). Its
#: grid keeps the setting Beauty validation chose (31 leaves, NDCG@10 0.0795 vs 0.0792 for 63;
#: bench/sasrec_ranker.py, 2026-12-04): each setting costs ~160 CPU-s there.
LOO_RANKER_PROTOCOLS = ("loo",)
#: ``skip`` may name it: a quick evaluation (the demo's) leaves the learned ranker out
RANKER_NAME = "ours-ranker"
#: Generators left out of ours-ranker's candidates and features: the ranker refits each one
#: twice per phase (inner split + full), and four SASRec trainings (minutes each on the shared
#: 2-core box) would dominate the run. ``LearnedRanker`` itself takes any generator.
#: Markov is left out on validation evidence (Online Retail valid Recall@20 0.2225 without it,
#: 0.2194 with it, both with the repeat-purchase features; 2026-11-22).
RANKER_SKIP = ("sasrec", "markov")


#: The ranker's own validation grid: how many 30-day label windows it trains on (more, older
#: examples). On Online Retail validation 2 beat 1 (Recall@20 0.2283 vs 0.2228) and 3 beat 2
#: (0.2301 vs 0.2288), 2026-11-22; 1 is left out because each ranker fit costs minutes.
RANKER_GRID: list[dict[str, Any]] = [{"windows": 2}, {"windows": 3}]


def learned_ranker(
    fams: list[Family],
    out: Outcome,
    valid: PhaseData,
    test: PhaseData,
    metric: str,
    log: Callable[[str], None],
    grid: list[dict[str, Any]] | None = None,
    baselines: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """ours-ranker over every family with its validation-chosen params; nothing chosen on test.

    ``baselines``: the fallbacks' per-user validation ``metric`` (``ranker_guard.fallback_values``):
    ``info["guard"]`` then holds the guard's decision, the setting chosen on one fold of the
    validation users and read on the other, both ways (the caller serves the fallback if refused).

    Each phase trains on inner time splits of its own fit events (labels = the last 30
    days of them, and earlier windows when ``windows`` > 1), so validation reports what the
    same recipe gives one period earlier. The ranker's settings (``grid``) are chosen by the
    validation value; the test phase is fitted once with the chosen ones. A phase with nothing to
    learn from (``RankerNoData``) leaves the ranker out: ``{"skipped": why}``.
    """
    makers = {
        f.name: functools.partial(f.make, **out.chosen[f.name]["params"])
        for f in fams
        if f.name not in RANKER_SKIP
    }
    info: dict[str, Any] = {"search": []}
    best_value, best_params = -1.0, {}
    users: list[np.ndarray] = []  # per validation user, each setting that trained
    for params in grid if grid is not None else RANKER_GRID:
        t = time.perf_counter()
        try:
            model = LearnedRanker(makers, **params).fit(valid.data)
        except RankerNoData as exc:
            info["search"].append({"params": params, "skipped": str(exc)})
            log(f"  ours-ranker {params}: skipped, {exc}")
            continue
        t_fit = time.perf_counter() - t
        lists, _ = ranked_lists(model, valid, max(KS))
        value = _metrics(lists, valid)[metric]
        users.append(per_user(lists[:, : max(KS)], valid.truth, metric))
        info["search"].append({"params": params, metric: value, "seconds": time.perf_counter() - t})
        log(f"  ours-ranker {params}: valid {metric} {value:.4f} (fit {t_fit:.0f}s)")
        if value > best_value:
            best_value, best_params = value, params
            info["valid_train"] = model.train_info
    if best_value < 0:
        return {**info, "skipped": info["search"][-1]["skipped"]}
    info["params"] = best_params
    info[f"valid_{metric}"] = best_value
    if baselines is not None:
        halves = folds(len(users[0]))
        values = [[float(u[h].mean()) if len(h) else 0.0 for h in halves] for u in users]
        info["guard"] = decide(
            cross_fit(values, lambda j, _f, rows: users[j][rows], len(users[0])), baselines
        )
        log(f"  {said(info['guard'], metric)}")
    t = time.perf_counter()
    try:
        model = LearnedRanker(makers, **best_params).fit(test.data)
    except RankerNoData as exc:
        return {**info, "skipped": f"test phase: {exc}"}
    t_fit = time.perf_counter() - t
    lists, _ = ranked_lists(model, test, max(KS))
    t_rank = time.perf_counter() - t - t_fit
    info["test_train"] = model.train_info
    info["importance_gain"] = dict(list(model.importance().items())[:15])
    out.test["ours-ranker"] = _metrics(lists, test)
    out.timings["ours-ranker"] = {"fit_s": t_fit, "rank_s": t_rank, "users": len(test.rows)}
    return info
