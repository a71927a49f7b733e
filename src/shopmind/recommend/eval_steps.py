"""The steps of ``shopmind evaluate recs`` that fit and rank: a phase made ready for scoring,
one generator fitted and ranked (a task ``grid_pool`` may run in a worker process), the
validation grid and the test refits built from such tasks.

Split from ``evaluate.py`` (which re-exports these names) when the grid went to worker
processes (issue 12 item 3): ``evaluate`` keeps the flow and the fusion, this module the work.
"""

from __future__ import annotations

import functools
import resource
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from shopmind.recommend import grid_pool
from shopmind.recommend.base import Generator, Interactions, mask_seen, top_k
from shopmind.recommend.families import Family
from shopmind.recommend.fusion import candidates
from shopmind.recommend.grid_pool import Runner
from shopmind.recommend.metrics import all_metrics
from shopmind.recommend.protocols import Phase

KS = (5, 10, 20)
DEPTH = 100  # per-generator list length kept for fusion
BATCH = 2048


@dataclass
class PhaseData:
    """A phase made ready for scoring: interactions, evaluated user rows, truth and mask."""

    data: Interactions
    rows: np.ndarray
    truth: sp.csr_matrix
    mask: sp.csr_matrix | None


def _pair_matrix(frame: pl.DataFrame, data: Interactions, users: list[str]) -> sp.csr_matrix:
    """len(users) x n_items binary matrix of the (user_id, item_id) pairs of ``frame``."""
    pos = pl.DataFrame({"user_id": users, "r": np.arange(len(users))})
    items = pl.DataFrame({"item_id": data.item_ids.astype(str), "i": np.arange(data.n_items)})
    pairs = (
        frame.select(pl.col("user_id").cast(pl.Utf8), pl.col("item_id").cast(pl.Utf8))
        .join(pos, on="user_id", how="inner")
        .join(items, on="item_id", how="inner")
        .unique(["r", "i"])
    )
    m = sp.csr_matrix(
        (np.ones(pairs.height, dtype=np.float32), (pairs["r"].to_numpy(), pairs["i"].to_numpy())),
        shape=(len(users), data.n_items),
    )
    m.sort_indices()
    return m


def prepare(phase: Phase, items: list[str], categories: pl.DataFrame | None) -> PhaseData:
    data = Interactions.from_events(phase.fit, items=items, item_categories=categories)
    users = phase.truth["user_id"].cast(pl.Utf8).unique(maintain_order=True).to_list()
    rows = data.user_rows(users)
    truth = _pair_matrix(phase.truth, data, users)
    mask = _pair_matrix(phase.history, data, users) if phase.history is not None else None
    return PhaseData(data, rows, truth, mask)


