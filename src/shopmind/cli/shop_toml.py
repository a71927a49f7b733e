"""One check of a whole shop TOML, for every command that reads one (``common.read_shop_toml``).

A shop keeps ONE TOML (README: "Settings live in one TOML"). Each command checked only the tables it
reads: ``ingest`` took a bad ``[recs]`` value without a word (to fail later at ``build``), ``serve``
a bad ``[gate]`` one, and ``experiments add shop.toml`` refused the file outright for its other
tables. Here every known table is checked by its own checker, whichever command reads the file, and
each command then picks the tables it uses and leaves the others alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shopmind.cli.common import UsageError


def check_shop_file(data: dict[str, Any], config: Path) -> None:
    """Every known table of ``data`` (the parsed ``config``) checked; the first bad value is a
    ``UsageError`` naming the file and the setting. Unknown tables are refused by the caller
    (``config.check_shop_tables``), before this."""
    from shopmind.config import ConfigError, config_from_dict
    from shopmind.engine import engine_from_dict
    from shopmind.privacy_policy import privacy_settings

    where = str(config)
    try:
        # the gate's tables: `[gate] near_duplicate_seconds = "two"` passed build, serve and demo
        config_from_dict({k: data[k] for k in ("gate", "checks") if k in data}, where)
        engine_from_dict(data, where)
        privacy_settings(data, where)
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if any(k in data for k in BUILD_TABLES):
        from shopmind.cli.release import _check_settings, build_tables

        _check_settings(build_tables(data, config), config)
    if any(k in data for k in ("serve", "storefront", "assistant")):
        from shopmind.cli.serve import serve_settings_of

        serve_settings_of(data, config)
    if "ads" in data:
        _check_ads(data["ads"], where)
    if "campaign" in data:
        _check_campaigns(data["campaign"], where)
    if any(k in data for k in EXPERIMENT_KEYS):
        from shopmind.experiments.definition import ExperimentError, parse_experiments

        try:
            parse_experiments(experiment_part(data))
        except ExperimentError as exc:
            raise UsageError(f"{where}: {exc}") from None


#: the build's tables (``cli/release.py`` reads them)
BUILD_TABLES = ("search", "recs", "release", "profiles", "forecast", "pricing")
#: the experiments file's top-level keys, which a shop TOML may hold beside its tables
EXPERIMENT_KEYS = ("experiment", "holdout", "enabled", "holdout_salt")


def experiment_part(data: dict[str, Any]) -> dict[str, Any]:
    """The experiments definition inside a shop TOML (``[[experiment]]`` and the top-level holdout,
    enabled and holdout_salt), without the shop's other tables."""
    return {k: data[k] for k in EXPERIMENT_KEYS if k in data}


def _check_ads(table: object, where: str) -> None:
    """``[ads]`` read by the one parser the server and ``shopmind ads`` use (``ads.settings.parse_settings``):
    checked key by key here, ``max_slots = 3`` beside the default two ``positions`` passed every command
    and failed only when the ads were served."""
    from shopmind.ads.settings import AdsSettingsError, parse_settings

    try:
        parse_settings(table)
    except AdsSettingsError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _check_campaigns(items: object, where: str) -> None:
    from shopmind.ads.campaign import CampaignError, parse_campaign

    if not isinstance(items, list):
        raise UsageError(f"{where}: campaign must be [[campaign]] tables")
    for i, raw in enumerate(items):
        try:
            parse_campaign(raw, f"campaign[{i}]")
        except CampaignError as exc:
            raise UsageError(f"{where}: {exc}") from None
