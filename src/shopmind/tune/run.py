"""The two ``shopmind tune`` commands as functions: load, tune on validation, write the
tuned copy of the shop TOML and the study's report. The CLI (``cli/tune.py``) and the
benchmarks call these; the test phase / held-out queries are not touched here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.tune.settings_file import write_tuned
from shopmind.tune.study import TimeBox, TuneError, write_report


def _stem(target: str, fmt: str) -> str:
    return f"tune-{target}-{fmt}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def _note(target: str, fmt: str, result: Any, metric: str, report: Path) -> str:
    gain = "" if result.default_value is None else f" (defaults {result.default_value:.4f})"
    return (
        f"tuned by `shopmind tune {target}` on {fmt} validation data {datetime.now(UTC):%Y-%m-%d}: "
        f"{metric} {result.best_value:.4f}{gain}; study {report.name}"
    )


def tune_recs_command(
    fmt: str,
    path: Path,
    minutes: float,
    config: Path | None,
    out: Path | None,
    report_dir: Path,
    protocol: str | None = None,
    seed: int = 0,
    max_trials: int | None = None,
    log: Callable[[str], None] = print,
    mapping: Path | None = None,
) -> dict[str, Any]:
    """Tune ``[recs]`` on the validation phase of ``path``'s protocol split (``mapping``: the
    column mapping TOML of ``--format table``)."""
    from shopmind.recommend.config import RecsConfig
    from shopmind.tune import recs

    budget = TimeBox(minutes * 60)
    base = _base_recs(config) if config is not None else RecsConfig()
    data = recs.load(fmt, path, protocol, mapping)
    split = data.split
    log(
        f"{fmt}: {data.accepted_events} accepted events; {split.protocol}; tuning on the validation phase only"
    )
    result, names = recs.tune_phase(
        split.valid, split.items, data.categories, data.real_time, split.select_metric, budget,
        seed=seed, max_trials=max_trials, base=base, log=log,
    )  # fmt: skip
    settings = recs.recs_settings(result.best_params, names, base)
    report = {
        "target": "recs",
        "dataset": fmt,
        "path": str(path),
        "protocol": split.protocol,
        "sources": names,
        "data_read": recs.data_read(split.valid),
        "settings": settings,
        "defaults": recs.recs_settings(recs.default_params(names, base), names, base),
        "not_tuned": ["weights.content (needs text vectors)", "ranker (LightGBM) settings"],
    }
    return _finish("recs", fmt, result, split.select_metric, report, config, out, report_dir, settings)


def _base_recs(config: Path) -> Any:
    """The shop's current ``[recs]`` settings (the study's first trial)."""
    from shopmind.cli.common import UsageError, read_toml
    from shopmind.recommend.config import RecsConfig
    from shopmind.release.components import BUILD_KEYS, config_from
    from shopmind.release.releases import ReleaseError

    try:
        values = {k: v for k, v in read_toml(config).get("recs", {}).items() if k not in BUILD_KEYS["recs"]}
        values.pop("rules", None)
        return config_from(RecsConfig, "recs", values)
    except (UsageError, ReleaseError) as exc:
        raise TuneError(str(exc)) from None


def tune_search_command(
    fmt: str,
    path: Path,
    minutes: float,
    config: Path | None,
    out: Path | None,
    report_dir: Path,
    seed: int = 0,
    max_trials: int | None = None,
    limit_queries: int | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Tune ``[search.bm25]`` on the tuning half of ``path``'s judged queries."""
    from shopmind.search.evaluate import load_dataset
    from shopmind.tune import search

    budget = TimeBox(minutes * 60)
    data = load_dataset(fmt, path)
    log(
        f"{fmt}: {data.products.height} products, {len(data.qrels)} judged queries; tuning on the tuning half only"
    )
    result, read = search.tune(
        data, budget, seed=seed, max_trials=max_trials, limit_queries=limit_queries, log=log
    )
    settings = search.search_settings(result.best_params)
    report = {
        "target": "search",
        "dataset": fmt,
        "path": str(path),
        "data_read": read,
        "settings": settings,
        "defaults": search.search_settings(search.default_params()),
        "not_tuned": ["dense fusion alpha / rrf_k (need corpus text vectors)", "LTR (LightGBM) settings"],
    }
    return _finish("search", fmt, result, "ndcg@10", report, config, out, report_dir, settings)


def _finish(
    target: str,
    fmt: str,
    result: Any,
    metric: str,
    report: dict[str, Any],
    config: Path | None,
    out: Path | None,
    report_dir: Path,
    settings: dict[str, Any],
) -> dict[str, Any]:
    from shopmind.tune.settings_file import tuned_path

    stem = _stem(target, fmt)
    json_path, png_path = write_report(report, result, metric, report_dir, stem)
    toml_path = write_tuned(
        config,
        out or tuned_path(config, target),
        target,
        settings,
        _note(target, fmt, result, metric, json_path),
    )
    return {
        **report,
        "metric": metric,
        "best_value": result.best_value,
        "default_value": result.default_value,
        "best_params": result.best_params,
        "trials": len(result.trials),
        "seconds": result.seconds,
        "report_json": str(json_path),
        "report_png": str(png_path),
        "toml": str(toml_path),
    }