def ranked_lists(gen: Generator, pd_: PhaseData, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``depth`` items for every evaluated user (masked items excluded).

    Returns the list the generator alone would show (filler included, for its metrics) and
    the same list as fusion input (slots without evidence = -1, see ``fusion.candidates``).
    """
    shown, fusable = [], []
    for start in range(0, len(pd_.rows), BATCH):
        chunk = pd_.rows[start : start + BATCH]
        scores = gen.score(chunk)
        if pd_.mask is not None:
            mask_seen(scores, pd_.mask[start : start + BATCH])
        idx, vals = top_k(scores, depth)
        shown.append(idx)
        fusable.append(candidates(gen, idx, vals))
    if not shown:
        empty = np.empty((0, depth), dtype=np.int64)
        return empty, empty
    return np.vstack(shown), np.vstack(fusable)


def _metrics(lists: np.ndarray, pd_: PhaseData) -> dict[str, float]:
    return all_metrics(lists[:, : max(KS)], pd_.truth, KS, pd_.data.item_user_counts(), pd_.data.n_users)


#: Validation users an early-stopping check scores (seeded sample): a check over all 22k
#: Beauty users took 53-86 s on the loaded 2-core box, as long as a training epoch; the
#: chosen model's validation value is still computed on every validation user.
MONITOR_USERS = 4000


def sample_users(pd_: PhaseData, n: int, seed: int = 0) -> PhaseData:
    """The same phase restricted to a seeded sample of at most ``n`` evaluated users."""
    if len(pd_.rows) <= n:
        return pd_
    keep = np.sort(np.random.default_rng(seed).permutation(len(pd_.rows))[:n])
    mask = pd_.mask[keep] if pd_.mask is not None else None
    return PhaseData(pd_.data, pd_.rows[keep], pd_.truth[keep], mask)


def _monitor(model: Generator, pd_: PhaseData, metric: str) -> float:
    """Validation value of a model mid-training (early stopping reads the validation phase only)."""
    lists, _ = ranked_lists(model, pd_, max(KS))
    return _metrics(lists, pd_)[metric]


@dataclass
class Outcome:
    """What the run found: chosen settings, validation search and test results."""

    chosen: dict[str, dict[str, Any]] = field(default_factory=dict)
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    test: dict[str, dict[str, float]] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    fusion: dict[str, Any] = field(default_factory=dict)


#: Budget of a validation grid point's ranking, in user x item scores: a family with several
#: settings chooses among them on a seeded sample of at most ``GRID_SCORES // n_items``
#: validation users, and only the chosen setting ranks the other users (for the fusion). Each
#: point's ranking costs users x items (dense scores + top-k), so without it the grid grows
#: ~3x from Beauty (22,363 x 12,101 = 2.7e8) to a Sports-sized file (35.8k x 24.2k), past the
#: 30-minute budget (session 27, t12r). Beauty's validation phase fits in it: every user.
GRID_SCORES = 280_000_000


def grid_users(pd_: PhaseData) -> np.ndarray | None:
    """Positions (into ``pd_.rows``) a multi-setting family's grid is scored on: a seeded
    sample when every user would pass ``GRID_SCORES``, else None (all users)."""
    n = max(1, GRID_SCORES // max(pd_.data.n_items, 1))
    if len(pd_.rows) <= n:
        return None
    return np.sort(np.random.default_rng(0).permutation(len(pd_.rows))[:n])


def subset(pd_: PhaseData, keep: np.ndarray) -> PhaseData:
    """The same phase restricted to the evaluated users at positions ``keep``."""
    mask = pd_.mask[keep] if pd_.mask is not None else None
    return PhaseData(pd_.data, pd_.rows[keep], pd_.truth[keep], mask)


def fit_rank(phase: str, make: Callable[..., Generator], params: dict[str, Any], early_stopping: bool,
             metric: str, users: np.ndarray | None = None) -> dict[str, Any]:  # fmt: skip
    """A task: fit ``make(**params)`` on the named phase and rank its users (``DEPTH`` deep).

    Returns the (possibly completed) params, the fitted generator, its fusion input, its
    metrics, wall seconds of fit and ranking, and CPU seconds of the task. With
    ``early_stopping`` the fit reads a seeded validation sample each epoch and the chosen epoch
    count joins the params (the test refit then trains exactly that many: no epoch budget or
    time bound left to cut it). ``users``: rank only these positions of the phase's users.
    """
    pd_ = grid_pool.phase(phase)
    t, c = time.perf_counter(), time.process_time()
    if early_stopping:
        gen = make(**params)
        check = sample_users(pd_, MONITOR_USERS)
        gen.fit(pd_.data, monitor=functools.partial(_monitor, pd_=check, metric=metric))  # type: ignore[call-arg]
        params = {**params, "epochs": gen.best_epoch}  # type: ignore[attr-defined]
        params.update({k: None for k in ("max_positions", "max_seconds") if k in params})
    else:
        gen = make(**params).fit(pd_.data)
    t_fit = time.perf_counter() - t
    ranked = pd_ if users is None else subset(pd_, users)
    lists, fusable = ranked_lists(gen, ranked, DEPTH)
    return {"params": params, "gen": gen, "fusable": fusable, "metrics": _metrics(lists, ranked),
            "fit_s": t_fit, "rank_s": time.perf_counter() - t - t_fit, "cpu_s": time.process_time() - c,
            "history": getattr(gen, "history", None), "lists": lists if users is not None else None,
            "stop": getattr(gen, "stop_reason", None)}  # fmt: skip


def rank_users(phase: str, gen: Generator, users: np.ndarray) -> dict[str, Any]:
    """A task: a fitted generator's lists for the phase's users at positions ``users``."""
    c = time.process_time()
    lists, fusable = ranked_lists(gen, subset(grid_pool.phase(phase), users), DEPTH)
    return {"lists": lists, "fusable": fusable, "cpu_s": time.process_time() - c}


def validation_grid(
    fams: list[Family],
    runner: Runner,
    metric: str,
    out: Outcome,
    progress: Callable[[str, int], Iterator[Any]] | None,
    log: Callable[[str], None],
    inner: Interactions | None = None,
    inner_fits: dict[str, Future] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Generator], dict[str, Future]]:
    """Every family's grid on the validation phase; each family's best (first best in grid
    order, as a serial loop picks it) is refitted on the test phase as soon as it is known.
    With ``inner`` (the leave-one-out ranker's inner events), the best is also fitted on them
    (``fit_inner``), submitted before the test refit, into ``inner_fits`` (so the ranker can start
    early); where the grid is sampled (a category past ``GRID_SCORES``) that task also selects
    the inner lists of the validation users, else the ranker selects them as it always did.

    Returns the best fusion inputs and fitted generators per family and the test refits
    (futures: they run while the caller tunes the fusion on validation).
    """
    steps = [(f, i, p) for f in fams for i, p in enumerate(f.grid)]
    iterator = progress("validation grid", len(steps)) if progress else None
    valid: PhaseData = runner.phases["valid"]
    sample = grid_users(valid)
    users = {f.name: sample if len(f.grid) > 1 else None for f in fams}
    if sample is not None:
        log(f"  grids scored on {len(sample)} of {len(valid.rows)} validation users (GRID_SCORES); "
            "the chosen settings rank all")  # fmt: skip
    # the early-stopped fits (SASRec, minutes) first: the other worker takes the short ones
    futures = {(f.name, i): runner.submit(fit_rank, "valid", f.make, p, f.early_stopping, metric, users[f.name])
               for f, i, p in sorted(steps, key=lambda s: not s[0].early_stopping)}  # fmt: skip
    best_lists: dict[str, np.ndarray] = {}
    best_gens: dict[str, Generator] = {}
    test_futures: dict[str, Future] = {}
    rest: dict[str, tuple[Future, np.ndarray]] = {}
    later: list[tuple[Family, dict[str, Any]]] = []

    def submit_refits(fam: Family, best_params: dict[str, Any]) -> None:
        """The chosen setting's inner fit (for the ranker) and test refit, in that order."""
        if inner is not None and inner_fits is not None:
            lists_for = valid.rows if sample is not None else None
            inner_fits[fam.name] = runner.submit(
                fit_inner, functools.partial(fam.make, **best_params), inner, lists_for
            )
        test_futures[fam.name] = runner.submit(fit_rank, "test", fam.make, best_params, False, metric)

    for fam in fams:
        best_value, best_params, best_shown = -1.0, {}, None
        out.search[fam.name] = []
        for i in range(len(fam.grid)):
            r = futures.pop((fam.name, i)).result()
            value = r["metrics"][metric]
            out.search[fam.name].append(
                {"params": r["params"], metric: value, "seconds": r["fit_s"] + r["rank_s"], "cpu_s": r["cpu_s"],
                 **({"epochs": r["history"], "stopped_by": r["stop"]} if fam.early_stopping else {})}
            )  # fmt: skip
            if value > best_value:
                best_value, best_params, best_shown = value, r["params"], r["lists"]
                best_lists[fam.name], best_gens[fam.name] = r["fusable"], r["gen"]
            del r
            if iterator is not None:
                next(iterator, None)
        out.chosen[fam.name] = {"params": best_params, f"valid_{metric}": best_value}
        if users[fam.name] is not None:  # the chosen setting ranks the users the grid did not score
            out.chosen[fam.name]["grid_users"] = len(users[fam.name])
            others = np.setdiff1d(np.arange(len(valid.rows)), users[fam.name])
            rest[fam.name] = runner.submit(rank_users, "valid", best_gens[fam.name], others), best_shown
        ran = "".join(f"; {len(e['epochs'])} epochs run, stopped by {e['stopped_by']}" for e in out.search[fam.name]
                      if "stopped_by" in e)  # fmt: skip
        log(f"  {fam.name}: chose {best_params} (valid {metric} {best_value:.4f}{ran})")
        later.append((fam, best_params))
        if sample is None:  # (sampled: after every rest ranking, which the fusion tuning waits for)
            submit_refits(*later.pop())
    for fam, best_params in later:
        submit_refits(fam, best_params)
    for name, (future, shown) in rest.items():
        r = future.result()
        lists, fusable = _merge(sample, shown, r["lists"]), _merge(sample, best_lists[name], r["fusable"])
        best_lists[name] = fusable
        value = _metrics(lists, valid)[metric]  # the chosen setting's value on every validation user
        out.chosen[name][f"valid_{metric}"] = value
        log(
            f"  {name}: valid {metric} {value:.4f} on all {len(valid.rows)} users (rest ranked in {r['cpu_s']:.0f} CPU-s)"
        )
    return best_lists, best_gens, test_futures


def _merge(sample: np.ndarray, at_sample: np.ndarray, at_rest: np.ndarray) -> np.ndarray:
    """Rows for every user: ``at_sample`` at the sampled positions, ``at_rest`` at the others."""
    out = np.empty((len(at_sample) + len(at_rest), at_sample.shape[1]), dtype=at_sample.dtype)
    keep = np.zeros(len(out), dtype=bool)
    keep[sample] = True
    out[keep], out[~keep] = at_sample, at_rest
    return out


def test_phase(
    fams: list[Family],
    futures: Mapping[str, Future],
    out: Outcome,
    progress: Callable[[str, int], Iterator[Any]] | None,
    n_users: int,
) -> tuple[dict[str, np.ndarray], dict[str, Generator]]:
    """Collect the test refits: metrics and timings into ``out``; fusion inputs and generators."""
    lists: dict[str, np.ndarray] = {}
    gens: dict[str, Generator] = {}
    iterator = progress("test", len(fams)) if progress else None
    for fam in fams:
        r = futures[fam.name].result()
        lists[fam.name], gens[fam.name] = r["fusable"], r["gen"]
        out.test[fam.name] = r["metrics"]
        out.timings[fam.name] = {
            "fit_s": r["fit_s"],
            "rank_s": r["rank_s"],
            "cpu_s": r["cpu_s"],
            "users": n_users,
        }
        if fam.early_stopping and r["history"]:
            out.timings[fam.name]["epochs"] = len(r["history"])
            out.timings[fam.name]["s_per_epoch"] = float(np.mean([e["seconds"] for e in r["history"]]))
            out.timings[fam.name]["stopped_by"] = r["stop"]
        if iterator is not None:
            next(iterator, None)
    return lists, gens


def fit_inner(
    make: Callable[[], Generator], inner: Interactions, rows: np.ndarray | None, depth: int = DEPTH
) -> dict[str, Any]:
    """A task: a generator fitted on the leave-one-out ranker's ``inner`` events and, given
    ``rows``, its top-``depth`` fusion input for them (fit items masked), selected as
    ``ranker.generator_candidates`` selects it (float32 scores, ``mask_seen``, ``top_k``), so the
    ranker's inner-candidates stage reads the lists instead of ranking every user again alone in
    the parent (session 27, t12r). Only past ``GRID_SCORES``: in a one-thread worker the scores
    can differ in the last bits from the parent's (BLAS threads), which moved near-ties on a
    2,000-user Beauty sample (ranker valid NDCG@10 0.0345 -> 0.0355), so Beauty-sized files keep
    the parent's selection and their recorded figures. ``lists`` is None without ``rows``."""
    gen = make().fit(inner)
    if rows is None:
        return {"gen": gen, "lists": None}
    out = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        scores = np.asarray(gen.score(chunk), dtype=np.float32)
        mask_seen(scores, inner.seen(chunk))
        out.append(candidates(gen, *top_k(scores, depth)))
    width = min(depth, inner.n_items)
    return {"gen": gen, "lists": np.vstack(out) if out else np.empty((0, width), dtype=np.int64)}


def start_inner_fits(
    runner: Runner, makers: Mapping[str, Callable[[], Generator]], inner: Interactions
) -> dict[str, Future]:
    """The leave-one-out ranker's inner generators (fitted on ``inner``), started now."""
    return {name: runner.submit(grid_pool.fit_generator, make, inner) for name, make in makers.items()}


def children_cpu() -> float:
    """CPU seconds (user + sys) of this process's finished, waited-for children (the workers)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime
